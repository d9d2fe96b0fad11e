// Both channels end to end: signed webhooks into a real server on loopback, the durable path
// into SQLite, and the dispatcher delivering replies to fake Viber and Zalo APIs.
#include <SQLiteCpp/SQLiteCpp.h>
#include <httplib.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <thread>

#include "adapters/common/crypto.hpp"
#include "adapters/common/text_split.hpp"
#include "adapters/viber/viber_adapter.hpp"
#include "adapters/zalo/zalo_adapter.hpp"
#include "adapters/zalo_bot/zalo_bot_adapter.hpp"
#include "bot/channels/channel_rules.hpp"
#include "bot/channels/channel_senders.hpp"
#include "bot/channels/zalo_tokens.hpp"
#include "bot/cli/cli.hpp"
#include "bot/http/server.hpp"
#include "bot/http/webhook_service.hpp"
#include "bot/http/write_queue.hpp"
#include "bot/jobs/conversation_engine.hpp"
#include "bot/jobs/dispatcher.hpp"
#include "bot/jobs/scheduler.hpp"
#include "bot/templates.hpp"
#include "core/utf8.hpp"
#include "storage/zalo_token_repo.hpp"
#include "tests/fakes/fake_platform.hpp"
#include "tests/support/small_roster.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/webhook_server.hpp"

using namespace tcns;
using nlohmann::json;

namespace {

using test::kViberToken;
using test::kZaloApp;
using test::kZaloKey;

constexpr const char* kZaloBotToken = "2009:zb-test-token";
constexpr const char* kZaloBotSecret = "zb-webhook-secret-0123456789";

std::int64_t scalar(const std::string& path, const std::string& sql) {
    storage::Database db(path);
    SQLite::Statement q(db.handle(), sql);
    q.executeStep();
    return q.getColumn(0).getInt64();
}

/// A tcns server (webhooks, write queue, dispatcher) wired to the fake platform.
struct Bot {
    Bot(const std::string& db_path, test::FakePlatform& fake, const bot::Templates& templates)
        : writes(db_path), engine(templates), webhooks(writes, engine) {
        config.database = db_path;
        config.server.listen = "127.0.0.1";
        config.server.port = 0;
        config.server.threads = 4;
        config.viber.enabled = true;
        config.viber.api_base = fake.viber_base();
        config.zalo.enabled = true;
        config.zalo.timestamp_window_s = 3650 * 24 * 3600;  // recorded late-2025 timestamps
        config.zalo.api_base = fake.zalo_base();
        config.zalo.oauth_base = fake.oauth_base();
        config.secrets.viber_token = kViberToken;
        config.secrets.zalo_app_id = kZaloApp;
        config.secrets.zalo_oa_secret = kZaloKey;
        config.secrets.zalo_app_secret = "app-secret";
        config.zalo_bot.enabled = true;
        config.zalo_bot.api_base = fake.zalo_bot_base();
        config.secrets.zalo_bot_token = kZaloBotToken;
        config.secrets.zalo_bot_secret = kZaloBotSecret;
        webhooks.set_splitter("zalo-bot", [](const core::OutboundMessage& m) {
            return adapters::split_message(m, adapters::zalo_bot::kMaxTextChars);
        });
        webhooks.set_splitter("viber", [](const core::OutboundMessage& m) {
            return adapters::split_message(m, adapters::viber::kMaxTextChars);
        });
        webhooks.set_splitter("zalo", [](const core::OutboundMessage& m) {
            return adapters::split_message(m, adapters::zalo::kMaxTextChars);
        });
        bot::ZaloTokenManager::Options o;
        o.oauth_base = fake.oauth_base();
        o.app_id = kZaloApp;
        o.app_secret = "app-secret";
        tokens = std::make_unique<bot::ZaloTokenManager>(db_path, o, http);
        bot::DispatcherOptions d;
        d.rate_per_second = 0;
        d.base_backoff = std::chrono::seconds(1);
        d.max_backoff = std::chrono::seconds(2);
        dispatcher = std::make_unique<bot::Dispatcher>(
            db_path,
            std::vector<std::shared_ptr<bot::ChannelSender>>{
                std::make_shared<bot::ViberSender>(fake.viber_base(), kViberToken, "Tổ CNS", "",
                                                   http),
                std::make_shared<bot::ZaloSender>(fake.zalo_base(), *tokens, http),
                std::make_shared<bot::ZaloBotSender>(fake.zalo_bot_base(), kZaloBotToken, http)},
            d, [this] {
                // The wall clock unless a test set a simulated one (scheduled messages are true
                // only at their time).
                const std::int64_t t = simulated_unix.load();
                return t != 0 ? core::from_unix(t)
                              : std::chrono::time_point_cast<std::chrono::seconds>(
                                    std::chrono::system_clock::now());
            });
        server = std::make_unique<bot::Server>(config, &webhooks, [this] { dispatcher->wake(); });
        port = server->bind();
        thread = std::thread([this] { server->run(); });
    }
    ~Bot() {
        server->stop();
        thread.join();
        dispatcher->stop();
        writes.stop();
    }

