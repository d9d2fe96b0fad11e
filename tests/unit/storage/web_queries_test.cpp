// The web page's reads (storage/web_queries.hpp) on the hand-made province of the admin fixture:
// sums per child unit, the trend's counts equal compliance_counts month by month, a team's
// revisions and difficulties.
#include <catch2/catch.hpp>

#include "storage/compliance.hpp"
#include "storage/exports.hpp"
#include "storage/web_queries.hpp"
#include "tests/support/admin_fixture.hpp"
#include "tests/support/temp_dir.hpp"

using namespace tcns;

namespace {

const core::MonthPeriod kSeptember{2026, 9};
const core::MonthPeriod kOctober{2026, 10};

/// The fixture with indicator values: LH01 10 per report revision 1; T02's revision 2 says 25;
/// a difficulty for T02 in October.
struct World {
    test::TempDir dir;
    storage::Database db{dir.file("web.db")};
    World() {
        test::seed_admin_fixture(db);
        db.handle().exec(R"sql(
INSERT INTO report_values(report_id, item_code, value_int) VALUES
  (1, 'LH01', 10), (2, 'LH01', 10), (3, 'LH01', 25), (4, 'LH01', 10), (5, 'LH01', 10),
  (6, 'LH01', 10), (7, 'LH01', 7), (1, 'ID01', 3), (3, 'ID01', 4);
UPDATE reports SET submitted_by = 2 WHERE id IN (2, 3);
INSERT INTO difficulties(team_id, period, category, text, source, person_id, created_at) VALUES
  (2, '2026-10', 'Hạ tầng', 'Sóng yếu ở Ấp 2', 'chat', 2, 1793336400);
)sql");
    }
};

}  // namespace

TEST_CASE("subtree sums give the unit's total and each child's, latest revisions only",
          "[web][storage]") {
    World w;
    const auto s = storage::subtree_sums(w.db, 1, {kOctober, kOctober});  // the province
    // T01 10 + T02 25 (revision 2) + T04 10 + T05 10 + T08 10; T03, T06 missing.
    CHECK(s.total.at("LH01") == 65);
    CHECK(s.total.at("ID01") == 7);
    CHECK(s.children.at(2).at("LH01") == 55);  // Thành phố Biên Hòa
    CHECK(s.children.at(3).at("LH01") == 10);  // Huyện Long Thành
    // The same rule as the roll-up export.
    CHECK(s.total == storage::subtree_item_sums(w.db, 1, kOctober, kOctober));
    CHECK(s.children.at(2) == storage::subtree_item_sums(w.db, 2, kOctober, kOctober));
    const auto commune = storage::subtree_sums(w.db, 4, {kSeptember, kOctober});
    CHECK(commune.total.at("LH01") == 42);           // 10 + 25 + 7
    CHECK(commune.children.at(7).at("LH01") == 17);  // Ấp 1: T01 in both months
}

TEST_CASE("subtree counts equal compliance_counts for the unit and each child", "[web][storage]") {
    World w;
    // Teams that start during the year (compliance_test's dates): fewer months expected.
    w.db.handle().exec(
        "UPDATE teams SET decision_date = '2025-03-01' WHERE code NOT IN ('T03', 'T06');"
        "UPDATE teams SET decision_date = '2026-10-15' WHERE code = 'T06';"
        "UPDATE teams SET imported_on = '2026-11-02' WHERE code = 'T03'");
    for (const storage::MonthRange range :
         {storage::MonthRange{kOctober, kOctober}, storage::MonthRange{kSeptember, kOctober},
          storage::MonthRange{core::MonthPeriod{2026, 1}, kOctober}}) {
        for (const std::int64_t unit : {1, 2, 4, 6, 8}) {
            const auto s = storage::subtree_counts(w.db, unit, range);
            const auto same = [](const storage::ComplianceCounts& a,
                                 const storage::ComplianceCounts& b) {
                return a.teams == b.teams && a.expected == b.expected &&
                       a.submitted == b.submitted && a.on_time == b.on_time && a.late == b.late &&
                       a.missing_teams == b.missing_teams &&
                       a.revised_after_deadline == b.revised_after_deadline;
            };
            INFO("unit " << unit << " from " << range.from.str());
            CHECK(same(s.total, storage::compliance_counts(w.db, unit, range)));
            for (const auto& child : storage::child_units(w.db, unit)) {
                const auto it = s.children.find(child.id);
                const auto c = storage::compliance_counts(w.db, child.id, range);
                if (it == s.children.end())
                    CHECK(c.teams == 0);
                else
                    CHECK(same(it->second, c));
            }
        }
    }
    const auto october = storage::subtree_counts(w.db, 1, {kOctober, kOctober});
    CHECK(october.total.expected == 6);  // T03 starts in November
    // The trend agrees month by month with these starts too.
    for (const auto& m : storage::unit_trend(w.db, 1, kOctober, 12, {})) {
        const auto c = storage::compliance_counts(w.db, 1, {m.month, m.month});
        CHECK(m.counts.expected == c.expected);
        CHECK(m.counts.on_time == c.on_time);
    }
    CHECK(october.children.at(2).on_time == 3);
}

