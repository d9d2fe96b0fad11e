#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "bot/export_support.hpp"
#include "core/csv_writer.hpp"
#include "storage/database.hpp"
#include "storage/xlsx_export.hpp"
#include "tests/support/export_fixture.hpp"
#include "tests/support/temp_dir.hpp"

using namespace tcns;
using storage::ExportKind;

namespace {

std::string read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::ostringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

/// Every header and cell a sink was given, as "h:", "t:", "n:", "p:" and "i:" entries.
class RecordingSink : public core::RowSink {
  public:
    std::vector<std::vector<std::string>> rows{{}};
    RecordingSink& cell(std::string_view text) override { return add("t:" + std::string(text)); }
    RecordingSink& cell(std::int64_t v) override { return add("n:" + std::to_string(v)); }
    RecordingSink& number(std::optional<std::int64_t> v) override {
        return add(v ? "n:" + std::to_string(*v) : "n:");
    }
    RecordingSink& percent(std::optional<std::int64_t> a, std::optional<std::int64_t> b) override {
        return add(a && b ? "p:" + std::to_string(*a) + "/" + std::to_string(*b) : "p:");
    }
    RecordingSink& instant(std::optional<std::int64_t> t) override {
        return add(t ? "i:" + std::to_string(*t) : "i:");
    }
    RecordingSink& header(const core::ColumnInfo& c) override {
        return add("h:" + c.code + "|" + c.meaning + "|" + c.unit);
    }
    void end_row() override { rows.emplace_back(); }

  private:
    RecordingSink& add(std::string s) {
        rows.back().push_back(std::move(s));
        return *this;
    }
};

storage::ExportLabels labels() {
    return storage::ExportLabels({{"col.team_code", "Mã tổ"},
                                  {"desc.team_code", "Mã tổ công nghệ số"},
                                  {"desc.item_pct", "Tỷ lệ đạt: {}"},
                                  {"unit.revision", "lần"},
                                  {"sheet.reports", "Báo cáo"},
                                  {"sheet.explain", "Giải thích"}});
}

storage::ExportRequest november() {
    storage::ExportRequest r;
    r.from = r.to = core::MonthPeriod{2026, 11};
    return r;
}

}  // namespace

TEST_CASE("the reports export gives a sink typed cells and explained columns", "[xlsx]") {
    storage::Database db(":memory:");
    test::seed_export_fixture(db);
    RecordingSink sink;
    const auto rows = storage::write_export(db, ExportKind::kReports, test::export_test_form(),
                                            november(), labels(), sink);
    REQUIRE(rows);
    REQUIRE(*rows == 3);
    const auto& header = sink.rows[0];
    CHECK(std::find(header.begin(), header.end(), "h:team_code|Mã tổ công nghệ số|") !=
          header.end());
    CHECK(std::find(header.begin(), header.end(), "h:revision||lần") != header.end());
    CHECK(std::find(header.begin(), header.end(), "h:LH01_pct|Tỷ lệ đạt: Lượt hướng dẫn|%") !=
          header.end());
    // T1: phone as text, instants, counts, target and percentage typed.
    const auto& t1 = sink.rows[1];
    CHECK(t1[7] == "t:0912345678");
    CHECK(t1[10] == "i:1795136400");  // 2026-11-20T08:00+07
    CHECK(t1[12] == "n:2");
    CHECK(t1[13] == "t:no");  // revised_after_deadline: on time, not revised after it
    CHECK(t1[14] == "n:12");
    CHECK(t1[15] == "n:10");
    CHECK(t1[16] == "p:12/10");
    CHECK(t1[18] == "t:Có");  // the choice's label
}

TEST_CASE("the CSV writer keeps its format for typed cells", "[xlsx]") {
    std::ostringstream comma, semicolon;
    core::CsvWriter a(comma, {',', false, true}), b(semicolon, {';', false, true});
    for (core::CsvWriter* w : {&a, &b}) {
        w->number(12).number(std::nullopt).percent(1, 3).percent(1, 0).percent(std::nullopt, 3);
        w->instant(1795136400).instant(std::nullopt);
        w->end_row();
    }
    CHECK(comma.str() == "12,,33.3,,,2026-11-20T08:00:00+07:00,\r\n");
    CHECK(semicolon.str() == "12;;33,3;;;2026-11-20T08:00:00+07:00;\r\n");
}

