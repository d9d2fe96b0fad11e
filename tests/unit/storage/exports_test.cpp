#include <catch2/catch.hpp>

#include <sstream>

#include "core/csv.hpp"
#include "storage/exports.hpp"
#include "tests/support/export_fixture.hpp"
#include "tests/support/temp_dir.hpp"

using namespace tcns;
using storage::ExportKind;

namespace {

struct Seeded {
    test::TempDir dir;
    storage::Database db{dir.file("exports.db")};
    core::Form form = test::export_test_form();
    Seeded() { test::seed_export_fixture(db); }
};

storage::ExportRequest months(std::string_view from, std::string_view to,
                              std::optional<std::string> unit = std::nullopt) {
    storage::ExportRequest r;
    r.from = *core::MonthPeriod::parse(from);
    r.to = *core::MonthPeriod::parse(to);
    r.unit = std::move(unit);
    r.now = core::from_unix(1800000000);
    return r;
}

/// The export as text without the BOM, and the number of data rows written.
std::string run(Seeded& s, ExportKind kind, const storage::ExportRequest& r,
                const storage::ExportLabels& labels = {}, std::size_t* rows = nullptr,
                char separator = ',') {
    std::ostringstream os;
    core::CsvWriter w(os, core::CsvWriterOptions{separator, true, true});
    const auto result = storage::write_export(s.db, kind, s.form, r, labels, w);
    REQUIRE(result.has_value());
    if (rows) *rows = *result;
    std::string text = os.str();
    REQUIRE(text.rfind("\xEF\xBB\xBF", 0) == 0);
    return text.substr(3);
}

storage::ExportLabels vietnamese() {
    return storage::ExportLabels({{"col.team_code", "Mã tổ"},
                                  {"col.status", "Tình trạng"},
                                  {"col.item_target", "{} - chỉ tiêu"},
                                  {"col.item_pct", "{} - % chỉ tiêu"},
                                  {"level.province", "Tỉnh"},
                                  {"status.on_time", "Đúng hạn"},
                                  {"status.late", "Trễ hạn"},
                                  {"status.missing", "Chưa báo cáo"},
                                  {"role.leader", "Tổ trưởng"},
                                  {"col.revised_after_deadline", "Sửa sau hạn chót"},
                                  {"revised.no", "Không"},
                                  {"bool.yes", "Có"},
                                  {"bool.no", "Chưa"},
                                  {"source.chat", "Tin nhắn"}});
}

const std::string kReportsHeader =
    "province,commune,hamlet,unit_code,team_code,team_name,leader_name,leader_phone,period,"
    "status,first_submitted_at,last_submitted_at,revision,revised_after_deadline,LH01,LH01_target,"
    "LH01_pct,HD02,CH01,"
    "KK01,DX01,chat_difficulties\r\n";
const std::string kReportsT1 =
    "Tỉnh Đồng Nai,Xã Long Hưng,Ấp 1,100-01,T1,Tổ CNS Ấp 1,Nguyễn Thị Ánh Tuyết,0912345678,"
    "2026-11,on_time,2026-11-20T08:00:00+07:00,2026-11-21T09:00:00+07:00,2,no,12,10,120.0,0,yes,"
    "network: =cmd|' /C calc'!A0,\"Cần thêm máy, \"\"gấp\"\"\",network: Sóng yếu ở ấp\r\n";
const std::string kReportsT2 =
    "Tỉnh Đồng Nai,Xã Long Hưng,Ấp 2,100-02,T2,Tổ CNS Ấp 2,Trần Văn Bình,0912000002,2026-11,"
    "late,2026-11-30T10:00:00+07:00,2026-11-30T10:00:00+07:00,1,no,5,,,,,,,'@SUM(1)\r\n";
const std::string kReportsT3 =
    "Tỉnh Đồng Nai,Phường Trảng Dài,Khu phố 1,200-01,T3,Tổ CNS Khu phố 1,,,2026-11,missing,,,,,,,"
    ",,,,,\r\n";

}  // namespace

TEST_CASE("the reports export has one row per active team with values, targets and status",
          "[exports]") {
    Seeded s;
    std::size_t rows = 0;
    const std::string csv = run(s, ExportKind::kReports, months("2026-11", "2026-11"), {}, &rows);
    CHECK(rows == 3);
    CHECK(csv == kReportsHeader + kReportsT1 + kReportsT2 + kReportsT3);
}

