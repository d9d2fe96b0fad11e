#include <catch2/catch.hpp>

#include "bot/config.hpp"

using namespace tcns::bot;

TEST_CASE("a config file sets server and channel options", "[config]") {
    const Config c = parse_config(R"({
        "database": "/var/lib/tcns/tcns.db",
        "server": {"listen": "0.0.0.0", "port": 9000, "threads": 4},
        "viber": {"enabled": false, "verify": "log-only"},
        "zalo": {"api_base": "http://127.0.0.1:1234"}
    })",
                                  "test");
    CHECK(c.database == "/var/lib/tcns/tcns.db");
    CHECK(c.server.listen == "0.0.0.0");
    CHECK(c.server.port == 9000);
    CHECK(c.viber.verify == VerifyMode::kLogOnly);
    CHECK(c.zalo.api_base == "http://127.0.0.1:1234");
    CHECK(c.zalo.verify == VerifyMode::kEnforce);
}

TEST_CASE("an unknown config key is refused with its name", "[config]") {
    CHECK_THROWS_WITH(parse_config(R"({"server": {"prot": 1}})", "test"),
                      Catch::Contains("unknown key \"prot\""));
    CHECK_THROWS_WITH(parse_config(R"({"databse": "x"})", "test"),
                      Catch::Contains("unknown key \"databse\""));
}

TEST_CASE("a config value of the wrong type is refused", "[config]") {
    CHECK_THROWS_WITH(parse_config(R"({"server": {"port": "80"}})", "test"),
                      Catch::Contains("server.port must be an integer"));
    CHECK_THROWS_WITH(parse_config(R"({"server": {"port": 70000}})", "test"),
                      Catch::Contains("between"));
    CHECK_THROWS_WITH(parse_config(R"({"viber": {"verify": "off"}})", "test"),
                      Catch::Contains("log-only"));
    CHECK_THROWS_WITH(parse_config("{not json", "test"), Catch::Contains("not valid JSON"));
}

TEST_CASE("the outcome journal's directory is set in the outbox section, empty by default",
          "[config]") {
    CHECK(parse_config("{}", "test").outbox.journal_dir.empty());
    const Config c = parse_config(R"({"outbox": {"journal_dir": "/run/tcns"}})", "test");
    CHECK(c.outbox.journal_dir == "/run/tcns");
    CHECK_THROWS_WITH(parse_config(R"({"outbox": {"journal_dir": 1}})", "test"),
                      Catch::Contains("journal_dir"));
}
