// Web access for officials (issue 16): sign-in links asked for in chat, sessions in SQLite,
// the audit log and the unit-subtree scope.
#include <catch2/catch.hpp>
#include <memory>
#include <regex>

#include "adapters/console/console_adapter.hpp"
#include "bot/admin/web_access.hpp"
#include "bot/cli/console_chat.hpp"
#include "bot/templates.hpp"
#include "core/time.hpp"
#include "tests/support/small_roster.hpp"
#include "tests/support/temp_dir.hpp"

using namespace tcns;

namespace {

std::string text_of(const std::vector<core::OutboundMessage>& replies) {
    std::string out;
    for (const auto& r : replies) out += adapters::console::render(r) + "\n";
    return out;
}

/// The token of the link in a reply, "" when none.
std::string link_token(const std::string& text, const std::string& base) {
    std::smatch m;
    const std::regex re(base + "/login/([0-9a-f]{64})");
    return std::regex_search(text, m, re) ? m[1].str() : "";
}

core::Instant at(const char* text) {
    return *core::parse_instant(text);
}

struct World {
    World() {
        db_path = (dir.path() / "w.db").string();
        db = std::make_unique<storage::Database>(db_path);
        test::seed_small_roster(*db);
    }
    /// What `who` gets for typing `line` in the console chat.
    std::string say(const std::string& who, const std::string& line, core::Instant now,
                    const std::string& public_url = "https://tcns.test") {
        bot::ConsoleChat chat(*db, templates, who, now, public_url);
        chat.open(now);
        return text_of(chat.send(line, now));
    }
    /// Asks for a link as the commune official (Võ Văn Em, Xã An Bình).
    std::string official_link(core::Instant now) {
        return link_token(say("0912000002", "web", now), "https://tcns.test");
    }
    test::TempDir dir;
    std::string db_path;
    std::unique_ptr<storage::Database> db;
    bot::Templates templates = bot::load_templates(TCNS_SOURCE_DIR "/templates");
};

}  // namespace

TEST_CASE("an official gets a one-time sign-in link in the console chat", "[web]") {
    World w;
    const auto now = at("2026-11-20T09:00");
    const std::string reply = w.say("0912000002", "Đăng nhập", now);
    INFO(reply);
    const std::string token = link_token(reply, "https://tcns.test");
    REQUIRE(token.size() == 64);
    CHECK(reply.find("Xã An Bình") != std::string::npos);
    CHECK(reply.find("10 phút") != std::string::npos);
    // Only the hash is stored.
    CHECK(w.db->handle()
              .execAndGet("SELECT count(*) FROM web_links WHERE token_hash = '" + token + "'")
              .getInt() == 0);
    CHECK(w.db->handle()
              .execAndGet("SELECT count(*) FROM web_links WHERE token_hash = '" +
                          bot::web::sha256_hex(token) + "'")
              .getInt() == 1);
    // Without diacritics and in capitals, too.
    CHECK(link_token(w.say("0912000002", "DANG NHAP", now), "https://tcns.test").size() == 64);
}

TEST_CASE("leaders and members are refused a sign-in link politely", "[web]") {
    World w;
    const auto now = at("2026-11-20T09:00");
    for (const char* who : {"0912000001", "0912000004"}) {
        const std::string reply = w.say(who, "web", now);
        INFO(reply);
        CHECK(link_token(reply, "https://tcns.test").empty());
        CHECK(reply.find("Xin lỗi") != std::string::npos);
    }
    CHECK(w.db->handle().execAndGet("SELECT count(*) FROM web_links").getInt() == 0);
}

TEST_CASE("without public_url the bot says web access is not configured", "[web]") {
    World w;
    const std::string reply = w.say("0912000002", "web", at("2026-11-20T09:00"), "");
    CHECK(reply.find("chưa được cấu hình") != std::string::npos);
    CHECK(w.db->handle().execAndGet("SELECT count(*) FROM web_links").getInt() == 0);
}

TEST_CASE("a sign-in link works once and expires after ten minutes", "[web]") {
    World w;
    const auto now = at("2026-11-20T09:00");
    const std::string token = w.official_link(now);
    REQUIRE(!token.empty());
    bot::web::RedeemError error{};

    SECTION("expired") {
        CHECK_FALSE(
            bot::web::redeem_link(*w.db, token, now + std::chrono::minutes(10), "1.2.3.4", &error));
        CHECK(error == bot::web::RedeemError::kExpired);
    }
    SECTION("used once") {
        const auto r =
            bot::web::redeem_link(*w.db, token, now + std::chrono::minutes(9), "1.2.3.4", &error);
        REQUIRE(r);
        CHECK(r->session.person_name == "Võ Văn Em");
        CHECK(r->session.unit_code == "C");
        CHECK_FALSE(
            bot::web::redeem_link(*w.db, token, now + std::chrono::minutes(9), "1.2.3.4", &error));
        CHECK(error == bot::web::RedeemError::kUsed);
        // The sign-in is audited with the client's address.
        const auto audit = bot::web::audit_list(*w.db, 10);
        REQUIRE_FALSE(audit.empty());
        CHECK(audit.front().action == "sign_in");
        CHECK(audit.front().actor == "Võ Văn Em");
        CHECK(audit.front().client == "1.2.3.4");
    }
    SECTION("unknown") {
        CHECK_FALSE(bot::web::redeem_link(*w.db, std::string(64, 'a'), now, "", &error));
        CHECK(error == bot::web::RedeemError::kUnknown);
    }
}

