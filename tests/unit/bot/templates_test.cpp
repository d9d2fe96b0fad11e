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
}

TEST_CASE("message templates fill named placeholders and leave unknown ones") {
    CHECK(core::fill_template("Chào {name}, {x}!", {{"name", "An"}}) == "Chào An, {x}!");
    const auto t = bot::load_templates(TCNS_SOURCE_DIR "/templates");
    CHECK(t.messages.render("receipt", {{"period", "11/2026"}, {"team", "T"}, {"time", "x"}})
              .find("11/2026") != std::string::npos);
}
