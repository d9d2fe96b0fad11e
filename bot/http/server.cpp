#include "bot/http/server.hpp"

#include <fmt/format.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "bot/admin/admin_page.hpp"
#include "bot/admin/admin_routes.hpp"
#include "bot/admin/web_page.hpp"
#include "bot/channels/channel_registry.hpp"
#include "bot/http/health.hpp"
#include "bot/http/webhook_routes.hpp"
#include "bot/log.hpp"
#include "bot/metrics.hpp"
#include "core/html.hpp"
#include "storage/database.hpp"

namespace tcns::bot {

namespace {

/// One SQLite connection per server thread (connections are not shared between threads).
storage::Database& thread_db(const std::string& path) {
    thread_local std::unique_ptr<storage::Database> db;
    thread_local std::string db_path;
    if (!db || db_path != path) {
        storage::Database::Options o;
        o.migrate = false;  // `serve` migrated once at start-up
        db = std::make_unique<storage::Database>(path, o);
        db_path = path;
    }
    return *db;
}

HttpResponse json_reply(int status, const nlohmann::json& body) {
    HttpResponse res;
    res.status = status;
    res.set_content(body.dump(), "application/json; charset=utf-8");
    return res;
}

HttpResponse healthz(const std::string& db_path) {
    bool ok = false;
    int version = 0;
    try {
        storage::Database& db = thread_db(db_path);
        ok = db.ping();
        if (ok) version = db.schema_version();
    } catch (const std::exception& e) {
        log::warn("healthz.db_error", {{"error", e.what()}});
    }
    if (ok) return json_reply(200, {{"status", "ok"}, {"database", "ok"}, {"schema", version}});
    return json_reply(503, {{"status", "unavailable"}, {"database", "error"}});
}

/// Zalo verifies a domain by fetching its home page and looking for this meta tag.
HttpResponse home_page(const std::string& verification) {
    std::string head = "<meta charset=\"utf-8\"><title>tcns</title>";
    if (!verification.empty())
        head += "<meta name=\"zalo-platform-site-verification\" content=\"" +
                core::html_escape(verification) + "\" />";
    HttpResponse res;
    res.status = 200;
    res.set_content("<!DOCTYPE html>\n<html><head>" + head + "</head><body>tcns</body></html>\n",
                    "text/html; charset=utf-8");
    return res;
}

/// Prometheus scrape endpoint; the reverse proxy does not forward it (loopback only).
HttpResponse metrics_page() {
    HttpResponse res;
    res.status = 200;
    res.set_content(Metrics::instance().render(), "text/plain; version=0.0.4");
    return res;
}

}  // namespace

std::vector<HttpRoute> make_routes(const Config& config, WebhookService* webhooks,
                                   std::function<void()> on_queued) {
    using R = RouteRuns;
    const std::size_t form = config.server.max_form_bytes;
    std::vector<HttpRoute> routes;
    const std::string db_path = config.database;
    routes.push_back(plain_route("GET", "/healthz", 0, R::kPool,
                                 [db_path](const HttpRequest&) { return healthz(db_path); }));
    // Readiness (bot/http/health.hpp): 503 with the failing checks named while webhooks would fail.
    // It commits a row, so it runs on the pool, never on a network thread.
    routes.push_back(plain_route("GET", "/readyz", 0, R::kPool,
                                 [db_path, hc = config.health](const HttpRequest&) {
                                     const HealthResult r = check_readiness(db_path, hc);
                                     return json_reply(r.status, r.body);
                                 }));
    const std::string verification = config.zalo.site_verification;
    routes.push_back(plain_route("GET", "/", 0, R::kNetwork, [verification](const HttpRequest&) {
        return home_page(verification);
    }));
    routes.push_back(plain_route("GET", "/metrics", 0, R::kNetwork,
                                 [](const HttpRequest&) { return metrics_page(); }));

    // The admin surface only with an admin token or a public_url; else every admin path is 404.
    // Officials' sign-in links (public_url) open it too, scoped to their unit.
    if (!config.secrets.admin_token.empty() || !config.public_url.empty()) {
        auto sessions = std::make_shared<AdminSessions>();
        const auto admin =
            [&](const char* method, const char* path, std::size_t limit,
                HttpResponse (*fn)(const Config&, AdminSessions&, const HttpRequest&),
                bool regex = false) {
                routes.push_back(plain_route(
                    method, path, limit, R::kPool,
                    [config, sessions, fn](const HttpRequest& req) {
                        return fn(config, *sessions, req);
                    },
                    regex));
            };
        admin("GET", "/admin", 0, admin_page_get);
        admin("GET", "/admin/area", 0, area_page_get);
        admin("GET", "/admin/team", 0, team_page_get);
        admin("GET", "/admin/login", 0, admin_login_get);
        admin("POST", "/admin/login", form, admin_login_post);
        admin("POST", "/admin/logout", form, admin_logout_post);
        admin("GET", R"(/admin/exports/([a-z-]+)\.(csv|xlsx))", 0, admin_export, /*regex=*/true);
        admin("POST", "/admin/logout-all", form, admin_logout_all_post);
        admin("GET", R"(/login/([0-9A-Za-z]{1,128}))", 0, web_login_get, /*regex=*/true);
        admin("POST", R"(/login/([0-9A-Za-z]{1,128}))", form, web_login_post, /*regex=*/true);
    }

    if (webhooks) {
        // Verified and parsed on the network thread; never waits for the commit.
        for (const ChannelSpec& spec : channel_registry()) {
            if (spec.webhook_path.empty() || !spec.enabled || !spec.enabled(config)) continue;
            HttpRoute r;
            r.method = "POST";
            r.path = std::string(spec.webhook_path);
            r.body_limit = config.server.max_body_bytes;
            r.runs = R::kNetwork;
            r.handler = [channel = std::string(spec.name), cfg = std::make_shared<Config>(config),
                         webhooks, on_queued](HttpRequest& req, Responder respond) {
                handle_webhook_async(channel, req, *cfg, *webhooks, on_queued, respond);
            };
            routes.push_back(std::move(r));
        }
    }
    return routes;
}

Server::Server(Config config) : Server(std::move(config), nullptr, {}) {}

Server::Server(Config config, WebhookService* webhooks, std::function<void()> on_queued)
    : config_(std::move(config)) {
    HttpServer::Options o;
    o.listen = config_.server.listen;
    o.port = config_.server.port;
    o.io_threads = config_.server.io_threads;
    o.pool_threads = config_.server.threads;
    o.max_header_bytes = config_.server.max_header_bytes;
    o.max_header_fields = config_.server.max_header_fields;
    o.request_timeout_s = config_.server.read_timeout_s;
    o.idle_timeout_s = config_.server.idle_timeout_s;
    o.write_timeout_s = config_.server.write_timeout_s;
    o.max_connections = config_.server.max_connections;
    o.trusted_proxies = config_.server.trusted_proxies;
    http_ = std::make_unique<HttpServer>(o, make_routes(config_, webhooks, std::move(on_queued)));
}

Server::~Server() = default;

int Server::bind() {
    port_ = http_->bind();
    return port_;
}

void Server::run() {
    http_->run();
}

void Server::stop() {
    http_->stop();
}

}  // namespace tcns::bot
