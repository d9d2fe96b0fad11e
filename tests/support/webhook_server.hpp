#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "adapters/common/crypto.hpp"
#include "adapters/common/text_split.hpp"
#include "adapters/viber/viber_adapter.hpp"
#include "adapters/zalo/zalo_adapter.hpp"
#include "bot/config.hpp"
#include "bot/http/server.hpp"
#include "bot/http/webhook_service.hpp"
#include "bot/http/write_queue.hpp"
#include "bot/jobs/conversation_engine.hpp"
#include "bot/templates.hpp"
#include "storage/database.hpp"
#include "tests/support/small_roster.hpp"

namespace tcns::test {

/// Secrets of the signed test webhooks (not real ones).
inline constexpr const char* kViberToken = "445da6az1s345z78-dazcczb2542zv51a-e0vc5fva17480im9";
inline constexpr const char* kZaloApp = "50554360515256678";
inline constexpr const char* kZaloKey = "oa-secret-key-for-tests";

/// The X-Viber-Content-Signature of `body`.
inline std::string viber_signature(const std::string& body) {
    return adapters::hmac_sha256_hex(kViberToken, body);
}

/// The X-ZEvent-Signature of `body` sent with `timestamp` (Zalo signs app id, body, timestamp
/// and the OA secret key).
inline std::string zalo_signature(const std::string& body, const std::string& timestamp) {
    return "mac=" + adapters::sha256_hex(std::string(kZaloApp) + body + timestamp + kZaloKey);
}

/// A Viber text message from `user`, with a fresh message token.
inline std::string viber_text_body(const std::string& user, const std::string& text) {
    static std::atomic<long long> token{5741311803571722000LL};
    return nlohmann::json{{"event", "message"},
                          {"timestamp", 1764475200000LL},
                          {"message_token", ++token},
                          {"sender", {{"id", user}, {"name", "An"}}},
                          {"message", {{"type", "text"}, {"text", text}}}}
        .dump();
}

/// A Zalo text message from `user`, with a fresh message id.
inline std::string zalo_text_body(const std::string& user, const std::string& text,
                                  const std::string& timestamp) {
    static std::atomic<long long> id{1};
    return nlohmann::json{{"app_id", kZaloApp},
                          {"event_name", "user_send_text"},
                          {"sender", {{"id", user}}},
                          {"recipient", {{"id", "1646843870823903717"}}},
                          {"message", {{"text", text}, {"msg_id", "m" + std::to_string(++id)}}},
                          {"timestamp", timestamp}}
        .dump();
}

/// A database at `path` with every migration and the small roster.
inline void make_seeded_database(const std::string& path) {
    storage::Database db(path);
    seed_small_roster(db);
}

/// A Config with both channels enabled and the test secrets; the server on a free loopback port.
inline bot::Config webhook_config(const std::string& db_path) {
    bot::Config c;
    c.database = db_path;
    c.server.listen = "127.0.0.1";
    c.server.port = 0;
    c.server.threads = 2;
    c.viber.enabled = true;
    c.zalo.enabled = true;
    // The fixtures carry recorded timestamps (late 2025): a window that takes them in.
    c.zalo.timestamp_window_s = 3650 * 24 * 3600;
    c.secrets.viber_token = kViberToken;
    c.secrets.zalo_app_id = kZaloApp;
    c.secrets.zalo_oa_secret = kZaloKey;
    c.secrets.zalo_app_secret = "app-secret";
    return c;
}

/// `tcns serve`'s HTTP side with webhooks (write queue, conversation engine), no dispatcher:
/// replies stay in the outbox. Runs on its own thread until the object dies.
class WebhookServer {
  public:
    WebhookServer(bot::Config config, const bot::Templates& templates)
        : writes_(config.database), engine_(templates), webhooks_(writes_, engine_) {
        webhooks_.set_splitter("viber", [](const core::OutboundMessage& m) {
            return adapters::split_message(m, adapters::viber::kMaxTextChars);
        });
        webhooks_.set_splitter("zalo", [](const core::OutboundMessage& m) {
            return adapters::split_message(m, adapters::zalo::kMaxTextChars);
        });
        server_ = std::make_unique<bot::Server>(std::move(config), &webhooks_, [] {});
        port_ = server_->bind();
        thread_ = std::thread([this] { server_->run(); });
    }
    ~WebhookServer() {
        server_->stop();
        thread_.join();
        writes_.stop();
    }
    WebhookServer(const WebhookServer&) = delete;
    WebhookServer& operator=(const WebhookServer&) = delete;

    int port() const { return port_; }
    const bot::Config& config() const { return server_->config(); }

    /// One number from the database (a fresh connection: the writer commits on its own).
    std::int64_t scalar(const std::string& sql) const {
        storage::Database::Options o;
        o.migrate = false;
        storage::Database db(server_->config().database, o);
        SQLite::Statement q(db.handle(), sql);
        q.executeStep();
        return q.getColumn(0).getInt64();
    }

  private:
    bot::WriteQueue writes_;
    bot::ConversationEngine engine_;
    bot::WebhookService webhooks_;
    std::unique_ptr<bot::Server> server_;
    int port_ = 0;
    std::thread thread_;
};

}  // namespace tcns::test
