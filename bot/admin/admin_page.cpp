#include "bot/admin/admin_page.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>

#include "bot/admin/admin_routes.hpp"
#include "bot/admin/html_page.hpp"
#include "bot/clock.hpp"
#include "bot/export_support.hpp"
#include "bot/log.hpp"
#include "bot/paths.hpp"
#include "bot/templates.hpp"
#include "core/html.hpp"
#include "core/messages.hpp"
#include "core/phone.hpp"
#include "storage/compliance.hpp"
#include "storage/database.hpp"
#include "storage/period_repo.hpp"

namespace tcns::bot {

namespace {

using core::html_escape;

std::string counts_row(const AdminTemplates& t, const std::string& tmpl,
                       const storage::ComplianceCounts& c, HtmlParams p) {
    const auto pct = c.on_time_pct();
    return p.text("teams", count_text(c.teams))
        .text("submitted", count_text(c.submitted))
        .text("on_time", count_text(c.on_time))
        .text("late", count_text(c.late))
        .text("missing", count_text(c.missing()))
        .text("pct", pct ? percent_text(pct) : t.say("no_value"))
        .text("bar_width", fmt::format("{:.1f}", pct.value_or(0.0)))
        .text("bar_class", level_class(pct))
        .fill(tmpl);
}

std::string option(const AdminTemplates& t, std::string_view value, std::string_view label,
                   bool selected) {
    return HtmlParams()
        .text("value", value)
        .text("label", label)
        .html("selected", selected ? " selected" : "")
        .fill(t.option);
}

std::string month_label(const AdminTemplates& t, const core::MonthPeriod& p) {
    return t.say("period_label",
                 {{"month", fmt::format("{:02}", p.month)}, {"year", std::to_string(p.year)}});
}

}  // namespace

std::string AdminTemplates::say(std::string_view key, const core::Params& params) const {
    const auto it = text.find(key);
    if (it == text.end()) return "[" + std::string(key) + "]";
    return core::fill_template(it->second, params);
}

AdminTemplates load_admin_templates(const std::string& templates_dir) {
    const std::string dir = templates_dir + "/admin/";
    AdminTemplates t;
    t.page = read_text(dir + "page.html");
    t.login = read_text(dir + "login.html");
    t.web_login = read_text(dir + "web_login.html");
    t.unit_row = read_text(dir + "unit_row.html");
    t.total_row = read_text(dir + "total_row.html");
    t.missing_row = read_text(dir + "missing_row.html");
    t.option = read_text(dir + "option.html");
    t.style = read_text(dir + "style.css");
    t.area = read_text(dir + "area.html");
    t.area_children = read_text(dir + "area_children.html");
    t.area_teams = read_text(dir + "area_teams.html");
    t.area_audit = read_text(dir + "area_audit.html");
    t.team = read_text(dir + "team.html");
    const std::string text_path = dir + "text.vi.json";
    const auto j = nlohmann::json::parse(read_text(text_path), nullptr, false);
    if (j.is_discarded() || !j.is_object())
        throw ConfigError(fmt::format("{}: not a JSON object", text_path));
    for (const auto& [k, v] : j.items()) {
        if (!v.is_string())
            throw ConfigError(fmt::format("{}: \"{}\" must be a string", text_path, k));
        t.text[k] = v.get<std::string>();
    }
    const std::string labels_path = templates_dir + "/exports.vi.json";
    t.labels = parse_export_labels(read_text(labels_path), labels_path);
    return t;
}

std::string percent_text(std::optional<double> pct) {
    if (!pct) return "-";
    std::string s = fmt::format("{:.1f}", *pct);
    std::replace(s.begin(), s.end(), '.', ',');
    return s + "%";
}

std::string count_text(std::int64_t n) {
    std::string digits = std::to_string(n < 0 ? -n : n);
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back('.');
        out.push_back(digits[i]);
    }
    return n < 0 ? "-" + out : out;
}

