#include <catch2/catch.hpp>

#include "bot/config.hpp"
#include "bot/templates.hpp"

using namespace tcns;

TEST_CASE("the shipped form has the default items, the disabled ones and the soft checks") {
    const auto t = bot::load_templates(TCNS_SOURCE_DIR "/templates");
    const auto& f = t.form;
    CHECK(f.id == "monthly-report");
    CHECK(f.version >= 1);
    std::string enabled;
    for (const auto* item : f.enabled_items()) enabled += item->code + " ";
    CHECK(enabled == "LH01 HO01 ID01 DV01 DV02 TT01 TT02 TM01 KS01 YT01 KN01 KN02 AT01 KK01 DX01 ");
    for (const char* code : {"DV03", "TT03", "TM02", "YT02", "GD01", "PA01", "PA02"}) {
        INFO(code);
        REQUIRE(f.find(code));
        CHECK_FALSE(f.find(code)->enabled);
    }
    CHECK(f.find("KK01")->type == core::ItemType::kText);
    CHECK(f.find("KK01")->choices.size() == 5);
    CHECK_FALSE(f.find("KK01")->required);
    CHECK(f.checks.size() == 9);
    for (const char* code : {"LH01", "HO01", "ID01"}) {
        CHECK_FALSE(f.find(code)->label.empty());
        CHECK_FALSE(f.find(code)->prompt.empty());
        CHECK_FALSE(f.find(code)->unit.empty());
    }
}

TEST_CASE("a broken form file is refused with the reason") {
    auto err = [](const std::string& text) {
        try {
            bot::parse_form(text, "f.json");
        } catch (const bot::ConfigError& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    CHECK(err("{") == "f.json: not valid JSON");
    CHECK(
        err(R"({"id":"x","version":1,"items":[{"code":"bad","label":"a","prompt":"b","type":"count"}]})")
            .find("must look like LH01") != std::string::npos);
    CHECK(
        err(R"({"id":"x","version":1,"items":[{"code":"AB01","label":"a","prompt":"b","type":"float"}]})")
            .find("not count, text or choice") != std::string::npos);
    CHECK(
        err(R"({"id":"x","version":1,"items":[{"code":"AB01","label":"a","prompt":"b","type":"count"}],
                 "checks":[{"item":"AB01","rule":"at_most","other":"ZZ99"}]})")
            .find("must name two count items") != std::string::npos);
    CHECK(err(R"({"id":"x","version":0,"items":[]})").find("version") != std::string::npos);

    // Found by fuzz_form: values of the wrong type escaped as nlohmann's type_error (the server
    // would have reported an internal error instead of the file and the field).
    const std::string item = R"({"code":"AB01","label":"a","prompt":"b","type":"count")";
    auto form = [&](const std::string& extra, const std::string& top = "") {
        return R"({"id":"x","version":1)" + top + R"(,"items":[)" + item + extra + "}]}";
    };
    CHECK(err(form(R"(,"required":"yes")")).find("\"required\" must be true or false") !=
          std::string::npos);
    CHECK(err(form(R"(,"enabled":1)")).find("\"enabled\"") != std::string::npos);
    CHECK(err(form(R"(,"min":"0")")).find("\"min\" must be an integer") != std::string::npos);
    CHECK(err(form(R"(,"max":1.5)")).find("\"max\" must be an integer") != std::string::npos);
    CHECK(err(form(R"(,"max_length":-1)")).find("max_length") != std::string::npos);
    CHECK(err(form(R"(,"choices":[{"code":1,"label":"a"}])")).find("code and label") !=
          std::string::npos);
    CHECK(err(form("", R"(,"title":5)")).find("title") != std::string::npos);
    CHECK(err(form("", R"(,"version":4294967297)")).find("version") != std::string::npos);
    CHECK(err(R"({"id":"x","version":1,"items":[{"code":7}]})").find("code") != std::string::npos);
    CHECK(err(R"({"id":"x","version":1,"items":[)" + item + R"(}],"checks":[1]})")
              .find("every check must be an object") != std::string::npos);
    CHECK(err(R"({"id":"x","version":1,"items":[)" + item + R"(}],"checks":[{"item":1}]})")
              .find("must be a string") != std::string::npos);
}

TEST_CASE("message templates fill named placeholders and leave unknown ones") {
    CHECK(core::fill_template("Chào {name}, {x}!", {{"name", "An"}}) == "Chào An, {x}!");
    const auto t = bot::load_templates(TCNS_SOURCE_DIR "/templates");
    CHECK(t.messages.render("receipt", {{"period", "11/2026"}, {"team", "T"}, {"time", "x"}})
              .find("11/2026") != std::string::npos);
}

TEST_CASE("the words file holds every command and list, and a broken one is refused") {
    const auto words = bot::load_templates(TCNS_SOURCE_DIR "/templates").words;
    CHECK(words.command("bc")->command == "report");
    CHECK(words.command("goi")->command == "submit");  // "gởi", folded
    CHECK(words.command("dang nhap")->command == "web");
    CHECK(words.command("sua 3")->arg == "3");
    CHECK(words.command("th 10/2026")->command == "rollup");
    CHECK_FALSE(words.command("chua nop duoc vi mat song"));
    CHECK(words.listed("greeting", "xin chao"));
    CHECK(*words.after("month", "thang 12") == "12");

    const std::string lists =
        R"("lists": {"greeting": [], "thanks": [], "report_month": [], "quick_report": [],
                     "month": [], "difficulty": [], "difficulty_without_colon": []})";
    std::string commands;
    for (auto c : core::known_commands())
        commands += (commands.empty() ? "" : ", ") +
                    ("\"" + std::string(c) + "\": [\"w_" + std::string(c) + "\"]");
    CHECK_NOTHROW(bot::parse_words("{\"commands\": {" + commands + "}, " + lists + "}", "w"));
    auto refused = [&](const std::string& text, const std::string& why) {
        try {
            bot::parse_words(text, "words.vi.json");
            FAIL("accepted: " << text);
        } catch (const bot::ConfigError& e) {
            CHECK_THAT(e.what(), Catch::Contains(why));
        }
    };
    refused("[]", "not valid JSON");
    refused("{\"commands\": {" + commands + ", \"dance\": [\"nhảy\"]}, " + lists + "}",
            "\"dance\" is not a command");
    refused("{\"commands\": {\"report\": [\"bc\"]}, " + lists + "}", "has no words");
    refused("{\"commands\": {" + commands + "}, \"lists\": {}}", "is missing");
    std::string twice = commands;
    twice.replace(twice.find("\"w_no\""), 6, "\"Có\"");
    twice.replace(twice.find("\"w_yes\""), 7, "\"có\"");
    refused("{\"commands\": {" + twice + "}, " + lists + "}", "is a word of both");
}
