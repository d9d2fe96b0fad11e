// Officials on the web (issue 16) over HTTP: the sign-in link page, the session cookie, the
// scope of every admin route and export, the audit log, sign-out everywhere, and sessions that
// outlive a restart of the server.
#include <SQLiteCpp/SQLiteCpp.h>
#include <httplib.h>

#include <catch2/catch.hpp>
#include <memory>
#include <regex>
#include <thread>

#include "bot/admin/web_access.hpp"
#include "bot/config.hpp"
#include "bot/http/server.hpp"
#include "storage/database.hpp"
#include "tests/support/admin_fixture.hpp"
#include "tests/support/temp_dir.hpp"

using namespace tcns;

namespace {

const std::string kToken = "admin-s3cret-token-0123456789abcdef";

/// The admin fixture plus two officials: Xã Long Hưng's (commune 100) and the province's.
class WebWorld {
  public:
    WebWorld() {
        storage::Database db(db_path);
        test::seed_admin_fixture(db);
        db.handle().exec(R"sql(
INSERT INTO people(id, phone, full_name) VALUES
  (10, '84912000010', 'Cán bộ Long Hưng'), (11, '84912000011', 'Cán bộ Tỉnh');
INSERT INTO roles(person_id, role, team_id, unit_id, title) VALUES
  (10, 'official', NULL, 4, 'Phó Chủ tịch'), (11, 'official', NULL, 1, 'Sở TT-TT');
)sql");
        start();
    }
    ~WebWorld() { stop(); }
    void start() {
        bot::Config config;
        config.database = db_path;
        config.templates_dir = std::string(TCNS_SOURCE_DIR) + "/templates";
        config.server.listen = "127.0.0.1";
        config.server.port = 0;
        config.server.threads = 2;
        config.public_url = "https://tcns.test";
        config.secrets.admin_token = kToken;
        server = std::make_unique<bot::Server>(config);
        port = server->bind();
        thread = std::thread([this] { server->run(); });
    }
    void stop() {
        if (!server) return;
        server->stop();
        thread.join();
        server.reset();
    }
    httplib::Client client() const {
        httplib::Client c("127.0.0.1", port);
        c.set_connection_timeout(5, 0);
        c.set_read_timeout(10, 0);
        return c;
    }
    httplib::Result get(const std::string& path, const std::string& cookie = "") const {
        httplib::Headers h;
        if (!cookie.empty()) h.emplace("Cookie", cookie);
        return client().Get(path.c_str(), h);
    }
    httplib::Result post(const std::string& path, const std::string& cookie = "") const {
        httplib::Headers h;
        if (!cookie.empty()) h.emplace("Cookie", cookie);
        return client().Post(path.c_str(), h, "", "application/x-www-form-urlencoded");
    }
    /// A link for `person` scoped to `unit`, as the chat would create it.
    std::string link(std::int64_t person, std::int64_t unit) {
        storage::Database db(db_path);
        return bot::web::create_link(db, person, unit, now());
    }
    /// Signs in with a fresh link; returns the cookie ("tcns_web=…").
    std::string sign_in(std::int64_t person, std::int64_t unit) {
        auto res = post("/login/" + link(person, unit));
        REQUIRE(res);
        REQUIRE(res->status == 303);
        const std::string set = res->get_header_value("Set-Cookie");
        return set.substr(0, set.find(';'));
    }
    int audit_count(const std::string& action) {
        storage::Database db(db_path);
        SQLite::Statement q(db.handle(), "SELECT count(*) FROM audit_log WHERE action = ?");
        q.bind(1, action);
        q.executeStep();
        return q.getColumn(0).getInt();
    }
    static core::Instant now() {
        return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
    }

    test::TempDir dir;
    std::string db_path = dir.file("web.db");
    std::unique_ptr<bot::Server> server;
    int port = 0;
    std::thread thread;
};

const char* const kExports[] = {"reports", "reports-long", "compliance",
                                "rollup",  "difficulties", "roster"};

}  // namespace

