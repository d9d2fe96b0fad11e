// Issue 16's acceptance in headless Chromium: the demo commune official asks for a sign-in link
// in the console chat (`web`), opens it, drills down from the commune to a hamlet and a team, at
// 1280 px and at 390 px; a neighbouring commune's team is not shown and its URL answers 403; at
// 390 px no table makes the page wider than the screen. Screenshots land in build/tests/.
#include <httplib.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <regex>
#include <thread>

#include "bot/config.hpp"
#include "bot/http/server.hpp"
#include "storage/database.hpp"
#include "tests/integration/cdp_browser.hpp"
#include "tests/support/cli.hpp"
#include "tests/support/temp_dir.hpp"

using namespace tcns;
using nlohmann::json;

namespace {

class Serving {
  public:
    Serving(const std::string& db, const std::string& public_url_prefix) {
        bot::Config config;
        config.database = db;
        config.templates_dir = std::string(TCNS_SOURCE_DIR) + "/templates";
        config.server.listen = "127.0.0.1";
        config.server.port = 0;
        config.server.threads = 4;
        config.public_url = public_url_prefix;  // the admin surface exists with a public_url
        server_ = std::make_unique<bot::Server>(config);
        port_ = server_->bind();
        thread_ = std::thread([this] { server_->run(); });
    }
    ~Serving() {
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

std::string query_text(storage::Database& db, const std::string& sql, const std::string& arg) {
    SQLite::Statement q(db.handle(), sql);
    q.bind(1, arg);
    REQUIRE(q.executeStep());
    return q.getColumn(0).getString();
}

/// The whole page, or (`whole` false) what the screen shows first.
void screenshot(test::CdpBrowser& browser, const std::string& path, bool whole = true) {
    const json shot = browser.call("Page.captureScreenshot",
                                   {{"format", "png"}, {"captureBeyondViewport", whole}});
    const std::string png = test::base64_decode(shot.at("data").get<std::string>());
    REQUIRE(png.rfind("\x89PNG\r\n\x1a\n", 0) == 0);
    std::ofstream(path, std::ios::binary) << png;
    std::cout << "screenshot: " << path << " (" << png.size() << " bytes)\n";
}

// At a phone's width: the document never scrolls sideways, and every table's card (the element
// that scrolls it) fits in the viewport; tiles wrap inside it too.
const char* const kFitsScript = R"js((() => {
  const w = window.innerWidth;
  const bad = [];
  if (document.documentElement.scrollWidth > w) bad.push('document ' + document.documentElement.scrollWidth);
  for (const t of document.querySelectorAll('table')) {
    const card = t.closest('section');
    const r = card.getBoundingClientRect();
    if (r.left < -0.5 || r.right > w + 0.5) bad.push('table ' + (t.id || '?') + ' card ' + r.right);
    if (t.getBoundingClientRect().width > card.clientWidth + 0.5 && getComputedStyle(card).overflowX !== 'auto')
      bad.push('table ' + (t.id || '?') + ' overflows its card');
  }
  for (const el of document.querySelectorAll('.tiles div, svg, nav.crumbs, form')) {
    const r = el.getBoundingClientRect();
    if (r.right > w + 0.5) bad.push(el.tagName + ' ' + r.right);
  }
  return bad.join('; ');
})())js";

}  // namespace