    httplib::Result viber(const std::string& body, std::string sig = "") {
        if (sig.empty()) sig = test::viber_signature(body);
        httplib::Client c("127.0.0.1", port);
        return c.Post("/webhook/viber?sig=ignored", {{"X-Viber-Content-Signature", sig}}, body,
                      "application/json");
    }
    httplib::Result zalo(const std::string& body, const std::string& timestamp) {
        const std::string mac = test::zalo_signature(body, timestamp);
        httplib::Client c("127.0.0.1", port);
        return c.Post("/webhook/zalo", {{"X-ZEvent-Signature", mac}}, body, "application/json");
    }
    /// A Zalo Bot delivery with the given secret header (none when nullopt).
    httplib::Result zalo_bot(const std::string& body,
                             std::optional<std::string> secret = std::string(kZaloBotSecret)) {
        httplib::Client c("127.0.0.1", port);
        httplib::Headers h;
        if (secret) h.emplace("X-Bot-Api-Secret-Token", *secret);
        return c.Post("/webhook/zalo-bot", h, body, "application/json");
    }
    /// Sends everything due, a bounded number of passes.
    void drain() {
        for (int i = 0; i < 50 && dispatcher->run_once() > 0; ++i) {
        }
    }

    std::atomic<std::int64_t> simulated_unix{0};  ///< the dispatcher's clock; 0: wall clock
    bot::Config config;
    bot::WriteQueue writes;
    bot::ConversationEngine engine;
    bot::WebhookService webhooks;
    bot::HttpClient http;
    std::unique_ptr<bot::ZaloTokenManager> tokens;
    std::unique_ptr<bot::Dispatcher> dispatcher;
    std::unique_ptr<bot::Server> server;
    int port = 0;
    std::thread thread;
};

long long g_token = 5741311803571721000LL;

std::string viber_text(const std::string& user, const std::string& text) {
    return json{{"event", "message"},
                {"timestamp", 1764475200000LL},
                {"message_token", ++g_token},
                {"sender", {{"id", user}, {"name", "An"}}},
                {"message", {{"type", "text"}, {"text", text}}}}
        .dump();
}

std::string zalo_text(const std::string& user, const std::string& text, const std::string& ts) {
    return json{{"app_id", kZaloApp},
                {"event_name", "user_send_text"},
                {"sender", {{"id", user}}},
                {"recipient", {{"id", "1646843870823903717"}}},
                {"message", {{"text", text}, {"msg_id", "m" + std::to_string(++g_token)}}},
                {"timestamp", ts}}
        .dump();
}

std::string zalo_bot_text(const std::string& chat, const std::string& text,
                          const std::string& chat_type = "PRIVATE", std::string from = "") {
    if (from.empty()) from = chat;
    return json{{"event_name", "message.text.received"},
                {"message",
                 {{"message_id", "zbm" + std::to_string(++g_token)},
                  {"date", 1764475200000LL},
                  {"text", text},
                  {"chat", {{"id", chat}, {"chat_type", chat_type}}},
                  {"from", {{"id", from}, {"display_name", "An"}}}}}}
        .dump();
}

struct World {
    test::TempDir dir;
    std::string path = (dir.path() / "t.db").string();
    bot::Templates templates = bot::load_templates(TCNS_SOURCE_DIR "/templates");
    test::FakePlatform fake;
    World() {
        storage::Database db(path);
        test::seed_small_roster(db);
        storage::ZaloTokens t;
        t.access_token = "A0";
        t.refresh_token = "R0";
        t.access_expires_at = core::from_unix(4'000'000'000);
        t.refresh_expires_at = core::from_unix(4'000'000'000);
        storage::ZaloTokenRepo(db).save(t);
    }
};

}  // namespace

TEST_CASE("the monthly report works through signed Viber webhooks, with a keyboard") {
    World w;
    Bot bot(w.path, w.fake, w.templates);

    // Opening the chat from the invite deep link: the welcome comes back in the response.
    const std::string started = json{
        {"event", "conversation_started"},
        {"timestamp", 1764475200000LL},
        {"message_token", ++g_token},
        {"type", "open"},
        {"context", "AN2345"},
        {"user", {{"id", "VIBER-USER-1="}, {"name", "An"}}},
        {"subscribed", false}}.dump();
    auto r = bot.viber(started);
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->body.find("Nguyễn Văn An") != std::string::npos);

    r = bot.viber(viber_text("VIBER-USER-1=", "bc"));
    REQUIRE(r);
    CHECK(r->status == 200);
    bot.drain();
    auto sent = w.fake.requests("/send_message");
    REQUIRE(sent.size() >= 2);  // report intro, question 1
    const auto last = json::parse(sent.back().body);
    CHECK(last["receiver"] == "VIBER-USER-1=");
    CHECK(last["keyboard"]["Type"] == "keyboard");
    CHECK(last["min_api_version"].get<int>() >= 3);
    CHECK(sent.back().token == kViberToken);