std::vector<core::MonthPeriod> period_choices(core::MonthPeriod current,
                                              std::optional<core::MonthPeriod> first,
                                              std::size_t max) {
    // Months before the first team existed have nothing to show (every count would be 0 %).
    std::vector<core::MonthPeriod> out;
    for (core::MonthPeriod p = current; out.size() < max; p = p.previous()) {
        out.push_back(p);
        if (first && !(*first < p)) break;
    }
    return out;
}

std::string render_admin_page(const AdminTemplates& t, const AdminPageView& v) {
    const std::string level_label = t.labels.level(v.level);

    std::string period_options;
    for (const auto& p : v.periods)
        period_options += option(t, p.str(), month_label(t, p), p == v.period);
    std::string level_options;
    for (const auto& l : v.levels) level_options += option(t, l, t.labels.level(l), l == v.level);

    std::string unit_rows;
    for (const auto& u : v.overview.units)
        unit_rows +=
            counts_row(t, t.unit_row, u.counts,
                       std::move(HtmlParams()
                                     .text("name", u.name)
                                     .text("parent", u.parent_name)
                                     .text("area_query", "unit=" + core::url_encode(u.code) +
                                                             "&period=" + v.period.str())));
    if (v.overview.units.empty())
        unit_rows += "<tr><td colspan=\"9\">" + html_escape(t.say("no_units")) + "</td></tr>\n";
    unit_rows += counts_row(t, t.total_row, v.overview.total, HtmlParams());

    std::string missing_rows;
    for (const auto& m : v.overview.missing) {
        missing_rows +=
            HtmlParams()
                .text("area", m.area)
                // Hamlet names repeat ("Khu phố 4" in many communes): name the commune too
                // whenever the chosen level is above it.
                .text("unit",
                      m.parent.empty() || m.parent == m.area ? m.unit : m.unit + ", " + m.parent)
                .text("team_code", m.team_code)
                .text("team_name", m.team_name)
                .text("leader", m.leader_name.empty() ? t.say("no_leader") : m.leader_name)
                .text("phone",
                      m.leader_phone.empty() ? std::string() : core::national_phone(m.leader_phone))
                .fill(t.missing_row);
    }
    const std::int64_t missing_total = v.overview.total.missing();
    const auto listed = static_cast<std::int64_t>(v.overview.missing.size());
    std::string missing_footer;
    if (missing_total == 0)
        missing_footer = "<p class=\"muted\">" + html_escape(t.say("missing_none")) + "</p>";
    else if (missing_total > listed)
        missing_footer =
            "<p class=\"muted\">" +
            html_escape(t.say("missing_more", {{"count", count_text(missing_total - listed)}})) +
            "</p>";

    // The quarterly workbook: this quarter and the previous one; the units of the chosen level
    // (districts, or the province) or the whole tree.
    const core::QuarterPeriod this_quarter = core::QuarterPeriod::of(v.period);
    const core::QuarterPeriod previous_quarter =
        core::QuarterPeriod::of(this_quarter.first_month().previous());
    std::string quarter_options;
    for (const auto& q : {this_quarter, previous_quarter})
        quarter_options += option(t, q.str(),
                                  t.say("quarter_label", {{"quarter", std::to_string(q.quarter)},
                                                          {"year", std::to_string(q.year)}}),
                                  q == this_quarter);
    std::string quarter_units = option(t, "", t.say("all_units"), false);
    for (const auto& u : v.overview.units) quarter_units += option(t, u.code, u.name, false);

    const std::string query = "period=" + core::url_encode(v.period.str());
    // The page counts a month still open to date; its roll-up links ask for the same.
    const std::string query_level = query + "&level=" + core::url_encode(v.level) +
                                    (v.now < v.deadline ? "&month_to_date=1" : "");
    // The same wording as the chat messages ("hết ngày 29/11/2026"), from the admin texts.
    const std::string deadline = core::deadline_words(
        v.deadline,
        core::Messages(std::map<std::string, std::string>(t.text.begin(), t.text.end())));
    const auto total_pct = v.overview.total.on_time_pct();

    return HtmlParams()
        .html("style", t.style)
        .html("notice_html", v.notice.empty()
                                 ? std::string()
                                 : "<div class=\"notice\">" + html_escape(v.notice) + "</div>")
        .html("period_options_html", period_options)
        .html("level_options_html", level_options)
        .text("period_label", month_label(t, v.period))
        .text("level_label", level_label)
        .text("deadline_text", t.say(v.now >= v.deadline ? "deadline_passed" : "deadline_open",
                                     {{"deadline", deadline}}))
        .text("total_teams", count_text(v.overview.total.teams))
        .text("total_submitted", count_text(v.overview.total.submitted))
        .text("total_on_time", count_text(v.overview.total.on_time))
        .text("total_late", count_text(v.overview.total.late))
        .text("total_revised_late", count_text(v.overview.total.revised_after_deadline))
        .text("total_missing", count_text(missing_total))
        .text("total_pct", total_pct ? percent_text(total_pct) : t.say("no_value"))
        .html("unit_rows_html", unit_rows)
        .html("missing_rows_html", missing_rows)
        .html("missing_footer_html", missing_footer)
        .text("export_query", query)
        .text("export_query_level", query_level)
        .html("quarter_options_html", quarter_options)
        .html("quarter_unit_options_html", quarter_units)
        .html("session_html",
              v.signed_in_as.empty()
                  ? std::string()
                  : "<p class=\"muted\">" + html_escape(v.signed_in_as) +
                        "</p><form method=\"post\" action=\"/admin/logout-all\"><button "
                        "type=\"submit\">" +
                        html_escape(t.say("sign_out_everywhere")) + "</button></form>")
        .fill(t.page);
}