TEST_CASE("an XLSX export is a zip workbook, and a refused one leaves no file", "[xlsx]") {
    storage::Database db(":memory:");
    test::seed_export_fixture(db);
    test::TempDir dir;
    for (const auto kind : storage::all_export_kinds()) {
        const std::string path = dir.file(std::string(storage::export_kind_name(kind)) + ".xlsx");
        const auto rows = storage::write_xlsx_export(db, kind, test::export_test_form(), november(),
                                                     labels(), path, dir.path());
        INFO(storage::export_kind_name(kind));
        REQUIRE(rows);
        CHECK(read_file(path).rfind("PK\x03\x04", 0) == 0);
    }
    auto r = november();
    r.unit = "999";
    const std::string refused = dir.file("refused.xlsx");
    const auto rows = storage::write_xlsx_export(db, ExportKind::kReports, test::export_test_form(),
                                                 r, labels(), refused, dir.path());
    REQUIRE_FALSE(rows);
    CHECK(rows.error() == storage::ExportError::kUnknownUnit);
    CHECK_FALSE(std::filesystem::exists(refused));
    // Nothing of libxlsxwriter's temporary files is left behind.
    std::size_t files = 0;
    for ([[maybe_unused]] const auto& f : std::filesystem::directory_iterator(dir.path())) ++files;
    CHECK(files == storage::all_export_kinds().size());
}

TEST_CASE("the quarterly workbook covers closed months unless asked for month to date", "[xlsx]") {
    storage::Database db(":memory:");
    test::seed_export_fixture(db);
    const core::QuarterPeriod q4{2026, 4};
    const auto dec7 = *core::parse_instant("2026-12-07T10:00");
    auto m = storage::quarterly_report_months(db, q4, false, dec7);
    REQUIRE(m);
    CHECK(m->first == core::MonthPeriod{2026, 10});
    CHECK(m->second == core::MonthPeriod{2026, 11});
    m = storage::quarterly_report_months(db, q4, true, dec7);
    REQUIRE(m);
    CHECK(m->second == core::MonthPeriod{2026, 12});
    // Early October: nothing has closed; month to date gives October so far.
    const auto oct3 = *core::parse_instant("2026-10-03T10:00");
    CHECK_FALSE(storage::quarterly_report_months(db, q4, false, oct3));
    m = storage::quarterly_report_months(db, q4, true, oct3);
    REQUIRE(m);
    CHECK(m->first == m->second);
    // A past quarter is whole.
    m = storage::quarterly_report_months(db, core::QuarterPeriod{2026, 3}, false, dec7);
    REQUIRE(m);
    CHECK(m->second == core::MonthPeriod{2026, 9});

    test::TempDir dir;
    storage::QuarterlyReportRequest request;
    request.quarter = q4;
    request.unit = "75";
    request.now = dec7;
    const std::string path = dir.file("q.xlsx");
    const auto rows = storage::write_quarterly_report(db, test::export_test_form(), request,
                                                      labels(), path, dir.path());
    REQUIRE(rows);
    CHECK(*rows == 2);  // the two communes
    CHECK(read_file(path).rfind("PK\x03\x04", 0) == 0);
    request.now = oct3;
    const auto early = storage::write_quarterly_report(
        db, test::export_test_form(), request, labels(), dir.file("early.xlsx"), dir.path());
    REQUIRE_FALSE(early);
    CHECK(early.error() == storage::ExportError::kNoClosedMonth);
}

TEST_CASE("exports.vi.json explains every column of every export", "[xlsx]") {
    storage::Database db(":memory:");
    test::seed_export_fixture(db);
    const auto templates = bot::load_export_templates(std::string(TCNS_SOURCE_DIR) + "/templates");
    auto r = november();
    r.from = core::MonthPeriod{2026, 10};
    for (const auto kind : storage::all_export_kinds()) {
        RecordingSink sink;
        REQUIRE(storage::write_export(db, kind, test::export_test_form(), r, templates.vietnamese,
                                      sink));
        for (const auto& h : sink.rows[0]) {
            INFO(storage::export_kind_name(kind) << " " << h);
            REQUIRE(h.rfind("h:", 0) == 0);
            const auto bar = h.find('|');
            CHECK(h.find('|', bar + 1) > bar + 1);  // "h:code|meaning|unit": a meaning
        }
        // The sheet names are Vietnamese.
        CHECK(templates.vietnamese.value("sheet", storage::export_kind_name(kind)) !=
              storage::export_kind_name(kind));
    }
    CHECK(templates.vietnamese.value("sheet", "explain") == "Giải thích");
}
