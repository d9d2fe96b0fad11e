#include <catch2/catch.hpp>

#include <map>

#include "core/targets_import.hpp"

using namespace tcns::core;

namespace {

/// The stored roster, as maps.
class FakeRoster : public RosterLookup {
  public:
    std::map<std::string, std::string> units{{"75", ""}, {"731", "75"}, {"26380", "731"}};
    std::map<std::string, std::string> teams{{"TCNS-26380-A01", "26380"}};

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
    std::vector<std::string> team_leaders(std::string_view) override { return {}; }
};

std::string listing(const ImportPlan<TargetRecord>& plan) {
    std::string out;
    for (const auto& e : plan.errors)
        out += "line " + std::to_string(e.line) + ": " + e.reason + "\n";
    return out;
}

bool reports(const ImportPlan<TargetRecord>& plan, std::size_t line, std::string_view words) {
    for (const auto& e : plan.errors)
        if (e.line == line && e.reason.find(words) != std::string::npos) return true;
    return false;
}

}  // namespace

TEST_CASE("a good targets file gives unit and team targets with normalised periods and values",
          "[targets]") {
    FakeRoster db;
    const auto plan = plan_targets_import(
        "code,item_code,period,value\n"
        "75,LH01,2025,\"12.000\"\n"
        "731,ID01,2025-03,\"1,200\"\n"
        "TCNS-26380-A01,lh02,3/2025,40\n"
        "26380,ID01,03/2025,0\n",
        db);
    INFO(listing(plan));
    REQUIRE(plan.ok());
    REQUIRE(plan.records.size() == 4);
    CHECK(plan.records[0].owner == TargetOwner::kUnit);
    CHECK(plan.records[0].period == "2025");
    CHECK(plan.records[0].value == 12000);
    CHECK(plan.records[1].value == 1200);
    CHECK(plan.records[1].period == "2025-03");
    CHECK(plan.records[2].owner == TargetOwner::kTeam);
    CHECK(plan.records[2].item_code == "LH02");
    CHECK(plan.records[2].period == "2025-03");
    CHECK(plan.records[2].line == 4);
    CHECK(plan.records[3].value == 0);
}

TEST_CASE("a code that is both a unit and a team resolves to the unit", "[targets]") {
    FakeRoster db;
    db.teams["731"] = "26380";
    const auto plan = plan_targets_import("code,item_code,period,value\n731,LH01,2025,5\n", db);
    REQUIRE(plan.ok());
    CHECK(plan.records[0].owner == TargetOwner::kUnit);
}

TEST_CASE("every bad line of a targets file is reported with its line and nothing is planned",
          "[targets]") {
    FakeRoster db;
    const auto plan = plan_targets_import(
        "code,item_code,period,value\n"
        "75,LH01,2025,100\n"              // 2: good
        "999,LH01,2025,100\n"             // 3: unknown code
        "75,L01,2025,100\n"               // 4: bad item code
        "75,LH02,2025-13,100\n"           // 5: bad period
        "75,LH03,2025-Q1,100\n"           // 6: a quarter is not a target period
        "75,LH04,2025,12.5\n"             // 7: bad value
        "75,LH05,2025,-3\n"               // 8: negative value
        "75,LH01,2025,200\n"              // 9: duplicate of line 2
        "75,LH06,2025\n"                  // 10: wrong column count
        ",LH07,2025,1\n"                  // 11: empty code
        "75,,2025,1\n"                    // 12: empty item_code
        "75,LH08,,1\n"                    // 13: empty period
        "75,LH09,2025,\n"                 // 14: empty value
        "TCNS-26380-A01,LH01,2025,1,2\n"  // 15: too many columns
        "75,LH10,2025,\"1.2.3\"\n",       // 16: broken grouping
        db);
    INFO(listing(plan));
    CHECK_FALSE(plan.ok());
    CHECK(plan.records.empty());
    CHECK_FALSE(reports(plan, 2, ""));
    CHECK(reports(plan, 3, "unknown unit or team code '999'"));
    CHECK(reports(plan, 4, "bad item_code 'L01'"));
    CHECK(reports(plan, 5, "bad period '2025-13'"));
    CHECK(reports(plan, 6, "bad period '2025-Q1'"));
    CHECK(reports(plan, 7, "bad value '12.5'"));
    CHECK(reports(plan, 8, "negative value '-3'"));
    CHECK(reports(plan, 9, "duplicate target for '75' LH01 2025 (first on line 2)"));
    CHECK(reports(plan, 10, "columns"));
    CHECK(reports(plan, 11, "empty code"));
    CHECK(reports(plan, 12, "empty item_code"));
    CHECK(reports(plan, 13, "empty period"));
    CHECK(reports(plan, 14, "empty value"));
    CHECK(reports(plan, 15, "columns"));
    CHECK(reports(plan, 16, "bad value '1.2.3'"));
    // In line order, one entry per problem.
    for (std::size_t i = 1; i < plan.errors.size(); ++i)
        CHECK(plan.errors[i - 1].line <= plan.errors[i].line);
}