std::string render_login_page(const AdminTemplates& t, const std::string& error) {
    return HtmlParams()
        .html("style", t.style)
        .html("error_html", error.empty() ? std::string()
                                          : "<div class=\"error\">" + html_escape(error) + "</div>")
        .fill(t.login);
}

namespace {

HttpResponse redirect(const std::string& to) {
    HttpResponse res;
    res.status = 303;
    res.set_header("Location", to);
    res.set_header("Cache-Control", "no-store");
    return res;
}

HttpResponse plain_error(int status) {
    HttpResponse res;
    res.status = status;
    res.set_content(status == 500 ? "internal error" : "error", "text/plain; charset=utf-8");
    return res;
}

/// The session cookie's attributes; Secure when the reverse proxy says the request came over
/// HTTPS (the dev server on http://127.0.0.1 could not set a Secure cookie).
std::string session_cookie(const HttpRequest& req, const std::string& value,
                           std::chrono::seconds max_age) {
    std::string c = fmt::format("{}={}; Path=/admin; Max-Age={}; HttpOnly; SameSite=Strict",
                                AdminSessions::kCookieName, value, max_age.count());
    if (req.header("X-Forwarded-Proto") == "https") c += "; Secure";
    return c;
}

std::optional<std::string> param(const HttpRequest& req, const char* name) {
    if (!req.has_param(name)) return std::nullopt;
    return req.param(name);
}

HttpResponse admin_page(const Config& config, const HttpRequest& req, const AdminAccess& access) {
    const auto started = std::chrono::steady_clock::now();
    const core::Instant now = wall_now();
    AdminTemplates t;
    std::unique_ptr<storage::Database> db;
    try {
        t = load_admin_templates(find_templates_dir(config.templates_dir));
        storage::Database::Options o;
        o.migrate = false;  // `serve` migrated at start-up
        db = std::make_unique<storage::Database>(config.database, o);
    } catch (const std::exception& e) {
        log::error("admin.page", {{"outcome", "setup_failed"}, {"error", e.what()}});
        return plain_error(500);
    }

    // An official's session sees its subtree only: a unit or level outside it is refused.
    if (const auto refused = scope_refusal(*db, access, req)) {
        log::warn("admin.page", {{"outcome", "out_of_scope"}, {"actor", access.actor()}});
        return plain_error(403);
    }
    AdminPageView v;
    v.now = now;
    if (access.scoped())
        v.signed_in_as = t.say(
            "signed_in_as", {{"name", access.web->person_name}, {"unit", access.web->unit_name}});
    const core::MonthPeriod current = core::current_period(now);
    // Default: the latest month with reports (the current one as soon as a team has reported),
    // so that the page opens on figures rather than on a month nobody has started.
    v.period = storage::latest_reported_period(*db, current).value_or(current);
    int status = 200;
    if (const auto p = param(req, "period")) {
        if (const auto parsed = core::MonthPeriod::parse(*p))
            v.period = *parsed;
        else {
            v.notice = t.say("bad_period", {{"period", month_label(t, v.period)}});
            status = 400;
        }
    }
    v.levels = storage::unit_levels(*db);
    if (access.scoped())
        std::erase_if(v.levels, [&](const std::string& l) {
            return !web::level_in_scope(*db, access.web->unit, l);
        });
    // The default level: communes when the tree has them, else the root's level.
    v.level = std::find(v.levels.begin(), v.levels.end(), "commune") != v.levels.end()
                  ? "commune"
                  : (v.levels.empty() ? "commune" : v.levels.front());
    if (const auto l = param(req, "level")) {
        if (std::find(v.levels.begin(), v.levels.end(), *l) != v.levels.end())
            v.level = *l;
        else {
            v.notice = t.say("bad_level", {{"level", t.labels.level(v.level)}});
            status = 400;
        }
    }
    v.periods = period_choices(current, storage::first_expected_month(*db));
    if (std::find(v.periods.begin(), v.periods.end(), v.period) == v.periods.end()) {
        v.periods.push_back(v.period);
        std::sort(v.periods.rbegin(), v.periods.rend());
    }
    v.deadline = storage::PeriodRepo(*db).deadline(v.period);
    v.overview = storage::compliance_overview(
        *db, v.period, v.level, kMissingListLimit,
        access.scoped() ? std::optional<std::int64_t>(access.web->unit) : std::nullopt);
    HttpResponse res = html_reply(status, render_admin_page(t, v));
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count();
    log::info("admin.page", {{"outcome", "ok"},
                             {"status", status},
                             {"period", v.period.str()},
                             {"level", v.level},
                             {"latency_ms", ms}});
    return res;
}

HttpResponse login_form(const Config& config, int status, const std::string& error_key) {
    try {
        const AdminTemplates t = load_admin_templates(find_templates_dir(config.templates_dir));
        return html_reply(status, render_login_page(t, error_key.empty() ? "" : t.say(error_key)));
    } catch (const std::exception& e) {
        log::error("admin.login", {{"outcome", "setup_failed"}, {"error", e.what()}});
        return plain_error(500);
    }
}

}  // namespace

