#include <catch2/catch.hpp>

#include <map>

#include "core/roster_import.hpp"

using namespace tcns::core;

namespace {

/// The stored roster, as maps.
class FakeRoster : public RosterLookup {
  public:
    std::map<std::string, std::string> units;  // code -> parent code
    std::map<std::string, std::string> teams;  // code -> unit code
    std::map<std::string, std::vector<std::string>> leaders;

    std::optional<std::string> unit_parent(std::string_view code) override {
        auto it = units.find(std::string(code));
        if (it == units.end()) return std::nullopt;
        return it->second;
    }
    std::optional<std::string> team_unit(std::string_view code) override {
        auto it = teams.find(std::string(code));
        if (it == teams.end()) return std::nullopt;
        return it->second;
    }
    std::vector<std::string> team_leaders(std::string_view code) override {
        auto it = leaders.find(std::string(code));
        return it == leaders.end() ? std::vector<std::string>{} : it->second;
    }
};

FakeRoster stored_roster() {
    FakeRoster r;
    r.units = {{"75", ""},
               {"731", "75"},
               {"26380", "731"},
               {"26380-A01", "26380"},
               {"26380-A02", "26380"}};
    r.teams = {{"T1", "26380-A01"}, {"T2", "26380-A02"}};
    return r;
}

template <class R>
std::string listing(const ImportPlan<R>& plan) {
    std::string out;
    for (const auto& e : plan.errors)
        out += "line " + std::to_string(e.line) + ": " + e.reason + "\n";
    return out;
}

/// True when the plan reports `line` with a reason containing `words`.
template <class R>
bool reports(const ImportPlan<R>& plan, std::size_t line, std::string_view words) {
    for (const auto& e : plan.errors)
        if (e.line == line && e.reason.find(words) != std::string::npos) return true;
    return false;
}

constexpr std::string_view kUnitsHeader = "code,name,type,parent_code,level\n";
constexpr std::string_view kPeopleHeader = "phone,full_name,role,team_code,unit_code,title\n";

}  // namespace

TEST_CASE("a good units file gives one record per row, parents allowed later in the file",
          "[import]") {
    FakeRoster db;
    const auto plan = plan_units_import(std::string(kUnitsHeader) +
                                            "731,Thành phố Biên Hòa,Thành phố,75,district\n"
                                            "75,Tỉnh Đồng Nai,Tỉnh,,province\n",
                                        db);
    INFO(listing(plan));
    REQUIRE(plan.ok());
    REQUIRE(plan.records.size() == 2);
    CHECK(plan.records[0].code == "731");
    CHECK(plan.records[0].parent_code == "75");
    CHECK(plan.records[0].line == 2);
    CHECK(plan.records[1].parent_code.empty());
    CHECK_FALSE(plan.records[0].validity_given);
}

TEST_CASE("every bad line of a units file is reported with its line number", "[import]") {
    FakeRoster db = stored_roster();
    const std::string text = std::string(kUnitsHeader) +
                             "1,Ấp A,Ấp,999,hamlet\n"        // 2 unknown parent
                             "2,,Ấp,26380,hamlet\n"          // 3 empty name
                             "1,Ấp C,Ấp,26380,hamlet\n"      // 4 duplicate code
                             ",Ấp D,Ấp,26380,hamlet\n"       // 5 empty code
                             "5,Ấp E,Ấp,26380,\n"            // 6 empty level
                             "6,Ấp F,Ấp,26380\n"             // 7 wrong column count
                             "7,Ấp G\xE1,Ấp,26380,hamlet\n"  // 8 invalid UTF-8
                             "8,Ấp H,Ấp,8,hamlet\n"          // 9 its own parent
                             "9,\"Ấp I,Ấp,26380,hamlet\n";   // 10 unterminated quote
    const auto plan = plan_units_import(text, db);
    INFO(listing(plan));
    CHECK(reports(plan, 2, "unknown parent code '999'"));
    CHECK(reports(plan, 3, "empty name"));
    CHECK(reports(plan, 4, "duplicate code '1' (first on line 2)"));
    CHECK(reports(plan, 5, "empty code"));
    CHECK(reports(plan, 6, "empty level"));
    CHECK(reports(plan, 7, "4 columns, the header has 5"));
    CHECK(reports(plan, 8, "invalid UTF-8"));
    CHECK(reports(plan, 9, "own parent"));
    CHECK(reports(plan, 10, "unterminated"));
    CHECK(plan.records.empty());
}

