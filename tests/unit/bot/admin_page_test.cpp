#include <httplib.h>
#include <catch2/catch.hpp>

#include <SQLiteCpp/SQLiteCpp.h>

#include <regex>
#include <sstream>
#include <thread>

#include "bot/admin/admin_page.hpp"
#include "bot/admin/admin_routes.hpp"
#include "bot/admin/admin_session.hpp"
#include "bot/cli/cli.hpp"
#include "bot/config.hpp"
#include "bot/http/server.hpp"
#include "storage/admin_overview.hpp"
#include "storage/database.hpp"
#include "storage/exports.hpp"
#include "tests/support/admin_fixture.hpp"
#include "tests/support/cli.hpp"
#include "tests/support/temp_dir.hpp"

using tcns::test::CliResult;
using tcns::test::tcns_cli;
using namespace tcns;

namespace {

const std::string kToken = "admin-s3cret-token-0123456789abcdef";
const std::string kTemplates = std::string(TCNS_SOURCE_DIR) + "/templates";

/// `tcns serve`'s HTTP front on a loopback port picked at run time, on the admin fixture and
/// the repository's templates.
class AdminServer {
  public:
    explicit AdminServer(std::string token = kToken) {
        {
            storage::Database db(db_path_);
            test::seed_admin_fixture(db);
        }
        bot::Config config;
        config.database = db_path_;
        config.templates_dir = kTemplates;
        config.server.listen = "127.0.0.1";
        config.server.port = 0;
        config.server.threads = 2;
        config.secrets.admin_token = std::move(token);
        server_ = std::make_unique<bot::Server>(config);
        port_ = server_->bind();
        thread_ = std::thread([this] { server_->run(); });
    }
    ~AdminServer() {
        server_->stop();
        thread_.join();
    }
    httplib::Client client() const {
        httplib::Client c("127.0.0.1", port_);
        c.set_connection_timeout(5, 0);
        c.set_read_timeout(5, 0);
        return c;
    }
    httplib::Result get(const std::string& path, httplib::Headers headers = {}) const {
        return client().Get(path.c_str(), headers);
    }
    httplib::Result post(const std::string& path, const std::string& form,
                         httplib::Headers headers = {}) const {
        return client().Post(path.c_str(), headers, form, "application/x-www-form-urlencoded");
    }
    /// Logs in with the form and returns the session cookie ("tcns_admin=…").
    std::string login() const {
        auto res = post("/admin/login", "token=" + kToken);
        REQUIRE(res);
        REQUIRE(res->status == 303);
        const std::string set = res->get_header_value("Set-Cookie");
        return set.substr(0, set.find(';'));
    }

  private:
    test::TempDir dir_;
    std::string db_path_ = dir_.file("admin.db");
    std::unique_ptr<bot::Server> server_;
    int port_ = 0;
    std::thread thread_;
};

httplib::Headers cookie(const std::string& c) {
    return {{"Cookie", c}};
}

}  // namespace

TEST_CASE("unauthenticated GET /admin redirects to the login form", "[admin-page]") {
    AdminServer server;
    auto res = server.get("/admin");
    REQUIRE(res);
    CHECK(res->status == 303);
    CHECK(res->get_header_value("Location") == "/admin/login");

    res = server.get("/admin/login");
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->get_header_value("Content-Type") == "text/html; charset=utf-8");
    CHECK(res->body.find("<form method=\"post\" action=\"/admin/login\">") != std::string::npos);
    CHECK(res->body.find("Đăng nhập") != std::string::npos);
    CHECK(res->body.find("<script") == std::string::npos);
    CHECK(res->get_header_value("Content-Security-Policy").find("default-src 'none'") == 0);

    res = server.get("/admin", cookie("tcns_admin=" + std::string(64, 'a')));  // unknown session
    REQUIRE(res);
    CHECK(res->status == 303);
}

