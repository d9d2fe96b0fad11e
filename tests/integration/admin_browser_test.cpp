#include <httplib.h>
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <thread>

#include "bot/admin/web_access.hpp"
#include "bot/config.hpp"
#include "bot/http/server.hpp"
#include "storage/database.hpp"
#include "tests/integration/cdp_browser.hpp"
#include "tests/support/admin_fixture.hpp"
#include "tests/support/temp_dir.hpp"

using namespace tcns;
using nlohmann::json;

namespace {

const std::string kToken = "browser-test-token-5f2c-0123456789abcdef";

/// `tcns serve`'s HTTP front on a loopback port picked at run time.
class RunningServer {
  public:
    RunningServer(const std::string& db, const std::string& token) {
        bot::Config config;
        config.database = db;
        config.templates_dir = std::string(TCNS_SOURCE_DIR) + "/templates";
        config.server.listen = "127.0.0.1";
        config.server.port = 0;
        config.server.threads = 4;
        config.secrets.admin_token = token;
        server_ = std::make_unique<bot::Server>(config);
        port_ = server_->bind();
        thread_ = std::thread([this] { server_->run(); });
    }
    ~RunningServer() {
        server_->stop();
        thread_.join();
    }
    int port() const { return port_; }

  private:
    std::unique_ptr<bot::Server> server_;
    int port_ = 0;
    std::thread thread_;
};

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("the admin page works in headless Chromium: login, figures, picker, exports, logout",
          "[integration][browser]") {
    const auto started = std::chrono::steady_clock::now();
    const auto executable = test::CdpBrowser::find_executable();
    if (!executable) {
        if (std::getenv("TCNS_REQUIRE_BROWSER"))
            FAIL("chromium is not installed and TCNS_REQUIRE_BROWSER is set");
        std::cout << "SKIPPED: the admin page browser test needs chromium (apt-get install "
                     "chromium, or set TCNS_CHROMIUM)\n";
        SUCCEED("skipped: no browser");
        return;
    }

    test::TempDir dir;
    const std::string db = dir.file("admin.db");
    {
        storage::Database handle(db);
        test::seed_admin_fixture(handle);
        // Xã Long Hưng's official, for the sign-in link at the end.
        handle.handle().exec(
            "INSERT INTO people(id, phone, full_name) VALUES (10, '84912000010', 'Cán bộ Xã');"
            "INSERT INTO roles(person_id, role, team_id, unit_id, title) VALUES "
            "(10, 'official', NULL, 4, 'Phó Chủ tịch')");
    }
    RunningServer server(db, kToken);
    const std::string base = "http://127.0.0.1:" + std::to_string(server.port());
    const std::string output_dir = TCNS_TEST_OUTPUT_DIR;

    test::CdpBrowser browser(*executable, dir.file("profile"), output_dir + "/admin-browser.log",
                             std::chrono::seconds(45));
    browser.open_page();
    browser.call("Emulation.setDeviceMetricsOverride",
                 {{"width", 1280}, {"height", 1600}, {"deviceScaleFactor", 1}, {"mobile", false}});

    // Not logged in: /admin sends the browser to the login form.
    browser.navigate(base + "/admin");
    CHECK(browser.evaluate("location.pathname") == "/admin/login");

    // A wrong token stays on the form with an error.
    browser.evaluate_and_wait_load(
        "document.getElementById('token').value = 'not-the-token';"
        "document.querySelector('button[type=submit]').click(); true");
    CHECK(browser.evaluate("location.pathname") == "/admin/login");
    CHECK(contains(browser.evaluate("document.body.innerText").get<std::string>(),
                   "Mã truy cập không đúng"));

    // The right token, typed into the form (never in a URL).
    browser.evaluate_and_wait_load(
        "document.getElementById('token').value = " + json(kToken).dump() +
        ";"
        "document.querySelector('button[type=submit]').click(); true");
    REQUIRE(browser.evaluate("location.pathname") == "/admin");
    CHECK(browser.evaluate("location.href").get<std::string>().find(kToken) == std::string::npos);

    // The latest month with reports, by commune: the figures computed by hand.
    const std::string text = browser.evaluate("document.body.innerText").get<std::string>();
    INFO(text);
    CHECK(contains(text, "Tổng hợp tháng 10/2026"));
    CHECK(browser.evaluate("document.getElementById('total-teams').innerText") == "7");
    CHECK(browser.evaluate("document.getElementById('total-submitted').innerText") == "5");
    CHECK(browser.evaluate("document.getElementById('total-on-time').innerText") == "4");
    CHECK(browser.evaluate("document.getElementById('total-late').innerText") == "1");
    CHECK(browser.evaluate("document.getElementById('total-missing').innerText") == "2");
    CHECK(browser.evaluate("document.getElementById('total-pct').innerText") == "57,1%");
    const json rows = browser.evaluate(
        "Array.from(document.querySelectorAll('#units tbody tr')).map(r => "
        "Array.from(r.cells).slice(0, 8).map(c => c.innerText.trim()).join('|'))");
    REQUIRE(rows.size() == 4);
    CHECK(rows[0] == "Xã Long Hưng|Thành phố Biên Hòa|3|2|1|1|1|33,3%");
    CHECK(rows[1] == "Phường Trảng Dài|Thành phố Biên Hòa|2|2|2|0|0|100,0%");
    CHECK(rows[2] == "Xã An Phước|Huyện Long Thành|2|1|1|0|1|50,0%");
    CHECK(rows[3] == "Tổng cộng||7|5|4|1|2|57,1%");
    // The bars are drawn: the width follows the on-time rate.
    const json bar = browser.evaluate(
        "Math.round(document.querySelector('#units tbody tr .bar span').getBoundingClientRect()"
        ".width / document.querySelector('#units tbody tr .bar').getBoundingClientRect().width "
        "* 1000)");
    CHECK(bar.get<int>() == Approx(333).margin(2));
    const json missing = browser.evaluate(
        "Array.from(document.querySelectorAll('#missing tbody tr')).map(r => "
        "Array.from(r.cells).map(c => c.innerText.trim()).join('|'))");
    REQUIRE(missing.size() == 2);
    CHECK(missing[0] == "Xã Long Hưng|Ấp 2|T03|Tổ CNS Ấp 2 (B)|Lê Văn Cường|0912000003");
    CHECK(missing[1] ==
          "Xã An Phước|Ấp Bàu Cạn|T06|Tổ <b>Bàu Cạn</b> & \"Ấp\"|(chưa có tổ trưởng)|");
    CHECK(browser.evaluate("document.querySelectorAll('#missing b').length") == 0);
    CHECK(browser.evaluate("document.scripts.length") == 0);

    // The screenshot next to the test output.
    const json shot = browser.call("Page.captureScreenshot",
                                   {{"format", "png"}, {"captureBeyondViewport", true}});
    const std::string png = test::base64_decode(shot.at("data").get<std::string>());
    REQUIRE(png.rfind("\x89PNG\r\n\x1a\n", 0) == 0);
    const std::string screenshot = output_dir + "/admin-page.png";
    std::ofstream(screenshot, std::ios::binary) << png;
    std::cout << "admin page screenshot: " << screenshot << " (" << png.size() << " bytes)\n";

    // The session cookie is HttpOnly, SameSite=Strict and limited to /admin.
    const json cookies = browser.call("Network.getCookies", {{"urls", {base + "/admin"}}});
    std::string session;
    for (const auto& c : cookies.at("cookies")) {
        if (c.at("name") != "tcns_admin") continue;
        session = c.at("value").get<std::string>();
        CHECK(c.at("httpOnly") == true);
        CHECK(c.at("sameSite") == "Strict");
        CHECK(c.at("path") == "/admin");
    }
    REQUIRE(session.size() == 64);
    CHECK(browser.evaluate("document.cookie") == "");  // invisible to scripts

    // The download links carry the period and work with the session cookie; each export is
    // offered as XLSX first, then CSV.
    const json xlsx_links = browser.evaluate(
        "Array.from(document.querySelectorAll('ul.downloads li a:first-child'))"
        ".map(a => a.getAttribute('href'))");
    REQUIRE(xlsx_links.size() == 6);
    const json links = browser.evaluate(
        "Array.from(document.querySelectorAll('ul.downloads a[href*=\".csv\"]'))"
        ".map(a => a.getAttribute('href'))");
    REQUIRE(links.size() == 6);
    httplib::Client http("127.0.0.1", server.port());
    http.set_connection_timeout(5, 0);
    http.set_read_timeout(10, 0);
    for (const auto& link : links) {
        const std::string href = link.get<std::string>();
        INFO(href);
        CHECK(contains(href, "period=2026-10"));
        auto res = http.Get(href.c_str(), {{"Cookie", "tcns_admin=" + session}});
        REQUIRE(res);
        CHECK(res->status == 200);
        CHECK(res->body.rfind("\xEF\xBB\xBF", 0) == 0);
    }
    for (const auto& link : xlsx_links) {
        const std::string href = link.get<std::string>();
        INFO(href);
        CHECK(contains(href, ".xlsx?period=2026-10"));
        auto res = http.Get(href.c_str(), {{"Cookie", "tcns_admin=" + session}});
        REQUIRE(res);
        CHECK(res->status == 200);
        CHECK(res->body.rfind("PK\x03\x04", 0) == 0);  // a zip container
    }
    auto no_cookie = http.Get(links[0].get<std::string>().c_str());
    REQUIRE(no_cookie);
    CHECK(no_cookie->status == 401);

    // The picker: by district.
    browser.evaluate_and_wait_load(
        "document.querySelector('select[name=level]').value = 'district';"
        "document.querySelector('#picker button').click(); true");
    CHECK(browser.evaluate("location.search") == "?period=2026-10&level=district");
    const json districts = browser.evaluate(
        "Array.from(document.querySelectorAll('#units tbody tr')).map(r => "
        "Array.from(r.cells).slice(0, 8).map(c => c.innerText.trim()).join('|'))");
    REQUIRE(districts.size() == 3);
    CHECK(districts[0] == "Thành phố Biên Hòa|Tỉnh Đồng Nai|5|4|3|1|1|60,0%");
    CHECK(districts[1] == "Huyện Long Thành|Tỉnh Đồng Nai|2|1|1|0|1|50,0%");

    // September 2026: only T01 reported.
    browser.evaluate_and_wait_load(
        "document.querySelector('select[name=period]').value = '2026-09';"
        "document.querySelector('#picker button').click(); true");
    CHECK(browser.evaluate("document.getElementById('total-submitted').innerText") == "1");
    CHECK(browser.evaluate("document.getElementById('total-missing').innerText") == "6");

    // At 390 px (a phone) the page does not scroll sideways: the tables scroll inside their card.
    browser.call("Emulation.setDeviceMetricsOverride",
                 {{"width", 390}, {"height", 844}, {"deviceScaleFactor", 1}, {"mobile", true}});
    browser.navigate(base + "/admin?period=2026-10");
    CHECK(browser.evaluate("window.innerWidth") == 390);
    CHECK(browser.evaluate("document.documentElement.scrollWidth <= window.innerWidth") == true);
    CHECK(browser.evaluate("Array.from(document.querySelectorAll('table')).every(t => "
                           "t.closest('section').getBoundingClientRect().right <= "
                           "window.innerWidth + 0.5)") == true);
    {
        const json narrow = browser.call("Page.captureScreenshot",
                                         {{"format", "png"}, {"captureBeyondViewport", true}});
        std::ofstream(output_dir + "/admin-page-390.png", std::ios::binary)
            << test::base64_decode(narrow.at("data").get<std::string>());
    }
    browser.call("Emulation.setDeviceMetricsOverride",
                 {{"width", 1280}, {"height", 1600}, {"deviceScaleFactor", 1}, {"mobile", false}});

    // Logout: back to the login form, and the page is closed again.
    browser.evaluate_and_wait_load("document.querySelector('header button').click(); true");
    CHECK(browser.evaluate("location.pathname") == "/admin/login");
    browser.navigate(base + "/admin");
    CHECK(browser.evaluate("location.pathname") == "/admin/login");
    auto after = http.Get("/admin", {{"Cookie", "tcns_admin=" + session}});
    REQUIRE(after);
    CHECK(after->status == 303);

    // An official signs in with a link from chat (issue 16): the link page's button opens a
    // session that sees Xã Long Hưng only; a neighbouring commune answers 403.
    std::string link;
    {
        storage::Database handle(db);
        link = bot::web::create_link(
            handle, 10, 4,
            std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()));
    }
    browser.navigate(base + "/login/" + link);
    browser.evaluate_and_wait_load("document.querySelector('form button').click(); true");
    REQUIRE(browser.evaluate("location.pathname") == "/admin");
    const std::string official = browser.evaluate("document.body.innerText").get<std::string>();
    INFO(official);
    CHECK(contains(official, "Cán bộ Xã"));
    CHECK(contains(official, "Xã Long Hưng"));
    CHECK_FALSE(contains(official, "Phường Trảng Dài"));
    CHECK_FALSE(contains(official, "Xã An Phước"));
    browser.navigate(base + "/admin?unit=200");
    CHECK(browser.evaluate("document.body.innerText") == "error");
    browser.navigate(base + "/admin");
    browser.evaluate_and_wait_load(
        "document.querySelector('form[action=\"/admin/logout-all\"] button').click(); true");
    CHECK(browser.evaluate("location.pathname") == "/admin/login");
    browser.navigate(base + "/admin");
    CHECK(browser.evaluate("location.pathname") == "/admin/login");

    browser.close();
    const auto seconds = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now() - started)
                             .count() /
                         1000.0;
    std::cout << "browser test took " << seconds << " s\n";
    if (seconds > 30.0) WARN("the browser test took longer than its 30 s budget");
}
