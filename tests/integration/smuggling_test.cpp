// Request smuggling and limits (issue 15) against the real `tcns serve` binary over raw
// sockets: each hostile request gets its expected status, nothing it carries is stored or
// executed, the server's memory stays small, and a visitor is never answered with another's
// response. The same probes run once more through Debian's nginx with the shipped site
// (deploy/nginx/tcns.conf, TLS stripped) in front.
#include <SQLiteCpp/SQLiteCpp.h>
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "tests/support/raw_socket.hpp"
#include "tests/support/serve_process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/webhook_server.hpp"

using namespace tcns;
using namespace std::chrono_literals;
using nlohmann::json;
using test::Socket;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kAdminToken = "0123456789abcdef0123456789abcdef-admin";

std::string signed_viber(const std::string& body, const std::string& extra = "") {
    return "POST /webhook/viber HTTP/1.1\r\nHost: x\r\nX-Viber-Content-Signature: " +
           test::viber_signature(body) + "\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n" + extra + "\r\n" + body;
}

std::string chunked(const std::string& body) {
    char size[32];
    std::snprintf(size, sizeof size, "%zx", body.size());
    return std::string(size) + "\r\n" + body + "\r\n0\r\n\r\n";
}

/// `tcns serve` as a child process on a seeded database, both channels and the admin surface.
struct Served {
    test::TempDir dir;
    std::string db = dir.file("s.db");
    int port = test::free_loopback_port();
    std::unique_ptr<test::ServeProcess> process;

    Served() {
        test::make_seeded_database(db);
        const std::string config = dir.file("config.json");
        std::ofstream(config) << json{
            {"database", db},
            {"templates_dir", TCNS_SOURCE_DIR "/templates"},
            {"log_level", "warn"},
            {"server", {{"listen", "127.0.0.1"}, {"read_timeout_s", 3}, {"idle_timeout_s", 5}}},
            {"viber", {{"enabled", true}, {"api_base", "http://127.0.0.1:9"}}},
            {"zalo", {{"enabled", true}, {"api_base", "http://127.0.0.1:9"}}},
            {"scheduler",
             {{"enabled", false}}}}.dump();
        process = std::make_unique<test::ServeProcess>(
            std::vector<std::string>{TCNS_BINARY, "--config", config, "serve", "--port",
                                     std::to_string(port)},
            std::vector<std::string>{"TCNS_VIBER_TOKEN=" + std::string(test::kViberToken),
                                     "TCNS_ZALO_APP_ID=" + std::string(test::kZaloApp),
                                     "TCNS_ZALO_OA_SECRET=" + std::string(test::kZaloKey),
                                     "TCNS_ZALO_APP_SECRET=x",
                                     "TCNS_ADMIN_TOKEN=" + std::string(kAdminToken),
                                     "PATH=/usr/bin:/bin", "LANG=C.UTF-8"},
            dir.file("serve.log"));
        REQUIRE(process->start(port));
    }
    std::int64_t inbox() const {
        SQLite::Database h(db, SQLite::OPEN_READONLY);
        SQLite::Statement q(h, "SELECT count(*) FROM inbox");
        q.executeStep();
        return q.getColumn(0).getInt64();
    }
    /// The child's peak resident memory (VmHWM), in kB.
    long peak_rss_kb() const {
        std::ifstream f("/proc/" + std::to_string(process->pid()) + "/status");
        std::string line;
        while (std::getline(f, line))
            if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
        return -1;
    }
};

/// Debian's nginx with deploy/nginx/tcns.conf in front of `backend_port`: the TLS server block
/// listens in plain HTTP on a loopback port (as in the reproduction), the rest as shipped.
struct Nginx {
    test::TempDir dir;
    int port = test::free_loopback_port();
    pid_t pid = -1;

