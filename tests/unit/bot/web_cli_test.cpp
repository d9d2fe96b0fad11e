// Officials on the web from the command line (issue 16): the demo commune official obtains a
// sign-in link in `tcns chat`, then `tcns sessions` lists and revokes the session it opens and
// `tcns audit list` shows the sign-in; check-config validates public_url.
#include <catch2/catch.hpp>
#include <fstream>
#include <regex>

#include "bot/admin/web_access.hpp"
#include "bot/cli/cli.hpp"
#include "core/demo_roster.hpp"
#include "core/phone.hpp"
#include "storage/database.hpp"
#include "tests/support/cli.hpp"
#include "tests/support/temp_dir.hpp"

using tcns::test::tcns_cli;
using namespace tcns;

namespace {

void write_file(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

core::Instant wall_now() {
    return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

}  // namespace

TEST_CASE("the demo commune official gets a sign-in link in the console chat", "[web][demo]") {
    test::TempDir dir;
    const std::string db = dir.file("demo.db");
    const std::string config = dir.file("config.json");
    write_file(config, R"({"public_url": "https://tcns.example.gov.vn/"})");
    REQUIRE(tcns_cli({"--db", db, "import", "units",
                      std::string(TCNS_SAMPLES_DIR) + "/dong-nai-units-2025-03.csv"})
                .rc == 0);
    REQUIRE(tcns_cli({"--db", db, "demo", "seed"}).rc == 0);

    const std::string phone = core::national_phone(std::string(core::kDemoOfficialPhone));
    const auto chat = tcns_cli({"--db", db, "--config", config, "chat", "--as", phone}, "web\n");
    INFO(chat.out << chat.err);
    REQUIRE(chat.rc == 0);
    std::smatch m;
    const std::regex link("https://tcns\\.example\\.gov\\.vn/login/([0-9a-f]{64})");
    REQUIRE(std::regex_search(chat.out, m, link));
    const std::string token = m[1].str();

    std::string cookie_token;
    {
        storage::Database d(db);
        const auto r = bot::web::redeem_link(d, token, wall_now(), "192.0.2.7");
        REQUIRE(r);
        CHECK(r->session.unit_code == "25993");  // the demo official's ward
        cookie_token = r->token;
    }

    auto list = tcns_cli({"--db", db, "sessions", "list"});
    CHECK(list.rc == 0);
    CHECK(list.out.find("live") != std::string::npos);
    CHECK(list.out.find("(25993)") != std::string::npos);

    auto audit = tcns_cli({"--db", db, "audit", "list"});
    CHECK(audit.rc == 0);
    CHECK(audit.out.find("sign_in") != std::string::npos);
    CHECK(audit.out.find("link_requested") != std::string::npos);
    CHECK(audit.out.find("192.0.2.7") != std::string::npos);

    auto revoke = tcns_cli({"--db", db, "sessions", "revoke", "--person", phone});
    CHECK(revoke.rc == 0);
    CHECK(revoke.out == "revoked 1 session\n");
    {
        storage::Database d(db);
        CHECK_FALSE(bot::web::find_session(d, cookie_token, wall_now()));
    }
    CHECK(tcns_cli({"--db", db, "sessions", "list"}).out == "no live web sessions\n");
    CHECK(tcns_cli({"--db", db, "sessions", "list", "--all"}).out.find("revoked") !=
          std::string::npos);

    // A leader asking is refused.
    const auto leader =
        tcns_cli({"--db", db, "--config", config, "chat", "--as", "0912000001"}, "đăng nhập\n");
    CHECK(leader.out.find("/login/") == std::string::npos);
}

TEST_CASE("tcns sessions and audit: help, usage errors", "[web]") {
    test::TempDir dir;
    const std::string db = dir.file("t.db");
    auto help = tcns_cli({"--db", db, "sessions", "--help"});
    CHECK(help.rc == 0);
    CHECK(help.out.find("sessions revoke --id N | --person PHONE | --all") != std::string::npos);
    CHECK(tcns_cli({"--db", db, "audit", "--help"}).rc == 0);
    CHECK(tcns_cli({"--db", db, "sessions", "revoke"}).rc == 2);
    CHECK(tcns_cli({"--db", db, "sessions", "revoke", "--id", "1", "--all"}).rc == 2);
    CHECK(tcns_cli({"--db", db, "sessions", "revoke", "--id", "x"}).rc == 2);
    CHECK(tcns_cli({"--db", db, "sessions", "frobnicate"}).rc == 2);
    CHECK(tcns_cli({"--db", db, "audit", "list", "--limit", "0"}).rc == 2);
    const auto all = tcns_cli({"--db", db, "sessions", "revoke", "--all"});
    CHECK(all.rc == 0);
    CHECK(all.out == "revoked 0 sessions\n");
}

TEST_CASE("check-config validates public_url", "[web]") {
    test::TempDir dir;
    const std::string config = dir.file("c.json");
    for (const char* bad : {"tcns.example.gov.vn", "ftp://x", "https://", "https://a.vn/?x=1",
                            "https://user@a.vn", "https://a.vn/#f", "https://a b.vn"}) {
        write_file(config, std::string(R"({"public_url": ")") + bad + "\"}");
        const auto r = tcns_cli({"--config", config, "--db", dir.file("t.db"), "check-config"});
        INFO(bad << ": " << r.err);
        CHECK(r.rc == 3);
        CHECK(r.err.find("public_url") != std::string::npos);
    }
    write_file(config, R"({"public_url": "https://tcns.example.gov.vn/tcns/"})");
    CHECK(tcns_cli({"--config", config, "--db", dir.file("t.db"), "check-config"}).rc == 0);
}