TEST_CASE("a parent cycle is an error, in the file or through stored units", "[import]") {
    FakeRoster db = stored_roster();
    const auto in_file = plan_units_import(std::string(kUnitsHeader) +
                                               "A,A,,B,x\n"
                                               "B,B,,C,x\n"
                                               "C,C,,A,x\n"
                                               "D,D,,A,x\n",
                                           db);
    INFO(listing(in_file));
    CHECK(reports(in_file, 2, "cycle in parents: A → B → C → A"));
    CHECK(reports(in_file, 3, "cycle"));
    CHECK(reports(in_file, 4, "cycle"));
    CHECK(in_file.errors.size() == 3);  // D hangs under the cycle but is not in it

    // 731 is stored under 75; moving 75 under 731 closes a loop through the database.
    const auto through_db =
        plan_units_import(std::string(kUnitsHeader) + "75,Tỉnh Đồng Nai,Tỉnh,731,province\n", db);
    CHECK(reports(through_db, 2, "cycle in parents: 75 → 731 → 75"));

    // ... unless the file also moves 731.
    const auto moved = plan_units_import(std::string(kUnitsHeader) +
                                             "75,Tỉnh Đồng Nai,Tỉnh,731,province\n"
                                             "731,Biên Hòa,Thành phố,,district\n",
                                         db);
    CHECK(moved.ok());
}

TEST_CASE("unit dates and successors are checked", "[import]") {
    FakeRoster db = stored_roster();
    const auto plan = plan_units_import(
        "code,name,type,parent_code,level,valid_from,valid_to,successor_code\n"
        "A,A,,75,x,01/07/2025,,\n"
        "B,B,,75,x,2025-13-01,,\n"
        "C,C,,75,x,2025-07-01,30/06/2025,\n"
        "D,D,,75,x,,31/12/2024,ZZZ\n"
        "E,E,,75,x,,31/12/2024,A\n",
        db);
    INFO(listing(plan));
    CHECK(reports(plan, 3, "bad date '2025-13-01' in valid_from"));
    CHECK(reports(plan, 4, "valid_to 2025-06-30 is before valid_from 2025-07-01"));
    CHECK(reports(plan, 5, "unknown successor code 'ZZZ'"));
    CHECK(plan.errors.size() == 3);
}

TEST_CASE("a units file without the required columns reports the header line", "[import]") {
    FakeRoster db;
    const auto plan = plan_units_import("code,name,type,level\n1,a,,x\n", db);
    CHECK(reports(plan, 1, "missing column parent_code"));
    CHECK(plan.records.empty());
}

TEST_CASE("Vietnamese headers and extra columns are understood", "[import]") {
    FakeRoster db;
    const auto plan = plan_units_import(
        "STT;Mã đơn vị;Tên đơn vị;Loại;Mã cấp trên;Cap do\n1;75;Tỉnh Đồng Nai;Tỉnh;;province\n",
        db);
    INFO(listing(plan));
    REQUIRE(plan.ok());
    CHECK(plan.records.at(0).name == "Tỉnh Đồng Nai");
    CHECK(plan.records.at(0).level == "province");
    CHECK(plan.notes == std::vector<std::string>{"ignored column 'STT'"});
}

TEST_CASE("teams need a stored unit, a unique code and good dates", "[import]") {
    FakeRoster db = stored_roster();
    const auto plan = plan_teams_import(
        "code,name,unit_code,decision_no,decision_date\n"
        "T9,Tổ 9,26380-A01,12/QĐ-UBND,15/06/2022\n"
        "T9,Tổ 9 bis,26380-A01,,\n"
        "T10,Tổ 10,NOPE,,\n"
        "T11,,26380-A01,,\n"
        "T12,Tổ 12,26380-A01,,31/02/2022\n"
        "T13,Tổ 13,,,\n",
        db);
    INFO(listing(plan));
    CHECK(reports(plan, 3, "duplicate code 'T9' (first on line 2)"));
    CHECK(reports(plan, 4, "unknown unit 'NOPE'"));
    CHECK(reports(plan, 5, "empty name"));
    CHECK(reports(plan, 6, "bad date '31/02/2022' in decision_date"));
    CHECK(reports(plan, 7, "empty unit_code"));
    CHECK(plan.errors.size() == 5);

    const auto good = plan_teams_import("code,name,unit_code\nT9,Tổ 9,26380-A01\n", db);
    REQUIRE(good.ok());
    CHECK_FALSE(good.records[0].decision_given);
}