TEST_CASE("a reported zero is 0 and an unanswered indicator is blank", "[exports]") {
    Seeded s;
    const auto doc = core::parse_csv(run(s, ExportKind::kReports, months("2026-11", "2026-11")));
    REQUIRE(doc.records.size() == 4);
    const auto& header = doc.records[0].fields;
    const auto col = [&](std::string_view name) {
        return static_cast<std::size_t>(std::find(header.begin(), header.end(), name) -
                                        header.begin());
    };
    CHECK(doc.records[1].fields[col("HD02")] == "0");   // T1 answered 0
    CHECK(doc.records[2].fields[col("HD02")] == "");    // T2 did not answer
    CHECK(doc.records[3].fields[col("LH01")] == "");    // T3 did not report
    CHECK(doc.records[1].fields[col("LH01")] == "12");  // the head revision, not revision 1
    CHECK(col("XX99") == header.size());                // disabled items are left out
}

TEST_CASE("exports keep to the subtree of --unit", "[exports]") {
    Seeded s;
    CHECK(run(s, ExportKind::kReports, months("2026-11", "2026-11", "100")) ==
          kReportsHeader + kReportsT1 + kReportsT2);
    CHECK(run(s, ExportKind::kReports, months("2026-11", "2026-11", "200-01")) ==
          kReportsHeader + kReportsT3);
    std::size_t rows = 0;
    run(s, ExportKind::kReportsLong, months("2026-11", "2026-11", "100-02"), {}, &rows);
    CHECK(rows == 5);
    run(s, ExportKind::kRoster, months("2026-11", "2026-11", "200"), {}, &rows);
    CHECK(rows == 1);
}

TEST_CASE("an unknown unit, an unknown level or a reversed range is refused before writing",
          "[exports]") {
    Seeded s;
    std::ostringstream os;
    core::CsvWriter w(os);
    auto r = months("2026-11", "2026-11", "999");
    auto result = storage::write_export(s.db, ExportKind::kReports, s.form, r, {}, w);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error() == storage::ExportError::kUnknownUnit);
    r = months("2026-11", "2026-10");
    result = storage::write_export(s.db, ExportKind::kReports, s.form, r, {}, w);
    CHECK(result.error() == storage::ExportError::kBadRange);
    r = months("2026-11", "2026-11");
    r.level = "district";
    result = storage::write_export(s.db, ExportKind::kRollup, s.form, r, {}, w);
    CHECK(result.error() == storage::ExportError::kUnknownLevel);
    CHECK(os.str().empty());
}

TEST_CASE("reports over a range repeat the teams month by month", "[exports]") {
    Seeded s;
    std::size_t rows = 0;
    const auto doc = core::parse_csv(
        run(s, ExportKind::kReports, months("2026-10", "2026-11", "200"), {}, &rows));
    CHECK(rows == 2);
    REQUIRE(doc.records.size() == 3);
    CHECK(doc.records[1].fields[8] == "2026-10");
    CHECK(doc.records[1].fields[9] == "late");
    CHECK(doc.records[2].fields[8] == "2026-11");
    CHECK(doc.records[2].fields[9] == "missing");
}

TEST_CASE("Vietnamese labels name the columns and values, indicators use the form's labels",
          "[exports]") {
    Seeded s;
    const auto doc = core::parse_csv(
        run(s, ExportKind::kReports, months("2026-11", "2026-11", "100-01"), vietnamese()));
    REQUIRE(doc.errors.empty());
    REQUIRE(doc.records.size() == 2);
    const auto& h = doc.records[0].fields;
    CHECK(h[0] == "Tỉnh");
    CHECK(h[1] == "commune");  // no label: the code
    CHECK(h[4] == "Mã tổ");
    CHECK(h[9] == "Tình trạng");
    CHECK(h[13] == "Sửa sau hạn chót");
    CHECK(h[14] == "Lượt hướng dẫn");
    CHECK(h[15] == "Lượt hướng dẫn - chỉ tiêu");
    CHECK(h[16] == "Lượt hướng dẫn - % chỉ tiêu");
    const auto& row = doc.records[1].fields;
    CHECK(row[6] == "Nguyễn Thị Ánh Tuyết");
    CHECK(row[9] == "Đúng hạn");
    CHECK(row[13] == "Không");
    CHECK(row[18] == "Có");
    CHECK(row[19] == "Mạng yếu: =cmd|' /C calc'!A0");
    CHECK(row[21] == "Mạng yếu: Sóng yếu ở ấp");
}

TEST_CASE("with a semicolon as separator percentages take a decimal comma", "[exports]") {
    Seeded s;
    const std::string csv =
        run(s, ExportKind::kRollup, months("2026-10", "2026-12"), {}, nullptr, ';');
    CHECK(csv.find(";44,4;22,2;") == std::string::npos);  // level commune by default
    auto r = months("2026-10", "2026-12");
    r.level = "province";
    const std::string province = run(s, ExportKind::kRollup, r, {}, nullptr, ';');
    CHECK(province.find("75;2026-10;2026-12;3;9;4;2;2;5;44,4;22,2;29;;;3\r\n") !=
          std::string::npos);
}