    explicit Nginx(int backend_port) {
        std::ifstream in(TCNS_SOURCE_DIR "/deploy/nginx/tcns.conf");
        std::stringstream ss;
        ss << in.rdbuf();
        std::string site = ss.str();
        site = std::regex_replace(site, std::regex("server 127\\.0\\.0\\.1:8080;"),
                                  "server 127.0.0.1:" + std::to_string(backend_port) + ";");
        site = std::regex_replace(site, std::regex("listen 443 ssl[^;]*;"),
                                  "listen 127.0.0.1:" + std::to_string(port) + ";");
        site = std::regex_replace(
            site, std::regex("listen 80;"),
            "listen 127.0.0.1:" + std::to_string(test::free_loopback_port()) + ";");
        site = std::regex_replace(site, std::regex("\\n\\s*listen \\[::\\][^\\n]*"), "");
        site = std::regex_replace(site, std::regex("\\n\\s*ssl_[^\\n]*"), "");
        std::ofstream(dir.file("site.conf")) << site;
        const std::string root = dir.file("");
        std::ofstream(dir.file("nginx.conf"))
            << "pid " << root << "/nginx.pid;\nerror_log " << root << "/error.log;\n"
            << "events {}\nhttp {\n access_log " << root << "/access.log;\n"
            << " client_body_temp_path " << root << "/body;\n proxy_temp_path " << root
            << "/proxy;\n fastcgi_temp_path " << root << "/fcgi;\n uwsgi_temp_path " << root
            << "/uwsgi;\n scgi_temp_path " << root << "/scgi;\n include " << root
            << "/site.conf;\n}\n";
        const std::string conf = dir.file("nginx.conf");
        pid = ::fork();
        if (pid == 0) {
            ::execl("/usr/sbin/nginx", "nginx", "-p", root.c_str(), "-c", conf.c_str(), "-g",
                    "daemon off; master_process off;", static_cast<char*>(nullptr));
            ::_exit(127);
        }
        // Up when it answers.
        const auto deadline = Clock::now() + 5s;
        while (Clock::now() < deadline) {
            Socket s(port, 500ms, /*require=*/false);
            if (s.connected()) return;
            std::this_thread::sleep_for(20ms);
        }
        FAIL("nginx did not start: " << log());
    }
    ~Nginx() {
        if (pid > 0) {
            ::kill(pid, SIGTERM);
            ::waitpid(pid, nullptr, 0);
        }
    }
    std::string log() const {
        std::ifstream f(dir.file("error.log"));
        std::stringstream ss;
        ss << f.rdbuf();
        return ss.str();
    }
};

/// One probe: the request, the status expected straight from tcns (0: no answer expected
/// or any refusal accepted), and whether tcns must close the connection after it.
struct Probe {
    std::string name;
    std::string request;
    int status;
};

std::vector<Probe> framing_probes() {
    const std::string hook = test::viber_text_body("SMUGGLED-1=", "xin chào");
    const std::string smuggled = signed_viber(hook);
    const std::string metrics = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
    std::vector<Probe> p;
    // CL.0: a body on GET, holding another request (/metrics, then a signed webhook).
    p.push_back({"CL.0 on GET",
                 "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                     std::to_string(metrics.size()) + "\r\n\r\n" + metrics,
                 400});
    p.push_back({"CL.0 on GET with a webhook",
                 "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                     std::to_string(smuggled.size()) + "\r\n\r\n" + smuggled,
                 400});
    p.push_back({"CL.0 on HEAD",
                 "HEAD / HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                     std::to_string(smuggled.size()) + "\r\n\r\n" + smuggled,
                 400});
    // Content-Length and Transfer-Encoding together, either order.
    p.push_back({"CL+TE",
                 "POST /webhook/viber HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                 "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" +
                     smuggled,
                 400});
    p.push_back({"TE+CL",
                 "POST /webhook/viber HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                 "Content-Length: 5\r\n\r\n0\r\n\r\n" +
                     smuggled,
                 400});
    p.push_back({"TE not ending in chunked",
                 "POST /webhook/viber HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n"
                 "\r\n" +
                     chunked(hook),
                 400});
    p.push_back({"TE gzip with CL",
                 "POST /webhook/viber HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n"
                 "Content-Length: 0\r\n\r\n" +
                     smuggled,
                 400});
    p.push_back(
        {"duplicate differing CL",
         "POST /webhook/viber HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: " +
             std::to_string(smuggled.size()) + "\r\n\r\n" + smuggled,
         400});
    p.push_back({"duplicate equal CL",
                 "POST /webhook/viber HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
                 "Content-Length: 0\r\n\r\n" +
                     smuggled,
                 400});
    p.push_back({"invalid CL",
                 "POST /webhook/viber HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\n" + smuggled,
                 400});
    p.push_back({"bare LF",
                 "POST /webhook/viber HTTP/1.1\nHost: x\nContent-Length: 0\n\n" + smuggled, 400});
    p.push_back({"bare LF in a header",
                 "GET /healthz HTTP/1.1\r\nHost: x\nContent-Length: " +
                     std::to_string(smuggled.size()) + "\r\n\r\n" + smuggled,
                 400});
    return p;
}

