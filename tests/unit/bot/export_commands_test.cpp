#include <httplib.h>
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "bot/admin/admin_routes.hpp"
#include "bot/cli/cli.hpp"
#include "bot/config.hpp"
#include "bot/export_support.hpp"
#include "bot/http/server.hpp"
#include "core/csv.hpp"
#include "storage/database.hpp"
#include "tests/support/cli.hpp"
#include "tests/support/export_fixture.hpp"
#include "tests/support/temp_dir.hpp"

using tcns::test::CliResult;
using tcns::test::tcns_cli;
using namespace tcns;

namespace {

void write_file(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

std::string read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::ostringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

// The test form as a templates/forms file (the same items as test::export_test_form()).
const char* const kFormJson = R"json({
  "id": "monthly-report", "version": 3, "title": "Báo cáo tháng",
  "items": [
    {"code": "LH01", "label": "Lượt hướng dẫn", "prompt": "LH01?", "unit": "lượt", "type": "count"},
    {"code": "HD02", "label": "Hộ dùng DVC", "prompt": "HD02?", "unit": "hộ", "type": "count"},
    {"code": "XX99", "label": "Chỉ tiêu cũ", "prompt": "XX99?", "unit": "lượt", "type": "count", "enabled": false},
    {"code": "CH01", "label": "Có họp tổ", "prompt": "CH01?", "type": "choice",
     "choices": [{"code": "yes", "label": "Có"}, {"code": "no", "label": "Không"}]},
    {"code": "KK01", "label": "Khó khăn", "prompt": "KK01?", "type": "text", "required": false,
     "choices": [{"code": "network", "label": "Mạng yếu"},
                 {"code": "devices", "label": "Thiếu thiết bị"}]},
    {"code": "DX01", "label": "Đề xuất", "prompt": "DX01?", "type": "text", "required": false}
  ],
  "checks": []
})json";

/// A seeded database, a templates directory (the repository's exports.vi.json) and a config
/// file pointing at both.
struct Setup {
    test::TempDir dir;
    std::string db = dir.file("t.db");
    std::string templates = dir.file("templates");
    std::string config = dir.file("config.json");
    Setup() {
        {
            storage::Database handle(db);
            test::seed_export_fixture(handle);
        }
        std::filesystem::create_directories(templates + "/forms");
        write_file(templates + "/messages.vi.json", "{}");
        write_file(templates + "/forms/monthly-report.json", kFormJson);
        std::filesystem::copy_file(std::string(TCNS_SOURCE_DIR) + "/templates/exports.vi.json",
                                   templates + "/exports.vi.json");
        write_file(config, "{\"templates_dir\": \"" + templates + "\"}");
    }
    CliResult run(std::vector<std::string> args) {
        args.insert(args.begin(), {"--db", db, "--config", config, "export"});
        return tcns_cli(args);
    }
};

}  // namespace

TEST_CASE("tcns export reports writes an Excel CSV with Vietnamese headers to standard output",
          "[export-cli]") {
    Setup s;
    const auto r = s.run({"reports", "--period", "2026-11"});
    INFO(r.err);
    REQUIRE(r.rc == 0);
    REQUIRE(r.out.rfind("\xEF\xBB\xBF", 0) == 0);
    const auto doc = core::parse_csv(r.out);
    REQUIRE(doc.errors.empty());
    REQUIRE(doc.records.size() == 4);
    const auto& h = doc.records[0].fields;
    CHECK(h[0] == "Tỉnh/Thành phố");
    CHECK(h[4] == "Mã tổ");
    CHECK(h[13] == "Sửa sau hạn chót");
    CHECK(h[14] == "Lượt hướng dẫn");
    CHECK(h[15] == "Lượt hướng dẫn - chỉ tiêu giao");
    CHECK(doc.records[1].fields[6] == "Nguyễn Thị Ánh Tuyết");
    CHECK(doc.records[1].fields[9] == "Đúng hạn");
    CHECK(doc.records[2].fields[9] == "Trễ hạn");
    CHECK(doc.records[3].fields[9] == "Chưa nộp");
    CHECK(r.out.find("\r\n") != std::string::npos);
}

TEST_CASE("tcns export with --codes, --semicolon, --unit and --out writes the file",
          "[export-cli]") {
    Setup s;
    const std::string file = s.dir.file("rollup.csv");
    // --month-to-date: the whole quarter counts whatever today's date (closed months only would
    // make the figures depend on the day the test runs).
    const auto r = s.run({"rollup", "--quarter", "2026-Q4", "--level", "province", "--codes",
                          "--semicolon", "--month-to-date", "--out", file});
    INFO(r.err);
    REQUIRE(r.rc == 0);
    CHECK(r.out == file + ": 1 rollup rows (2026-Q4)\n");
    const std::string csv = read_file(file);
    CHECK(csv.rfind("\xEF\xBB\xBFprovince;commune;hamlet;unit_code;", 0) == 0);
    CHECK(csv.find("75;2026-10;2026-12;3;9;4;2;2;5;44,4;22,2;29;;;3\r\n") != std::string::npos);

    const auto filtered = s.run({"roster", "--unit", "100-02", "--codes"});
    REQUIRE(filtered.rc == 0);
    const auto doc = core::parse_csv(filtered.out);
    REQUIRE(doc.records.size() == 2);
    CHECK(doc.records[1].fields[13] == "BINH23");
}