TEST_CASE("web sessions survive a restart, expire and can be revoked", "[web]") {
    World w;
    const auto now = at("2026-11-20T09:00");
    const auto r = bot::web::redeem_link(*w.db, w.official_link(now), now, "");
    REQUIRE(r);
    // Only the hash of the session token is stored.
    CHECK(w.db->handle()
              .execAndGet("SELECT count(*) FROM web_sessions WHERE token_hash = '" +
                          bot::web::sha256_hex(r->token) + "'")
              .getInt() == 1);

    w.db.reset();
    w.db = std::make_unique<storage::Database>(w.db_path);
    auto s = bot::web::find_session(*w.db, r->token, now + std::chrono::hours(1));
    REQUIRE(s);
    CHECK(s->unit_code == "C");

    SECTION("idle for 8 hours") {
        CHECK(bot::web::find_session(*w.db, r->token, now + std::chrono::hours(7)));
        CHECK_FALSE(bot::web::find_session(*w.db, r->token, now + std::chrono::hours(15)));
    }
    SECTION("7 days at most, however busy") {
        auto t = now;
        for (int i = 0; i < 7 * 4; ++i) {
            t += std::chrono::hours(6);
            if (t < now + bot::web::kMaxSessionAge)
                CHECK(bot::web::find_session(*w.db, r->token, t));
        }
        CHECK_FALSE(bot::web::find_session(*w.db, r->token, now + bot::web::kMaxSessionAge));
    }
    SECTION("revoked by id") {
        CHECK(bot::web::revoke_session(*w.db, s->id, now) == 1);
        CHECK_FALSE(bot::web::find_session(*w.db, r->token, now + std::chrono::minutes(1)));
        CHECK(bot::web::list_sessions(*w.db, now, true).empty());
        CHECK(bot::web::list_sessions(*w.db, now, false).size() == 1);
    }
    SECTION("revoked by person") {
        CHECK(bot::web::revoke_person(*w.db, s->person, now) == 1);
        CHECK_FALSE(bot::web::find_session(*w.db, r->token, now + std::chrono::minutes(1)));
    }
}

TEST_CASE("the scope of a session is its unit's subtree", "[web]") {
    World w;
    w.db->handle().exec(
        "INSERT INTO units (id, code, name, type, level, parent_id) VALUES "
        "(5, 'C2', 'Xã Bên Cạnh', 'Xã', 'commune', 1), (6, 'H3', 'Ấp 3', 'Ấp', 'hamlet', 5)");
    CHECK(bot::web::unit_in_scope(*w.db, 2, "C"));
    CHECK(bot::web::unit_in_scope(*w.db, 2, "H1"));
    CHECK_FALSE(bot::web::unit_in_scope(*w.db, 2, "C2"));
    CHECK_FALSE(bot::web::unit_in_scope(*w.db, 2, "H3"));
    CHECK_FALSE(bot::web::unit_in_scope(*w.db, 2, "P"));
    CHECK(bot::web::unit_in_scope(*w.db, 1, "H3"));
    CHECK(bot::web::level_in_scope(*w.db, 2, "commune"));
    CHECK(bot::web::level_in_scope(*w.db, 2, "hamlet"));
    CHECK_FALSE(bot::web::level_in_scope(*w.db, 2, "province"));
    CHECK(bot::web::scope_codes(*w.db, 2, "hamlet").size() == 2);
}

TEST_CASE("an official of several units gets one sign-in link per unit, each scoped to its unit",
          "[web]") {
    World w;
    const auto now = at("2026-11-20T09:00");
    // Võ Văn Em also holds a post in a second commune (a concurrent post, kiêm nhiệm).
    w.db->handle().exec(
        "INSERT INTO units (id, code, name, type, level, parent_id) VALUES "
        "(5, 'C2', 'Xã Bình Minh', 'Xã', 'commune', 1), (6, 'H3', 'Ấp 3', 'Ấp', 'hamlet', 5);"
        "INSERT INTO roles (person_id, role, team_id, unit_id, title) VALUES "
        "(2, 'official', NULL, 5, 'Phó Chủ tịch UBND xã')");
    const std::string reply = w.say("0912000002", "web", now);
    INFO(reply);
    // The first unit's link first, then the second's, each naming its unit.
    const auto first = reply.find("Xã An Bình");
    const auto second = reply.find("Xã Bình Minh");
    REQUIRE(first != std::string::npos);
    REQUIRE(second != std::string::npos);
    CHECK(first < second);
    std::vector<std::string> tokens;
    const std::regex re("https://tcns\\.test/login/([0-9a-f]{64})");
    for (auto it = std::sregex_iterator(reply.begin(), reply.end(), re);
         it != std::sregex_iterator(); ++it)
        tokens.push_back((*it)[1].str());
    REQUIRE(tokens.size() == 2);
    CHECK(tokens[0] != tokens[1]);
    const auto one = bot::web::redeem_link(*w.db, tokens[0], now, "");
    const auto two = bot::web::redeem_link(*w.db, tokens[1], now, "");
    REQUIRE(one);
    REQUIRE(two);
    CHECK(one->session.unit_code == "C");
    CHECK(two->session.unit_code == "C2");
    CHECK(bot::web::unit_in_scope(*w.db, one->session.unit, "H1"));
    CHECK_FALSE(bot::web::unit_in_scope(*w.db, one->session.unit, "H3"));
    CHECK(bot::web::unit_in_scope(*w.db, two->session.unit, "H3"));
    CHECK_FALSE(bot::web::unit_in_scope(*w.db, two->session.unit, "H1"));
    // Both requests are in the audit log, each with its unit.
    CHECK(w.db->handle()
              .execAndGet("SELECT count(*) FROM audit_log WHERE action = 'link_requested'")
              .getInt() == 2);
}