TEST_CASE("a wrong token at the login form is refused without a cookie", "[admin-page]") {
    AdminServer server;
    for (const std::string& form :
         std::vector<std::string>{"token=wrong", "token=", "", "token=" + kToken + "x"}) {
        auto res = server.post("/admin/login", form);
        REQUIRE(res);
        CHECK(res->status == 401);
        CHECK_FALSE(res->has_header("Set-Cookie"));
        CHECK(res->body.find("Mã truy cập không đúng") != std::string::npos);
    }
}

TEST_CASE("logging in sets a strict session cookie that opens the page and the exports",
          "[admin-page]") {
    AdminServer server;
    auto res = server.post("/admin/login", "token=" + kToken);
    REQUIRE(res);
    CHECK(res->status == 303);
    CHECK(res->get_header_value("Location") == "/admin");
    const std::string set = res->get_header_value("Set-Cookie");
    CHECK(std::regex_match(set, std::regex("tcns_admin=[0-9a-f]{64}; Path=/admin; "
                                           "Max-Age=28800; HttpOnly; SameSite=Strict")));
    const std::string session = set.substr(0, set.find(';'));

    res = server.get("/admin?period=2026-10&level=commune", cookie(session));
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->body.find("Xã Long Hưng") != std::string::npos);

    res = server.get("/admin/exports/rollup.csv?period=2026-10&level=district", cookie(session));
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->get_header_value("Content-Disposition") ==
          "attachment; filename=\"tcns-rollup-2026-10.csv\"");
    CHECK(res->body.find("Thành phố Biên Hòa") != std::string::npos);

    res = server.get("/admin/login", cookie(session));  // already logged in
    REQUIRE(res);
    CHECK(res->status == 303);
    CHECK(res->get_header_value("Location") == "/admin");

    // Behind a TLS proxy the cookie is Secure as well.
    res = server.post("/admin/login", "token=" + kToken, {{"X-Forwarded-Proto", "https"}});
    REQUIRE(res);
    CHECK(res->get_header_value("Set-Cookie").find("; Secure") != std::string::npos);
}

TEST_CASE("logout ends the session", "[admin-page]") {
    AdminServer server;
    const std::string session = server.login();
    auto res = server.post("/admin/logout", "", cookie(session));
    REQUIRE(res);
    CHECK(res->status == 303);
    CHECK(res->get_header_value("Location") == "/admin/login");
    CHECK(res->get_header_value("Set-Cookie").find("tcns_admin=; Path=/admin; Max-Age=0") == 0);
    res = server.get("/admin", cookie(session));
    REQUIRE(res);
    CHECK(res->status == 303);
    res = server.get("/admin/exports/roster.csv", cookie(session));
    REQUIRE(res);
    CHECK(res->status == 401);
}

TEST_CASE("the bearer header opens the page, a wrong one is not rescued by a cookie",
          "[admin-page]") {
    AdminServer server;
    auto res = server.get("/admin?period=2026-10", {{"Authorization", "Bearer " + kToken}});
    REQUIRE(res);
    CHECK(res->status == 200);
    const std::string session = server.login();
    res = server.get("/admin", {{"Authorization", "Bearer nope"}, {"Cookie", session}});
    REQUIRE(res);
    CHECK(res->status == 303);
    res = server.get("/admin/exports/roster.csv", {{"Authorization", "Bearer nope"}});
    REQUIRE(res);
    CHECK(res->status == 401);
    // A proxy's Basic authentication leaves the decision to the cookie.
    res = server.get("/admin", {{"Authorization", "Basic dXNlcjpwdw=="}, {"Cookie", session}});
    REQUIRE(res);
    CHECK(res->status == 200);
    res = server.get("/admin", {{"Authorization", "bEaReR " + kToken}});
    REQUIRE(res);
    CHECK(res->status == 200);
}