/// Sends a probe and checks the first answer; `direct`: exact statuses from tcns.
void run_probe(int port, const Probe& probe, bool direct) {
    INFO(probe.name);
    Socket s(port);
    REQUIRE(s.send(probe.request));
    auto r = s.read_response();
    if (direct) {
        REQUIRE(r);
        CHECK(r->status == probe.status);
        CHECK(r->has_header("Connection: close"));
        CHECK(s.closed_within(2000ms));
        // Nothing after the refusal: the smuggled request got no answer.
        CHECK(s.unread().empty());
    } else if (r) {
        CHECK(r->status >= 400);
        CHECK(r->body.find("tcns_") == std::string::npos);  // never /metrics
    }
}

/// A visitor's own answer: /healthz's JSON, nothing else.
void visitor_gets_own_answer(int port) {
    Socket v(port);
    REQUIRE(v.send("GET /healthz HTTP/1.1\r\nHost: x\r\nCookie: tcns_admin=visitor\r\n\r\n"));
    auto r = v.read_response();
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->body.find("\"database\":\"ok\"") != std::string::npos);
    CHECK(r->body.find("tcns_") == std::string::npos);
}

void limit_probes(Served& s, int port, bool direct) {
    const auto stored_before = s.inbox();
    {
        INFO("a signed 100,000-byte webhook sent chunked");
        const std::string body = test::viber_text_body("SMUGGLED-2=", std::string(100000, 'a'));
        Socket c(port);
        c.send(
            "POST /webhook/viber HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
            "X-Viber-Content-Signature: " +
            test::viber_signature(body) + "\r\n\r\n" + chunked(body));
        auto r = c.read_response();
        REQUIRE(r);
        CHECK(r->status == 413);
    }
    {
        INFO("an unsigned 32 MiB chunked POST is refused before it is buffered");
        Socket c(port);
        c.send("POST /webhook/zalo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
        const std::string piece = chunked(std::string(1 << 20, 'x'));
        const std::string one = piece.substr(0, piece.size() - 5);  // without the last chunk
        for (int i = 0; i < 32; ++i)
            if (!c.send(one)) break;
        auto r = c.read_response();
        if (direct) REQUIRE(r);
        if (r) CHECK(r->status == 413);
    }
    {
        INFO("2 million header lines");
        Socket c(port, 5000ms);
        std::string lines = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
        const std::string block = [] {
            std::string b;
            for (int i = 0; i < 10000; ++i) b += "X-A: b\r\n";
            return b;
        }();
        bool sent = c.send(lines);
        for (int i = 0; i < 200 && sent; ++i) sent = c.send(block);
        auto r = c.read_response();
        if (r) CHECK((r->status == 431 || r->status == 400));
        CHECK(c.closed_within(3000ms));
    }
    {
        INFO("a header section over the limit");
        Socket c(port);
        c.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') +
               "\r\n\r\n");
        auto r = c.read_response();
        REQUIRE(r);
        CHECK((r->status == 431 || (!direct && r->status == 400)));
    }
    CHECK(s.inbox() == stored_before);
}

}  // namespace

TEST_CASE("smuggling probes against tcns serve get 400 and store nothing", "[smuggling]") {
    Served s;
    for (const auto& p : framing_probes()) {
        run_probe(s.port, p, true);
        visitor_gets_own_answer(s.port);
    }
    CHECK(s.inbox() == 0);
}

TEST_CASE("limits against tcns serve: 413, 431, memory stays under 50 MB", "[smuggling]") {
    Served s;
    limit_probes(s, s.port, true);
    visitor_gets_own_answer(s.port);
    const long kb = s.peak_rss_kb();
    INFO("VmHWM " << kb << " kB");
    CHECK(kb > 0);
    CHECK(kb < 50 * 1024);
}

