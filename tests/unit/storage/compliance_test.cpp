// One definition of "expected" and "missing" (storage/compliance.hpp), read by the exports, the
// admin page and the officials' chat summaries: they must agree.
#include <catch2/catch.hpp>

#include <sstream>

#include "bot/templates.hpp"
#include "core/csv.hpp"
#include "core/summary.hpp"
#include "storage/admin_overview.hpp"
#include "storage/compliance.hpp"
#include "storage/exports.hpp"
#include "storage/period_repo.hpp"
#include "storage/reminder_repo.hpp"
#include "tests/support/admin_fixture.hpp"
#include "tests/support/export_fixture.hpp"
#include "tests/support/temp_dir.hpp"

using namespace tcns;
using storage::ExportKind;
using storage::MonthRange;

namespace {

const core::MonthPeriod kSeptember{2026, 9};
const core::MonthPeriod kOctober{2026, 10};
const core::MonthPeriod kNovember{2026, 11};
const core::MonthPeriod kDecember{2026, 12};

core::Instant vn(const std::string& text) {
    const auto t = core::parse_instant(text);
    REQUIRE(t);
    return *t;
}

/// The admin fixture (see admin_fixture.hpp), with T06 founded on 15/10/2026 and T03 imported on
/// 02/11/2026 without a decision; every other team founded in 2025.
struct Seeded {
    test::TempDir dir;
    storage::Database db{dir.file("compliance.db")};
    core::Form form = test::export_test_form();
    Seeded() {
        test::seed_admin_fixture(db);
        db.handle().exec(
            "UPDATE teams SET decision_date = '2025-03-01';"
            "UPDATE teams SET decision_date = '2026-10-15' WHERE code = 'T06';"
            "UPDATE teams SET decision_date = NULL, imported_on = '2026-11-02' "
            "WHERE code = 'T03';");
    }

    /// One export as CSV records (machine codes), the header first.
    std::vector<std::vector<std::string>> csv(ExportKind kind, const storage::ExportRequest& r) {
        std::ostringstream os;
        core::CsvWriter w(os, core::CsvWriterOptions{',', false, false});
        const auto result = storage::write_export(db, kind, form, r, storage::ExportLabels(), w);
        REQUIRE(result.has_value());
        const auto doc = core::parse_csv(os.str());
        REQUIRE(doc.errors.empty());
        std::vector<std::vector<std::string>> out;
        for (const auto& rec : doc.records) out.push_back(rec.fields);
        return out;
    }
};

/// The value of column `name` in `row` of a CSV with a header.
std::string cell(const std::vector<std::vector<std::string>>& csv, std::size_t row,
                 const std::string& name) {
    const auto& h = csv.at(0);
    for (std::size_t i = 0; i < h.size(); ++i)
        if (h[i] == name) return csv.at(row).at(i);
    FAIL("no column " << name);
    return {};
}

storage::ExportRequest request(core::MonthPeriod from, core::MonthPeriod to, core::Instant now,
                               std::optional<std::string> unit = std::nullopt,
                               std::string level = "district") {
    storage::ExportRequest r;
    r.from = from;
    r.to = to;
    r.unit = std::move(unit);
    r.level = std::move(level);
    r.now = now;
    return r;
}

}  // namespace

TEST_CASE("a team is expected only in the months it existed", "[compliance]") {
    Seeded s;
    // September: T03 (imported in November) and T06 (founded in October) were not expected.
    auto sep = storage::compliance_counts(s.db, std::nullopt, MonthRange{kSeptember, kSeptember});
    CHECK(sep.teams == 5);
    CHECK(sep.expected == 5);
    CHECK(sep.submitted == 1);
    CHECK(sep.missing() == 4);
    // October: T06 now expected (and missing); T03 still not.
    auto oct = storage::compliance_counts(s.db, std::nullopt, MonthRange{kOctober, kOctober});
    CHECK(oct.expected == 6);
    CHECK(oct.submitted == 5);
    CHECK(oct.on_time == 4);
    CHECK(oct.late == 1);
    CHECK(oct.missing() == 1);
    // Both months: 11 team-months; missing at least once: T02, T04, T05, T08 (September), T06.
    auto both = storage::compliance_counts(s.db, std::nullopt, MonthRange{kSeptember, kOctober});
    CHECK(both.teams == 6);
    CHECK(both.expected == 11);
    CHECK(both.submitted == 6);
    CHECK(both.missing_teams == 5);
    // A subtree: Huyện Long Thành (T06 from October, T08).
    auto district = storage::compliance_counts(s.db, 3, MonthRange{kSeptember, kOctober});
    CHECK(district.expected == 3);
    CHECK(district.submitted == 1);
}