TEST_CASE("the admin page shows the hand-computed figures, escaped", "[admin-page]") {
    AdminServer server;
    const std::string session = server.login();
    auto res = server.get("/admin?period=2026-10&level=commune", cookie(session));
    REQUIRE(res);
    REQUIRE(res->status == 200);
    const std::string& page = res->body;
    CHECK(page.find("<script") == std::string::npos);
    CHECK(page.find("id=\"total-teams\">7<") != std::string::npos);
    CHECK(page.find("id=\"total-submitted\">5<") != std::string::npos);
    CHECK(page.find("id=\"total-on-time\">4<") != std::string::npos);
    CHECK(page.find("id=\"total-late\">1<") != std::string::npos);
    CHECK(page.find("id=\"total-revised-late\">0<") != std::string::npos);
    CHECK(page.find("id=\"total-missing\">2<") != std::string::npos);
    CHECK(page.find("id=\"total-pct\">57,1%<") != std::string::npos);
    // Each unit's name opens its page by area (issue 16's drill-down).
    CHECK(page.find("<tr><td><a href=\"/admin/area?unit=100&amp;period=2026-10\">Xã Long "
                    "Hưng</a></td><td>Thành phố Biên Hòa</td><td class=\"num\">3</td>"
                    "<td class=\"num\">2</td><td class=\"num\">1</td><td class=\"num\">1</td>"
                    "<td class=\"num\">1</td><td class=\"num\">33,3%</td>") != std::string::npos);
    CHECK(page.find("style=\"width: 33.3%\"") != std::string::npos);
    CHECK(page.find(">Phường Trảng Dài</a></td>") != std::string::npos);
    CHECK(page.find("100,0%") != std::string::npos);
    // The team name full of HTML is shown as text.
    CHECK(page.find("<b>Bàu Cạn</b>") == std::string::npos);
    CHECK(page.find("Tổ &lt;b&gt;Bàu Cạn&lt;/b&gt; &amp; &quot;Ấp&quot;") != std::string::npos);
    CHECK(page.find("<td>T03</td>") < page.find("<td>T06</td>"));
    CHECK(page.find("0912000003") != std::string::npos);
    // The picker keeps the choices; every export has a link for the period.
    CHECK(page.find("<option value=\"2026-10\" selected>tháng 10/2026</option>") !=
          std::string::npos);
    CHECK(page.find("<option value=\"commune\" selected>Xã/Phường</option>") != std::string::npos);
    for (const auto kind : storage::all_export_kinds()) {
        INFO(storage::export_kind_name(kind));
        CHECK(page.find("href=\"/admin/exports/" + std::string(storage::export_kind_name(kind)) +
                        ".csv?period=2026-10") != std::string::npos);
    }
    CHECK(page.find("rollup.csv?period=2026-10&amp;level=commune\"") != std::string::npos);
    // No placeholder left unfilled.
    CHECK_FALSE(std::regex_search(page, std::regex("\\{[a-z_]+\\}")));
}

TEST_CASE("the admin page by district, by default period, and with bad parameters",
          "[admin-page]") {
    AdminServer server;
    const std::string session = server.login();
    auto res = server.get("/admin?period=2026-10&level=district", cookie(session));
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->body.find("<tr><td><a href=\"/admin/area?unit=731&amp;period=2026-10\">Thành "
                         "phố Biên Hòa</a></td><td>Tỉnh Đồng Nai</td>"
                         "<td class=\"num\">5</td><td class=\"num\">4</td><td class=\"num\">3</td>"
                         "<td class=\"num\">1</td><td class=\"num\">1</td>"
                         "<td class=\"num\">60,0%</td>") != std::string::npos);

    // Without a period: the latest month with reports (October 2026).
    res = server.get("/admin", cookie(session));
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->body.find("Tổng hợp tháng 10/2026") != std::string::npos);

    res = server.get("/admin?period=2026-13", cookie(session));
    REQUIRE(res);
    CHECK(res->status == 400);
    CHECK(res->body.find("Kỳ báo cáo không hợp lệ") != std::string::npos);
    res = server.get("/admin?level=%3Cscript%3E", cookie(session));
    REQUIRE(res);
    CHECK(res->status == 400);
    CHECK(res->body.find("<script>") == std::string::npos);
    CHECK(res->body.find("Cấp đơn vị không hợp lệ") != std::string::npos);
}