    bot.viber(viber_text("VIBER-USER-1=", "bc 100 50 40 30 20 10 10 5 5 5 1 20 80"));
    bot.viber(viber_text("VIBER-USER-1=", "gửi"));
    bot.drain();
    sent = w.fake.requests("/send_message");
    CHECK(json::parse(sent.back().body)["text"].get<std::string>().find("Đã nhận báo cáo") !=
          std::string::npos);
    CHECK(scalar(w.path, "SELECT count(*) FROM reports WHERE team_id = 1") == 1);
    CHECK(scalar(w.path, "SELECT count(*) FROM outbox WHERE status <> 'sent'") == 0);
}

TEST_CASE("the monthly report works through signed Zalo webhooks, with oa.query.show buttons") {
    World w;
    Bot bot(w.path, w.fake, w.templates);
    const std::string user = "5510185758261927916";
    auto r = bot.zalo(zalo_text(user, "an2345", "1764475200001"), "1764475200001");
    REQUIRE(r);
    CHECK(r->status == 200);
    bot.zalo(zalo_text(user, "BC 100 50 40 30 20 10 10 5 5 5 1 20 80", "1764475200002"),
             "1764475200002");
    bot.drain();
    auto sent = w.fake.requests("/message/cs");
    REQUIRE(sent.size() == 2);
    const auto summary = json::parse(sent.back().body);
    CHECK(summary["recipient"]["user_id"] == user);
    const std::string dumped = summary.dump();
    CHECK(dumped.find("oa.query.show") != std::string::npos);
    CHECK(dumped.find("TỔNG HỢP") != std::string::npos);
    bot.zalo(zalo_text(user, "gui", "1764475200003"), "1764475200003");
    bot.drain();
    CHECK(scalar(w.path, "SELECT count(*) FROM reports WHERE team_id = 1") == 1);
    CHECK(w.fake.requests("/message/cs").size() == 3);
}

TEST_CASE("a leader walks the whole form question by question through Zalo, buttons tapped") {
    World w;
    Bot bot(w.path, w.fake, w.templates);
    const std::string user = "5510185758261927916";
    long long ts = 1764475300000LL;
    auto say = [&](const std::string& text) {
        const std::string t = std::to_string(++ts);
        auto r = bot.zalo(zalo_text(user, text, t), t);
        REQUIRE(r);
        CHECK(r->status == 200);
        bot.drain();
        const auto sent = w.fake.requests("/message/cs");
        REQUIRE_FALSE(sent.empty());
        return json::parse(sent.back().body);
    };
    say("AN2345");
    auto q = say("bao cao");
    CHECK(q.dump().find("Câu 1/15") != std::string::npos);
    // A tapped oa.query.show button sends its payload back as text: tap "0 (không có)".
    std::string zero_payload;
    for (const auto& b : q["message"]["attachment"]["payload"]["buttons"])
        if (b["type"] == "oa.query.show" && b["title"].get<std::string>().rfind("0", 0) == 0)
            zero_payload = b["payload"].get<std::string>();
    REQUIRE(zero_payload == "0");
    const std::vector<std::string> answers = {
        "120", "45 ho", "30", "hai muoi lam", "12", "10", "40", "0", "3", "15", "2", "35", "110"};
    for (std::size_t i = 0; i < answers.size(); ++i) {
        INFO("answer " << i + 1);
        q = say(i == 7 ? zero_payload : answers[i]);
    }
    CHECK(q.dump().find("Câu 14/15") != std::string::npos);
    q = say("bo qua");
    q = say("bo qua");
    CHECK(q.dump().find("TỔNG HỢP") != std::string::npos);
    q = say("gửi");
    CHECK(q.dump().find("Đã nhận báo cáo") != std::string::npos);
    CHECK(scalar(w.path, "SELECT value_int FROM report_values WHERE item_code = 'DV01'") == 25);
    CHECK(scalar(w.path, "SELECT count(*) FROM outbox WHERE status <> 'sent'") == 0);
}

TEST_CASE("a forged webhook is refused and leaves no trace, a replayed one has no effect") {
    World w;
    Bot bot(w.path, w.fake, w.templates);
    const std::string body = viber_text("VIBER-X=", "AN2345");
    auto forged = bot.viber(body, std::string(64, 'a'));
    REQUIRE(forged);
    CHECK(forged->status == 403);
    httplib::Client c("127.0.0.1", bot.port);
    auto missing = c.Post("/webhook/zalo", zalo_text("1", "hi", "1"), "application/json");
    REQUIRE(missing);
    CHECK(missing->status == 403);
    for (const char* table : {"inbox", "outbox", "chat_accounts", "conversations"}) {
        INFO(table);
        CHECK(scalar(w.path, std::string("SELECT count(*) FROM ") + table) == 0);
    }

    auto first = bot.viber(body);
    auto again = bot.viber(body);
    REQUIRE(first);
    REQUIRE(again);
    CHECK(first->status == 200);
    CHECK(again->status == 200);
    CHECK(scalar(w.path, "SELECT count(*) FROM inbox") == 1);
    CHECK(scalar(w.path, "SELECT count(*) FROM outbox") == 1);

    auto malformed = bot.viber("{not json");
    REQUIRE(malformed);
    CHECK(malformed->status == 400);
    const std::string big(70 * 1024, 'x');
    auto too_big = bot.viber(big);
    REQUIRE(too_big);
    CHECK(too_big->status == 413);
    auto unknown = bot.viber(R"({"event":"something_new","timestamp":1})");
    REQUIRE(unknown);
    CHECK(unknown->status == 200);
}

TEST_CASE("an API outage and a restart in the middle of it lose no reply") {
    World w;
    {
        Bot bot(w.path, w.fake, w.templates);
        bot.viber(viber_text("VIBER-USER-1=", "AN2345"));
        for (int i = 0; i < 5; ++i) bot.viber(viber_text("VIBER-USER-1=", "tt"));
        w.fake.fail_viber(1000);  // the platform is down
        bot.drain();
        CHECK(scalar(w.path, "SELECT count(*) FROM outbox WHERE status = 'sent'") == 0);
        // Backoff: nothing is due right after the failure, so the dispatcher does not spin.
        CHECK(bot.dispatcher->run_once() == 0);
    }  // "crash": the process goes away with rows pending
    w.fake.fail_viber(0);
    Bot restarted(w.path, w.fake, w.templates);
    for (int i = 0; i < 40; ++i) {
        restarted.drain();
        if (scalar(w.path, "SELECT count(*) FROM outbox WHERE status = 'pending'") == 0) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    CHECK(scalar(w.path, "SELECT count(*) FROM outbox WHERE status = 'sent'") == 6);
    // Order per user survived the retries.
    std::vector<std::string> texts;
    for (const auto& r : w.fake.requests("/send_message")) {
        const auto j = json::parse(r.body, nullptr, false);
        if (j.is_object()) texts.push_back(j.value("text", ""));
    }
    REQUIRE_FALSE(texts.empty());
    CHECK(texts.back().find("Tháng") != std::string::npos);
}

TEST_CASE("a refused Zalo token is refreshed once, rotated, stored and survives a restart") {
    World w;
    w.fake.set_zalo_pair("A-live", "R0");  // the stored A0 is no longer valid, R0 still is
    {
        Bot bot(w.path, w.fake, w.templates);
        bot.zalo(zalo_text("42", "AN2345", "1764475200001"), "1764475200001");
        bot.drain();
        CHECK(scalar(w.path, "SELECT count(*) FROM outbox WHERE status = 'sent'") == 1);
        CHECK(w.fake.refreshes() == 1);
    }
    {
        storage::Database db(w.path);
        const auto t = storage::ZaloTokenRepo(db).load();
        REQUIRE(t);
        CHECK(t->access_token == "A1");
        CHECK(t->refresh_token == "R1");
    }
    Bot restarted(w.path, w.fake, w.templates);
    restarted.zalo(zalo_text("42", "tt", "1764475200002"), "1764475200002");
    restarted.drain();
    CHECK(w.fake.refreshes() == 1);  // the stored A1 works
    CHECK(scalar(w.path, "SELECT count(*) FROM outbox WHERE status = 'sent'") == 2);
}

TEST_CASE("a failed token refresh keeps the old pair") {
    World w;
    w.fake.break_oauth(true);
    bot::HttpClient http;
    bot::ZaloTokenManager::Options o;
    o.oauth_base = w.fake.oauth_base();
    o.app_id = kZaloApp;
    o.app_secret = "app-secret";
    storage::Database db(w.path);
    auto r = bot::refresh_zalo_tokens(db, o, http, core::from_unix(1'800'000'000));
    CHECK_FALSE(r.has_value());
    const auto t = storage::ZaloTokenRepo(db).load();
    REQUIRE(t);
    CHECK(t->access_token == "A0");
    CHECK(t->refresh_token == "R0");
}

TEST_CASE("a phone number shared through Zalo links the account to the roster") {
    World w;
    Bot bot(w.path, w.fake, w.templates);
    const std::string ts = "1764475200009";
    const std::string body = json{
        {"app_id", kZaloApp},
        {"event_name", "user_submit_info"},
        {"sender", {{"id", "8888888888888888888"}}},
        {"recipient", {{"id", "1646843870823903717"}}},
        {"info", {{"name", "An"}, {"phone", "84912000001"}, {"address", ""}, {"city", ""}}},
        {"timestamp", ts}}.dump();
    auto r = bot.zalo(body, ts);
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(
        scalar(
            w.path,
            "SELECT person_id FROM chat_accounts WHERE platform_user_id = '8888888888888888888'") ==
        1);
    bot.drain();
    const auto sent = w.fake.requests("/message/cs");
    REQUIRE(sent.size() == 1);
    CHECK(sent[0].body.find("Nguyễn Văn An") != std::string::npos);
}

TEST_CASE("the monthly report works through the Zalo Bot Platform, options written out") {
    World w;
    Bot bot(w.path, w.fake, w.templates);
    const std::string chat = "e4ea2cd5189df1c3a88c";
    auto say = [&](const std::string& text) {
        auto r = bot.zalo_bot(zalo_bot_text(chat, text));
        REQUIRE(r);
        CHECK(r->status == 200);
        bot.drain();
        const auto sent = w.fake.requests("/sendMessage");
        REQUIRE_FALSE(sent.empty());
        CHECK(sent.back().token == kZaloBotToken);
        const auto j = json::parse(sent.back().body);
        CHECK(j["chat_id"] == chat);
        return j["text"].get<std::string>();
    };
    // No deep link and no phone on this platform: the invite code links the leader.
    CHECK(say("AN2345").find("Nguyễn Văn An") != std::string::npos);
    const std::string summary = say("bc 100 50 40 30 20 10 10 5 5 5 1 20 80");
    CHECK(summary.find("TỔNG HỢP") != std::string::npos);
    CHECK(summary.find("\n• Gửi") != std::string::npos);  // the confirm options, as text
    CHECK(say("gửi").find("Đã nhận báo cáo") != std::string::npos);
    CHECK(scalar(w.path, "SELECT count(*) FROM reports WHERE team_id = 1") == 1);
    CHECK(scalar(w.path, "SELECT count(*) FROM chat_accounts WHERE channel = 'zalo-bot'") == 1);
    CHECK(scalar(w.path, "SELECT count(*) FROM outbox WHERE status <> 'sent'") == 0);
    for (const auto& m : w.fake.requests("/sendMessage"))
        CHECK(core::utf8_length(json::parse(m.body)["text"].get<std::string>()) <=
              adapters::zalo_bot::kMaxTextChars);
}

TEST_CASE("a Zalo Bot delivery with a forged or missing secret is refused, a replay is one") {
    World w;
    Bot bot(w.path, w.fake, w.templates);
    const std::string body = zalo_bot_text("e4ea2cd5189df1c3a88c", "AN2345");
    auto forged = bot.zalo_bot(body, std::string("zb-webhook-secret-0123456780"));
    REQUIRE(forged);
    CHECK(forged->status == 403);
    auto missing = bot.zalo_bot(body, std::nullopt);
    REQUIRE(missing);
    CHECK(missing->status == 403);
    // A forged secret is refused before the body is read: even a malformed body gets 403.
    auto forged_garbage = bot.zalo_bot("{not json", std::string("wrong-secret"));
    REQUIRE(forged_garbage);
    CHECK(forged_garbage->status == 403);
    for (const char* table : {"inbox", "outbox", "chat_accounts", "conversations"}) {
        INFO(table);
        CHECK(scalar(w.path, std::string("SELECT count(*) FROM ") + table) == 0);
    }

    auto first = bot.zalo_bot(body);
    auto again = bot.zalo_bot(body);
    REQUIRE(first);
    REQUIRE(again);
    CHECK(first->status == 200);
    CHECK(again->status == 200);
    CHECK(scalar(w.path, "SELECT count(*) FROM inbox WHERE channel = 'zalo-bot'") == 1);
    CHECK(scalar(w.path, "SELECT count(*) FROM outbox") == 1);

    auto malformed = bot.zalo_bot("{not json");
    REQUIRE(malformed);
    CHECK(malformed->status == 400);
    // A message in a group that is not linked is acknowledged (and deduplicated) but answered
    // with nothing.
    auto group = bot.zalo_bot(zalo_bot_text("group-1", "bc", "GROUP"));
    REQUIRE(group);
    CHECK(group->status == 200);
    CHECK(scalar(w.path, "SELECT count(*) FROM outbox") == 1);
}

TEST_CASE("tcns zalo-bot set-webhook and info talk to the Zalo Bot API") {
    World w;
    const std::string cfg = (w.dir.path() / "zb.json").string();
    {
        std::ofstream f(cfg);
        f << json{{"database", w.path},
                  {"zalo_bot", {{"enabled", true}, {"api_base", w.fake.zalo_bot_base()}}}}
                 .dump();
    }
    ::setenv("TCNS_ZALO_BOT_TOKEN", kZaloBotToken, 1);
    ::setenv("TCNS_ZALO_BOT_SECRET", kZaloBotSecret, 1);
    auto run = [&](std::vector<std::string> args, std::string& out) {
        args.insert(args.begin(), {"tcns", "--config", cfg});
        std::vector<const char*> argv;
        for (const auto& a : args) argv.push_back(a.c_str());
        std::istringstream in;
        std::ostringstream o, e;
        const int rc = bot::run_cli(static_cast<int>(argv.size()), argv.data(), in, o, e);
        out = o.str() + e.str();
        return rc;
    };
    std::string out;
    CHECK(run({"zalo-bot", "--help"}, out) == 0);
    CHECK(out.find("set-webhook URL") != std::string::npos);
    CHECK(run({"zalo-bot", "set-webhook", "https://x.example/webhook/zalo-bot"}, out) == 0);
    const auto set = w.fake.requests("/setWebhook");
    REQUIRE(set.size() == 1);
    CHECK(json::parse(set[0].body)["secret_token"] == kZaloBotSecret);
    CHECK(out.find(kZaloBotToken) == std::string::npos);
    CHECK(run({"zalo-bot", "info"}, out) == 0);
    CHECK(out.find("can join groups: no") != std::string::npos);
    CHECK(out.find("webhook: https://x.example/webhook/zalo-bot") != std::string::npos);
    CHECK(run({"check-config"}, out) == 0);
    CHECK(out.find("zalo-bot on") != std::string::npos);
    ::setenv("TCNS_ZALO_BOT_SECRET", "short", 1);
    CHECK(run({"check-config"}, out) == 3);
    CHECK(out.find("TCNS_ZALO_BOT_SECRET") != std::string::npos);
    ::setenv("TCNS_ZALO_BOT_TOKEN", "0:wrong", 1);
    ::setenv("TCNS_ZALO_BOT_SECRET", kZaloBotSecret, 1);
    CHECK(run({"zalo-bot", "info"}, out) == 1);
    CHECK(out.find("Unauthorized") != std::string::npos);
    CHECK(out.find("0:wrong") == std::string::npos);
    ::unsetenv("TCNS_ZALO_BOT_TOKEN");
    ::unsetenv("TCNS_ZALO_BOT_SECRET");
}

namespace {

/// The texts the fake Zalo Bot API received for one chat id, in order.
std::vector<std::string> zalo_bot_texts(test::FakePlatform& fake, const std::string& chat) {
    std::vector<std::string> out;
    for (const auto& r : fake.requests("/sendMessage")) {
        const auto j = json::parse(r.body);
        if (j["chat_id"] == chat) out.push_back(j["text"].get<std::string>());
    }
    return out;
}

/// `tcns invites group --unit C` on the test database: the code it printed.
std::string issue_group_code(const std::string& db_path, const std::string& unit = "C") {
    std::vector<std::string> args{"tcns", "--db", db_path, "invites", "group", "--unit", unit};
    std::vector<const char*> argv;
    for (const auto& a : args) argv.push_back(a.c_str());
    std::istringstream in;
    std::ostringstream o, e;
    const int rc = bot::run_cli(static_cast<int>(argv.size()), argv.data(), in, o, e);
    INFO(e.str());
    REQUIRE(rc == 0);
    // The last line is the command to type: "liên kết nhóm K7P2XM".
    const std::string out = o.str();
    const auto at = out.rfind(' ');
    REQUIRE(at != std::string::npos);
    std::string code = out.substr(at + 1);
    while (!code.empty() && (code.back() == '\n' || code.back() == '\r')) code.pop_back();
    REQUIRE(code.size() == 6);
    return code;
}

constexpr const char* kGroup = "grp-9a8b7c6d5e4f";
constexpr const char* kOfficialChat = "zb-official-em";
constexpr const char* kLeaderChat = "zb-leader-an";

/// The official (Em) and the leader of T1 (An) link their private Zalo Bot chats.
void link_people(Bot& bot, test::FakePlatform& fake) {
    for (const auto& [chat, code] : {std::pair{kOfficialChat, "EM5555"}, {kLeaderChat, "AN2345"}}) {
        auto r = bot.zalo_bot(zalo_bot_text(chat, code));
        REQUIRE(r);
        REQUIRE(r->status == 200);
    }
    bot.drain();
    REQUIRE(zalo_bot_texts(fake, kOfficialChat).size() == 1);
    REQUIRE(zalo_bot_texts(fake, kLeaderChat).size() == 1);
}

/// Posts `text` in the group as `from` and delivers what the bot queued.
void in_group(Bot& bot, const std::string& from, const std::string& text,
              const std::string& group = kGroup) {
    auto r = bot.zalo_bot(zalo_bot_text(group, text, "GROUP", from));
    REQUIRE(r);
    CHECK(r->status == 200);
    bot.drain();
}

}  // namespace

TEST_CASE(
    "a commune group is linked with a group code and gets the summary the morning after "
    "the deadline") {
    World w;
    Bot bot(w.path, w.fake, w.templates);
    link_people(bot, w.fake);
    const std::string code = issue_group_code(w.path);

    // Unlinked, the group hears nothing: neither chatter nor commands.
    in_group(bot, kLeaderChat, "chưa nộp");
    in_group(bot, kOfficialChat, "tổng hợp");
    in_group(bot, kLeaderChat, "chào cả nhà");
    CHECK(zalo_bot_texts(w.fake, kGroup).empty());

    // Without diacritics, by the commune's official: linked, the group is told which unit.
    in_group(bot, kOfficialChat, "lien ket nhom " + code);
    auto texts = zalo_bot_texts(w.fake, kGroup);
    REQUIRE(texts.size() == 1);
    CHECK(texts[0].find("Xã An Bình") != std::string::npos);
    CHECK(scalar(w.path, "SELECT unit_id FROM chat_groups WHERE chat_id = 'grp-9a8b7c6d5e4f'") ==
          2);
    // Nothing was sent to the official privately and no account was made for the group.
    CHECK(zalo_bot_texts(w.fake, kOfficialChat).size() == 1);
    CHECK(scalar(w.path,
                 "SELECT count(*) FROM chat_accounts WHERE platform_user_id LIKE 'grp-%'") == 0);

    // A used code links no other group.
    in_group(bot, kOfficialChat, "liên kết nhóm " + code, "grp-other");
    const auto other = zalo_bot_texts(w.fake, "grp-other");
    REQUIRE(other.size() == 1);
    CHECK(other[0].find("đã được dùng") != std::string::npos);
    CHECK(scalar(w.path, "SELECT count(*) FROM chat_groups") == 1);

    // The morning after November's deadline (00:00 30/11, Vietnam), the scheduler writes the
    // roll-up for the official and for the group, each under its own key.
    const core::Instant morning = core::from_vietnam(core::LocalDateTime{{2026, 11, 30}, 8, 0, 0});
    bot::SchedulerConfig sc;
    sc.policy = bot::default_reminder_policy();
    bot::Scheduler scheduler(w.templates, sc);
    {
        storage::Database db(w.path);
        scheduler.tick(db, morning);
        // A second tick (a restart, a second scheduler) writes nothing more.
        bot::Scheduler again(w.templates, sc);
        again.tick(db, morning + std::chrono::minutes(1));
    }
    CHECK(scalar(w.path,
                 "SELECT count(*) FROM outbox WHERE idem_key LIKE 'summary:C:2026-11:g%'") == 1);
    CHECK(scalar(w.path,
                 "SELECT count(*) FROM outbox WHERE idem_key LIKE 'summary:C:2026-11:p%'") == 1);
    CHECK(scalar(w.path,
                 "SELECT count(*) FROM outbox WHERE recipient = 'grp-9a8b7c6d5e4f' AND account_id "
                 "IS NULL") == 2);
    bot.simulated_unix = static_cast<std::int64_t>(core::to_unix(morning));
    bot.drain();
    texts = zalo_bot_texts(w.fake, kGroup);
    REQUIRE(texts.size() == 2);
    CHECK(texts[1].find("11/2026") != std::string::npos);
    CHECK(texts[1].find("TỔNG HỢP BÁO CÁO Xã An Bình") != std::string::npos);
    // The missing teams are named, as in the officials' summary.
    CHECK(texts[1].find("Tổ CNS Ấp 1") != std::string::npos);
    CHECK(texts[1].find("Tổ CNS Ấp 2") != std::string::npos);
    CHECK(scalar(w.path,
                 "SELECT count(*) FROM outbox WHERE recipient = 'grp-9a8b7c6d5e4f' AND status <> "
                 "'sent'") == 0);
}

TEST_CASE(
    "in a linked group anyone may ask what is missing, and a leader's report is sent to a "
    "private chat") {
    World w;
    Bot bot(w.path, w.fake, w.templates);
    link_people(bot, w.fake);
    in_group(bot, kOfficialChat, "liên kết nhóm " + issue_group_code(w.path));
    REQUIRE(zalo_bot_texts(w.fake, kGroup).size() == 1);

    // Someone the bot does not know (a telecom company's staff) asks: answered in the group.
    in_group(bot, "zb-telecom-staff", "Chưa nộp");
    auto texts = zalo_bot_texts(w.fake, kGroup);
    REQUIRE(texts.size() == 2);
    CHECK(texts[1].find("Tổ CNS Ấp 1") != std::string::npos);
    CHECK(zalo_bot_texts(w.fake, "zb-telecom-staff").empty());
    in_group(bot, "zb-telecom-staff", "tong hop");
    texts = zalo_bot_texts(w.fake, kGroup);
    REQUIRE(texts.size() == 3);
    CHECK(texts[2].find("TỔNG HỢP BÁO CÁO Xã An Bình") != std::string::npos);

    // The leader tries to report in the group: told, in the group, to write privately.
    for (const char* attempt : {"bc", "bc 100 50 40 30 20 10 10 5 5 5 1 20 80", "120"}) {
        INFO(attempt);
        in_group(bot, kLeaderChat, attempt);
        texts = zalo_bot_texts(w.fake, kGroup);
        CHECK(texts.back().find("nhắn tin riêng") != std::string::npos);
    }
    CHECK(texts.size() == 6);
    // Nothing was filed, no draft started, nothing went to the leader's private chat.
    CHECK(scalar(w.path, "SELECT count(*) FROM reports") == 0);
    CHECK(scalar(w.path, "SELECT count(*) FROM drafts") == 0);
    CHECK(zalo_bot_texts(w.fake, kLeaderChat).size() == 1);
    // Chatter gets no answer.
    in_group(bot, kLeaderChat, "ok anh");
    CHECK(zalo_bot_texts(w.fake, kGroup).size() == 6);
}

TEST_CASE("only an official of the code's unit links a group") {
    World w;
    Bot bot(w.path, w.fake, w.templates);
    link_people(bot, w.fake);
    const std::string code = issue_group_code(w.path);

    in_group(bot, kLeaderChat, "liên kết nhóm " + code);    // a team leader
    in_group(bot, "zb-stranger", "liên kết nhóm " + code);  // no linked account
    in_group(bot, kOfficialChat, "liên kết nhóm ZZZZ22");   // a wrong code
    const auto texts = zalo_bot_texts(w.fake, kGroup);
    REQUIRE(texts.size() == 3);
    CHECK(texts[0].find("Chỉ cán bộ theo dõi của Xã An Bình") != std::string::npos);
    CHECK(texts[1].find("chưa liên kết") != std::string::npos);
    CHECK(texts[2].find("không đúng") != std::string::npos);
    CHECK(scalar(w.path, "SELECT count(*) FROM chat_groups") == 0);
    CHECK(scalar(w.path, "SELECT count(*) FROM group_invites WHERE used_at IS NOT NULL") == 0);
    // A group that is not linked gets no summary.
    bot::SchedulerConfig sc;
    sc.policy = bot::default_reminder_policy();
    bot::Scheduler scheduler(w.templates, sc);
    storage::Database db(w.path);
    scheduler.tick(db, core::from_vietnam(core::LocalDateTime{{2026, 11, 30}, 8, 0, 0}));
    CHECK(scalar(w.path, "SELECT count(*) FROM outbox WHERE recipient = 'grp-9a8b7c6d5e4f'") == 3);
}

TEST_CASE(
    "a linked group reads a new difficulty as the commune's officials do, quiet hours "
    "included") {
    World w;
    Bot bot(w.path, w.fake, w.templates);
    link_people(bot, w.fake);
    in_group(bot, kOfficialChat, "liên kết nhóm " + issue_group_code(w.path));
    REQUIRE(zalo_bot_texts(w.fake, kGroup).size() == 1);

    auto difficulty = [&](const std::string& id, const std::string& text, core::Instant at) {
        core::InboundEvent e;
        e.channel = "zalo-bot";
        e.event_id = "message.text.received:" + id;
        e.user_id = kLeaderChat;
        e.text = text;
        e.at = at;
        bot.webhooks.apply({e}, at);
    };
    // In the day: sent at once, to the official and to the group, the same words.
    const core::Instant day = core::from_vietnam(core::LocalDateTime{{2026, 11, 20}, 10, 0, 0});
    difficulty("d1", "khó khăn: mất sóng ở cuối ấp", day);
    CHECK(scalar(w.path, "SELECT count(*) FROM outbox WHERE idem_key LIKE 'difficulty:%:g1'") == 1);
    CHECK(scalar(w.path, "SELECT count(*) FROM outbox WHERE idem_key LIKE 'difficulty:%:p2'") == 1);
    bot.simulated_unix = static_cast<std::int64_t>(core::to_unix(day));
    bot.drain();
    const auto group = zalo_bot_texts(w.fake, kGroup);
    const auto official = zalo_bot_texts(w.fake, kOfficialChat);
    REQUIRE(group.size() == 2);
    CHECK(group[1].find("mất sóng ở cuối ấp") != std::string::npos);
    CHECK(group[1] == official.back());

    // At night: both wait for the morning.
    const core::Instant night = core::from_vietnam(core::LocalDateTime{{2026, 11, 20}, 23, 0, 0});
    difficulty("d2", "khó khăn: người già chưa có điện thoại", night);
    CHECK(scalar(w.path,
                 "SELECT count(DISTINCT next_attempt_at) FROM outbox WHERE kind = 'difficulty' "
                 "AND status = 'pending'") == 1);
    CHECK(scalar(w.path,
                 "SELECT count(*) FROM outbox WHERE kind = 'difficulty' AND status = 'pending' "
                 "AND next_attempt_at > " +
                     std::to_string(core::to_unix(night))) == 2);
}
