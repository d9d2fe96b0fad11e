#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "bot/admin/admin_page.hpp"
#include "bot/admin/admin_session.hpp"
#include "bot/config.hpp"
#include "bot/http/http_types.hpp"
#include "core/form.hpp"
#include "core/period.hpp"
#include "core/time.hpp"
#include "storage/compliance.hpp"
#include "storage/database.hpp"

namespace tcns::bot {

/// The months a page counts: one month, its quarter, or the year to it.
enum class Span { kMonth, kQuarter, kYearToDate };

/// The period picker's answer: the chosen month and how far back from it.
struct PeriodSel {
    core::MonthPeriod month;
    Span span = Span::kMonth;
    /// The months it names: {month}, the month's quarter (up to the month), or January..month.
    storage::MonthRange range() const;
    /// "month", "quarter", "ytd"
    std::string span_code() const;
};
/// Reads a span code; nullopt when unknown.
std::optional<Span> parse_span(std::string_view code);

/// Who looks at the page: the subtree root they may see (nullopt: all, the admin token) and
/// whether they are a province admin (the admin token, or an official of a root unit), who alone
/// sees the audit log.
struct PageScope {
    std::optional<std::int64_t> root;
    bool province_admin = false;
    std::string signed_in_as;  ///< "name — unit" for an official; "" for the admin token
};

/// What the pages read besides the database: the admin templates and the monthly form (the
/// indicators' labels and order).
struct WebPageContext {
    const AdminTemplates& templates;
    const core::Form& form;
    core::Instant now;
};

/// The drill-down page of one unit (GET /admin/area): breadcrumbs, its totals and indicators
/// against targets for the chosen months, its child units worst first (filtered by `filter`),
/// its teams when there are few, a 12-month trend in inline SVG, and (for a province admin) the
/// audit log. The caller has checked that `unit` lies inside `scope`.
std::string render_unit_page(const WebPageContext& ctx, storage::Database& db,
                             const PageScope& scope, std::int64_t unit, const PeriodSel& sel,
                             const std::string& filter = "");

/// A team's page (GET /admin/team): its reports month by month for the 12 months ending with
/// the chosen month, every revision with who and when, its difficulties. The caller has checked
/// that the team lies inside `scope`.
std::string render_team_page(const WebPageContext& ctx, storage::Database& db,
                             const PageScope& scope, std::int64_t team, const PeriodSel& sel);

/// GET /admin/area?unit=CODE&period=YYYY-MM&span=month|quarter|ytd&q=TEXT
HttpResponse area_page_get(const Config& config, AdminSessions& sessions, const HttpRequest& req);
/// GET /admin/team?team=CODE&period=YYYY-MM
HttpResponse team_page_get(const Config& config, AdminSessions& sessions, const HttpRequest& req);

}  // namespace tcns::bot