TEST_CASE("without an admin token the admin page does not exist", "[admin-page]") {
    AdminServer server("");
    for (const char* path : {"/admin", "/admin/login"}) {
        auto res = server.get(path);
        REQUIRE(res);
        CHECK(res->status == 404);
    }
    auto res = server.post("/admin/login", "token=");
    REQUIRE(res);
    CHECK(res->status == 404);
    res = server.post("/admin/logout", "");
    REQUIRE(res);
    CHECK(res->status == 404);
}

TEST_CASE("repeated wrong tokens throttle the login form for a while", "[admin-page]") {
    bot::AdminSessions sessions;
    const core::Instant t0 = core::from_unix(1800000000);
    for (int i = 0; i < bot::AdminSessions::kMaxFailures; ++i) {
        REQUIRE(sessions.login_allowed(t0));
        sessions.record_failure(t0);
    }
    CHECK_FALSE(sessions.login_allowed(t0 + std::chrono::seconds(10)));
    CHECK(sessions.login_allowed(t0 + bot::AdminSessions::kFailureWindow));
}

TEST_CASE("sessions are random, expire, end, and stay bounded", "[admin-page]") {
    bot::AdminSessions sessions(std::chrono::seconds(60), 3);
    const core::Instant t0 = core::from_unix(1800000000);
    const std::string a = sessions.create(t0);
    const std::string b = sessions.create(t0 + std::chrono::seconds(1));
    CHECK(a.size() == 64);
    CHECK(a != b);
    CHECK(sessions.valid(a, t0 + std::chrono::seconds(59)));
    CHECK_FALSE(sessions.valid(a, t0 + std::chrono::seconds(60)));
    CHECK_FALSE(sessions.valid(a, t0));  // forgotten once seen expired
    CHECK(sessions.valid(b, t0 + std::chrono::seconds(60)));
    sessions.end(b);
    CHECK_FALSE(sessions.valid(b, t0));
    CHECK_FALSE(sessions.valid("", t0));

    std::vector<std::string> ids;
    for (int i = 0; i < 5; ++i) ids.push_back(sessions.create(t0 + std::chrono::seconds(i)));
    CHECK_FALSE(sessions.valid(ids[0], t0 + std::chrono::seconds(5)));
    CHECK(sessions.valid(ids[4], t0 + std::chrono::seconds(5)));
}

TEST_CASE("cookie_value finds one cookie among several", "[admin-page]") {
    CHECK(bot::cookie_value("tcns_admin=abc", "tcns_admin") == "abc");
    CHECK(bot::cookie_value("a=1; tcns_admin=abc ; b=2", "tcns_admin") == "abc");
    CHECK(bot::cookie_value("xtcns_admin=1; tcns_admin=\"q\"", "tcns_admin") == "q");
    CHECK_FALSE(bot::cookie_value("a=1; b=2", "tcns_admin"));
    CHECK_FALSE(bot::cookie_value("", "tcns_admin"));
}

TEST_CASE("tokens_match compares whole tokens", "[admin-page]") {
    CHECK(bot::tokens_match("abc", "abc"));
    CHECK_FALSE(bot::tokens_match("abd", "abc"));
    CHECK_FALSE(bot::tokens_match("ab", "abc"));
    CHECK_FALSE(bot::tokens_match("", ""));
}

TEST_CASE("percentages and counts read the Vietnamese way", "[admin-page]") {
    CHECK(bot::percent_text(57.142857) == "57,1%");
    CHECK(bot::percent_text(100.0) == "100,0%");
    CHECK(bot::percent_text(std::nullopt) == "-");
    CHECK(bot::count_text(0) == "0");
    CHECK(bot::count_text(999) == "999");
    CHECK(bot::count_text(1048) == "1.048");
    CHECK(bot::count_text(1234567) == "1.234.567");
}

namespace {

int count(const std::string& db, const std::string& sql) {
    SQLite::Database h(db);
    return h.execAndGet(sql).getInt();
}

}  // namespace