TEST_CASE("reports-long has one row per team, period and indicator", "[exports]") {
    Seeded s;
    std::size_t rows = 0;
    const std::string csv =
        run(s, ExportKind::kReportsLong, months("2026-11", "2026-11", "100-01"), {}, &rows);
    CHECK(rows == 5);
    const std::string prefix =
        "Tỉnh Đồng Nai,Xã Long Hưng,Ấp 1,100-01,T1,Tổ CNS Ấp 1,2026-11,on_time,";
    CHECK(csv ==
          "province,commune,hamlet,unit_code,team_code,team_name,period,status,item_code,"
          "item_label,item_unit,value,target,target_pct\r\n" +
              prefix + "LH01,Lượt hướng dẫn,lượt,12,10,120.0\r\n" + prefix +
              "HD02,Hộ dùng DVC,hộ,0,,\r\n" + prefix + "CH01,Có họp tổ,,yes,,\r\n" + prefix +
              "KK01,Khó khăn,,network: =cmd|' /C calc'!A0,,\r\n" + prefix +
              "DX01,Đề xuất,,\"Cần thêm máy, \"\"gấp\"\"\",,\r\n");
    run(s, ExportKind::kReportsLong, months("2026-10", "2026-11"), {}, &rows);
    CHECK(rows == 2 * 3 * 5);
}

TEST_CASE("compliance is a team by month matrix followed by on-time rates per unit", "[exports]") {
    Seeded s;
    std::size_t rows = 0;
    const std::string csv =
        run(s, ExportKind::kCompliance, months("2026-10", "2026-11"), {}, &rows);
    CHECK(rows == 5);
    CHECK(csv ==
          "row_type,province,commune,hamlet,unit_code,team_code,team_name,2026-10,2026-11,"
          "on_time,late,missing,on_time_rate,submitted_rate\r\n"
          "team,Tỉnh Đồng Nai,Xã Long Hưng,Ấp 1,100-01,T1,Tổ CNS Ấp 1,on_time,on_time,2,0,0,"
          "100.0,100.0\r\n"
          "team,Tỉnh Đồng Nai,Xã Long Hưng,Ấp 2,100-02,T2,Tổ CNS Ấp 2,missing,late,0,1,1,0.0,"
          "50.0\r\n"
          "team,Tỉnh Đồng Nai,Phường Trảng Dài,Khu phố 1,200-01,T3,Tổ CNS Khu phố 1,late,missing,"
          "0,1,1,0.0,50.0\r\n"
          "unit,Tỉnh Đồng Nai,Xã Long Hưng,,100,,,50.0,50.0,2,1,1,50.0,75.0\r\n"
          "unit,Tỉnh Đồng Nai,Phường Trảng Dài,,200,,,0.0,0.0,0,1,1,0.0,50.0\r\n");
}

TEST_CASE("rollup sums indicators per unit of a level against the unit's targets", "[exports]") {
    Seeded s;
    std::size_t rows = 0;
    const std::string csv = run(s, ExportKind::kRollup, months("2026-11", "2026-11"), {}, &rows);
    CHECK(rows == 2);
    CHECK(csv ==
          "province,commune,hamlet,unit_code,period_from,period_to,teams,expected,submitted,"
          "on_time,late,missing,submitted_rate,on_time_rate,LH01,LH01_target,LH01_pct,HD02\r\n"
          "Tỉnh Đồng Nai,Xã Long Hưng,,100,2026-11,2026-11,2,2,2,1,1,0,100.0,50.0,17,20,85.0,0\r\n"
          "Tỉnh Đồng Nai,Phường Trảng Dài,,200,2026-11,2026-11,1,1,0,0,0,1,0.0,0.0,,10,,\r\n");
    // A quarter: three months of expected reports, October's and November's targets.
    auto q = months("2026-10", "2026-12", "100");
    const auto doc = core::parse_csv(run(s, ExportKind::kRollup, q));
    REQUIRE(doc.records.size() == 2);
    CHECK(doc.records[1].fields == std::vector<std::string>{"Tỉnh Đồng Nai", "Xã Long Hưng", "",
                                                            "100", "2026-10", "2026-12", "2", "6",
                                                            "3", "2", "1", "3", "50.0", "33.3",
                                                            "25", "30", "83.3", "3"});
}