TEST_CASE("tcns export refuses bad names, ranges, units and levels", "[export-cli]") {
    Setup s;
    CHECK(s.run({"passwords"}).rc == 2);
    CHECK(s.run({"reports", "--period", "2026-13"}).rc == 2);
    CHECK(s.run({"reports", "--period", "2026-11", "--quarter", "2026-Q4"}).rc == 2);
    CHECK(s.run({"reports", "--from", "2026-11"}).rc == 2);
    CHECK(s.run({"reports", "--from", "2026-11", "--to", "2026-10"}).rc == 2);
    const auto unit = s.run({"reports", "--period", "2026-11", "--unit", "999"});
    CHECK(unit.rc == 1);
    CHECK(unit.err == "tcns: export reports: unknown unit code '999'\n");
    CHECK(unit.out.empty());
    const auto level = s.run({"rollup", "--period", "2026-11", "--level", "district"});
    CHECK(level.rc == 1);
    CHECK(level.err == "tcns: export rollup: no unit has this level 'district'\n");
}

TEST_CASE("export ranges: a month, a quarter, from-to, or the current month", "[export-cli]") {
    const core::Instant now = core::from_vietnam({{2026, 12, 1}, 0, 30, 0});
    const auto month = bot::parse_export_range("2026-11", {}, {}, {}, now);
    REQUIRE(month);
    CHECK(month->label == "2026-11");
    const auto quarter = bot::parse_export_range({}, {}, {}, "2026-Q4", now);
    REQUIRE(quarter);
    CHECK(quarter->from.str() == "2026-10");
    CHECK(quarter->to.str() == "2026-12");
    CHECK(quarter->label == "2026-Q4");
    const auto range = bot::parse_export_range({}, "2026-01", "2026-03", {}, now);
    REQUIRE(range);
    CHECK(range->label == "2026-01_2026-03");
    const auto current = bot::parse_export_range({}, {}, {}, {}, now);
    REQUIRE(current);
    CHECK(current->label == "2026-12");  // 00:30 on 1 December in Vietnam
    CHECK_FALSE(bot::parse_export_range({}, "2016-01", "2026-03", {}, now));
    CHECK_FALSE(bot::parse_export_range({}, {}, {}, "2026-Q5", now));
}

TEST_CASE("the bearer token is compared whole and exactly", "[admin]") {
    CHECK(bot::bearer_token_matches("Bearer s3cret-token", "s3cret-token"));
    CHECK_FALSE(bot::bearer_token_matches("Bearer s3cret-tokem", "s3cret-token"));
    CHECK_FALSE(bot::bearer_token_matches("Bearer s3cret-token2", "s3cret-token"));
    CHECK_FALSE(bot::bearer_token_matches("Bearer s3cret", "s3cret-token"));
    CHECK(bot::bearer_token_matches("bearer s3cret-token", "s3cret-token"));
    CHECK_FALSE(bot::bearer_token_matches("Bearer  s3cret-token", "s3cret-token"));
    CHECK_FALSE(bot::bearer_token_matches("Basic s3cret-token", "s3cret-token"));
    CHECK_FALSE(bot::bearer_token_matches("s3cret-token", "s3cret-token"));
    CHECK_FALSE(bot::bearer_token_matches("", "s3cret-token"));
    CHECK_FALSE(bot::bearer_token_matches("Bearer ", ""));
}

namespace {

/// `tcns serve`'s HTTP front on a loopback port picked at run time.
class RunningServer {
  public:
    RunningServer(const Setup& s, std::string admin_token) {
        bot::Config config;
        config.database = s.db;
        config.templates_dir = s.templates;
        config.server.listen = "127.0.0.1";
        config.server.port = 0;
        config.server.threads = 2;
        config.secrets.admin_token = std::move(admin_token);
        server_ = std::make_unique<bot::Server>(config);
        port_ = server_->bind();
        thread_ = std::thread([this] { server_->run(); });
    }
    ~RunningServer() {
        server_->stop();
        thread_.join();
    }
    httplib::Result get(const std::string& path, const std::string& token = "") {
        httplib::Client client("127.0.0.1", port_);
        client.set_connection_timeout(5, 0);
        client.set_read_timeout(5, 0);
        httplib::Headers headers;
        if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
        return client.Get(path.c_str(), headers);
    }