TEST_CASE("the trend counts each month with compliance_counts", "[web][storage]") {
    World w;
    const auto trend = storage::unit_trend(w.db, 1, kOctober, 12, {"LH01"});
    REQUIRE(trend.size() == 12);
    CHECK(trend.front().month == core::MonthPeriod{2025, 11});
    CHECK(trend.back().month == kOctober);
    for (const auto& m : trend) {
        const auto c = storage::compliance_counts(w.db, 1, {m.month, m.month});
        CHECK(m.counts.teams == c.teams);
        CHECK(m.counts.expected == c.expected);
        CHECK(m.counts.submitted == c.submitted);
        CHECK(m.counts.on_time == c.on_time);
        CHECK(m.counts.late == c.late);
        CHECK(m.counts.missing_teams == c.missing_teams);
        CHECK(m.counts.revised_after_deadline == c.revised_after_deadline);
    }
    CHECK(trend.back().counts.on_time == 4);
    CHECK(trend.back().counts.expected == 7);
    CHECK(trend.back().sums.at("LH01") == 65);
    CHECK(trend.back().children.at(2).at("LH01") ==
          storage::subtree_sums(w.db, 1, {kOctober, kOctober}).children.at(2).at("LH01"));
    CHECK(trend[10].sums.at("LH01") == 7);
    CHECK(trend[9].sums.empty());
}

TEST_CASE("the tree helpers walk paths, children and subtrees", "[web][storage]") {
    World w;
    const auto path = storage::unit_path(w.db, 8);  // Ấp 2
    REQUIRE(path.size() == 4);
    CHECK(path[0].code == "75");
    CHECK(path[3].name == "Ấp 2");
    CHECK(storage::unit_within(w.db, 8, 2));
    CHECK_FALSE(storage::unit_within(w.db, 8, 5));
    const auto kids = storage::child_units(w.db, 2);
    REQUIRE(kids.size() == 2);
    CHECK(kids[0].code == "100");
    CHECK(storage::subtree_team_count(w.db, 4) == 3);
    CHECK(storage::subtree_team_count(w.db, 6) == 2);  // T07 is dissolved
    const auto teams = storage::subtree_teams(w.db, 4, {kOctober, kOctober}, 100);
    REQUIRE(teams.size() == 3);
    CHECK(teams[0].code == "T01");
    CHECK(teams[0].leader_name == "Nguyễn Thị Ánh Tuyết");
    CHECK(teams[1].submitted == 1);
    CHECK(teams[1].on_time == 0);
    CHECK(teams[2].expected == 1);
    CHECK(teams[2].submitted == 0);
}

TEST_CASE("a team's history lists revisions newest first with who, and its difficulties",
          "[web][storage]") {
    World w;
    const auto team = storage::web_team(w.db, "T02");
    REQUIRE(team);
    CHECK(team->leader_name == "Trần Văn Bình");
    const auto h = storage::team_history(w.db, team->id, core::MonthPeriod{2025, 11}, kOctober);
    REQUIRE(h.revisions.size() == 2);
    CHECK(h.revisions[0].revision == 2);
    CHECK(h.revisions[0].submitted_by == "Trần Văn Bình");
    CHECK(h.revisions[0].values.at("LH01") == 25);
    CHECK(h.revisions[1].revision == 1);
    CHECK(h.revisions[1].late);
    REQUIRE(h.difficulties.size() == 1);
    CHECK(h.difficulties[0].text == "Sóng yếu ở Ấp 2");
    CHECK(h.difficulties[0].person == "Trần Văn Bình");
    CHECK_FALSE(storage::web_team(w.db, "T99"));
}
