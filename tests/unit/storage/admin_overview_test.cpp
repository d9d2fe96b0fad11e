#include <catch2/catch.hpp>

#include "storage/admin_overview.hpp"
#include "tests/support/admin_fixture.hpp"
#include "tests/support/temp_dir.hpp"

using namespace tcns;

namespace {

struct Seeded {
    test::TempDir dir;
    storage::Database db{dir.file("admin.db")};
    Seeded() { test::seed_admin_fixture(db); }
};

const core::MonthPeriod kOctober{2026, 10};

void check_counts(const storage::ComplianceCounts& c, std::int64_t teams, std::int64_t submitted,
                  std::int64_t on_time, std::int64_t late) {
    CHECK(c.teams == teams);
    CHECK(c.submitted == submitted);
    CHECK(c.on_time == on_time);
    CHECK(c.late == late);
    CHECK(c.missing() == teams - submitted);
}

}  // namespace

TEST_CASE("compliance per commune matches the figures computed by hand", "[admin-overview]") {
    Seeded s;
    const auto o = storage::compliance_overview(s.db, kOctober, "commune", 100);
    REQUIRE(o.units.size() == 3);
    CHECK(o.units[0].name == "Xã Long Hưng");
    CHECK(o.units[0].parent_name == "Thành phố Biên Hòa");
    check_counts(o.units[0].counts, 3, 2, 1, 1);
    CHECK(o.units[0].counts.on_time_pct().value() == Approx(100.0 / 3));
    CHECK(o.units[1].name == "Phường Trảng Dài");
    check_counts(o.units[1].counts, 2, 2, 2, 0);
    CHECK(o.units[2].name == "Xã An Phước");
    CHECK(o.units[2].code == "300");
    check_counts(o.units[2].counts, 2, 1, 1, 0);  // the dissolved T07 is not expected
    check_counts(o.total, 7, 5, 4, 1);
    CHECK(o.total.on_time_pct().value() == Approx(400.0 / 7));
}

TEST_CASE("compliance per district and per province add up the same teams", "[admin-overview]") {
    Seeded s;
    auto o = storage::compliance_overview(s.db, kOctober, "district", 100);
    REQUIRE(o.units.size() == 2);
    CHECK(o.units[0].name == "Thành phố Biên Hòa");
    CHECK(o.units[0].parent_name == "Tỉnh Đồng Nai");
    check_counts(o.units[0].counts, 5, 4, 3, 1);
    CHECK(o.units[1].name == "Huyện Long Thành");
    check_counts(o.units[1].counts, 2, 1, 1, 0);

    o = storage::compliance_overview(s.db, kOctober, "province", 100);
    REQUIRE(o.units.size() == 1);
    CHECK(o.units[0].parent_name.empty());
    check_counts(o.units[0].counts, 7, 5, 4, 1);
}

TEST_CASE("the missing teams come in tree order with their leader, capped", "[admin-overview]") {
    Seeded s;
    auto o = storage::compliance_overview(s.db, kOctober, "commune", 100);
    REQUIRE(o.missing.size() == 2);
    CHECK(o.missing[0].team_code == "T03");
    CHECK(o.missing[0].area == "Xã Long Hưng");
    CHECK(o.missing[0].unit == "Ấp 2");
    CHECK(o.missing[0].leader_name == "Lê Văn Cường");
    CHECK(o.missing[0].leader_phone == "84912000003");
    CHECK(o.missing[1].team_code == "T06");
    CHECK(o.missing[1].area == "Xã An Phước");
    CHECK(o.missing[1].leader_name.empty());

    o = storage::compliance_overview(s.db, kOctober, "district", 1);
    REQUIRE(o.missing.size() == 1);
    CHECK(o.missing[0].area == "Thành phố Biên Hòa");
    CHECK(o.total.missing() == 2);
}

TEST_CASE("a month without reports shows every active team missing", "[admin-overview]") {
    Seeded s;
    const auto o = storage::compliance_overview(s.db, {2026, 11}, "commune", 100);
    check_counts(o.total, 7, 0, 0, 0);
    CHECK(o.missing.size() == 7);
    CHECK_FALSE(storage::compliance_overview(s.db, {2026, 11}, "nowhere", 100).units.size());
}

TEST_CASE("unit levels and the latest reported month", "[admin-overview]") {
    Seeded s;
    CHECK(storage::unit_levels(s.db) ==
          std::vector<std::string>{"province", "district", "commune", "hamlet"});
    CHECK(storage::latest_reported_period(s.db, {2026, 12}) == core::MonthPeriod{2026, 10});
    CHECK(storage::latest_reported_period(s.db, {2026, 9}) == core::MonthPeriod{2026, 9});
    CHECK_FALSE(storage::latest_reported_period(s.db, {2026, 8}));
}

TEST_CASE("reports on time but revised after the deadline are counted apart", "[admin-overview]") {
    Seeded s;
    // T02 was late from the start: its late revision hides nothing.
    CHECK(
        storage::compliance_overview(s.db, kOctober, "commune", 100).total.revised_after_deadline ==
        0);
    s.db.handle().exec(
        "UPDATE report_status SET revised_after_deadline = 1 WHERE team_id = 1 AND "
        "period = '2026-10'");
    const auto o = storage::compliance_overview(s.db, kOctober, "commune", 100);
    CHECK(o.total.revised_after_deadline == 1);
    CHECK(o.total.on_time == 4);  // still on time: the first submission decides
    CHECK(o.units[0].counts.revised_after_deadline == 1);
}