  private:
    std::unique_ptr<bot::Server> server_;
    int port_ = 0;
    std::thread thread_;
};

}  // namespace

TEST_CASE("GET /admin/exports/reports.csv streams the export with a file name", "[admin]") {
    Setup s;
    RunningServer server(s, "s3cret-token");
    auto res =
        server.get("/admin/exports/reports.csv?period=2026-11&unit=100&codes=1", "s3cret-token");
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->get_header_value("Content-Type") == "text/csv; charset=utf-8");
    CHECK(res->get_header_value("Content-Disposition") ==
          "attachment; filename=\"tcns-reports-2026-11.csv\"");
    const auto doc = core::parse_csv(res->body);
    CHECK(doc.bom);
    REQUIRE(doc.records.size() == 3);
    CHECK(doc.records[0].fields[4] == "team_code");
    CHECK(doc.records[1].fields[4] == "T1");
    CHECK(doc.records[2].fields[4] == "T2");

    res = server.get("/admin/exports/compliance.csv?from=2026-10&to=2026-11", "s3cret-token");
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->get_header_value("Content-Disposition") ==
          "attachment; filename=\"tcns-compliance-2026-10_2026-11.csv\"");
    CHECK(res->body.find("Tỷ lệ đúng hạn (%)") != std::string::npos);
}

TEST_CASE("admin exports refuse a missing or wrong token and bad parameters", "[admin]") {
    Setup s;
    RunningServer server(s, "s3cret-token");
    auto res = server.get("/admin/exports/roster.csv");
    REQUIRE(res);
    CHECK(res->status == 401);
    CHECK(res->get_header_value("WWW-Authenticate") == "Bearer");
    CHECK(res->body.find("BINH23") == std::string::npos);
    res = server.get("/admin/exports/roster.csv", "s3cret-tokeN");
    REQUIRE(res);
    CHECK(res->status == 401);
    res = server.get("/admin/exports/passwords.csv", "s3cret-token");
    REQUIRE(res);
    CHECK(res->status == 404);
    res = server.get("/admin/exports/reports.csv?period=2026-13", "s3cret-token");
    REQUIRE(res);
    CHECK(res->status == 400);
    res = server.get("/admin/exports/reports.csv?period=2026-11&unit=999", "s3cret-token");
    REQUIRE(res);
    CHECK(res->status == 400);
    CHECK(res->body.find("unknown unit") != std::string::npos);
}

TEST_CASE("without an admin token the admin surface does not exist", "[admin]") {
    Setup s;
    RunningServer server(s, "");
    auto res = server.get("/admin/exports/roster.csv");
    REQUIRE(res);
    CHECK(res->status == 404);
    res = server.get("/admin/exports/roster.csv", "anything");
    REQUIRE(res);
    CHECK(res->status == 404);
}

TEST_CASE("exports.vi.json labels every column of every export", "[export-cli]") {
    const std::string path = std::string(TCNS_SOURCE_DIR) + "/templates/exports.vi.json";
    std::ifstream f(path, std::ios::binary);
    std::ostringstream text;
    text << f.rdbuf();
    const storage::ExportLabels labels = bot::parse_export_labels(text.str(), path);
    for (const auto* level : {"province", "district", "commune", "hamlet"})
        CHECK(labels.level(level) != level);
    for (const auto* status : {"on_time", "late", "missing"})
        CHECK(labels.value("status", status) != status);

    test::TempDir dir;
    storage::Database db(dir.file("t.db"));
    test::seed_export_fixture(db);
    const core::Form form = test::export_test_form();
    for (const auto kind : storage::all_export_kinds()) {
        storage::ExportRequest r;
        r.from = *core::MonthPeriod::parse("2026-11");
        r.to = r.from;
        std::ostringstream os;
        core::CsvWriter w(os);
        REQUIRE(storage::write_export(db, kind, form, r, storage::ExportLabels(), w));
        const auto header = core::parse_csv(os.str()).records.at(0).fields;
        for (const auto& code : header) {
            if (code == "2026-11" || code == "province" || code == "commune" || code == "hamlet")
                continue;
            if (form.find(code.substr(0, 4))) continue;  // indicators are labelled by the form
            INFO(storage::export_kind_name(kind) << ": " << code);
            CHECK(labels.column(code) != code);
        }
    }
}