TEST_CASE("people rows with the same phone make one person with several roles", "[import]") {
    FakeRoster db = stored_roster();
    const auto plan = plan_people_import(std::string(kPeopleHeader) +
                                             "0912 345 678,Nguyễn Văn An,tổ trưởng,T1,,\n"
                                             "+84912345678,Nguyễn Văn An,Thanh Vien,T2,,\n"
                                             "0987654321,Trần Thị Bình,can bo,,26380,Phó Chủ tịch\n"
                                             "987654322,Lê Văn C,To pho,T1,26380-A01,\n",
                                         db);
    INFO(listing(plan));
    REQUIRE(plan.ok());
    REQUIRE(plan.records.size() == 3);
    const auto& an = plan.records[0];
    CHECK(an.phone == "84912345678");
    REQUIRE(an.roles.size() == 2);
    CHECK(an.roles[0].role == Role::kLeader);
    CHECK(an.roles[0].team_code == "T1");
    CHECK(an.roles[1].role == Role::kMember);
    CHECK(plan.records[1].roles.at(0).role == Role::kOfficial);
    CHECK(plan.records[1].roles.at(0).unit_code == "26380");
    CHECK(plan.records[1].roles.at(0).title == "Phó Chủ tịch");
    CHECK(plan.records[2].phone == "84987654322");  // Excel dropped the 0
    CHECK(plan.records[2].roles.at(0).role == Role::kDeputy);
}

TEST_CASE("every bad line of a people file is reported with its line number", "[import]") {
    FakeRoster db = stored_roster();
    const std::string text = std::string(kPeopleHeader) +
                             "12345,A,leader,T1,,\n"              // 2 bad phone
                             "0911000001,B,boss,T1,,\n"           // 3 unknown role
                             "0911000002,C,member,T9,,\n"         // 4 unknown team
                             "0911000003,D,official,,XX,\n"       // 5 unknown unit
                             "0911000004,,member,T1,,\n"          // 6 empty full_name
                             "0911000005,E,leader,T1,,\n"         // 7 first leader of T1
                             "0911000006,F,leader,T1,,\n"         // 8 second leader
                             "0911000007,G,official,T1,26380,\n"  // 9 official with a team
                             "0911000008,H,member,,,\n"           // 10 member without a team
                             "0911000005,E2,member,T2,,\n"        // 11 another name
                             "0911000005,E,deputy,T1,,\n"         // 12 second role in T1
                             "0911000009,I,member,T1,731,\n"      // 13 team is not in 731
                             ",J,member,T1,,\n"                   // 14 empty phone
                             "0911000010,K,,T1,,\n";              // 15 empty role
    const auto plan = plan_people_import(text, db);
    INFO(listing(plan));
    CHECK(reports(plan, 2, "bad phone number '12345'"));
    CHECK(reports(plan, 3, "unknown role 'boss'"));
    CHECK(reports(plan, 4, "unknown team 'T9'"));
    CHECK(reports(plan, 5, "unknown unit 'XX'"));
    CHECK(reports(plan, 6, "empty full_name"));
    CHECK(reports(plan, 8, "team 'T1' has a second leader (first on line 7)"));
    CHECK(reports(plan, 9, "official belongs to a unit"));
    CHECK(reports(plan, 10, "empty team_code"));
    CHECK(reports(plan, 11, "is 'E' on line 7, here 'E2'"));
    CHECK(reports(plan, 12, "already has a role in team 'T1' (line 7)"));
    CHECK(reports(plan, 13, "team 'T1' belongs to unit '26380-A01', not '731'"));
    CHECK(reports(plan, 14, "empty phone"));
    CHECK(reports(plan, 15, "empty role"));
    CHECK_FALSE(reports(plan, 7, ""));
    CHECK(plan.records.empty());
}

