#pragma once

// Fake Viber and Zalo APIs on loopback: record every request, answer like the platform, and can
// be told to fail (HTTP status, platform error codes, garbage, slow answers).
#include <httplib.h>

#include <atomic>
#include <chrono>
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
    };

    FakePlatform() {
        server_.Post("/pa/send_message",
                     [this](const httplib::Request& req, httplib::Response& res) {
                         std::lock_guard lock(mu_);
                         record(req, req.get_header_value("X-Viber-Auth-Token"));
                         if (fail_viber_ > 0) {
                             --fail_viber_;
                             res.status = 500;
                             res.set_content("oops", "text/plain");
                             return;
                         }
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
            std::lock_guard lock(mu_);
            const std::string token = req.get_header_value("access_token");
            record(req, token);
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
        port_ = server_.bind_to_any_port("127.0.0.1");
        thread_ = std::thread([this] { server_.listen_after_bind(); });
    }
    ~FakePlatform() {
        server_.stop();
        thread_.join();
    }

    std::string viber_base() const { return "http://127.0.0.1:" + std::to_string(port_) + "/pa"; }
    std::string zalo_base() const { return "http://127.0.0.1:" + std::to_string(port_) + "/zalo"; }
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
    void fail_viber(int n) {
        std::lock_guard lock(mu_);
        fail_viber_ = n;
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
    void record(const httplib::Request& req, std::string token) {
        requests_.push_back({req.path, req.body, std::move(token)});
    }

    httplib::Server server_;
    std::thread thread_;
    int port_ = 0;
    std::mutex mu_;
    std::vector<Request> requests_;
    int fail_viber_ = 0;
    int fail_zalo_ = 0;
    bool oauth_broken_ = false;
    int refreshes_ = 0;
    int generation_ = 0;
    long ids_ = 1000;
    std::string zalo_access_ = "A0";
    std::string zalo_refresh_ = "R0";
};

}  // namespace tcns::test
