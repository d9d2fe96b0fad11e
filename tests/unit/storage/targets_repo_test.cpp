#include <SQLiteCpp/SQLiteCpp.h>
#include <catch2/catch.hpp>

#include "core/targets_import.hpp"
#include "storage/roster_repo.hpp"
#include "storage/targets_repo.hpp"
#include "tests/support/temp_dir.hpp"

using namespace tcns;

namespace {

/// A unit "26380" and a team whose code is also "26380", to tell owners apart.
void seed_roster(storage::Database& db) {
    storage::RosterRepo roster(db);
    storage::WriteTransaction tx(db);
    core::UnitRecord unit;
    unit.code = "26380";
    unit.name = "Xã Long Hưng";
    unit.type = "Xã";
    unit.level = "commune";
    roster.upsert_units({unit});
    core::TeamRecord team;
    team.code = "26380";
    team.name = "Tổ Long Hưng";
    team.unit_code = "26380";
    roster.upsert_teams({team});
    tx.commit();
}

core::TargetRecord target(core::TargetOwner owner, std::string item, std::string period,
                          std::int64_t value) {
    core::TargetRecord t;
    t.owner = owner;
    t.code = "26380";
    t.item_code = std::move(item);
    t.period = std::move(period);
    t.value = value;
    return t;
}

}  // namespace

TEST_CASE("a unit's and a team's target with the same code, item and period are two targets",
          "[targets-repo]") {
    test::TempDir dir;
    storage::Database db(dir.file("t.db"));
    seed_roster(db);
    storage::TargetsRepo targets(db);
    {
        storage::WriteTransaction tx(db);
        const auto counts = targets.upsert({target(core::TargetOwner::kUnit, "LH01", "2025", 100),
                                            target(core::TargetOwner::kTeam, "LH01", "2025", 7)});
        tx.commit();
        CHECK(counts.added == 2);
    }
    CHECK(targets.value(core::TargetOwner::kUnit, "26380", "LH01", "2025") == 100);
    CHECK(targets.value(core::TargetOwner::kTeam, "26380", "LH01", "2025") == 7);
    CHECK_FALSE(targets.value(core::TargetOwner::kUnit, "26380", "LH01", "2025-01"));
    const auto all = targets.all();
    REQUIRE(all.size() == 2);
    CHECK(all[0].code == "26380");

    storage::WriteTransaction tx(db);
    const auto again = targets.upsert({target(core::TargetOwner::kUnit, "LH01", "2025", 100),
                                       target(core::TargetOwner::kTeam, "LH01", "2025", 8)});
    CHECK(again.unchanged == 1);
    CHECK(again.updated == 1);
    tx.commit();
    CHECK(targets.value(core::TargetOwner::kTeam, "26380", "LH01", "2025") == 8);
    CHECK(targets.count() == 2);
}

TEST_CASE("an import rolled back leaves no target behind", "[targets-repo]") {
    test::TempDir dir;
    storage::Database db(dir.file("t.db"));
    seed_roster(db);
    storage::TargetsRepo targets(db);
    {
        storage::WriteTransaction tx(db);
        targets.upsert({target(core::TargetOwner::kUnit, "ID01", "2025-03", 5)});
    }
    CHECK(targets.count() == 0);
}
