#pragma once

// Fake Viber and Zalo APIs on loopback: record every request, answer like the platform, and can
// be told to fail (HTTP status, platform error codes, garbage, slow answers, closed connections).
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace tcns::test {

class FakePlatform {
  public:
    struct Request {
        std::string path;
        std::string body;
        std::string token;  ///< X-Viber-Auth-Token or access_token header
        std::chrono::steady_clock::time_point at;
        bool accepted = false;  ///< a send the fake processed (answered success, or slow)
    };

    /// How the send endpoints (Viber send_message, Zalo message/cs) misbehave until told
    /// otherwise.
    enum class Fault {
        kNone,
        kHttp500,
        kHttp429,
        kRateLimitCode,    ///< HTTP 200 with Viber status 12 / Zalo error -32
        kTimeout,          ///< processes the send, answers after slow_ms (past the client timeout)
        kGarbage,          ///< HTTP 200 with a body that is not JSON
        kCloseConnection,  ///< sends headers, then closes the connection mid-body
    };

    FakePlatform() {
        server_.Post(
            "/pa/send_message", [this](const httplib::Request& req, httplib::Response& res) {
                std::unique_lock lock(mu_);
                auto& r = record(req, req.get_header_value("X-Viber-Auth-Token"));
                if (fail_viber_ > 0) {
                    --fail_viber_;
                    res.status = 500;
                    res.set_content("oops", "text/plain");
                    return;
                }
                if (old_viber_client_ && req.body.find("\"keyboard\"") != std::string::npos) {
                    // A receiver whose client is older than the body's min_api_version.
                    res.set_content(R"({"status":13,"status_message":"apiVersionNotSupported"})",
                                    "application/json");
                    return;
                }
                if (fault(lock, r, res, R"({"status":12,"status_message":"tooManyRequests"})"))
                    return;
                r.accepted = true;
                res.set_content(R"({"status":0,"status_message":"ok","message_token":)" +
                                    std::to_string(++ids_) + "}",
                                "application/json");
            });
        server_.Post("/pa/set_webhook", [this](const httplib::Request& req,
                                               httplib::Response& res) {
            std::lock_guard lock(mu_);
            record(req, req.get_header_value("X-Viber-Auth-Token"));
            res.set_content(
                R"({"status":0,"status_message":"ok","event_types":["delivered","seen","failed","subscribed","unsubscribed","conversation_started"]})",
                "application/json");
        });
        server_.Post("/zalo/v3.0/oa/message/cs", [this](const httplib::Request& req,
                                                        httplib::Response& res) {
            std::unique_lock lock(mu_);
            const std::string token = req.get_header_value("access_token");
            auto& r = record(req, token);
            if (fail_zalo_ > 0) {
                --fail_zalo_;
                res.status = 503;
                return;
            }
            if (token != zalo_access_) {
                res.set_content(R"({"error":-216,"message":"Access token is invalid"})",
                                "application/json");
                return;
            }
            if (fault(lock, r, res, R"({"error":-32,"message":"Exceed the limit of API call"})"))
                return;
            r.accepted = true;
            res.set_content(R"({"error":0,"message":"Success","data":{"message_id":"z)" +
                                std::to_string(++ids_) + R"(","user_id":"u"}})",
                            "application/json");
        });
        server_.Post("/oauth/v4/oa/access_token", [this](const httplib::Request& req,
                                                         httplib::Response& res) {
            std::lock_guard lock(mu_);
            record(req, req.get_header_value("secret_key"));
            ++refreshes_;
            const std::string rt = req.get_param_value("refresh_token");
            if (oauth_broken_ || rt != zalo_refresh_) {
                // Zalo answers errors with HTTP 200 and OAuth-style fields.
                res.set_content(
                    R"({"error":-14014,"error_name":"invalid_grant","error_description":"Invalid refresh token"})",
                    "application/json");
                return;
            }
            ++generation_;
            zalo_access_ = "A" + std::to_string(generation_);
            zalo_refresh_ = "R" + std::to_string(generation_);
            res.set_content(nlohmann::json{{"access_token", zalo_access_},
                                           {"refresh_token", zalo_refresh_},
                                           {"expires_in", "90000"}}
                                .dump(),
                            "application/json");
        });
        // Zalo Bot Platform: POST /zb/bot<token>/<method>, Telegram-shaped answers.
        server_.Post(R"(/zb/bot([^/]+)/(\w+))", [this](const httplib::Request& req,
                                                       httplib::Response& res) {
            std::unique_lock lock(mu_);
            const std::string token = req.matches[1];
            const std::string method = req.matches[2];
            auto& r = record(req, token);
            if (token != zalo_bot_token_) {
                res.status = 401;
                res.set_content(R"({"ok":false,"error_code":401,"description":"Unauthorized"})",
                                "application/json");
                return;
            }
            if (method == "sendMessage") {
                if (fault(lock, r, res,
                          R"({"ok":false,"error_code":429,"description":"Too many"})"))
                    return;
                r.accepted = true;
                res.set_content(R"({"ok":true,"result":{"message_id":"zb)" +
                                    std::to_string(++ids_) + R"(","date":1766619597466}})",
                                "application/json");
            } else if (method == "getMe") {
                res.set_content(
                    R"({"ok":true,"result":{"id":"2009","account_name":"bot.xa","account_type":"BASIC","can_join_groups":false}})",
                    "application/json");
            } else if (method == "setWebhook") {
                res.set_content(R"({"ok":true,"result":{"url":"set"}})", "application/json");
            } else if (method == "getWebhookInfo") {
                res.set_content(
                    R"({"ok":true,"result":{"url":"https://x.example/webhook/zalo-bot"}})",
                    "application/json");
            } else {
                res.status = 404;
                res.set_content(R"({"ok":false,"error_code":404,"description":"Not Found"})",
                                "application/json");
            }
        });
        server_.set_tcp_nodelay(true);
        port_ = server_.bind_to_any_port("127.0.0.1");
        thread_ = std::thread([this] { server_.listen_after_bind(); });
    }
    ~FakePlatform() {
        {
            std::lock_guard lock(mu_);
            stopping_ = true;
        }
        cv_.notify_all();
        server_.stop();
        thread_.join();
    }

    std::string viber_base() const { return "http://127.0.0.1:" + std::to_string(port_) + "/pa"; }
    std::string zalo_base() const { return "http://127.0.0.1:" + std::to_string(port_) + "/zalo"; }
    std::string zalo_bot_base() const {
        return "http://127.0.0.1:" + std::to_string(port_) + "/zb";
    }
    std::string oauth_base() const {
        return "http://127.0.0.1:" + std::to_string(port_) + "/oauth";
    }

    std::vector<Request> requests(const std::string& path_part) {
        std::lock_guard lock(mu_);
        std::vector<Request> out;
        for (const auto& r : requests_)
            if (r.path.find(path_part) != std::string::npos) out.push_back(r);
        return out;
    }
    /// Sends the fake processed, in arrival order.
    std::vector<Request> accepted(const std::string& path_part) {
        std::vector<Request> out;
        for (auto& r : requests(path_part))
            if (r.accepted) out.push_back(std::move(r));
        return out;
    }
    std::size_t count(const std::string& path_part) { return requests(path_part).size(); }
    void set_fault(Fault f, std::chrono::milliseconds slow = std::chrono::milliseconds(1000)) {
        {
            std::lock_guard lock(mu_);
            fault_ = f;
            slow_ = slow;
        }
        cv_.notify_all();  // a slow answer in progress ends now
    }
    /// Seconds in a Retry-After header on 429 answers (0: none).
    void set_retry_after(int seconds) {
        std::lock_guard lock(mu_);
        retry_after_ = seconds;
    }
    void fail_viber(int n) {
        std::lock_guard lock(mu_);
        fail_viber_ = n;
    }
    /// Viber answers status 13 (apiVersionNotSupported) to any send with a keyboard.
    void old_viber_client(bool old) {
        std::lock_guard lock(mu_);
        old_viber_client_ = old;
    }
    void fail_zalo(int n) {
        std::lock_guard lock(mu_);
        fail_zalo_ = n;
    }
    /// The Zalo pair the platform currently accepts (generation 0: A0/R0).
    void set_zalo_pair(const std::string& access, const std::string& refresh) {
        std::lock_guard lock(mu_);
        zalo_access_ = access;
        zalo_refresh_ = refresh;
    }
    void break_oauth(bool broken) {
        std::lock_guard lock(mu_);
        oauth_broken_ = broken;
    }
    int refreshes() {
        std::lock_guard lock(mu_);
        return refreshes_;
    }

  private:
    Request& record(const httplib::Request& req, std::string token) {
        requests_.push_back(
            {req.path, req.body, std::move(token), std::chrono::steady_clock::now()});
        return requests_.back();
    }
    /// Answers a send according to the current fault; false when there is none. `lock` holds
    /// mu_; `r` is the recorded request (a deque element: stays valid while unlocked).
    bool fault(std::unique_lock<std::mutex>& lock, Request& r, httplib::Response& res,
               const char* rate_limit_body) {
        switch (fault_) {
            case Fault::kNone:
                return false;
            case Fault::kHttp500:
                res.status = 500;
                res.set_content("<html>Internal Server Error</html>", "text/html");
                return true;
            case Fault::kHttp429:
                res.status = 429;
                if (retry_after_ > 0) res.set_header("Retry-After", std::to_string(retry_after_));
                res.set_content("Too Many Requests", "text/plain");
                return true;
            case Fault::kRateLimitCode:
                res.set_content(rate_limit_body, "application/json");
                return true;
            case Fault::kGarbage:
                res.set_content("<html><body>Gateway says hi", "text/html");
                return true;
            case Fault::kCloseConnection:
                // Headers promise 64 bytes; the provider fails at once and httplib drops the
                // connection.
                res.set_content_provider(
                    64, "application/json",
                    [](std::size_t, std::size_t, httplib::DataSink&) { return false; });
                return true;
            case Fault::kTimeout: {
                // The platform took the message but answers too late: the client has given up.
                r.accepted = true;
                cv_.wait_for(lock, slow_, [&] { return stopping_ || fault_ != Fault::kTimeout; });
                res.set_content(R"({"status":0,"status_message":"ok","message_token":1})",
                                "application/json");
                return true;
            }
        }
        return false;
    }

    httplib::Server server_;
    std::thread thread_;
    int port_ = 0;
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<Request> requests_;
    Fault fault_ = Fault::kNone;
    int retry_after_ = 0;
    std::chrono::milliseconds slow_{1000};
    bool stopping_ = false;
    int fail_viber_ = 0;
    int fail_zalo_ = 0;
    bool old_viber_client_ = false;
    bool oauth_broken_ = false;
    int refreshes_ = 0;
    int generation_ = 0;
    long ids_ = 1000;
    std::string zalo_access_ = "A0";
    std::string zalo_refresh_ = "R0";
    std::string zalo_bot_token_ = "2009:zb-test-token";
};

}  // namespace tcns::test
