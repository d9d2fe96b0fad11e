// `tcns period extend`: a deadline moves earlier only on purpose, and every report of the period
// is re-decided against the deadline in force.
#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>

#include <string>

#include "storage/database.hpp"
#include "storage/period_repo.hpp"
#include "tests/support/cli.hpp"
#include "tests/support/export_fixture.hpp"
#include "tests/support/temp_dir.hpp"

using namespace tcns;
using test::tcns_cli;

namespace {

/// The export fixture: November 2026 has T1 first filed 20/11 (on time) and T2 filed 30/11
/// 10:00 (late against the default deadline, 00:00 30/11).
struct Setup {
    test::TempDir dir;
    std::string db = dir.file("t.db");
    Setup() {
        storage::Database handle(db);
        test::seed_export_fixture(handle);
    }
    test::CliResult period(std::vector<std::string> args) {
        args.insert(args.begin(), {"--db", db, "period"});
        return tcns_cli(args);
    }
    /// "T1:0 T2:1": each November status's late flag, and each revision's.
    std::string lateness() {
        storage::Database h(db);
        std::string out;
        SQLite::Statement s(h.handle(),
                            "SELECT t.code, rs.late FROM report_status rs JOIN teams t ON "
                            "t.id = rs.team_id WHERE rs.period = '2026-11' ORDER BY t.code");
        while (s.executeStep())
            out += s.getColumn(0).getString() + ":" + std::to_string(s.getColumn(1).getInt()) + " ";
        SQLite::Statement r(h.handle(),
                            "SELECT id, late FROM reports WHERE period = '2026-11' ORDER BY id");
        while (r.executeStep())
            out += "r" + std::to_string(r.getColumn(0).getInt()) + ":" +
                   std::to_string(r.getColumn(1).getInt()) + " ";
        return out;
    }
};

}  // namespace

TEST_CASE("period extend refuses a deadline earlier than the current one and changes nothing",
          "[period-cli]") {
    Setup s;
    const std::string before = s.lateness();
    CHECK(before == "T1:0 T2:1 r1:0 r2:0 r3:1 ");
    const auto r = s.period({"extend", "2026-11", "--until", "2026-11-02"});  // a typo for 12-02
    CHECK(r.rc == 1);
    CHECK(r.err.find("earlier than the current deadline 2026-11-30T00:00") != std::string::npos);
    CHECK(r.err.find("1 report change status (1 on time -> late, 0 late -> on time)") !=
          std::string::npos);
    CHECK(r.err.find("--allow-earlier") != std::string::npos);
    CHECK(s.lateness() == before);
    const auto show = s.period({"show", "2026-11"});
    CHECK(show.out.find("deadline 2026-11-30T00:00") != std::string::npos);
    CHECK(show.out.find("default") != std::string::npos);
}

TEST_CASE("period extend prints the old and new deadline and re-decides the period's reports",
          "[period-cli]") {
    Setup s;
    const auto later = s.period({"extend", "2026-11", "--until", "2026-12-02"});
    INFO(later.err);
    REQUIRE(later.rc == 0);
    CHECK(later.out.find(
              "2026-11: deadline 2026-11-30T00:00:00+07:00 -> 2026-12-03T00:00:00+07:00") == 0);
    CHECK(later.out.find("1 report change status (0 on time -> late, 1 late -> on time)") !=
          std::string::npos);
    CHECK(s.lateness() == "T1:0 T2:0 r1:0 r2:0 r3:0 ");

    // Shortening on purpose: T1's first filing (20/11) and both its revisions become late.
    const auto earlier =
        s.period({"extend", "2026-11", "--until", "2026-11-02", "--allow-earlier"});
    INFO(earlier.err);
    REQUIRE(earlier.rc == 0);
    CHECK(earlier.out.find("deadline 2026-12-03T00:00:00+07:00 -> 2026-11-03T00:00:00+07:00") !=
          std::string::npos);
    CHECK(earlier.out.find("2 reports change status (2 on time -> late, 0 late -> on time)") !=
          std::string::npos);
    CHECK(s.lateness() == "T1:1 T2:1 r1:1 r2:1 r3:1 ");

    // Back to the plan's default: T1 on time again, T2 late.
    const auto reset = s.period({"reset", "2026-11"});
    REQUIRE(reset.rc == 0);
    CHECK(reset.out.find("-> 2026-11-30T00:00:00+07:00 (default: before the 30th); 1 report") !=
          std::string::npos);
    CHECK(s.lateness() == "T1:0 T2:1 r1:0 r2:0 r3:1 ");
}

TEST_CASE("lateness_change counts without changing and move_deadline applies it", "[period-repo]") {
    test::TempDir dir;
    storage::Database db(dir.file("t.db"));
    test::seed_export_fixture(db);
    storage::PeriodRepo periods(db);
    const core::MonthPeriod nov{2026, 11};
    const auto until = core::parse_extension_until("2026-12-02");
    REQUIRE(until);
    const auto c = periods.lateness_change(nov, *until);
    CHECK(c.to_late == 0);
    CHECK(c.to_on_time == 1);
    CHECK(periods.deadline(nov) == core::default_monthly_deadline(nov));
    const auto applied = periods.move_deadline(nov, *until, *until);
    CHECK(applied.total() == 1);
    CHECK(periods.deadline(nov) == *until);
    CHECK(periods.lateness_change(nov, *until).total() == 0);
}
