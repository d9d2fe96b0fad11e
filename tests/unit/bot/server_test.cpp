#include <httplib.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "bot/config.hpp"
#include "bot/http/server.hpp"
#include "storage/database.hpp"
#include "tests/support/temp_dir.hpp"

using namespace tcns;

namespace {

/// Sends standard error (where the JSON log lines go) to a file while alive.
class StderrCapture {
  public:
    explicit StderrCapture(const std::string& path) : path_(path) {
        std::fflush(stderr);
        saved_ = ::dup(2);
        std::FILE* f = std::fopen(path.c_str(), "w");
        ::dup2(::fileno(f), 2);
        std::fclose(f);
    }
    ~StderrCapture() { restore(); }
    std::string text() {
        restore();
        std::ifstream in(path_);
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    }

  private:
    void restore() {
        if (saved_ < 0) return;
        std::fflush(stderr);
        ::dup2(saved_, 2);
        ::close(saved_);
        saved_ = -1;
    }
    std::string path_;
    int saved_ = -1;
};

/// A server on a free loopback port, run on its own thread until the object dies.
class RunningServer {
  public:
    explicit RunningServer(bot::Config config) : server_(std::move(config)) {
        server_.bind();
        thread_ = std::thread([this] { server_.run(); });
    }
    ~RunningServer() {
        server_.stop();
        thread_.join();
    }
    httplib::Client client() {
        httplib::Client c("127.0.0.1", server_.port());
        c.set_connection_timeout(5);
        c.set_read_timeout(5);
        return c;
    }

  private:
    bot::Server server_;
    std::thread thread_;
};

bot::Config test_config(const test::TempDir& dir) {
    bot::Config c;
    c.database = dir.file("t.db");
    c.server.port = 0;
    c.server.threads = 2;
    storage::Database db(c.database);  // created and migrated, as `serve` does
    return c;
}

}  // namespace

TEST_CASE("GET / carries Zalo's domain verification meta tag, escaped", "[server]") {
    test::TempDir dir;
    bot::Config c = test_config(dir);
    c.zalo.site_verification = "AbC-123\"<x>";
    RunningServer server(c);
    auto res = server.client().Get("/");
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->body.find("<meta name=\"zalo-platform-site-verification\" "
                         "content=\"AbC-123&quot;&lt;x&gt;\" />") != std::string::npos);
}

TEST_CASE("GET / has no verification tag when none is configured", "[server]") {
    test::TempDir dir;
    RunningServer server(test_config(dir));
    auto res = server.client().Get("/");
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->body.find("zalo-platform-site-verification") == std::string::npos);
}

TEST_CASE(
    "every request is one JSON log line with method, path without query, status and "
    "latency",
    "[server]") {
    test::TempDir dir;
    StderrCapture capture(dir.file("stderr.log"));
    {
        RunningServer server(test_config(dir));
        auto c = server.client();
        auto ok = c.Get("/healthz?token=secret-value");
        REQUIRE(ok);
        CHECK(ok->status == 200);
        auto missing = c.Get("/nowhere");
        REQUIRE(missing);
        CHECK(missing->status == 404);
    }
    const std::string log = capture.text();
    INFO(log);
    CHECK(log.find(R"("event":"http.request")") != std::string::npos);
    CHECK(log.find(R"("method":"GET","path":"/healthz","status":200)") != std::string::npos);
    CHECK(log.find(R"("method":"GET","path":"/nowhere","status":404)") != std::string::npos);
    CHECK(log.find("latency_ms") != std::string::npos);
    CHECK(log.find("secret-value") == std::string::npos);
    std::size_t lines = 0, pos = 0;
    while ((pos = log.find("\"http.request\"", pos)) != std::string::npos) ++lines, ++pos;
    CHECK(lines == 2);
}

TEST_CASE("GET /readyz answers 200 when ready and 503 naming what is wrong", "[server]") {
    test::TempDir dir;
    bot::Config c = test_config(dir);
    c.health.min_free_disk_mb = 1;
    {
        RunningServer server(c);
        auto res = server.client().Get("/readyz");
        REQUIRE(res);
        CHECK(res->status == 200);
        CHECK(nlohmann::json::parse(res->body)["status"] == "ok");
    }
    c.health.min_free_disk_mb = 1 << 24;  // more than any test machine has free
    RunningServer server(c);
    auto res = server.client().Get("/readyz");
    REQUIRE(res);
    CHECK(res->status == 503);
    const auto body = nlohmann::json::parse(res->body);
    CHECK(body["status"] == "unavailable");
    CHECK(body["checks"]["disk"]["status"] == "error");
    CHECK(res->get_header_value("Content-Type").find("application/json") == 0);
}
