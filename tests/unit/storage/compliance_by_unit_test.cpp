// compliance_by_unit (one pass over a subtree's teams, grouped by unit) must count exactly as
// compliance_counts does for each unit, and first_expected_month must give the minimum of
// team_first_month without reading the view: the page's speed at national scale (issue 16)
// rests on both, its numbers on their agreeing with the one definition (compliance.hpp).
#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>

#include "storage/admin_overview.hpp"
#include "storage/compliance.hpp"
#include "tests/support/admin_fixture.hpp"
#include "tests/support/temp_dir.hpp"

using namespace tcns;
using storage::MonthRange;

namespace {

const core::MonthPeriod kAugust{2026, 8};
const core::MonthPeriod kSeptember{2026, 9};
const core::MonthPeriod kOctober{2026, 10};
const core::MonthPeriod kNovember{2026, 11};

struct Fixture {
    test::TempDir dir;
    storage::Database db{dir.file("by_unit.db")};
    Fixture() { test::seed_admin_fixture(db); }

    /// Start dates as compliance_test's: T06 founded 15/10/2026, T03 imported 02/11/2026.
    void with_start_dates() {
        db.handle().exec(
            "UPDATE teams SET decision_date = '2025-03-01';"
            "UPDATE teams SET decision_date = '2026-10-15' WHERE code = 'T06';"
            "UPDATE teams SET decision_date = NULL, imported_on = '2026-11-02' "
            "WHERE code = 'T03';");
    }

    std::vector<std::pair<core::UnitId, std::string>> units(const std::string& level) {
        SQLite::Statement q(db.handle(), "SELECT id, code FROM units WHERE level = ? ORDER BY id");
        q.bind(1, level);
        std::vector<std::pair<core::UnitId, std::string>> out;
        while (q.executeStep()) out.emplace_back(q.getColumn(0).getInt64(), q.getColumn(1));
        return out;
    }

    /// The minimum of the view, read the slow way.
    std::optional<core::MonthPeriod> first_month_from_view() {
        SQLite::Statement q(db.handle(),
                            "SELECT count(*), count(first_month), min(first_month) "
                            "FROM team_first_month");
        REQUIRE(q.executeStep());
        const auto teams = q.getColumn(0).getInt64();
        if (teams == 0 || q.getColumn(1).getInt64() < teams) return std::nullopt;
        return core::MonthPeriod::parse(q.getColumn(2).getString());
    }
};

void check_same(const storage::ComplianceCounts& a, const storage::ComplianceCounts& b) {
    CHECK(a.teams == b.teams);
    CHECK(a.expected == b.expected);
    CHECK(a.submitted == b.submitted);
    CHECK(a.on_time == b.on_time);
    CHECK(a.late == b.late);
    CHECK(a.missing_teams == b.missing_teams);
    CHECK(a.revised_after_deadline == b.revised_after_deadline);
}

void check_every_unit(Fixture& f) {
    const std::vector<MonthRange> ranges = {{kSeptember, kSeptember},
                                            {kOctober, kOctober},
                                            {kSeptember, kOctober},
                                            {kAugust, kNovember}};
    for (const char* level : {"province", "district", "commune", "hamlet"}) {
        for (const auto& range : ranges) {
            // The whole tree, and each unit above the level as a scope (a web session).
            std::vector<std::optional<core::UnitId>> scopes = {std::nullopt, 1, 2, 3};
            for (const auto& scope : scopes) {
                const auto by_unit = storage::compliance_by_unit(f.db, scope, level, range);
                for (const auto& [id, code] : f.units(level)) {
                    INFO(level << " " << code << " " << range.from.str() << ".." << range.to.str()
                               << " scope " << (scope ? std::to_string(*scope) : "-"));
                    const auto it = by_unit.find(id);
                    const auto expected = storage::compliance_counts(f.db, id, range);
                    const bool inside = !scope || *scope == 1 ||
                                        (*scope == 2 && (id == 2 || id == 4 || id == 5 || id == 7 ||
                                                         id == 8 || id == 9)) ||
                                        (*scope == 3 && (id == 3 || id == 6 || id == 10));
                    if (!inside) {
                        CHECK(it == by_unit.end());
                        continue;
                    }
                    if (expected.teams == 0 && expected.expected == 0) {
                        // A unit without teams in the range may be absent or all zero.
                        if (it != by_unit.end()) check_same(it->second, expected);
                        continue;
                    }
                    REQUIRE(it != by_unit.end());
                    check_same(it->second, expected);
                }
            }
        }
    }
}

}  // namespace

TEST_CASE("counts per unit in one pass equal compliance_counts for each unit",
          "[compliance][by-unit]") {
    Fixture f;
    SECTION("every team expected in every month") {
        check_every_unit(f);
    }
    SECTION("teams that started late") {
        f.with_start_dates();
        check_every_unit(f);
    }
}

TEST_CASE("the admin page's rows are compliance_counts of each unit", "[compliance][by-unit]") {
    Fixture f;
    f.with_start_dates();
    for (const char* level : {"district", "commune"}) {
        const auto page = storage::compliance_overview(f.db, kOctober, level, 100);
        const auto units = f.units(level);
        REQUIRE(page.units.size() == units.size());
        for (const auto& row : page.units) {
            INFO(level << " " << row.code);
            core::UnitId id = 0;
            for (const auto& [uid, code] : units)
                if (code == row.code) id = uid;
            REQUIRE(id != 0);
            check_same(row.counts, storage::compliance_counts(f.db, id, {kOctober, kOctober}));
        }
    }
}

TEST_CASE("the first expected month equals the view's minimum", "[compliance][by-unit]") {
    Fixture f;
    // No start date for any team: every month is expected, no first month.
    CHECK(f.first_month_from_view() == std::nullopt);
    CHECK(storage::first_expected_month(f.db) == std::nullopt);
    f.with_start_dates();
    REQUIRE(f.first_month_from_view());
    CHECK(storage::first_expected_month(f.db) == f.first_month_from_view());
    CHECK(storage::first_expected_month(f.db) == core::MonthPeriod{2025, 3});
    // A report before every start date moves the first month back.
    f.db.handle().exec(
        "UPDATE teams SET decision_date = '2026-10-01' WHERE decision_date < '2026'");
    CHECK(storage::first_expected_month(f.db) == f.first_month_from_view());
    CHECK(storage::first_expected_month(f.db) == kSeptember);  // T01's September report
    // A dissolved team's report does not count; one team without a date makes every month count.
    f.db.handle().exec(
        "INSERT INTO reports(id, team_id, period, revision, form_id, form_version, submitted_at, "
        "late) VALUES (90, 7, '2024-01', 1, 'monthly-report', 1, 1704067200, 0);"
        "INSERT INTO report_status(team_id, period, first_submitted_at, last_submitted_at, "
        "latest_report_id, revision, late) VALUES (7, '2024-01', 1704067200, 1704067200, 90, 1, "
        "0);");
    CHECK(storage::first_expected_month(f.db) == kSeptember);
    CHECK(storage::first_expected_month(f.db) == f.first_month_from_view());
    f.db.handle().exec("UPDATE teams SET decision_date = NULL WHERE code = 'T05'");
    CHECK(storage::first_expected_month(f.db) == std::nullopt);
    CHECK(f.first_month_from_view() == std::nullopt);
    // No active team at all.
    f.db.handle().exec("UPDATE teams SET active = 0");
    CHECK(storage::first_expected_month(f.db) == std::nullopt);
}
