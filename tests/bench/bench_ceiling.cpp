// The stack's ceiling for the webhook benchmark: tcns's own HTTP server (bot::HttpServer on
// Boost.Beast, the same network threads) with routes that only verify the same signatures and
// answer 200, without storing anything. With --api it plays the Viber and Zalo send APIs
// instead (a cpp-httplib server that accepts every message), so tcns's dispatcher has somewhere
// to deliver during the run.
#include <httplib.h>

#include <csignal>
#include <iostream>
#include <mutex>
#include <string>

#include "adapters/viber/viber_adapter.hpp"
#include "adapters/zalo/zalo_adapter.hpp"
#include "bot/http/http_server.hpp"
#include "bot/log.hpp"

namespace {
httplib::Server* g_server = nullptr;
tcns::bot::HttpServer* g_beast = nullptr;
void on_signal(int) {
    if (g_server) g_server->stop();
    if (g_beast) g_beast->stop();
}
}  // namespace

int main(int argc, char** argv) {
    int port = 0, threads = 8, io_threads = 2;
    bool api = false;
    std::string viber_token, zalo_app, zalo_key;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
        if (a == "--port")
            port = std::stoi(next());
        else if (a == "--threads")
            threads = std::stoi(next());
        else if (a == "--io-threads")
            io_threads = std::stoi(next());
        else if (a == "--api")
            api = true;
        else if (a == "--viber-token")
            viber_token = next();
        else if (a == "--zalo-app")
            zalo_app = next();
        else if (a == "--zalo-key")
            zalo_key = next();
    }
    httplib::Server server;
    server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    server.set_payload_max_length(64 * 1024);
    server.set_tcp_nodelay(true);
    server.set_keep_alive_max_count(1000);
    long id = 0;
    std::mutex mu;
    if (api) {
        server.Post("/pa/send_message", [&](const httplib::Request&, httplib::Response& res) {
            std::lock_guard lock(mu);
            res.set_content("{\"status\":0,\"status_message\":\"ok\",\"message_token\":" +
                                std::to_string(++id) + "}",
                            "application/json");
        });
        server.Post("/zalo/v3.0/oa/message/cs", [&](const httplib::Request&,
                                                    httplib::Response& res) {
            std::lock_guard lock(mu);
            res.set_content("{\"error\":0,\"message\":\"Success\",\"data\":{\"message_id\":\"z" +
                                std::to_string(++id) + "\"}}",
                            "application/json");
        });
    } else {
        using tcns::bot::HttpRequest;
        using tcns::bot::HttpResponse;
        const auto answer = [](bool ok) {
            HttpResponse r;
            r.status = ok ? 200 : 403;
            r.set_content("{}", "application/json");
            return r;
        };
        std::vector<tcns::bot::HttpRoute> routes;
        routes.push_back(tcns::bot::plain_route(
            "POST", "/webhook/viber", 64 * 1024, tcns::bot::RouteRuns::kNetwork,
            [&](const HttpRequest& req) {
                return answer(tcns::adapters::viber::verify_signature(
                                  req.body, req.header("X-Viber-Content-Signature"), viber_token) ==
                              tcns::adapters::VerifyResult::kOk);
            }));
        routes.push_back(tcns::bot::plain_route(
            "POST", "/webhook/zalo", 64 * 1024, tcns::bot::RouteRuns::kNetwork,
            [&](const HttpRequest& req) {
                return answer(tcns::adapters::zalo::verify_signature(
                                  req.body, req.header("X-ZEvent-Signature"), zalo_app, zalo_key) ==
                              tcns::adapters::VerifyResult::kOk);
            }));
        tcns::bot::log::set_level("warn");  // as tcns in run.sh: no line per request
        tcns::bot::HttpServer::Options o;
        o.port = port;
        o.io_threads = io_threads;
        tcns::bot::HttpServer beast(o, std::move(routes));
        beast.bind();
        g_beast = &beast;
        std::signal(SIGTERM, on_signal);
        std::signal(SIGINT, on_signal);
        beast.run();
        return 0;
    }
    g_server = &server;
    std::signal(SIGTERM, on_signal);
    std::signal(SIGINT, on_signal);
    if (!server.bind_to_port("127.0.0.1", port)) {
        std::cerr << "cannot bind " << port << "\n";
        return 1;
    }
    server.listen_after_bind();
    return 0;
}