TEST_CASE("a stored leader outside the file blocks a new leader, one inside does not", "[import]") {
    FakeRoster db = stored_roster();
    db.leaders["T1"] = {"84911999999"};
    const auto blocked =
        plan_people_import(std::string(kPeopleHeader) + "0911000001,A,leader,T1,,\n", db);
    CHECK(reports(blocked, 2, "team 'T1' already has a leader (0911999999, not in this file)"));

    // The old leader is in the file as a member: leadership moves.
    const auto moved = plan_people_import(std::string(kPeopleHeader) +
                                              "0911000001,A,leader,T1,,\n"
                                              "0911999999,Old,member,T1,,\n",
                                          db);
    INFO(listing(moved));
    CHECK(moved.ok());
}

TEST_CASE("role names are read in English and Vietnamese, with or without diacritics", "[import]") {
    CHECK(parse_role_name("Tổ trưởng") == Role::kLeader);
    CHECK(parse_role_name("TO TRUONG") == Role::kLeader);
    CHECK(parse_role_name(" leader ") == Role::kLeader);
    CHECK(parse_role_name("tổ phó") == Role::kDeputy);
    CHECK(parse_role_name("Thành viên") == Role::kMember);
    CHECK(parse_role_name("Cán bộ") == Role::kOfficial);
    CHECK(parse_role_name("can bo") == Role::kOfficial);
    CHECK_FALSE(parse_role_name("tổ"));
    CHECK_FALSE(parse_role_name(""));
}

TEST_CASE("dates are read as ISO or day first, as Excel writes them in Vietnam", "[import]") {
    CHECK(parse_import_date("2025-03-15") == Date{2025, 3, 15});
    CHECK(parse_import_date("15/03/2025") == Date{2025, 3, 15});
    CHECK(parse_import_date("5/3/2025") == Date{2025, 3, 5});
    CHECK(parse_import_date("05-03-2025") == Date{2025, 3, 5});
    CHECK(parse_import_date("05.03.2025") == Date{2025, 3, 5});
    CHECK_FALSE(parse_import_date("3/15/2025"));  // month first: no month 15
    CHECK_FALSE(parse_import_date("29/02/2025"));
    CHECK_FALSE(parse_import_date("15/03/25"));
    CHECK_FALSE(parse_import_date("15/03-2025"));
    CHECK_FALSE(parse_import_date("tomorrow"));
}

TEST_CASE("phones lose their leading zero in Excel and are still read", "[import]") {
    CHECK(normalize_import_phone("912345678") == "84912345678");
    CHECK(normalize_import_phone("0912345678") == "84912345678");
    CHECK(normalize_import_phone(" +84 912 345 678 ") == "84912345678");
    CHECK_FALSE(normalize_import_phone("112345678"));  // not a mobile prefix
    CHECK_FALSE(normalize_import_phone("8.49123E+10"));
}

TEST_CASE("the importers report, never crash, on mangled files", "[import]") {
    FakeRoster db = stored_roster();
    const std::string base = std::string(kPeopleHeader) +
                             "0912 345 678,\"Nguyễn, Văn An\",tổ trưởng,T1,,\n"
                             "0987654321;Trần Thị Bình,can bo,,26380,\"Phó\r\nChủ tịch\"\n" +
                             std::string(kUnitsHeader) + "A,A,,B,x\nB,B,,A,x\n";
    const char bytes[] = {',', ';', '"', '\n', '\r', '\xC3', '\xFF', ' ', '\0', 'x'};
    std::uint32_t x = 2025;
    for (int round = 0; round < 300; ++round) {
        std::string text = base;
        for (int k = 0; k < 8; ++k) {
            x = x * 1664525u + 1013904223u;
            const std::size_t pos = (x >> 8) % text.size();
            text[pos] = bytes[(x >> 24) % sizeof(bytes)];
        }
        const auto units = plan_units_import(text, db);
        const auto teams = plan_teams_import(text, db);
        const auto people = plan_people_import(text, db);
        for (const auto& e : people.errors) CHECK(e.line >= 1);
        CHECK((units.ok() || units.records.empty()));
        CHECK((teams.ok() || teams.records.empty()));
    }
}
