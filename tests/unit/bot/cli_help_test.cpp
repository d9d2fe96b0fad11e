// `--help` on every command and subcommand: exit 0, usage and an example, from bot/cli/cli.cpp.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "tests/support/cli.hpp"

using tcns::test::tcns_cli;

TEST_CASE("every command answers --help with its usage and an example and exits 0", "[cli-help]") {
    const std::vector<std::string> commands = {
        "serve", "migrate", "period", "check-config", "import",  "export", "demo",    "chat",
        "viber", "zalo",    "backup", "restore",      "invites", "remind", "simulate"};
    for (const auto& c : commands) {
        for (const char* flag : {"--help", "-h"}) {
            INFO(c << " " << flag);
            const auto r = tcns_cli({c, flag});
            CHECK(r.rc == 0);
            CHECK(r.out.find("usage:\n  tcns " + c) != std::string::npos);
            CHECK(r.out.find("example:\n  tcns ") != std::string::npos);
            CHECK(r.err.empty());
        }
    }
}

TEST_CASE("--help after a subcommand or among other arguments prints the command's help",
          "[cli-help]") {
    for (const std::vector<std::string> args :
         {std::vector<std::string>{"period", "extend", "--help"},
          {"period", "extend", "2026-11", "--until", "2026-12-02", "--help"},
          {"export", "rollup", "--help"},
          {"import", "people", "--help"},
          {"invites", "print", "--help"},
          {"demo", "history", "--help"},
          {"zalo", "token", "status", "--help"},
          {"remind", "--dry-run", "--help"}}) {
        INFO(args[0] << " " << args[1]);
        const auto r = tcns_cli(args);
        CHECK(r.rc == 0);
        CHECK(r.out.find("tcns " + args[0] + ": ") == 0);
    }
    const auto period = tcns_cli({"period", "extend", "--help"});
    CHECK(period.out.find("--allow-earlier") != std::string::npos);
    const auto exp = tcns_cli({"export", "--help"});
    CHECK(exp.out.find("--month-to-date") != std::string::npos);
}

TEST_CASE("tcns help COMMAND and tcns --help list and explain the commands", "[cli-help]") {
    const auto one = tcns_cli({"help", "remind"});
    CHECK(one.rc == 0);
    CHECK(one.out.find("tcns remind --dry-run") != std::string::npos);
    const auto all = tcns_cli({"--help"});
    CHECK(all.rc == 0);
    CHECK(all.out.find("  remind ") != std::string::npos);
    CHECK(all.out.find("'tcns <command> --help'") != std::string::npos);
    CHECK(tcns_cli({"help"}).rc == 0);
}

TEST_CASE("a wrong command line still exits 2 and shows that command's usage", "[cli-help]") {
    const auto unknown = tcns_cli({"frobnicate"});
    CHECK(unknown.rc == 2);
    CHECK(unknown.err.find("unknown command 'frobnicate'") != std::string::npos);
    CHECK(tcns_cli({"help", "frobnicate"}).rc == 2);
    const auto bad = tcns_cli({"period"});
    CHECK(bad.rc == 2);
    CHECK(bad.err.find("usage:\n  tcns period show YYYY-MM") != std::string::npos);
}