bool same_origin(const HttpRequest& req) {
    // Browsers send Origin with every POST form (and Sec-Fetch-Site with it); a request from
    // another site is refused whatever its cookie. Clients that send neither are not browsers,
    // so not the confused deputy CSRF needs (curl with the bearer token, the tests).
    const std::string origin = req.header("Origin");
    const std::string site = req.header("Sec-Fetch-Site");
    if (!site.empty() && site != "same-origin" && site != "none") {
        log::warn("admin.csrf", {{"outcome", "refused"}, {"sec_fetch_site", site}});
        return false;
    }
    if (origin.empty()) return true;
    // "null": the page's Referrer-Policy (no-referrer) makes browsers hide the origin even for
    // same-origin POSTs; then Sec-Fetch-Site, which they send with it, must say same-origin.
    if (origin == "null") {
        if (site == "same-origin") return true;
        log::warn("admin.csrf", {{"outcome", "refused"}, {"origin", origin}});
        return false;
    }
    const auto scheme = origin.find("://");
    const std::string host = scheme == std::string::npos ? "" : origin.substr(scheme + 3);
    const std::string forwarded = req.header("X-Forwarded-Host");
    if (!host.empty() && (host == req.header("Host") || (!forwarded.empty() && host == forwarded)))
        return true;
    log::warn("admin.csrf", {{"outcome", "refused"}, {"origin", origin}});
    return false;
}