TEST_CASE("difficulties lists every difficulty with its team, unit path and time", "[exports]") {
    Seeded s;
    std::size_t rows = 0;
    const std::string csv =
        run(s, ExportKind::kDifficulties, months("2026-10", "2026-11"), {}, &rows);
    CHECK(rows == 4);
    CHECK(csv ==
          "province,commune,hamlet,unit_code,team_code,team_name,period,category,source,text,"
          "created_at\r\n"
          "Tỉnh Đồng Nai,Phường Trảng Dài,Khu phố 1,200-01,T3,Tổ CNS Khu phố 1,2026-10,devices,"
          "chat,Thiếu máy tính,2026-10-26T14:33:20+07:00\r\n"
          "Tỉnh Đồng Nai,Xã Long Hưng,Ấp 1,100-01,T1,Tổ CNS Ấp 1,2026-11,network,form,"
          "'=cmd|' /C calc'!A0,2026-11-21T09:00:00+07:00\r\n"
          "Tỉnh Đồng Nai,Xã Long Hưng,Ấp 1,100-01,T1,Tổ CNS Ấp 1,2026-11,network,chat,"
          "Sóng yếu ở ấp,2026-11-25T16:46:40+07:00\r\n"
          "Tỉnh Đồng Nai,Xã Long Hưng,Ấp 2,100-02,T2,Tổ CNS Ấp 2,2026-11,,chat,'@SUM(1),"
          "2026-11-30T07:53:20+07:00\r\n");
    run(s, ExportKind::kDifficulties, months("2026-11", "2026-11", "100-02"), {}, &rows);
    CHECK(rows == 1);
    const auto vi = core::parse_csv(
        run(s, ExportKind::kDifficulties, months("2026-10", "2026-10"), vietnamese()));
    REQUIRE(vi.records.size() == 2);
    CHECK(vi.records[1].fields[7] == "Thiếu thiết bị");
    CHECK(vi.records[1].fields[8] == "Tin nhắn");
}

TEST_CASE("roster shows who has linked a chat account and the invite code of who has not",
          "[exports]") {
    Seeded s;
    std::size_t rows = 0;
    const std::string csv = run(s, ExportKind::kRoster, months("2026-11", "2026-11"), {}, &rows);
    CHECK(rows == 4);
    CHECK(csv ==
          "province,commune,hamlet,unit_code,team_code,team_name,role,title,full_name,phone,"
          "occupation,linked,channels,invite_code,invite_expires_at\r\n"
          "Tỉnh Đồng Nai,Xã Long Hưng,,100,,,official,Phó Chủ tịch UBND xã,Lê Văn Cường,"
          "0912000003,,no,,,\r\n"
          "Tỉnh Đồng Nai,Xã Long Hưng,Ấp 1,100-01,T1,Tổ CNS Ấp 1,leader,,Nguyễn Thị Ánh Tuyết,"
          "0912345678,,yes,zalo,,\r\n"
          "Tỉnh Đồng Nai,Xã Long Hưng,Ấp 2,100-02,T2,Tổ CNS Ấp 2,leader,,Trần Văn Bình,"
          "0912000002,,no,,BINH23,2030-03-18T00:46:40+07:00\r\n"
          "Tỉnh Đồng Nai,Phường Trảng Dài,Khu phố 1,200-01,T3,Tổ CNS Khu phố 1,member,,"
          "'=Phạm Hack,0912000004,,no,,,\r\n");
    const auto vi = core::parse_csv(
        run(s, ExportKind::kRoster, months("2026-11", "2026-11", "100-01"), vietnamese()));
    REQUIRE(vi.records.size() == 2);
    CHECK(vi.records[1].fields[6] == "Tổ trưởng");
    CHECK(vi.records[1].fields[11] == "Có");
}

TEST_CASE("export names and file names", "[exports]") {
    for (const auto k : storage::all_export_kinds())
        CHECK(storage::parse_export_kind(storage::export_kind_name(k)) == k);
    CHECK_FALSE(storage::parse_export_kind("passwords"));
    CHECK(storage::export_file_name(ExportKind::kReports, "2026-11") == "tcns-reports-2026-11.csv");
    CHECK(storage::export_file_name(ExportKind::kRoster, "") == "tcns-roster.csv");
}

TEST_CASE("a yearly target counts pro rata when the year has no monthly targets", "[exports]") {
    Seeded s;
    const auto target_of = [&s](std::string_view from, std::string_view to, std::string unit) {
        const auto doc = core::parse_csv(run(s, ExportKind::kRollup, months(from, to, unit)));
        REQUIRE(doc.records.size() == 2);
        REQUIRE(doc.records[0].fields[15] == "LH01_target");
        return doc.records[1].fields[15];
    };
    CHECK(target_of("2026-10", "2026-12", "200") == "30");   // 120 a year, a quarter of it
    CHECK(target_of("2026-11", "2027-02", "200") == "20");   // two months of 2026, none of 2027
    CHECK(target_of("2026-01", "2026-12", "200") == "120");  // the whole year
    CHECK(target_of("2026-10", "2026-12", "100") == "30");   // monthly targets win: 10 + 20
}