TEST_CASE("demo history files past reports for the demo teams once", "[demo]") {
    test::TempDir dir;
    const std::string db = dir.file("t.db");
    REQUIRE(tcns_cli({"--db", db, "import", "units",
                      std::string(TCNS_SAMPLES_DIR) + "/dong-nai-units-2025-03.csv"})
                .rc == 0);
    REQUIRE(tcns_cli({"--db", db, "demo", "seed"}).rc == 0);
    const auto first =
        tcns_cli({"--db", db, "demo", "history", "--months", "2", "--now", "2026-11-20T09:00"});
    INFO(first.err);
    REQUIRE(first.rc == 0);
    CHECK(first.out.find("from 2026-09 to 2026-10") != std::string::npos);

    const int teams = count(db, "SELECT count(*) FROM teams WHERE generated = 1");
    const int reports = count(db, "SELECT count(*) FROM reports");
    const int filed = count(db, "SELECT count(*) FROM report_status");
    const int late = count(db, "SELECT count(*) FROM report_status WHERE late = 1");
    CHECK(count(db,
                "SELECT count(*) FROM report_status WHERE period NOT IN "
                "('2026-09', '2026-10')") == 0);
    CHECK(filed > teams * 2 * 80 / 100);  // most teams report
    CHECK(filed < teams * 2);             // some do not
    CHECK(late > 0);
    CHECK(late < filed / 4);
    CHECK(count(db, "SELECT count(*) FROM difficulties WHERE source = 'form'") > 0);
    // Late reports were filed after the deadline, on-time ones before it (30th, 00:00 +07).
    CHECK(count(db,
                "SELECT count(*) FROM report_status WHERE period = '2026-10' AND "
                "late = 0 AND first_submitted_at >= 1793293200") == 0);
    CHECK(count(db,
                "SELECT count(*) FROM report_status WHERE period = '2026-10' AND "
                "late = 1 AND first_submitted_at < 1793293200") == 0);

    const auto again =
        tcns_cli({"--db", db, "demo", "history", "--months", "2", "--now", "2026-11-20T09:00"});
    REQUIRE(again.rc == 0);
    CHECK(again.out.find("reports filed: 0 on time, 0 late") != std::string::npos);
    CHECK(count(db, "SELECT count(*) FROM reports") == reports);

    // A bigger window adds only the older month.
    REQUIRE(tcns_cli({"--db", db, "demo", "history", "--months", "3", "--now", "2026-11-20T09:00"})
                .rc == 0);
    CHECK(count(db, "SELECT count(*) FROM report_status WHERE period = '2026-08'") > 0);
    CHECK(count(db, "SELECT count(*) FROM report_status WHERE period >= '2026-09'") == filed);

    // The admin page's figures on the demo data agree with the stored statuses, and the
    // communes add up to the province.
    {
        storage::Database handle(db);
        const auto o = storage::compliance_overview(handle, {2026, 10}, "commune", 10);
        CHECK(o.total.teams == teams);
        CHECK(o.total.submitted ==
              count(db, "SELECT count(*) FROM report_status WHERE period = '2026-10'"));
        CHECK(o.total.late == count(db,
                                    "SELECT count(*) FROM report_status WHERE period = "
                                    "'2026-10' AND late = 1"));
        std::int64_t teams_sum = 0, submitted_sum = 0, on_time_sum = 0;
        for (const auto& u : o.units) {
            teams_sum += u.counts.teams;
            submitted_sum += u.counts.submitted;
            on_time_sum += u.counts.on_time;
        }
        CHECK(teams_sum == o.total.teams);
        CHECK(submitted_sum == o.total.submitted);
        CHECK(on_time_sum == o.total.on_time);
        CHECK(o.missing.size() == 10);
    }

    CHECK(tcns_cli({"--db", db, "demo", "history", "--months", "0"}).rc == 2);
    CHECK(tcns_cli({"--db", db, "demo", "history", "--now", "yesterday"}).rc == 2);
}