HttpResponse admin_page_get(const Config& config, AdminSessions& sessions, const HttpRequest& req) {
    const auto access = admin_access(req, config, sessions, wall_now());
    if (!access) return redirect("/admin/login");
    return admin_page(config, req, *access);
}

namespace {

/// The link page: a message and, while the link may still work, the button that uses it.
HttpResponse link_page(const Config& config, int status, const std::string& message_key,
                       const std::string& action) {
    try {
        const AdminTemplates t = load_admin_templates(find_templates_dir(config.templates_dir));
        const std::string form = action.empty()
                                     ? std::string()
                                     : "<form method=\"post\" action=\"" + html_escape(action) +
                                           "\"><button type=\"submit\" class=\"primary\">" +
                                           html_escape(t.say("sign_in")) + "</button></form>";
        return html_reply(
            status, HtmlParams()
                        .html("style", t.style)
                        .html("message_html", "<p>" + html_escape(t.say(message_key)) + "</p>")
                        .html("form_html", form)
                        .fill(t.web_login));
    } catch (const std::exception& e) {
        log::error("web.login", {{"outcome", "setup_failed"}, {"error", e.what()}});
        return plain_error(500);
    }
}

std::string link_token_of(const HttpRequest& req) {
    return req.matches.size() > 1 ? req.matches[1] : std::string();
}

std::unique_ptr<storage::Database> open_db(const Config& config) {
    storage::Database::Options o;
    o.migrate = false;  // `serve` migrated at start-up
    return std::make_unique<storage::Database>(config.database, o);
}

/// The officials' session cookie: Secure when the public address is https (or the proxy says
/// the request came over https); it lasts as long as a session may (the server decides).
std::string web_cookie(const Config& config, const HttpRequest& req, const std::string& value,
                       std::chrono::seconds max_age) {
    std::string c = fmt::format("{}={}; Path=/admin; Max-Age={}; HttpOnly; SameSite=Strict",
                                web::kCookieName, value, max_age.count());
    if (config.public_url.rfind("https://", 0) == 0 || req.header("X-Forwarded-Proto") == "https")
        c += "; Secure";
    return c;
}

}  // namespace

HttpResponse web_login_get(const Config& config, AdminSessions&, const HttpRequest& req) {
    const std::string token = link_token_of(req);
    if (token.size() != 64) return link_page(config, 404, "link_unknown", "");
    return link_page(config, 200, "link_prompt", "/login/" + token);
}

HttpResponse web_login_post(const Config& config, AdminSessions& sessions, const HttpRequest& req) {
    const core::Instant now = wall_now();
    if (!same_origin(req)) return plain_error(403);
    // Guessing links is throttled per address like guessing the admin token.
    if (!sessions.login_allowed(now, req.client)) {
        log::warn("web.login", {{"outcome", "throttled"}, {"status", 429}});
        return link_page(config, 429, "login_throttled", "");
    }
    std::optional<web::Redeemed> redeemed;
    web::RedeemError error = web::RedeemError::kUnknown;
    try {
        auto db = open_db(config);
        redeemed = storage::with_transaction(*db, [&] {
            return web::redeem_link(*db, link_token_of(req), now, req.client, &error);
        });
    } catch (const std::exception& e) {
        log::error("web.login", {{"outcome", "failed"}, {"error", e.what()}});
        return plain_error(500);
    }
    if (!redeemed) {
        if (error == web::RedeemError::kUnknown) sessions.record_failure(now, req.client);
        const char* key = error == web::RedeemError::kExpired ? "link_expired"
                          : error == web::RedeemError::kUsed  ? "link_used"
                                                              : "link_unknown";
        log::warn("web.login", {{"outcome", key}, {"client", req.client}});
        return link_page(config, error == web::RedeemError::kUnknown ? 404 : 410, key, "");
    }
    HttpResponse res = redirect("/admin");
    res.set_header("Set-Cookie", web_cookie(config, req, redeemed->token, web::kMaxSessionAge));
    log::info("web.login", {{"outcome", "ok"},
                            {"session", redeemed->session.id},
                            {"unit", redeemed->session.unit_code}});
    return res;
}