TEST_CASE("a month written two ways is one key, so the second is a duplicate", "[targets]") {
    FakeRoster db;
    const auto plan = plan_targets_import(
        "code,item_code,period,value\n731,ID01,2025-03,1\n731,id01,3/2025,2\n", db);
    CHECK(reports(plan, 3, "duplicate target for '731' ID01 2025-03 (first on line 2)"));
}

TEST_CASE("an Excel file with a BOM, semicolons, CRLF and Vietnamese headers imports",
          "[targets]") {
    FakeRoster db;
    const auto plan = plan_targets_import(
        "\xEF\xBB\xBFMã đơn vị;Mã chỉ tiêu;Kỳ;Giá trị;Ghi chú\r\n"
        "75;LH01;2025;12.000;cả tỉnh\r\n"
        "26380;ID01;2025-03;1 200;\r\n",
        db);
    INFO(listing(plan));
    REQUIRE(plan.ok());
    REQUIRE(plan.records.size() == 2);
    CHECK(plan.records[0].value == 12000);
    CHECK(plan.records[1].value == 1200);
    REQUIRE(plan.notes.size() == 1);
    CHECK(plan.notes[0].find("Ghi chú") != std::string::npos);
}

TEST_CASE("a targets file without a value column is refused on the header line", "[targets]") {
    FakeRoster db;
    const auto plan = plan_targets_import("code,item_code,period\n75,LH01,2025\n", db);
    CHECK_FALSE(plan.ok());
    CHECK(reports(plan, 1, "value"));
}

TEST_CASE("target values accept thousands separators but never guess at decimals", "[targets]") {
    CHECK(parse_target_value("0") == 0);
    CHECK(parse_target_value("1200") == 1200);
    CHECK(parse_target_value("1.200") == 1200);
    CHECK(parse_target_value("1,200") == 1200);
    CHECK(parse_target_value("1 200") == 1200);
    CHECK(parse_target_value("1\xC2\xA0"
                             "200") == 1200);
    CHECK(parse_target_value("1.200.000") == 1200000);
    CHECK(parse_target_value(" 007 ") == 7);
    CHECK_FALSE(parse_target_value(""));
    CHECK_FALSE(parse_target_value("1,5"));
    CHECK_FALSE(parse_target_value("1.50"));
    CHECK_FALSE(parse_target_value("1.200,000"));
    CHECK_FALSE(parse_target_value("1200."));
    CHECK_FALSE(parse_target_value(".200"));
    CHECK_FALSE(parse_target_value("1..200"));
    CHECK_FALSE(parse_target_value("12a"));
    CHECK_FALSE(parse_target_value("-1"));
    CHECK_FALSE(parse_target_value("99999999999999999999"));
}

TEST_CASE("target periods are a month or a whole year", "[targets]") {
    CHECK(parse_target_period("2025-03") == "2025-03");
    CHECK(parse_target_period("3/2025") == "2025-03");
    CHECK(parse_target_period("12/2025") == "2025-12");
    CHECK(parse_target_period("2025") == "2025");
    CHECK_FALSE(parse_target_period("13/2025"));
    CHECK_FALSE(parse_target_period("2025-3"));
    CHECK_FALSE(parse_target_period("25"));
    CHECK_FALSE(parse_target_period("2025-Q1"));
    CHECK_FALSE(parse_target_period("01/03/2025"));
    CHECK(is_item_code("LH01"));
    CHECK_FALSE(is_item_code("lh01"));
    CHECK_FALSE(is_item_code("LH1"));
    CHECK_FALSE(is_item_code("L101"));
}