TEST_CASE("pipelined requests are answered in order, each once", "[smuggling]") {
    Served s;
    Socket c(s.port);
    const std::string hook = test::viber_text_body("PIPE-1=", "xin chào");
    REQUIRE(c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" + signed_viber(hook) +
                   "GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto a = c.read_response();
    auto b = c.read_response();
    auto d = c.read_response();
    auto e = c.read_response();
    REQUIRE(a);
    REQUIRE(b);
    REQUIRE(d);
    REQUIRE(e);
    CHECK(a->body.find("\"database\":\"ok\"") != std::string::npos);
    CHECK(b->status == 200);
    CHECK(b->body == "{}");
    CHECK(d->status == 404);
    CHECK(e->status == 200);
    CHECK(e->body.find("<title>tcns</title>") != std::string::npos);
    CHECK(s.inbox() == 1);
}

TEST_CASE("trickling clients do not delay /healthz and a signed webhook", "[smuggling]") {
    Served s;
    std::vector<std::unique_ptr<Socket>> slow;
    for (int i = 0; i < 40; ++i) {
        slow.push_back(std::make_unique<Socket>(s.port));
        slow.back()->send(
            i % 2 ? "POST /webhook/viber HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"
                  : "GET /admin/login HTTP/1.1\r\nX-Slow: ");
    }
    const auto until = Clock::now() + 2500ms;
    int round = 0;
    while (Clock::now() < until) {
        for (auto& c : slow) c->send("a");  // one byte each, every 250 ms
        if (round++ % 2 == 0) {
            const auto t0 = Clock::now();
            Socket h(s.port, 1000ms);
            REQUIRE(h.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
            auto r = h.read_response();
            REQUIRE(r);
            CHECK(r->status == 200);
            Socket w(s.port, 1000ms);
            REQUIRE(w.send(signed_viber(
                test::viber_text_body("TRICKLE-" + std::to_string(round) + "=", "xin chào"))));
            auto rw = w.read_response();
            REQUIRE(rw);
            CHECK(rw->status == 200);
            CHECK(Clock::now() - t0 < 1s);
        }
        std::this_thread::sleep_for(250ms);
    }
    // The whole-request deadline (3 s here) cuts the trickles off with 408.
    int cut = 0;
    for (auto& c : slow) {
        for (int i = 0; i < 8 && !c->closed_within(250ms); ++i) c->send("a");
        if (c->closed_within(100ms)) ++cut;
    }
    CHECK(cut == static_cast<int>(slow.size()));
}

TEST_CASE("through the shipped nginx site a visitor never gets another's answer",
          "[smuggling][nginx]") {
    Served s;
    Nginx proxy(s.port);
    CHECK(Socket(proxy.port).connected());
    for (const auto& p : framing_probes()) {
        run_probe(proxy.port, p, false);
        // Several visitors: nginx reuses its upstream connections (keepalive 16).
        for (int i = 0; i < 3; ++i) visitor_gets_own_answer(proxy.port);
    }
    // nginx reads bare LF line ends (it is lenient where tcns is strict), so the bare-LF probe
    // is two requests of that one client: the first refused (403, unsigned), the second its own
    // signed webhook, stored at most once (nginx may drop it when that client hangs up after its
    // first answer) and answered to that client. Nothing else was stored.
    // It reaches tcns a little after its client hung up: wait until the count holds still.
    auto own = s.inbox();
    for (auto quiet = Clock::now(), until = quiet + 5s; Clock::now() < until;) {
        std::this_thread::sleep_for(100ms);
        if (const auto n = s.inbox(); n != own) {
            own = n;
            quiet = Clock::now();
        } else if (Clock::now() - quiet > 1s) {
            break;
        }
    }
    CHECK(own <= 1);
    // /metrics is not forwarded.
    Socket m(proxy.port);
    REQUIRE(m.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto r = m.read_response();
    REQUIRE(r);
    CHECK(r->status == 404);
    limit_probes(s, proxy.port, false);
    visitor_gets_own_answer(proxy.port);
    // A signed webhook still goes through.
    Socket w(proxy.port);
    REQUIRE(w.send(signed_viber(test::viber_text_body("NGINX-1=", "xin chào"))));
    auto rw = w.read_response();
    REQUIRE(rw);
    CHECK(rw->status == 200);
    CHECK(s.inbox() == own + 1);
    CHECK(s.peak_rss_kb() < 50 * 1024);
}