TEST_CASE("a sign-in link page does not use the link, its button does, once", "[web]") {
    WebWorld w;
    const std::string token = w.link(10, 4);
    for (int i = 0; i < 2; ++i) {  // a chat app's preview, then the official
        auto res = w.get("/login/" + token);
        REQUIRE(res);
        CHECK(res->status == 200);
        CHECK(res->body.find("action=\"/login/" + token + "\"") != std::string::npos);
    }
    auto res = w.post("/login/" + token);
    REQUIRE(res);
    CHECK(res->status == 303);
    CHECK(res->get_header_value("Location") == "/admin");
    const std::string set = res->get_header_value("Set-Cookie");
    INFO(set);
    CHECK(std::regex_match(set, std::regex("tcns_web=[0-9a-f]{64}; Path=/admin; Max-Age=604800; "
                                           "HttpOnly; SameSite=Strict; Secure")));
    const std::string cookie = set.substr(0, set.find(';'));

    res = w.post("/login/" + token);  // reused
    REQUIRE(res);
    CHECK(res->status == 410);
    CHECK(res->body.find("đã được dùng") != std::string::npos);
    CHECK_FALSE(res->has_header("Set-Cookie"));

    res = w.post("/login/" + std::string(64, 'b'));  // unknown
    REQUIRE(res);
    CHECK(res->status == 404);

    res = w.get("/admin?period=2026-10", cookie);
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->body.find("Cán bộ Long Hưng") != std::string::npos);
    CHECK(res->body.find("Xã Long Hưng") != std::string::npos);
    CHECK(res->body.find("Phường Trảng Dài") == std::string::npos);
    CHECK(res->body.find("Xã An Phước") == std::string::npos);
    CHECK(res->body.find("/admin/logout-all") != std::string::npos);
    CHECK(w.audit_count("sign_in") == 1);
}

TEST_CASE("a commune official's session is refused every route outside the commune", "[web]") {
    WebWorld w;
    const std::string cookie = w.sign_in(10, 4);  // Xã Long Hưng (100)
    // A neighbouring commune (200, same district), another district's commune (300), the
    // district (731) and the province (75), by unit; the levels above the commune.
    const std::vector<std::string> outside = {"unit=200",      "unit=300",    "unit=731",
                                              "unit=75",       "unit=200-01", "level=district",
                                              "level=province"};
    for (const auto& q : outside) {
        std::vector<std::string> paths = {"/admin?" + q, "/admin?period=2026-10&" + q};
        for (const char* e : kExports) {
            paths.push_back(std::string("/admin/exports/") + e + ".csv?period=2026-10&" + q);
            paths.push_back(std::string("/admin/exports/") + e + ".xlsx?period=2026-10&" + q);
        }
        paths.push_back("/admin/exports/quarterly-report.xlsx?quarter=2026-Q4&" + q);
        // The drill-down and team pages (deliverable 3), with every parameter they read.
        paths.push_back("/admin/area?" + q);
        paths.push_back("/admin/area?period=2026-10&span=quarter&q=Long&" + q);
        paths.push_back("/admin/team?team=T01&" + q);
        for (const auto& path : paths) {
            INFO(path);
            auto res = w.get(path, cookie);
            REQUIRE(res);
            CHECK(res->status == 403);
            CHECK(res->body.find("Trảng Dài") == std::string::npos);
        }
    }
    // Inside: its own commune and its hamlets.
    for (const char* e : kExports) {
        for (const std::string q :
             {"", "&unit=100", "&unit=100-01", "&level=commune", "&level=hamlet"}) {
            const std::string path = std::string("/admin/exports/") + e + ".csv?period=2026-10" + q;
            INFO(path);
            auto res = w.get(path, cookie);
            REQUIRE(res);
            CHECK(res->status == 200);
            CHECK(res->body.find("Trảng Dài") == std::string::npos);
            CHECK(res->body.find("An Phước") == std::string::npos);
            CHECK(res->body.find("T04") == std::string::npos);
        }
    }
    auto res = w.get("/admin?level=hamlet&period=2026-10", cookie);
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->body.find("Khu phố 1") == std::string::npos);

    // The drill-down: a neighbouring commune's team (T04, Phường Trảng Dài) and a team of another
    // district (T06) answer 403, also by a team code that does not exist; the commune's own
    // pages and teams answer 200 and show nothing of the neighbours.
    for (const std::string team : {"T04", "T05", "T06", "T08", "T99"}) {
        for (const std::string extra : {"", "&period=2026-10", "&span=ytd"}) {
            const std::string path = "/admin/team?team=" + team + extra;
            INFO(path);
            auto r = w.get(path, cookie);
            REQUIRE(r);
            CHECK(r->status == 403);
            CHECK(r->body.find("Khu phố") == std::string::npos);
        }
    }
    for (const std::string path :
         {"/admin/area", "/admin/area?unit=100", "/admin/area?unit=100-01&period=2026-10",
          "/admin/area?unit=100&span=quarter&q=ap", "/admin/area?unit=100&span=ytd",
          "/admin/team?team=T01", "/admin/team?team=T03&period=2026-10"}) {
        INFO(path);
        auto r = w.get(path, cookie);
        REQUIRE(r);
        CHECK(r->status == 200);
        CHECK(r->body.find("Trảng Dài") == std::string::npos);
        CHECK(r->body.find("An Phước") == std::string::npos);
        CHECK(r->body.find("T04") == std::string::npos);
        CHECK(r->body.find("id=\"audit\"") == std::string::npos);  // not a province admin
    }
    // Bad parameters inside the scope are refused with 400, never shown as another unit.
    for (const std::string path :
         {"/admin/area?unit=100&period=2026-13", "/admin/area?span=week"}) {
        INFO(path);
        auto r = w.get(path, cookie);
        REQUIRE(r);
        CHECK(r->status == 400);
    }
    // Without a session: the login form.
    res = w.get("/admin/area?unit=100");
    REQUIRE(res);
    CHECK(res->status == 303);
    res = w.get("/admin/team?team=T01");
    REQUIRE(res);
    CHECK(res->status == 303);

    // The province official sees everything; so does the admin token.
    const std::string province = w.sign_in(11, 1);
    res = w.get("/admin/exports/rollup.csv?period=2026-10&level=district", province);
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->body.find("Huyện Long Thành") != std::string::npos);
    res = w.get("/admin?unit=300&period=2026-10", province);
    REQUIRE(res);
    CHECK(res->status == 200);
    // The province official is a province admin: the drill-down shows the audit log.
    res = w.get("/admin/area?period=2026-10", province);
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->body.find("id=\"audit\"") != std::string::npos);
    CHECK(res->body.find("Cán bộ Long Hưng") != std::string::npos);  // its sign-in row
    res = w.get("/admin/team?team=T06", province);
    REQUIRE(res);
    CHECK(res->status == 200);
}

