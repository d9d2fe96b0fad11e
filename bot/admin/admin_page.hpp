#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bot/admin/admin_session.hpp"
#include "bot/config.hpp"
#include "bot/http/http_types.hpp"
#include "core/messages.hpp"
#include "core/period.hpp"
#include "core/time.hpp"
#include "storage/admin_overview.hpp"
#include "storage/exports.hpp"

namespace tcns::bot {

/// templates/admin/: the pages, their row fragments, the style sheet and the Vietnamese words
/// (text.vi.json), plus the level names of exports.vi.json.
struct AdminTemplates {
    std::string page;
    std::string login;
    std::string web_login;
    std::string unit_row;
    std::string total_row;
    std::string missing_row;
    std::string option;
    std::string style;
    std::string area;           ///< the drill-down page (bot/admin/web_page.hpp)
    std::string area_children;  ///< its child units' section
    std::string area_teams;     ///< its teams' section
    std::string area_audit;     ///< its audit log section (province admin only)
    std::string team;           ///< a team's page
    std::map<std::string, std::string, std::less<>> text;
    storage::ExportLabels labels;

    /// A text.vi.json entry with its {placeholders} filled (not escaped); "[key]" when missing.
    std::string say(std::string_view key, const core::Params& params = {}) const;
};

/// Loads templates/admin/ and exports.vi.json. Throws ConfigError naming a missing or malformed
/// file.
AdminTemplates load_admin_templates(const std::string& templates_dir);

/// What the admin page shows.
struct AdminPageView {
    core::MonthPeriod period;
    std::string level;
    std::vector<core::MonthPeriod> periods;  ///< the period picker's choices, newest first
    std::vector<std::string> levels;         ///< the level picker's choices
    core::Instant deadline{};
    core::Instant now{};
    storage::ComplianceOverview overview;
    std::string notice;        ///< plain text shown above the page (a corrected parameter), or ""
    std::string signed_in_as;  ///< an official's web session: "name — unit"; "" for the admin
};

/// The period picker's months, newest first: from `current` back `max` months, but not before
/// `first` (the first month any team was expected; nullopt: no limit).
std::vector<core::MonthPeriod> period_choices(core::MonthPeriod current,
                                              std::optional<core::MonthPeriod> first,
                                              std::size_t max = 24);

/// The admin page as HTML. Every value from the database or the request is escaped.
std::string render_admin_page(const AdminTemplates& t, const AdminPageView& view);
/// The login form, with an error (plain text) when not empty.
std::string render_login_page(const AdminTemplates& t, const std::string& error);

/// "85,5%" (Vietnamese decimal comma), "-" without a value.
std::string percent_text(std::optional<double> pct);
/// "1.048" (Vietnamese thousands separator).
std::string count_text(std::int64_t n);

/// How many missing teams the page lists.
inline constexpr std::size_t kMissingListLimit = 200;

/// True unless a browser says the request comes from another site: Origin (when sent) names
/// this host, and Sec-Fetch-Site (when sent) is same-origin. Checked on every state-changing POST.
bool same_origin(const HttpRequest& req);

/// GET /admin: the page for a logged-in admin, else a redirect to the login form.
HttpResponse admin_page_get(const Config& config, AdminSessions& sessions, const HttpRequest& req);
/// GET /admin/login: the login form (a redirect to /admin when already logged in).
HttpResponse admin_login_get(const Config& config, AdminSessions& sessions, const HttpRequest& req);
/// POST /admin/login: checks the token (throttled), starts a session.
HttpResponse admin_login_post(const Config& config, AdminSessions& sessions,
                              const HttpRequest& req);
/// GET /login/<token>: the page of a sign-in link from chat, with a button that POSTs it (a
/// chat app's link preview must not use up the link).
HttpResponse web_login_get(const Config& config, AdminSessions& sessions, const HttpRequest& req);
/// POST /login/<token>: uses the link once, opens an official's session scoped to their unit.
HttpResponse web_login_post(const Config& config, AdminSessions& sessions, const HttpRequest& req);
/// POST /admin/logout-all: revokes every web session of the signed-in official.
HttpResponse admin_logout_all_post(const Config& config, AdminSessions& sessions,
                                   const HttpRequest& req);
/// POST /admin/logout: ends the session.
HttpResponse admin_logout_post(const Config& config, AdminSessions& sessions,
                               const HttpRequest& req);

}  // namespace tcns::bot