TEST_CASE("a report for a month before the recorded start proves the team existed then",
          "[compliance]") {
    Seeded s;
    // T08 reported October; say it was founded in December.
    s.db.handle().exec("UPDATE teams SET decision_date = '2026-12-01' WHERE code = 'T08'");
    const auto oct = storage::compliance_counts(s.db, 3, MonthRange{kOctober, kOctober});
    CHECK(oct.expected == 2);  // T06 and T08
    CHECK(oct.submitted == 1);
    const auto sep = storage::compliance_counts(s.db, 3, MonthRange{kSeptember, kSeptember});
    CHECK(sep.expected == 0);
}

TEST_CASE("only closed months count unless month to date is asked for", "[compliance]") {
    Seeded s;
    const MonthRange q4{kOctober, kDecember};
    // 10/12: November's deadline (00:00 30/11) has passed, December's has not.
    CHECK(storage::counted_months(s.db, q4, vn("2026-12-10T08:00")) ==
          MonthRange{kOctober, kNovember});
    CHECK(storage::counted_months(s.db, q4, vn("2026-12-10T08:00"), true) == q4);
    CHECK(storage::counted_months(s.db, q4, vn("2026-11-29T08:00")) ==
          MonthRange{kOctober, kOctober});
    CHECK(storage::counted_months(s.db, q4, vn("2026-11-29T08:00"), true) ==
          MonthRange{kOctober, kNovember});
    CHECK_FALSE(storage::counted_months(s.db, q4, vn("2026-10-29T08:00")));
    // An extension keeps November open.
    storage::PeriodRepo(s.db).set_extension(kNovember, vn("2026-12-03T00:00"),
                                            vn("2026-11-28T00:00"));
    CHECK(storage::counted_months(s.db, q4, vn("2026-12-01T08:00")) ==
          MonthRange{kOctober, kOctober});
}

TEST_CASE("an export for a period before any team existed is refused with a clear reason",
          "[compliance]") {
    Seeded s;
    CHECK(storage::first_expected_month(s.db) == core::MonthPeriod{2025, 3});
    const auto now = vn("2026-12-10T08:00");
    for (const auto kind : {ExportKind::kReports, ExportKind::kReportsLong, ExportKind::kCompliance,
                            ExportKind::kRollup}) {
        const auto e = storage::check_export_request(
            s.db, kind, request(core::MonthPeriod{1999, 1}, core::MonthPeriod{1999, 1}, now));
        REQUIRE(e);
        CHECK(*e == storage::ExportError::kBeforeTeams);
    }
    CHECK_FALSE(storage::check_export_request(
        s.db, ExportKind::kDifficulties,
        request(core::MonthPeriod{1999, 1}, core::MonthPeriod{1999, 1}, now)));
    // A team without any known start keeps every month expected: no refusal then.
    s.db.handle().exec("UPDATE teams SET decision_date = NULL WHERE code = 'T01'");
    CHECK_FALSE(storage::first_expected_month(s.db));
}

TEST_CASE("the reports and compliance exports list no team before it existed", "[compliance]") {
    Seeded s;
    const auto now = vn("2026-12-10T08:00");
    const auto sep = s.csv(ExportKind::kReports, request(kSeptember, kSeptember, now));
    CHECK(sep.size() == 1 + 5);  // T03 and T06 did not exist yet
    for (std::size_t i = 1; i < sep.size(); ++i) {
        CHECK(cell(sep, i, "team_code") != "T03");
        CHECK(cell(sep, i, "team_code") != "T06");
    }
    // December is still open: a team that has not reported is "open", not "missing".
    const auto dec = s.csv(ExportKind::kReports, request(kDecember, kDecember, now));
    REQUIRE(dec.size() == 1 + 7);
    CHECK(cell(dec, 1, "status") == "open");

    const auto c = s.csv(ExportKind::kCompliance, request(kSeptember, kDecember, now));
    // T06's row: blank before October, missing in October and November, open in December.
    bool seen = false;
    for (std::size_t i = 1; i < c.size(); ++i) {
        if (cell(c, i, "team_code") != "T06") continue;
        seen = true;
        CHECK(cell(c, i, "2026-09").empty());
        CHECK(cell(c, i, "2026-10") == "missing");
        CHECK(cell(c, i, "2026-11") == "missing");
        CHECK(cell(c, i, "2026-12") == "open");
        CHECK(cell(c, i, "missing") == "2");
    }
    CHECK(seen);
}

