#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "bot/channels/channel_registry.hpp"
#include "bot/channels/channel_rules.hpp"
#include "bot/jobs/scheduler_config.hpp"

using namespace tcns;

TEST_CASE("every channel goes through one registry with unique names and paths",
          "[channels][registry]") {
    std::set<std::string> names, paths;
    for (const auto& c : bot::channel_registry()) {
        INFO(std::string(c.name));
        CHECK(names.insert(std::string(c.name)).second);
        if (c.window) CHECK(c.window->channel == c.name);
        if (c.webhook_path.empty()) continue;
        CHECK(paths.insert(std::string(c.webhook_path)).second);
        CHECK(c.webhook_path.rfind("/webhook/", 0) == 0);
        CHECK(c.enabled != nullptr);
        CHECK(c.verify_mode != nullptr);
        CHECK(c.verify != nullptr);
        CHECK(c.parse != nullptr);
        CHECK(c.make_sender != nullptr);
        CHECK_FALSE(c.signature_header.empty());
        CHECK(c.max_text_chars > 0);
    }
    CHECK(names == std::set<std::string>{"zalo", "viber", "zalo-bot", "console"});
    REQUIRE(bot::find_channel("zalo-bot") != nullptr);
    CHECK(bot::find_channel("zalo-bot")->webhook_path == "/webhook/zalo-bot");
    CHECK(bot::find_channel("console")->webhook_path.empty());
    CHECK(bot::find_channel("telegram") == nullptr);
}

TEST_CASE("the window rules handed to core come from the registry", "[channels][registry]") {
    const auto rules = bot::default_channel_rules();
    REQUIRE(rules.size() == 3);
    CHECK(rules[0].channel == "zalo");
    CHECK(rules[0].phone_templates);
    CHECK(rules[1].channel == "viber");
    CHECK_FALSE(rules[1].phone_templates);
    CHECK(rules[2].channel == "zalo-bot");
    CHECK(bot::SchedulerConfig{}.policy.channels.size() == 3);
    CHECK(core::check_reminder_config(bot::default_reminder_policy()).empty());
}

TEST_CASE("the registry verifies a Zalo Bot delivery without its secret as missing",
          "[channels][registry]") {
    bot::Config config;
    const auto v = bot::find_channel("zalo-bot")->verify("{}", "", config);
    CHECK(v == adapters::VerifyResult::kMissing);
}
