// The one HTTP server of `tcns serve` (bot::HttpServer inside bot::Server) over raw sockets:
// what a platform and a slow or hostile client see.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include "bot/http/server.hpp"
#include "tests/support/raw_socket.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/webhook_server.hpp"

using namespace tcns;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

using test::Socket;

namespace {

std::string viber_request(const std::string& body, const std::string& signature,
                          const std::string& extra_headers = "") {
    return "POST /webhook/viber HTTP/1.1\r\nHost: bot.example.vn\r\n"
           "Content-Type: application/json\r\nX-Viber-Content-Signature: " +
           signature + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
           extra_headers + "\r\n" + body;
}

std::string signed_viber(const std::string& body, const std::string& extra_headers = "") {
    return viber_request(body, test::viber_signature(body), extra_headers);
}

const bot::Templates& templates() {
    static const bot::Templates t = bot::load_templates(TCNS_SOURCE_DIR "/templates");
    return t;
}

/// A seeded database and a running server with both channels; a short read timeout so that
/// the timeout cases stay fast.
struct Front {
    test::TempDir dir;
    std::unique_ptr<test::WebhookServer> server;

    explicit Front(int read_timeout_s = 2, std::size_t max_body_bytes = 256 * 1024) {
        const std::string path = dir.file("t.db");
        test::make_seeded_database(path);
        bot::Config c = test::webhook_config(path);
        c.server.read_timeout_s = read_timeout_s;
        c.server.idle_timeout_s = read_timeout_s;
        c.server.write_timeout_s = 2;
        c.server.max_body_bytes = max_body_bytes;
        server = std::make_unique<test::WebhookServer>(c, templates());
    }
    int port() const { return server->port(); }
    std::int64_t inbox() const { return server->scalar("SELECT count(*) FROM inbox"); }
    /// The server still answers a new connection.
    bool healthy() const {
        Socket s(port());
        if (!s.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")) return false;
        auto r = s.read_response();
        return r && r->status == 200 && r->body.find("\"ok\"") != std::string::npos;
    }
};

}  // namespace

TEST_CASE("a signed Viber webhook is answered 200 and stored", "[http_server]") {
    Front f;
    Socket s(f.port());
    REQUIRE(s.send(signed_viber(test::viber_text_body("VIBER-FRONT-1=", "xin chào"))));
    auto r = s.read_response();
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->has_header("Content-Type: application/json; charset=utf-8"));
    CHECK_FALSE(r->has_header("Connection: close"));
    CHECK(f.inbox() == 1);
}

