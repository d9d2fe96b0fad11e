// The admin page's words and links agree with the chat messages and the exports: one deadline
// wording, the commune next to a missing team's hamlet, roll-up links counting what it counts.
#include <catch2/catch.hpp>

#include "bot/admin/admin_page.hpp"
#include "storage/admin_overview.hpp"
#include "storage/period_repo.hpp"
#include "tests/support/admin_fixture.hpp"
#include "tests/support/temp_dir.hpp"

using namespace tcns;

namespace {

core::Instant vn(const std::string& text) {
    const auto t = core::parse_instant(text);
    REQUIRE(t);
    return *t;
}

}  // namespace

TEST_CASE("the admin page writes the deadline as the chat does and names a hamlet's commune",
          "[admin-figures]") {
    test::TempDir dir;
    storage::Database db(dir.file("a.db"));
    test::seed_admin_fixture(db);
    const bot::AdminTemplates t = bot::load_admin_templates(TCNS_SOURCE_DIR "/templates");

    bot::AdminPageView v;
    v.period = core::MonthPeriod{2026, 10};
    v.level = "province";
    v.periods = {v.period};
    v.levels = storage::unit_levels(db);
    v.deadline = storage::PeriodRepo(db).deadline(v.period);
    v.now = vn("2026-12-10T08:00");
    v.overview = storage::compliance_overview(db, v.period, v.level, 100);
    std::string page = bot::render_admin_page(t, v);
    CHECK(page.find("Hạn chót: hết ngày 29/10/2026 (đã hết hạn).") != std::string::npos);
    // At province level the hamlet "Ấp 2" is named with its commune.
    CHECK(page.find("<td>Ấp 2, Xã Long Hưng</td>") != std::string::npos);
    // A closed month: the roll-up links count closed months (no month_to_date).
    CHECK(page.find("rollup.csv?period=2026-10&amp;level=province\"") != std::string::npos);

    // A month still open: the page counts it to date, and so do its roll-up links.
    v.period = core::MonthPeriod{2026, 12};
    v.deadline = storage::PeriodRepo(db).deadline(v.period);
    v.overview = storage::compliance_overview(db, v.period, v.level, 100);
    page = bot::render_admin_page(t, v);
    CHECK(page.find("Hạn chót: hết ngày 29/12/2026 (chưa đến hạn") != std::string::npos);
    CHECK(page.find("rollup.csv?period=2026-12&amp;level=province&amp;month_to_date=1\"") !=
          std::string::npos);
    // An extension to a time of day says so.
    storage::PeriodRepo(db).set_extension(v.period, vn("2027-01-02T17:00"), v.now);
    v.deadline = storage::PeriodRepo(db).deadline(v.period);
    page = bot::render_admin_page(t, v);
    CHECK(page.find("Hạn chót: trước 17:00 ngày 02/01/2027") != std::string::npos);
}

TEST_CASE("the period picker offers no month before the first team existed", "[admin-figures]") {
    const core::MonthPeriod dec{2026, 12};
    CHECK(bot::period_choices(dec, std::nullopt).size() == 24);
    CHECK(bot::period_choices(dec, std::nullopt).back() == core::MonthPeriod{2025, 1});
    const auto from_oct = bot::period_choices(dec, core::MonthPeriod{2026, 10});
    REQUIRE(from_oct.size() == 3);
    CHECK(from_oct.front() == dec);
    CHECK(from_oct.back() == core::MonthPeriod{2026, 10});
    // Teams that start later than today: the current month is still offered.
    CHECK(bot::period_choices(dec, core::MonthPeriod{2027, 3}).size() == 1);
}