TEST_CASE("the demo commune official signs in from the chat and drills down to a team",
          "[integration][browser][web]") {
    const auto started = std::chrono::steady_clock::now();
    const auto executable = test::CdpBrowser::find_executable();
    if (!executable) {
        if (std::getenv("TCNS_REQUIRE_BROWSER"))
            FAIL("chromium is not installed and TCNS_REQUIRE_BROWSER is set");
        std::cout << "SKIPPED: the web page browser test needs chromium\n";
        SUCCEED("skipped: no browser");
        return;
    }
    test::TempDir dir;
    const std::string db = dir.file("demo.db");
    const std::string samples = std::string(TCNS_SOURCE_DIR) + "/deploy/samples";
    // The demo database as `deploy/dev.sh run` prepares it.
    for (const std::vector<std::string>& cmd :
         {std::vector<std::string>{"--db", db, "migrate"},
          {"--db", db, "import", "units", samples + "/dong-nai-units-2025-03.csv"},
          {"--db", db, "demo", "seed"},
          {"--db", db, "demo", "history"}}) {
        const auto r = test::tcns_cli(cmd);
        INFO(r.err);
        REQUIRE(r.rc == 0);
    }
    const auto hint = test::tcns_cli({"--db", db, "demo", "hint"});
    REQUIRE(hint.rc == 0);
    std::smatch m;
    REQUIRE(std::regex_search(hint.out, m, std::regex("Official: +[^\\n]*, phone (\\d+)")));
    const std::string official_phone = m[1];

    // The official's commune, a neighbour (same district) and one of the neighbour's teams.
    std::string commune, commune_name, neighbour_team, neighbour_name;
    {
        storage::Database handle(db);
        const std::string phone = "84" + official_phone.substr(1);
        commune = query_text(handle,
                             "SELECT u.code FROM people p JOIN roles r ON r.person_id = p.id "
                             "JOIN units u ON u.id = r.unit_id WHERE p.phone = ? AND "
                             "r.role = 'official' ORDER BY u.code LIMIT 1",
                             phone);
        commune_name = query_text(handle, "SELECT name FROM units WHERE code = ?", commune);
        neighbour_team = query_text(handle, R"sql(
SELECT t.code FROM units c
JOIN units n ON n.parent_id = c.parent_id AND n.id <> c.id
JOIN units h ON h.parent_id = n.id
JOIN teams t ON t.unit_id = h.id
WHERE c.code = ? ORDER BY n.code, t.code LIMIT 1)sql",
                                    commune);
        // Team names repeat across communes ("Tổ CNS Khu phố 1"): the neighbour commune's name
        // is what must not show.
        neighbour_name = query_text(handle,
                                    "SELECT n.name FROM teams t JOIN units h ON h.id = t.unit_id "
                                    "JOIN units n ON n.id = h.parent_id WHERE t.code = ?",
                                    neighbour_team);
        // Targets for the commune this year, so that the page has chỉ tiêu to show.
        handle.handle().exec(
            "INSERT INTO targets(unit_id, item_code, period, value) SELECT id, 'LH01', "
            "strftime('%Y', 'now'), 1200 FROM units WHERE code = '" +
            commune + "'");
    }
    INFO("official " << official_phone << " of " << commune << ", neighbour team "
                     << neighbour_team);

    // The server first (its port makes the public address), then the link from the chat.
    const std::string output_dir = TCNS_TEST_OUTPUT_DIR;
    Serving server(db, "http://127.0.0.1");
    const std::string base = "http://127.0.0.1:" + std::to_string(server.port());
    const std::string config_path = dir.file("config.json");
    std::ofstream(config_path) << json{
        {"public_url", base},
        {"templates_dir",
         std::string(TCNS_SOURCE_DIR) +
             "/templates"}}.dump();
    const auto chat = test::tcns_cli(
        {"--db", db, "--config", config_path, "chat", "--as", official_phone}, "web\n");
    INFO(chat.out << chat.err);
    REQUIRE(chat.rc == 0);
    REQUIRE(std::regex_search(chat.out, m, std::regex(base + "/login/[0-9a-f]{64}")));
    const std::string link = m[0];

    test::CdpBrowser browser(*executable, dir.file("profile"), output_dir + "/web-browser.log",
                             std::chrono::seconds(60));
    browser.open_page();
    browser.call("Emulation.setDeviceMetricsOverride",
                 {{"width", 1280}, {"height", 1000}, {"deviceScaleFactor", 1}, {"mobile", false}});
    browser.navigate(link);
    browser.evaluate_and_wait_load("document.querySelector('form button').click(); true");
    REQUIRE(browser.evaluate("location.pathname") == "/admin");

    // The drill-down tab: the official's commune, its hamlets worst first, its teams.
    browser.evaluate_and_wait_load(
        "document.querySelector('nav.tabs a[href=\"/admin/area\"]').click(); true");
    REQUIRE(browser.evaluate("location.pathname") == "/admin/area");
    std::string text = browser.evaluate("document.body.innerText").get<std::string>();
    CHECK(contains(text, commune_name));
    CHECK_FALSE(contains(text, neighbour_team));
    CHECK_FALSE(contains(text, neighbour_name));
    CHECK(browser.evaluate("document.scripts.length") == 0);
    CHECK(
        browser.evaluate("document.querySelectorAll('#trend-on-time svg rect').length").get<int>() >
        0);
    CHECK(browser.evaluate("document.querySelectorAll('#indicators tbody tr').length").get<int>() >
          5);
    CHECK(browser.evaluate("document.querySelectorAll('#legend .swatch').length") == 3);
    CHECK(browser.evaluate("!!document.getElementById('audit')") == false);
    // Worst first: the hamlets' on-time rates never go down the table.
    const json rates = browser.evaluate(
        "Array.from(document.querySelectorAll('#children tbody tr')).map(r => "
        "parseFloat(r.cells[5].innerText.replace(',', '.')))");
    REQUIRE(rates.size() > 1);
    for (std::size_t i = 1; i < rates.size(); ++i)
        if (rates[i].is_number() && rates[i - 1].is_number())
            CHECK(rates[i - 1].get<double>() <= rates[i].get<double>());
    screenshot(browser, output_dir + "/web-commune-1280.png");

    // The filter box (a GET form): the first hamlet's name keeps it and drops the others.
    const std::string first_hamlet =
        browser.evaluate("document.querySelector('#children tbody tr a').innerText");
    browser.evaluate_and_wait_load(
        "document.querySelector('#picker input[name=q]').value = " + json(first_hamlet).dump() +
        "; document.querySelector('#picker button').click(); true");
    CHECK(browser.evaluate("document.querySelectorAll('#children tbody tr').length").get<int>() >=
          1);
    CHECK(contains(browser.evaluate("location.search").get<std::string>(), "q="));

    // A click on the hamlet, then on its first team: the team's months, revisions, difficulties.
    browser.evaluate_and_wait_load("document.querySelector('#children tbody tr a').click(); true");
    CHECK(browser.evaluate("document.querySelectorAll('#crumbs a').length").get<int>() >= 1);
    browser.evaluate_and_wait_load("document.querySelector('#teams tbody tr a').click(); true");
    REQUIRE(browser.evaluate("location.pathname") == "/admin/team");
    CHECK(browser.evaluate("document.querySelectorAll('#months tbody tr').length") == 12);
    CHECK(browser.evaluate("document.querySelectorAll('#revisions tbody tr').length").get<int>() >=
          1);
    CHECK(browser.evaluate("!!document.getElementById('difficulties')") == true);
    const std::string team_url = browser.evaluate("location.href");
    screenshot(browser, output_dir + "/web-team-1280.png");

    // Outside the commune: the neighbour's team page answers 403, in the browser and to a client
    // with the same session cookie.
    browser.navigate(base + "/admin/team?team=" + neighbour_team);
    CHECK(browser.evaluate("document.body.innerText") == "error");
    const json cookies = browser.call("Network.getCookies", {{"urls", {base + "/admin"}}});
    std::string session;
    for (const auto& c : cookies.at("cookies"))
        if (c.at("name") == "tcns_web") session = c.at("value").get<std::string>();
    REQUIRE(session.size() == 64);
    httplib::Client http("127.0.0.1", server.port());
    http.set_connection_timeout(5, 0);
    http.set_read_timeout(10, 0);
    const httplib::Headers cookie = {{"Cookie", "tcns_web=" + session}};
    auto res = http.Get(("/admin/team?team=" + neighbour_team).c_str(), cookie);
    REQUIRE(res);
    CHECK(res->status == 403);
    res = http.Get("/admin/area", cookie);
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK_FALSE(contains(res->body, neighbour_team));

    // A phone, 390 px wide: the same pages, nothing wider than the screen.
    browser.call("Emulation.setDeviceMetricsOverride",
                 {{"width", 390}, {"height", 844}, {"deviceScaleFactor", 1}, {"mobile", true}});
    browser.navigate(base + "/admin/area");
    CHECK(browser.evaluate("window.innerWidth") == 390);
    CHECK(browser.evaluate(kFitsScript) == "");
    screenshot(browser, output_dir + "/web-commune-390.png");
    screenshot(browser, output_dir + "/web-commune-390-screen.png", false);
    browser.navigate(team_url);
    CHECK(browser.evaluate(kFitsScript) == "");
    screenshot(browser, output_dir + "/web-team-390.png");
    screenshot(browser, output_dir + "/web-team-390-screen.png", false);
    browser.navigate(base + "/admin");
    CHECK(browser.evaluate(kFitsScript) == "");

    browser.close();
    const auto seconds = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now() - started)
                             .count() /
                         1000.0;
    std::cout << "web browser test took " << seconds << " s\n";
}
