#include "bot/server.hpp"

#include <fmt/format.h>
#include <httplib.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "bot/admin_routes.hpp"
#include "bot/health.hpp"
#include "bot/http_front.hpp"
#include "bot/log.hpp"
#include "bot/metrics.hpp"
#include "bot/webhook_routes.hpp"
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

/// When the current request started; the logger runs on the thread that routed it.
thread_local std::chrono::steady_clock::time_point t_request_start;

void json_reply(httplib::Response& res, int status, const nlohmann::json& body) {
    res.status = status;
    res.set_content(body.dump(), "application/json; charset=utf-8");
}

}  // namespace

Server::Server(Config config) : Server(std::move(config), nullptr, {}) {}

Server::Server(Config config, WebhookService* webhooks, std::function<void()> on_queued)
    : config_(std::move(config)),
      webhooks_(webhooks),
      on_queued_(std::move(on_queued)),
      http_(std::make_unique<httplib::Server>()) {
    const int threads = config_.server.threads;
    http_->new_task_queue = [threads] {
        return new httplib::ThreadPool(static_cast<size_t>(threads));
    };
    http_->set_payload_max_length(config_.server.max_body_bytes);
    http_->set_read_timeout(config_.server.read_timeout_s, 0);
    http_->set_write_timeout(config_.server.write_timeout_s, 0);
    http_->set_keep_alive_timeout(5);
    // Without it a response written in two parts waits for the peer's delayed ACK (~40 ms).
    http_->set_tcp_nodelay(true);
    http_->set_keep_alive_max_count(1000);
    install_routes();
}

Server::~Server() = default;

void Server::install_routes() {
    const std::string db_path = config_.database;

    http_->Get("/healthz", [db_path](const httplib::Request&, httplib::Response& res) {
        bool ok = false;
        int version = 0;
        try {
            storage::Database& db = thread_db(db_path);
            ok = db.ping();
            if (ok) version = db.schema_version();
        } catch (const std::exception& e) {
            log::warn("healthz.db_error", {{"error", e.what()}});
        }
        if (ok)
            json_reply(res, 200, {{"status", "ok"}, {"database", "ok"}, {"schema", version}});
        else
            json_reply(res, 503, {{"status", "unavailable"}, {"database", "error"}});
    });

    // Readiness (bot/health.hpp): 503 with the failing checks named while webhooks would fail.
    http_->Get("/readyz",
               [db_path, hc = config_.health](const httplib::Request&, httplib::Response& res) {
                   const HealthResult r = check_readiness(db_path, hc);
                   json_reply(res, r.status, r.body);
               });

    // Zalo verifies a domain by fetching its home page and looking for this meta tag.
    const std::string verification = config_.zalo.site_verification;
    http_->Get("/", [verification](const httplib::Request&, httplib::Response& res) {
        std::string head = "<meta charset=\"utf-8\"><title>tcns</title>";
        if (!verification.empty())
            head += "<meta name=\"zalo-platform-site-verification\" content=\"" +
                    core::html_escape(verification) + "\" />";
        res.status = 200;
        res.set_content(
            "<!DOCTYPE html>\n<html><head>" + head + "</head><body>tcns</body></html>\n",
            "text/html; charset=utf-8");
    });

    // Prometheus scrape endpoint; the reverse proxy does not forward it (loopback only).
    http_->Get("/metrics", [](const httplib::Request&, httplib::Response& res) {
        res.status = 200;
        res.set_content(Metrics::instance().render(), "text/plain; version=0.0.4");
    });

    register_admin_routes(*http_, config_);
    if (webhooks_) register_webhook_routes(*http_, config_, *webhooks_, on_queued_);

    http_->set_exception_handler(
        [](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
            std::string what = "unknown";
            try {
                if (ep) std::rethrow_exception(ep);
            } catch (const std::exception& e) {
                what = e.what();
            } catch (...) {
            }
            log::error("http.exception", {{"path", req.path}, {"error", what}});
            json_reply(res, 500, {{"error", "internal error"}});
        });

    http_->set_error_handler([](const httplib::Request&, httplib::Response& res) {
        if (res.body.empty()) {
            const char* msg = res.status == 404   ? "not found"
                              : res.status == 413 ? "payload too large"
                                                  : "error";
            json_reply(res, res.status, {{"error", msg}});
        }
    });

    http_->set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
        t_request_start = std::chrono::steady_clock::now();
        return httplib::Server::HandlerResponse::Unhandled;
    });
    // One line per request. req.path never holds the query string; bodies (message text) and
    // headers (signatures) are never logged.
    http_->set_logger([](const httplib::Request& req, const httplib::Response& res) {
        // A request refused before routing (400, 413) has no start time of its own.
        const bool timed = t_request_start != std::chrono::steady_clock::time_point{};
        const auto us = timed ? std::chrono::duration_cast<std::chrono::microseconds>(
                                    std::chrono::steady_clock::now() - t_request_start)
                                    .count()
                              : 0;
        t_request_start = {};
        if (!log::enabled(log::Level::kInfo)) return;
        log::info("http.request", {{"method", req.method},
                                   {"path", req.path},
                                   {"status", res.status},
                                   {"latency_ms", static_cast<double>(us) / 1000.0}});
    });
}

int Server::bind() {
    // The full server listens on loopback only; the front takes the configured address.
    backend_port_ = http_->bind_to_any_port("127.0.0.1");
    if (backend_port_ <= 0) throw std::runtime_error("cannot bind a loopback port");
    HttpFront::Options o;
    o.listen = config_.server.listen;
    o.port = config_.server.port;
    o.backend_port = backend_port_;
    o.read_timeout_s = config_.server.read_timeout_s;
    o.write_timeout_s = config_.server.write_timeout_s;
    o.max_body_bytes = config_.server.max_body_bytes;
    front_ = std::make_unique<HttpFront>(o, config_, webhooks_, on_queued_);
    port_ = front_->bind();
    return port_;
}

void Server::run() {
    std::atomic<bool> backend_done{false};
    std::thread backend([this, &backend_done] {
        http_->listen_after_bind();
        backend_done = true;
    });
    front_->run();
    // httplib's stop() does nothing before listen_after_bind() has started (it tests
    // is_running()): a stop() that came before the backend thread got there would leave it
    // listening for ever and this join waiting for it.
    while (!http_->is_running() && !backend_done)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    http_->stop();
    backend.join();
}

void Server::stop() {
    if (front_) front_->stop();
    http_->stop();
}

}  // namespace tcns::bot