TEST_CASE("the rollup export, the admin page and the chat summary agree for a unit and month",
          "[compliance]") {
    Seeded s;
    const auto now = vn("2026-12-10T08:00");
    const bot::Templates templates = bot::load_templates(TCNS_SOURCE_DIR "/templates");

    // Thành phố Biên Hòa (731, id 2), October 2026.
    const auto rollup = s.csv(ExportKind::kRollup, request(kOctober, kOctober, now, "731"));
    REQUIRE(rollup.size() == 2);
    const auto page = storage::compliance_overview(s.db, kOctober, "district", 100);
    REQUIRE(page.units.at(0).code == "731");
    const auto& c = page.units[0].counts;
    const auto summary = storage::ReminderRepo(s.db).summary(s.form, 2, kOctober, kOctober);
    REQUIRE(summary);

    // T03 was imported in November: 4 teams expected, all reported (3 on time, 1 late).
    CHECK(cell(rollup, 1, "expected") == "4");
    CHECK(cell(rollup, 1, "submitted") == "4");
    CHECK(cell(rollup, 1, "missing") == "0");
    CHECK(c.expected == 4);
    CHECK(c.submitted == 4);
    CHECK(c.on_time == 3);
    CHECK(summary->expected == 4);
    CHECK(summary->submitted == 4);
    CHECK(summary->on_time == 3);
    CHECK(summary->missing == 0);
    const std::string text = core::render_summary(*summary, templates.messages);
    CHECK(text.find("Đã nộp 4/4 báo cáo (100,0%): đúng hạn 3, trễ hạn 1; còn thiếu 0 báo cáo.") !=
          std::string::npos);

    // The whole province for November (closed on 10/12): the same three answers.
    const auto prov =
        s.csv(ExportKind::kRollup, request(kNovember, kNovember, now, "75", "province"));
    const auto prov_page = storage::compliance_overview(s.db, kNovember, "province", 100);
    const auto prov_summary = storage::ReminderRepo(s.db).summary(s.form, 1, kNovember, kNovember);
    REQUIRE(prov_summary);
    CHECK(cell(prov, 1, "expected") == std::to_string(prov_page.units.at(0).counts.expected));
    CHECK(cell(prov, 1, "missing") == std::to_string(prov_page.units.at(0).counts.missing()));
    CHECK(prov_summary->expected == prov_page.units.at(0).counts.expected);
    CHECK(prov_summary->missing == prov_page.units.at(0).counts.missing());
    CHECK(prov_summary->expected == 7);
    CHECK(prov_page.total.expected == 7);
}

TEST_CASE("missing teams and difficulties name their commune and district above them",
          "[compliance]") {
    Seeded s;
    s.db.handle().exec(
        "INSERT INTO difficulties(team_id, period, category, text, source, created_at) VALUES "
        "(6, '2026-10', '', 'Thiếu điện thoại', 'chat', 1792000000)");
    storage::ReminderRepo repo(s.db);
    const auto province = repo.summary(s.form, 1, kOctober, kOctober);
    REQUIRE(province);
    REQUIRE(province->missing_names.size() == 1);
    CHECK(province->missing_names[0] ==
          "Tổ <b>Bàu Cạn</b> & \"Ấp\" (Xã An Phước, Huyện Long Thành)");
    REQUIRE(province->difficulties.size() == 1);
    CHECK(province->difficulties[0].place == "Ấp Bàu Cạn, Xã An Phước, Huyện Long Thành");
    const auto district = repo.summary(s.form, 3, kOctober, kOctober);
    REQUIRE(district);
    CHECK(district->missing_names.at(0) == "Tổ <b>Bàu Cạn</b> & \"Ấp\" (Xã An Phước)");
    CHECK(district->difficulties.at(0).place == "Ấp Bàu Cạn, Xã An Phước");
    const auto commune = repo.summary(s.form, 6, kOctober, kOctober);
    REQUIRE(commune);
    CHECK(commune->missing_names.at(0) == "Tổ <b>Bàu Cạn</b> & \"Ấp\"");
    CHECK(commune->difficulties.at(0).place == "Ấp Bàu Cạn");

    // The admin page at province level: the hamlet with its commune.
    const auto page = storage::compliance_overview(s.db, kOctober, "province", 100);
    REQUIRE(page.missing.size() == 1);
    CHECK(page.missing[0].unit == "Ấp Bàu Cạn");
    CHECK(page.missing[0].parent == "Xã An Phước");
}