TEST_CASE("wrong logins from one address do not lock out another", "[admin-page]") {
    AdminServer server;
    // The server trusts X-Forwarded-For from loopback (the reverse proxy): two visitors.
    const httplib::Headers attacker{{"X-Forwarded-For", "203.0.113.7"}};
    const httplib::Headers admin{{"X-Forwarded-For", "198.51.100.2"}};
    for (int i = 0; i < bot::AdminSessions::kMaxFailures; ++i) {
        auto res = server.post("/admin/login", "token=wrong", attacker);
        REQUIRE(res);
        CHECK(res->status == 401);
    }
    auto res = server.post("/admin/login", "token=" + kToken, attacker);
    REQUIRE(res);
    CHECK(res->status == 429);
    res = server.post("/admin/login", "token=" + kToken, admin);
    REQUIRE(res);
    CHECK(res->status == 303);
    // A spoofed X-Forwarded-For list: only the last entry (added by the proxy) counts.
    res = server.post("/admin/login", "token=" + kToken,
                      {{"X-Forwarded-For", "198.51.100.2, 203.0.113.7"}});
    REQUIRE(res);
    CHECK(res->status == 429);
}

TEST_CASE("bearer guesses are throttled per address like logins", "[admin-page]") {
    AdminServer server;
    const std::string guesser = "203.0.113.9";
    for (int i = 0; i < bot::AdminSessions::kMaxFailures; ++i) {
        auto res = server.get(
            "/admin/exports/reports.csv?period=2026-10",
            {{"Authorization", "Bearer guess-" + std::to_string(i)}, {"X-Forwarded-For", guesser}});
        REQUIRE(res);
        CHECK(res->status == 401);
    }
    // Throttled: even the right token is refused from that address for the window.
    auto res = server.get("/admin?period=2026-10",
                          {{"Authorization", "Bearer " + kToken}, {"X-Forwarded-For", guesser}});
    REQUIRE(res);
    CHECK(res->status == 303);
    CHECK(res->get_header_value("Location") == "/admin/login");
    res = server.get("/admin?period=2026-10",
                     {{"Authorization", "Bearer " + kToken}, {"X-Forwarded-For", "192.0.2.1"}});
    REQUIRE(res);
    CHECK(res->status == 200);
}

TEST_CASE("a login or logout POST from another site is refused", "[admin-page]") {
    AdminServer server;
    auto res = server.post("/admin/login", "token=" + kToken, {{"Origin", "https://evil.example"}});
    REQUIRE(res);
    CHECK(res->status == 403);
    CHECK(res->get_header_value("Set-Cookie").empty());
    res = server.post("/admin/login", "token=" + kToken, {{"Sec-Fetch-Site", "cross-site"}});
    REQUIRE(res);
    CHECK(res->status == 403);
    const std::string c = server.login();
    res = server.post("/admin/logout", "", {{"Cookie", c}, {"Origin", "https://evil.example"}});
    REQUIRE(res);
    CHECK(res->status == 403);
    // The session still works: the forged logout did nothing.
    res = server.get("/admin?period=2026-10", cookie(c));
    REQUIRE(res);
    CHECK(res->status == 200);
    // "Origin: null" (the page's no-referrer policy hides it) needs Sec-Fetch-Site: same-origin.
    res = server.post("/admin/login", "token=" + kToken, {{"Origin", "null"}});
    REQUIRE(res);
    CHECK(res->status == 403);
    res = server.post("/admin/login", "token=" + kToken,
                      {{"Origin", "null"}, {"Sec-Fetch-Site", "same-origin"}});
    REQUIRE(res);
    CHECK(res->status == 303);
    // The same site's form (Origin names the Host) is accepted.
    res = server.post("/admin/login", "token=" + kToken,
                      {{"Host", "tcns.example.gov.vn"},
                       {"Origin", "https://tcns.example.gov.vn"},
                       {"Sec-Fetch-Site", "same-origin"}});
    REQUIRE(res);
    CHECK(res->status == 303);
}