HttpResponse admin_logout_all_post(const Config& config, AdminSessions& sessions,
                                   const HttpRequest& req) {
    if (!same_origin(req)) return plain_error(403);
    const core::Instant now = wall_now();
    const auto access = admin_access(req, config, sessions, now);
    if (!access) return redirect("/admin/login");
    if (access->scoped()) {
        try {
            auto db = open_db(config);
            const int n = storage::with_transaction(*db, [&] {
                const int revoked = web::revoke_person(*db, access->web->person, now);
                web::audit(*db, access->person(), access->actor(), "sign_out_everywhere",
                           std::to_string(revoked) + " sessions", req.client, now);
                return revoked;
            });
            log::info("web.logout_all", {{"outcome", "ok"}, {"revoked", n}});
        } catch (const std::exception& e) {
            log::error("web.logout_all", {{"outcome", "failed"}, {"error", e.what()}});
            return plain_error(500);
        }
    } else if (const auto id = cookie_value(req.header("Cookie"), AdminSessions::kCookieName)) {
        sessions.end(*id);
    }
    HttpResponse res = redirect("/admin/login");
    res.set_header("Set-Cookie", session_cookie(req, "", std::chrono::seconds(0)));
    res.set_header("Set-Cookie", web_cookie(config, req, "", std::chrono::seconds(0)));
    return res;
}

HttpResponse admin_login_get(const Config& config, AdminSessions& sessions,
                             const HttpRequest& req) {
    if (admin_authorized(req, config, sessions, wall_now())) return redirect("/admin");
    return login_form(config, 200, "");
}

HttpResponse admin_login_post(const Config& config, AdminSessions& sessions,
                              const HttpRequest& req) {
    const core::Instant now = wall_now();
    if (!same_origin(req)) return plain_error(403);
    if (!sessions.login_allowed(now, req.client)) {
        log::warn("admin.login", {{"outcome", "throttled"}, {"status", 429}});
        return login_form(config, 429, "login_throttled");
    }
    const std::string given = req.param("token");
    if (!tokens_match(given, config.secrets.admin_token)) {
        sessions.record_failure(now, req.client);
        log::warn("admin.login", {{"outcome", "refused"}, {"status", 401}});
        return login_form(config, 401, "login_failed");
    }
    std::string id;
    try {
        id = sessions.create(now);
    } catch (const std::exception& e) {
        log::error("admin.login", {{"outcome", "failed"}, {"error", e.what()}});
        return plain_error(500);
    }
    HttpResponse res = redirect("/admin");
    res.set_header("Set-Cookie", session_cookie(req, id, sessions.ttl()));
    log::info("admin.login", {{"outcome", "ok"}, {"status", 303}});
    return res;
}

HttpResponse admin_logout_post(const Config& config, AdminSessions& sessions,
                               const HttpRequest& req) {
    if (!same_origin(req)) return plain_error(403);
    if (const auto id = cookie_value(req.header("Cookie"), AdminSessions::kCookieName))
        sessions.end(*id);
    if (const auto token = cookie_value(req.header("Cookie"), web::kCookieName)) {
        try {
            auto db = open_db(config);
            if (auto s = web::find_session(*db, *token, wall_now()))
                web::revoke_session(*db, s->id, wall_now());
        } catch (const std::exception& e) {
            log::error("web.logout", {{"outcome", "failed"}, {"error", e.what()}});
        }
    }
    HttpResponse res = redirect("/admin/login");
    res.set_header("Set-Cookie", session_cookie(req, "", std::chrono::seconds(0)));
    res.set_header("Set-Cookie", web_cookie(config, req, "", std::chrono::seconds(0)));
    log::info("admin.logout", {{"outcome", "ok"}, {"status", 303}});
    return res;
}

}  // namespace tcns::bot