TEST_CASE("tcns export runs on the repository's own form and labels", "[export-cli]") {
    test::TempDir dir;
    const std::string db = dir.file("t.db");
    {
        storage::Database handle(db);
        test::seed_export_fixture(handle);
    }
    const auto r = tcns_cli({"--db", db, "export", "reports", "--period", "2026-11"});
    INFO(r.err);
    REQUIRE(r.rc == 0);
    const auto doc = core::parse_csv(r.out);
    REQUIRE(doc.records.size() == 4);
    const auto& h = doc.records[0].fields;
    const auto lh01 = std::find(h.begin(), h.end(), "Lượt hướng dẫn, hỗ trợ người dân") - h.begin();
    REQUIRE(lh01 < static_cast<long>(h.size()));
    CHECK(doc.records[1].fields[static_cast<std::size_t>(lh01)] == "12");
    CHECK(std::find(h.begin(), h.end(), "Đề xuất, kiến nghị") != h.end());
}

TEST_CASE("tcns export --format xlsx writes a workbook to standard output or a file",
          "[export-cli]") {
    Setup s;
    const std::string tmp = s.dir.file("tmp");
    std::filesystem::create_directories(tmp);
    const char* old = std::getenv("TMPDIR");
    const std::string saved = old ? old : "";
    ::setenv("TMPDIR", tmp.c_str(), 1);
    const auto r = s.run({"reports", "--period", "2026-11", "--format", "xlsx"});
    old ? ::setenv("TMPDIR", saved.c_str(), 1) : ::unsetenv("TMPDIR");
    INFO(r.err);
    REQUIRE(r.rc == 0);
    CHECK(r.out.rfind("PK\x03\x04", 0) == 0);
    CHECK(std::filesystem::is_empty(tmp));  // the temporary workbook is gone

    const std::string file = s.dir.file("roster.xlsx");
    const auto f = s.run({"roster", "--format", "xlsx", "--out", file});
    REQUIRE(f.rc == 0);
    CHECK(f.out.find(file + ": ") == 0);
    CHECK(read_file(file).rfind("PK\x03\x04", 0) == 0);

    CHECK(s.run({"reports", "--format", "ods"}).rc == 2);
    const auto bad = s.run({"reports", "--format", "xlsx", "--unit", "999"});
    CHECK(bad.rc == 1);
    CHECK(bad.err.find("unknown unit code '999'") != std::string::npos);
}

TEST_CASE("tcns export quarterly-report writes the district's workbook", "[export-cli]") {
    Setup s;
    const std::string file = s.dir.file("q.xlsx");
    const auto r = s.run({"quarterly-report", "--quarter", "2026-Q4", "--unit", "75",
                          "--month-to-date", "--out", file});
    INFO(r.err);
    REQUIRE(r.rc == 0);
    CHECK(r.out == file + ": quarterly-report 2026-Q4 (2 summary rows)\n");
    CHECK(read_file(file).rfind("PK\x03\x04", 0) == 0);
    CHECK(s.run({"quarterly-report", "--quarter", "2026-Q5"}).rc == 2);
    CHECK(s.run({"quarterly-report", "--quarter", "2026-Q4", "--format", "csv"}).rc == 2);
    CHECK(s.run({"quarterly-report", "--quarter", "2026-Q4", "--unit", "999", "--month-to-date"})
              .rc == 1);
}

TEST_CASE("GET /admin/exports/<name>.xlsx sends a workbook, the quarterly one too", "[admin]") {
    Setup s;
    RunningServer server(s, "s3cret-token");
    auto res = server.get("/admin/exports/reports.xlsx?period=2026-11&unit=100", "s3cret-token");
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->get_header_value("Content-Type") ==
          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    CHECK(res->get_header_value("Content-Disposition") ==
          "attachment; filename=\"tcns-reports-2026-11.xlsx\"");
    CHECK(res->body.rfind("PK\x03\x04", 0) == 0);

    res = server.get("/admin/exports/quarterly-report.xlsx?quarter=2026-Q4&unit=75&month_to_date=1",
                     "s3cret-token");
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->get_header_value("Content-Disposition") ==
          "attachment; filename=\"tcns-quarterly-report-75-2026-Q4.xlsx\"");
    CHECK(res->body.rfind("PK\x03\x04", 0) == 0);
    // The admin page's form sends an empty unit for the whole tree.
    res = server.get("/admin/exports/quarterly-report.xlsx?quarter=2026-Q4&unit=&month_to_date=1",
                     "s3cret-token");
    REQUIRE(res);
    CHECK(res->status == 200);

    res = server.get("/admin/exports/quarterly-report.xlsx?quarter=2026-Q9", "s3cret-token");
    REQUIRE(res);
    CHECK(res->status == 400);
    res = server.get("/admin/exports/rollup.xlsx?period=2026-11&level=galaxy", "s3cret-token");
    REQUIRE(res);
    CHECK(res->status == 400);
    res = server.get("/admin/exports/passwords.xlsx", "s3cret-token");
    REQUIRE(res);
    CHECK(res->status == 404);
    res = server.get("/admin/exports/roster.xlsx");
    REQUIRE(res);
    CHECK(res->status == 401);
}
