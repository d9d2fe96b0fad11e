// The drill-down and team pages (bot/admin/web_page.hpp) rendered from the admin fixture: worst
// first, indicators against targets in Vietnamese number format, the filter, the SVG trend, the
// team's revisions and difficulties, and the audit log for the province admin only.
#include <catch2/catch.hpp>

#include <regex>

#include "bot/admin/admin_page.hpp"
#include "bot/admin/web_access.hpp"
#include "bot/admin/web_page.hpp"
#include "bot/export_support.hpp"
#include "storage/database.hpp"
#include "tests/support/admin_fixture.hpp"
#include "tests/support/temp_dir.hpp"

using namespace tcns;

namespace {

const std::string kTemplates = std::string(TCNS_SOURCE_DIR) + "/templates";
const core::MonthPeriod kOctober{2026, 10};

struct Pages {
    test::TempDir dir;
    storage::Database db{dir.file("pages.db")};
    bot::AdminTemplates templates = bot::load_admin_templates(kTemplates);
    core::Form form = bot::load_export_templates(kTemplates).form;
    // 1 December 2026: October is closed.
    core::Instant now = *core::parse_instant("2026-12-01T10:00:00+07:00");
    bot::WebPageContext ctx{templates, form, now};
    Pages() {
        test::seed_admin_fixture(db);
        db.handle().exec(R"sql(
INSERT INTO report_values(report_id, item_code, value_int) VALUES
  (1, 'LH01', 1200), (2, 'LH01', 10), (3, 'LH01', 25), (4, 'LH01', 10), (5, 'LH01', 10),
  (6, 'LH01', 10), (7, 'LH01', 7);
INSERT INTO targets(unit_id, team_id, item_code, period, value) VALUES
  (1, NULL, 'LH01', '2026-10', 2000), (2, NULL, 'LH01', '2026-10', 1000),
  (NULL, 2, 'LH01', '2026', 120);
INSERT INTO difficulties(team_id, period, category, text, source, person_id, created_at) VALUES
  (2, '2026-10', 'Hạ tầng', 'Sóng <yếu> ở Ấp 2', 'chat', 2, 1793336400);
)sql");
        bot::web::audit(db, std::nullopt, "admin-token", "export", "rollup.csv", "10.0.0.9", now);
    }
    std::string unit_page(std::int64_t unit,
                          bot::PageScope scope = {.root = {}, .province_admin = true},
                          bot::Span span = bot::Span::kMonth, const std::string& filter = "") {
        return bot::render_unit_page(ctx, db, scope, unit, bot::PeriodSel{kOctober, span}, filter);
    }
};

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("the province page shows totals, indicators against targets and districts worst first",
          "[web]") {
    Pages p;
    const std::string html = p.unit_page(1);
    INFO(html.substr(0, 2000));
    CHECK(has(html, "<b id=\"u-teams\">7</b>"));
    CHECK(has(html, "<b id=\"u-pct\">57,1%</b>"));
    // LH01: 1.200 + 25 + 10 + 10 + 10 = 1.255 of 2.000 = 62,8 %.
    CHECK(has(html,
              "<td class=\"num\">1.255</td><td class=\"num\">2.000</td><td "
              "class=\"num\">62,8%</td>"));
    // Huyện Long Thành (50 %) before Thành phố Biên Hòa (60 %).
    const auto long_thanh = html.find(">Huyện Long Thành</a>");
    const auto bien_hoa = html.find(">Thành phố Biên Hòa</a>");
    REQUIRE(long_thanh != std::string::npos);
    REQUIRE(bien_hoa != std::string::npos);
    CHECK(long_thanh < bien_hoa);
    CHECK(has(html, "href=\"/admin/area?unit=732&amp;period=2026-10\""));
    CHECK(has(html, "1.245 / 1.000"));  // Biên Hòa's LH01 against its target
    // The trend: inline SVG, 12 months, no script anywhere.
    CHECK(has(html, "<svg"));
    CHECK(std::regex_search(html, std::regex("Tháng 10/26: 57,1% đúng hạn")));
    CHECK_FALSE(has(html, "<script"));
    CHECK(has(html, "id=\"legend\""));
    CHECK(has(html, "id=\"audit\""));
    CHECK(has(html, "10.0.0.9"));
    CHECK_FALSE(std::regex_search(html, std::regex("\\{[a-z_]+\\}")));  // every placeholder filled
    // The province has 7 teams: they are listed, missing first.
    const auto t03 = html.find(">Tổ CNS Ấp 2 (B)</a>");
    const auto t01 = html.find(">Tổ CNS Ấp 1</a>");
    REQUIRE(t03 != std::string::npos);
    CHECK(t03 < t01);
}

TEST_CASE("the filter keeps matching child units, without diacritics too", "[web]") {
    Pages p;
    const std::string html =
        p.unit_page(2, {.root = {}, .province_admin = true}, bot::Span::kMonth, "trang dai");
    CHECK(has(html, ">Phường Trảng Dài</a>"));
    CHECK_FALSE(has(html, ">Xã Long Hưng</a>"));
    CHECK(has(html, "value=\"trang dai\""));
    const std::string none =
        p.unit_page(2, {.root = {}, .province_admin = true}, bot::Span::kMonth, "<zzz>");
    CHECK(has(none, "&lt;zzz&gt;"));
    CHECK_FALSE(has(none, "<zzz>"));
}

TEST_CASE("a commune official's page has breadcrumbs above the scope unlinked and no audit log",
          "[web]") {
    Pages p;
    const bot::PageScope scope{.root = 4, .province_admin = false, .signed_in_as = "Cán bộ"};
    const std::string html = p.unit_page(4, scope);
    CHECK(has(html, "<span>Tỉnh Đồng Nai</span>"));
    CHECK_FALSE(has(html, "unit=75&amp;"));
    CHECK(has(html, "aria-current=\"page\">Xã Long Hưng</span>"));
    CHECK_FALSE(has(html, "id=\"audit\""));
    CHECK_FALSE(has(html, "10.0.0.9"));
    CHECK(has(html, ">Ấp 1</a>"));
    CHECK(has(html, "href=\"/admin/team?team=T03&amp;period=2026-10\""));
    CHECK_FALSE(has(html, "T04"));
}

TEST_CASE("the quarter and year-to-date spans count their months", "[web]") {
    Pages p;
    const std::string q = p.unit_page(1, {.root = {}, .province_admin = true}, bot::Span::kQuarter);
    CHECK(has(q, "quý 4/2026 (tháng 10 đến tháng 10)"));
    const std::string y =
        p.unit_page(4, {.root = {}, .province_admin = true}, bot::Span::kYearToDate);
    // Xã Long Hưng: 3 teams × 10 months expected, 3 reports, 2 on time.
    CHECK(has(y, "<b id=\"u-expected\">30</b>"));
    CHECK(has(y, "<b id=\"u-on-time\">2</b>"));
    CHECK(has(y, "<b id=\"u-missing\">27</b>"));
}

TEST_CASE("the team page lists months, revisions with who and when, and difficulties", "[web]") {
    Pages p;
    const std::string html =
        bot::render_team_page(p.ctx, p.db, {.root = {}, .province_admin = true}, 2,
                              bot::PeriodSel{kOctober, bot::Span::kMonth});
    CHECK(has(html, "Tổ CNS Ấp 2 (T02)"));
    CHECK(has(html, "Trần Văn Bình"));
    CHECK(has(html, "0912000002"));
    // October: late (first revision late), two revisions, the latest value against 10 a month.
    CHECK(has(html, "<span class=\"status fair\">Trễ hạn</span></td><td class=\"num\">2</td>"));
    CHECK(has(html, "25 / 10"));
    CHECK(has(html, "250,0%"));
    CHECK(has(html, "<span class=\"status poor\">Chưa nộp</span>"));  // September
    CHECK(has(html, "Sóng &lt;yếu&gt; ở Ấp 2"));
    CHECK(has(html, "<a href=\"/admin/area?unit=100-02&amp;period=2026-10\">Ấp 2</a>"));
    CHECK_FALSE(std::regex_search(html, std::regex("\\{[a-z_]+\\}")));
    CHECK_FALSE(has(html, "<script"));
}