TEST_CASE("a signed Zalo webhook is answered 200 and stored", "[http_server]") {
    Front f;
    const std::string ts = "1764475200000";
    const std::string body = test::zalo_text_body("84900000001", "xin chào", ts);
    Socket s(f.port());
    REQUIRE(s.send("POST /webhook/zalo HTTP/1.1\r\nHost: x\r\nX-ZEvent-Signature: " +
                   test::zalo_signature(body, ts) +
                   "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body));
    auto r = s.read_response();
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(f.inbox() == 1);
}

TEST_CASE("a webhook with a bad signature is refused with 403 and stores nothing",
          "[http_server]") {
    Front f;
    Socket s(f.port());
    const std::string body = test::viber_text_body("VIBER-FRONT-1=", "xin chào");
    REQUIRE(s.send(viber_request(body, std::string(64, '0'))));
    auto r = s.read_response();
    REQUIRE(r);
    CHECK(r->status == 403);
    // A missing signature too, on the same keep-alive connection.
    REQUIRE(s.send("POST /webhook/viber HTTP/1.1\r\nContent-Length: " +
                   std::to_string(body.size()) + "\r\n\r\n" + body));
    r = s.read_response();
    REQUIRE(r);
    CHECK(r->status == 403);
    CHECK(f.inbox() == 0);
}

TEST_CASE("a signed webhook whose body is not JSON is refused with 400", "[http_server]") {
    Front f;
    Socket s(f.port());
    REQUIRE(s.send(signed_viber(R"({"event":"message","sender":)")));
    auto r = s.read_response();
    REQUIRE(r);
    CHECK(r->status == 400);
    REQUIRE(s.send(signed_viber("")));
    r = s.read_response();
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK(f.inbox() == 0);
}

TEST_CASE("deeply nested JSON in a signed webhook is refused without a crash", "[http_server]") {
    Front f;
    Socket s(f.port());
    REQUIRE(s.send(signed_viber(std::string(100000, '['))));
    auto r = s.read_response();
    REQUIRE(r);
    CHECK(r->status == 400);
    std::string objects;
    for (int i = 0; i < 20000; ++i) objects += "{\"a\":";
    REQUIRE(s.send(signed_viber(objects)));
    r = s.read_response();
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK(f.healthy());
}

TEST_CASE("invalid UTF-8 in a signed text message does not break the server", "[http_server]") {
    Front f;
    Socket s(f.port());
    const std::string body =
        R"({"event":"message","timestamp":1764475200000,"message_token":5741311803571799001,)"
        R"("sender":{"id":"VIBER-FRONT-2=","name":"\xff\xfe"},)"
        R"("message":{"type":"text","text":"bc \xc3\x28 \xed\xa0\x80 \xf8\x88\x80\x80\x80"}})";
    REQUIRE(s.send(signed_viber(body)));
    auto r = s.read_response();
    REQUIRE(r);
    CHECK((r->status == 200 || r->status == 400));
    CHECK(f.healthy());
}

TEST_CASE("huge numbers in a signed webhook do not break the server", "[http_server]") {
    Front f;
    Socket s(f.port());
    const std::string body =
        R"({"event":"message","timestamp":1e400,"message_token":)"
        R"(99999999999999999999999999999999999999,)"
        R"("sender":{"id":"VIBER-FRONT-3=","name":"An"},)"
        R"("message":{"type":"text","text":"bc 1e308 -99999999999999999999999"}})";
    REQUIRE(s.send(signed_viber(body)));
    auto r = s.read_response();
    REQUIRE(r);
    CHECK((r->status == 200 || r->status == 400));
    const std::string negative =
        R"({"event":"message","timestamp":-9223372036854775809,"message_token":-1,)"
        R"("sender":{"id":"VIBER-FRONT-3=","name":"An"},)"
        R"("message":{"type":"text","text":"bc"}})";
    REQUIRE(s.send(signed_viber(negative)));
    r = s.read_response();
    REQUIRE(r);
    CHECK((r->status == 200 || r->status == 400));
    CHECK(f.healthy());
}

TEST_CASE("two webhooks pipelined in one write are answered in order", "[http_server]") {
    Front f;
    Socket s(f.port());
    // The first waits for the group commit, the second is refused at once: answers that did
    // not keep their order would put the 403 first.
    const std::string good = test::viber_text_body("VIBER-FRONT-4=", "xin chào");
    const std::string bad = test::viber_text_body("VIBER-FRONT-4=", "lần hai");
    REQUIRE(s.send(signed_viber(good) + viber_request(bad, std::string(64, 'f'))));
    auto first = s.read_response();
    auto second = s.read_response();
    REQUIRE(first);
    REQUIRE(second);
    CHECK(first->status == 200);
    CHECK(second->status == 403);
    // And two good ones.
    REQUIRE(s.send(signed_viber(test::viber_text_body("VIBER-FRONT-4=", "ba")) +
                   signed_viber(test::viber_text_body("VIBER-FRONT-4=", "bốn"))));
    first = s.read_response();
    second = s.read_response();
    REQUIRE(first);
    REQUIRE(second);
    CHECK(first->status == 200);
    CHECK(second->status == 200);
    CHECK(f.inbox() == 3);
}

TEST_CASE("a webhook then GET /healthz on one keep-alive connection are both answered",
          "[http_server]") {
    Front f;
    Socket s(f.port());
    REQUIRE(s.send(signed_viber(test::viber_text_body("VIBER-FRONT-5=", "xin chào")) +
                   "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto hook = s.read_response();
    REQUIRE(hook);
    CHECK(hook->status == 200);
    auto health = s.read_response();
    REQUIRE(health);
    CHECK(health->status == 200);
    CHECK(health->body.find("\"database\":\"ok\"") != std::string::npos);
    // And a webhook again on the same connection.
    REQUIRE(s.send(signed_viber(test::viber_text_body("VIBER-FRONT-5=", "lần hai"))));
    hook = s.read_response();
    REQUIRE(hook);
    CHECK(hook->status == 200);
    CHECK(f.inbox() == 2);
}

TEST_CASE("GET /metrics and an unknown path are answered", "[http_server]") {
    Front f;
    Socket s(f.port());
    REQUIRE(s.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto r = s.read_response();
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->head.find("text/plain") != std::string::npos);
    Socket t(f.port());
    REQUIRE(t.send("GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n"));
    r = t.read_response();
    REQUIRE(r);
    CHECK(r->status == 404);
}

TEST_CASE("a webhook over max_body_bytes gets 413 before its body is read", "[http_server]") {
    Front f(2, 4096);
    Socket s(f.port());
    const std::string body = test::viber_text_body("VIBER-FRONT-6=", std::string(5000, 'a'));
    REQUIRE(s.send(signed_viber(body)));
    auto r = s.read_response();
    REQUIRE(r);
    CHECK(r->status == 413);
    // A Content-Length far over the limit, without its body.
    Socket t(f.port());
    REQUIRE(t.send("POST /webhook/viber HTTP/1.1\r\nContent-Length: 999999999999\r\n\r\n"));
    r = t.read_response();
    REQUIRE(r);
    CHECK(r->status == 413);
    CHECK(r->has_header("Connection: close"));
    CHECK(t.closed_within(2000ms));
    CHECK(f.inbox() == 0);
}

TEST_CASE("a chunked webhook within the limit is answered 200 and stored", "[http_server]") {
    Front f;
    const std::string body = test::viber_text_body("VIBER-FRONT-7=", "xin chào");
    char size[32];
    std::snprintf(size, sizeof size, "%zx", body.size());
    Socket s(f.port());
    REQUIRE(
        s.send("POST /webhook/viber HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
               "X-Viber-Content-Signature: " +
               test::viber_signature(body) + "\r\n\r\n" + size + "\r\n" + body + "\r\n0\r\n\r\n"));
    auto r = s.read_response();
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(f.inbox() == 1);
}

TEST_CASE("HTTP/1.0, Expect and query-string webhooks are answered", "[http_server]") {
    Front f;
    {
        const std::string body = test::viber_text_body("VIBER-FRONT-13=", "một");
        Socket s(f.port());
        REQUIRE(s.send("POST /webhook/viber HTTP/1.0\r\nX-Viber-Content-Signature: " +
                       test::viber_signature(body) +
                       "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body));
        auto r = s.read_response();
        REQUIRE(r);
        CHECK(r->status == 200);
        CHECK(s.closed_within(2000ms));  // HTTP/1.0 without keep-alive
    }
    {
        // The client waits for 100 Continue before it sends the body.
        const std::string body = test::viber_text_body("VIBER-FRONT-13=", "hai");
        Socket s(f.port());
        REQUIRE(
            s.send("POST /webhook/viber HTTP/1.1\r\nExpect: 100-continue\r\n"
                   "X-Viber-Content-Signature: " +
                   test::viber_signature(body) +
                   "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n"));
        auto r = s.read_response();
        REQUIRE(r);
        CHECK(r->status == 100);
        REQUIRE(s.send(body));
        r = s.read_response();
        REQUIRE(r);
        CHECK(r->status == 200);
    }
    {
        // Viber's signature as a query parameter.
        const std::string body = test::viber_text_body("VIBER-FRONT-13=", "ba");
        Socket s(f.port());
        REQUIRE(s.send("POST /webhook/viber?sig=" + test::viber_signature(body) +
                       " HTTP/1.1\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
                       body));
        auto r = s.read_response();
        REQUIRE(r);
        CHECK(r->status == 200);
    }
    CHECK(f.inbox() == 3);
}

TEST_CASE("a webhook whose body trickles in is cut off after the read timeout", "[http_server]") {
    Front f(1);
    Socket s(f.port());
    const std::string body = test::viber_text_body("VIBER-FRONT-14=", "xin chào");
    const std::string request = signed_viber(body);
    const std::size_t head = request.find("\r\n\r\n") + 4;
    REQUIRE(s.send(request.substr(0, head)));
    const auto start = Clock::now();
    bool cut = false;
    for (std::size_t i = head; i < request.size() && Clock::now() - start < 6s; ++i) {
        if (!s.send(request.substr(i, 1)) || s.closed_within(150ms)) {
            cut = true;
            break;
        }
    }
    CHECK(cut);
    CHECK(Clock::now() - start < 4s);
    CHECK(f.inbox() == 0);
}

TEST_CASE("a webhook whose commit outlasts the read timeout still gets its answer",
          "[http_server]") {
    Front f(1);
    // Another connection holds the write lock for twice the read timeout; the writer waits
    // for it (busy timeout), and the platform for its answer, without sending anything.
    storage::Database::Options o;
    o.migrate = false;
    storage::Database locker(f.server->config().database, o);
    locker.handle().exec("BEGIN IMMEDIATE");
    std::thread release([&] {
        std::this_thread::sleep_for(2000ms);
        locker.handle().exec("COMMIT");
    });
    Socket s(f.port(), 5000ms);
    REQUIRE(s.send(signed_viber(test::viber_text_body("VIBER-FRONT-16=", "xin chào"))));
    auto r = s.read_response();
    release.join();
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(f.inbox() == 1);
}

TEST_CASE("Connection: close on a webhook is honoured after its answer", "[http_server]") {
    Front f;
    Socket s(f.port());
    REQUIRE(s.send(signed_viber(test::viber_text_body("VIBER-FRONT-8=", "xin chào"),
                                "Connection: close\r\n")));
    auto r = s.read_response();
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->has_header("Connection: close"));
    CHECK(s.closed_within(2000ms));
    CHECK(s.unread().empty());
}

TEST_CASE("a client trickling a head byte by byte is cut off after the read timeout",
          "[http_server]") {
    Front f(1);
    Socket s(f.port());
    const std::string head = "POST /webhook/viber HTTP/1.1\r\nX-Pad: " + std::string(200, 'a');
    const auto start = Clock::now();
    bool cut = false;
    for (std::size_t i = 0; i < head.size() && Clock::now() - start < 6s; ++i) {
        if (!s.send(head.substr(i, 1)) || s.closed_within(150ms)) {
            cut = true;
            break;
        }
    }
    CHECK(cut);
    CHECK(Clock::now() - start < 4s);
    CHECK(f.healthy());
}

TEST_CASE("an idle connection is closed after the read timeout", "[http_server]") {
    Front f(1);
    Socket idle(f.port());
    Socket kept(f.port());
    REQUIRE(kept.send(signed_viber(test::viber_text_body("VIBER-FRONT-9=", "xin chào"))));
    auto r = kept.read_response();
    REQUIRE(r);
    CHECK(r->status == 200);
    const auto start = Clock::now();
    CHECK(idle.closed_within(3000ms));
    CHECK(kept.closed_within(3000ms));
    CHECK(Clock::now() - start < 3500ms);
}

TEST_CASE("CR or LF inside a header value never reaches a handler as a valid webhook",
          "[http_server]") {
    Front f;
    const std::string body = test::viber_text_body("VIBER-FRONT-10=", "xin chào");
    const std::string sig = test::viber_signature(body);
    const std::string len = std::to_string(body.size());
    const std::string attempts[] = {
        // A bare CR splitting the signature header to smuggle another header.
        "POST /webhook/viber HTTP/1.1\r\nX-Viber-Content-Signature: " + sig +
            "\rX-Injected: evil\r\nContent-Length: " + len + "\r\n\r\n" + body,
        // A bare LF doing the same.
        "POST /webhook/viber HTTP/1.1\r\nX-Viber-Content-Signature: " + sig +
            "\nX-Injected: evil\r\nContent-Length: " + len + "\r\n\r\n" + body,
        // A bare LF smuggling a second Content-Length.
        "POST /webhook/viber HTTP/1.1\r\nX-Viber-Content-Signature: x\nContent-Length: 0\r\n"
        "Content-Length: " +
            len + "\r\n\r\n" + body,
    };
    for (const auto& request : attempts) {
        Socket s(f.port());
        REQUIRE(s.send(request));
        auto r = s.read_response();
        if (r) {
            CHECK(r->status != 200);
            CHECK(r->head.find("X-Injected") == std::string::npos);
            CHECK(r->head.find("evil") == std::string::npos);
        }
    }
    CHECK(f.inbox() == 0);
    CHECK(f.healthy());
}

TEST_CASE("a signed webhook with a header line without a colon is refused with 400",
          "[http_server]") {
    // A line without a colon is malformed (RFC 9112 §5): the parser refuses the request rather
    // than skipping the line as cpp-httplib did.
    Front f;
    const std::string body = test::viber_text_body("VIBER-FRONT-15=", "xin chào");
    Socket s(f.port());
    REQUIRE(s.send("POST /webhook/viber HTTP/1.1\r\nX-Viber-Content-Signature: " +
                   test::viber_signature(body) + "\r\nSet-Cookie evil=1\r\nContent-Length: " +
                   std::to_string(body.size()) + "\r\n\r\n" + body));
    auto r = s.read_response();
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK(r->head.find("evil") == std::string::npos);
    CHECK(s.closed_within(2000ms));
    CHECK(f.inbox() == 0);
    CHECK(f.healthy());
}

TEST_CASE(
    "a header line without a colon or a hostile target does not crash the server and is "
    "not echoed",
    "[http_server]") {
    Front f;
    const std::string body = test::viber_text_body("VIBER-FRONT-11=", "xin chào");
    Socket s(f.port());
    REQUIRE(s.send("POST /webhook/viber HTTP/1.1\r\nX-Viber-Content-Signature: " +
                   std::string(64, '0') + "\r\nSet-Cookie evil=1\r\nContent-Length: " +
                   std::to_string(body.size()) + "\r\n\r\n" + body));
    auto r = s.read_response();
    if (r) {
        CHECK(r->status != 200);
        CHECK(r->head.find("evil") == std::string::npos);
    }
    Socket t(f.port());
    REQUIRE(t.send("GET /%0d%0aSet-Cookie:%20evil=1 HTTP/1.1\r\nHost: x\r\n\r\n"));
    r = t.read_response();
    REQUIRE(r);
    CHECK(r->status == 404);
    CHECK(r->head.find("evil") == std::string::npos);
    CHECK(f.inbox() == 0);
    CHECK(f.healthy());
}

TEST_CASE("a client that shuts down its write side after a webhook still gets the answer",
          "[http_server]") {
    Front f;
    Socket s(f.port());
    REQUIRE(s.send(signed_viber(test::viber_text_body("VIBER-FRONT-12=", "xin chào"))));
    s.shutdown_write();
    auto r = s.read_response();
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(s.closed_within(2000ms));
    CHECK(f.inbox() == 1);
}

TEST_CASE("stop() before run() makes run() return at once", "[http_server]") {
    test::TempDir dir;
    bot::Config c;
    c.database = dir.file("t.db");
    c.server.port = 0;
    c.server.threads = 1;
    { storage::Database db(c.database); }
    for (int i = 0; i < 5; ++i) {
        bot::Server server(c);
        server.bind();
        server.stop();
        std::atomic<bool> done{false};
        std::thread t([&] {
            server.run();
            done = true;
        });
        const auto deadline = Clock::now() + 3s;
        while (!done && Clock::now() < deadline) std::this_thread::sleep_for(5ms);
        CHECK(done);
        if (!done) server.stop();
        t.join();
    }
}

TEST_CASE("stop() right after run() started makes run() return", "[http_server]") {
    test::TempDir dir;
    bot::Config c;
    c.database = dir.file("t.db");
    c.server.port = 0;
    c.server.threads = 1;
    { storage::Database db(c.database); }
    for (int i = 0; i < 5; ++i) {
        bot::Server server(c);
        server.bind();
        std::atomic<bool> done{false};
        std::thread t([&] {
            server.run();
            done = true;
        });
        server.stop();
        const auto deadline = Clock::now() + 3s;
        while (!done && Clock::now() < deadline) std::this_thread::sleep_for(5ms);
        CHECK(done);
        if (!done) server.stop();
        t.join();
    }
}

TEST_CASE("a Zalo webhook whose body is not JSON is answered 400, not 403", "[http_server]") {
    Front f;
    Socket s(f.port());
    const std::string body = R"({"app_id":"1","event_name":)";
    REQUIRE(s.send("POST /webhook/zalo HTTP/1.1\r\nHost: x\r\nX-ZEvent-Signature: mac=" +
                   std::string(64, 'a') + "\r\nContent-Length: " + std::to_string(body.size()) +
                   "\r\n\r\n" + body));
    auto r = s.read_response();
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK(f.inbox() == 0);
}

TEST_CASE("a signed Zalo webhook outside the timestamp window is refused", "[http_server]") {
    test::TempDir dir;
    const std::string path = dir.file("t.db");
    test::make_seeded_database(path);
    bot::Config c = test::webhook_config(path);
    c.zalo.timestamp_window_s = 24 * 3600;  // the default
    test::WebhookServer server(c, templates());
    const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    const auto post = [&](const std::string& ts) {
        const std::string body = test::zalo_text_body("84900000009", "xin chào", ts);
        Socket s(server.port());
        REQUIRE(s.send("POST /webhook/zalo HTTP/1.1\r\nHost: x\r\nX-ZEvent-Signature: " +
                       test::zalo_signature(body, ts) +
                       "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body));
        auto r = s.read_response();
        REQUIRE(r);
        return r->status;
    };
    CHECK(post("978307200000") == 400);                                   // 2001
    CHECK(post("4102444800000") == 400);                                  // 2100
    CHECK(post("abc") == 400);                                            // unreadable
    CHECK(post(std::to_string(now_ms - 2 * 24 * 3600 * 1000LL)) == 400);  // two days old
    CHECK(server.scalar("SELECT count(*) FROM inbox") == 0);
    CHECK(post(std::to_string(now_ms - 3600 * 1000LL)) == 200);  // a retry an hour later
    CHECK(post(std::to_string(now_ms)) == 200);
    CHECK(server.scalar("SELECT count(*) FROM inbox") == 2);
}