TEST_CASE("every export writes an audit row with who and from where", "[web]") {
    WebWorld w;
    const std::string cookie = w.sign_in(10, 4);
    int n = 0;
    for (const char* e : kExports) {
        auto res = w.get(std::string("/admin/exports/") + e + ".csv?period=2026-10", cookie);
        REQUIRE(res);
        REQUIRE(res->status == 200);
        CHECK(w.audit_count("export") == ++n);
    }
    httplib::Headers bearer = {{"Authorization", "Bearer " + kToken}};
    auto res = w.client().Get("/admin/exports/rollup.csv?period=2026-10", bearer);
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(w.audit_count("export") == n + 1);

    storage::Database db(w.db_path);
    const auto rows = bot::web::audit_list(db, 2);
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].actor == "admin-token");
    CHECK(rows[1].actor == "Cán bộ Long Hưng");
    CHECK(rows[1].detail.find("roster.csv") == 0);
    CHECK(rows[1].detail.find("unit 100") != std::string::npos);
    CHECK(rows[1].client == "127.0.0.1");
    // A workbook is an export too, scoped and audited the same way.
    res = w.get("/admin/exports/roster.xlsx?period=2026-10", cookie);
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->body.rfind("PK", 0) == 0);  // a zip file
    CHECK(w.audit_count("export") == n + 2);
    CHECK(bot::web::audit_list(db, 1)[0].detail.find("/admin/exports/roster.xlsx") == 0);
    CHECK(bot::web::audit_list(db, 1)[0].detail.find("(unit 100)") != std::string::npos);
    ++n;
    res = w.get("/admin/exports/roster.xlsx?period=2026-10&unit=200", cookie);
    REQUIRE(res);
    CHECK(res->status == 403);
    CHECK(w.audit_count("export") == n + 1);
    // A refused export is not an export.
    res = w.get("/admin/exports/rollup.csv?period=2026-10&unit=200", cookie);
    REQUIRE(res);
    CHECK(res->status == 403);
    CHECK(w.audit_count("export") == n + 1);
}

TEST_CASE("web sessions survive a server restart and end with sign out everywhere", "[web]") {
    WebWorld w;
    const std::string first = w.sign_in(10, 4);
    const std::string second = w.sign_in(10, 4);  // on another device
    const std::string other = w.sign_in(11, 1);
    w.stop();
    w.start();
    for (const auto& c : {first, second, other}) {
        auto res = w.get("/admin?period=2026-10", c);
        REQUIRE(res);
        CHECK(res->status == 200);
    }
    auto res = w.post("/admin/logout-all", first);
    REQUIRE(res);
    CHECK(res->status == 303);
    CHECK(res->get_header_value("Location") == "/admin/login");
    for (const auto& c : {first, second}) {
        res = w.get("/admin?period=2026-10", c);
        REQUIRE(res);
        CHECK(res->status == 303);  // back to the login form
        res = w.get("/admin/exports/rollup.csv?period=2026-10", c);
        REQUIRE(res);
        CHECK(res->status == 401);
    }
    res = w.get("/admin?period=2026-10", other);  // someone else's session is untouched
    REQUIRE(res);
    CHECK(res->status == 200);
}
