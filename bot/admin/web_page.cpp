#include "bot/admin/web_page.hpp"

#include <fmt/format.h>

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <tuple>
#include <variant>

#include "bot/admin/admin_routes.hpp"
#include "bot/admin/html_page.hpp"
#include "bot/admin/web_access.hpp"
#include "bot/clock.hpp"
#include "bot/export_support.hpp"
#include "bot/log.hpp"
#include "bot/paths.hpp"
#include "core/html.hpp"
#include "core/phone.hpp"
#include "core/vietnamese.hpp"
#include "storage/admin_overview.hpp"
#include "storage/period_repo.hpp"
#include "storage/targets_repo.hpp"
#include "storage/web_queries.hpp"

namespace tcns::bot {

namespace {

using core::html_escape;

const char* fill_colour(const std::string& cls) {
    return cls == "good" ? "#2e7d32" : cls == "fair" ? "#f9a825" : "#c62828";
}

std::optional<double> ratio(std::int64_t part, std::optional<std::int64_t> whole) {
    if (!whole || *whole <= 0) return std::nullopt;
    return 100.0 * static_cast<double>(part) / static_cast<double>(*whole);
}

std::string bar_html(std::optional<double> pct) {
    return fmt::format(
        "<div class=\"bar\" title=\"{}\"><span class=\"{}\" style=\"width: {:.1f}%\"></span></div>",
        html_escape(percent_text(pct)), level_class(pct), std::min(100.0, pct.value_or(0.0)));
}

std::string month_number(int month) {
    return fmt::format("{:02}", month);
}

std::string month_label(const AdminTemplates& t, const core::MonthPeriod& m) {
    return t.say("sel.month", {{"month", month_number(m.month)}, {"year", std::to_string(m.year)}});
}

std::string short_month(const AdminTemplates& t, const core::MonthPeriod& m) {
    return t.say("month_short",
                 {{"month", month_number(m.month)}, {"yy", month_number(m.year % 100)}});
}

std::string sel_label(const AdminTemplates& t, const PeriodSel& sel) {
    const auto r = sel.range();
    const core::Params p = {{"month", month_number(sel.month.month)},
                            {"year", std::to_string(sel.month.year)},
                            {"quarter", std::to_string(core::QuarterPeriod::of(sel.month).quarter)},
                            {"from", month_number(r.from.month)},
                            {"to", month_number(r.to.month)}};
    switch (sel.span) {
        case Span::kQuarter:
            return t.say("sel.quarter", p);
        case Span::kYearToDate:
            return t.say("sel.ytd", p);
        case Span::kMonth:
            break;
    }
    return t.say("sel.month", p);
}

std::string query_of(const std::string& key, const std::string& value, const PeriodSel& sel) {
    return "?" + key + "=" + core::url_encode(value) + "&period=" + sel.month.str() +
           (sel.span == Span::kMonth ? "" : "&span=" + sel.span_code());
}

std::string area_href(const std::string& unit_code, const PeriodSel& sel) {
    return "/admin/area" + query_of("unit", unit_code, sel);
}

std::string team_href(const std::string& team_code, const PeriodSel& sel) {
    return "/admin/team" + query_of("team", team_code, sel);
}

/// Breadcrumbs from the root: units above the viewer's scope are named but not linked.
std::string crumbs(storage::Database& db, const PageScope& scope, std::int64_t unit,
                   const PeriodSel& sel, const std::string& last_html) {
    std::string out;
    bool inside = !scope.root;
    const auto path = storage::unit_path(db, unit);
    for (std::size_t i = 0; i < path.size(); ++i) {
        const auto& u = path[i];
        if (scope.root && u.id == *scope.root) inside = true;
        if (!out.empty()) out += "<span class=\"sep\">›</span>";
        const bool is_last = i + 1 == path.size() && last_html.empty();
        if (inside && !is_last)
            out += "<a href=\"" + html_escape(area_href(u.code, sel)) + "\">" +
                   html_escape(u.name) + "</a>";
        else
            out += "<span" + std::string(is_last ? " aria-current=\"page\"" : "") + ">" +
                   html_escape(u.name) + "</span>";
    }
    if (!last_html.empty()) out += "<span class=\"sep\">›</span>" + last_html;
    return out;
}

/// The count items of the form in order, and the main ones the trend draws: those someone set a
/// target for (at most four), else the first four.
struct Indicators {
    std::vector<const core::FormItem*> all;
    std::vector<const core::FormItem*> main;
};

Indicators indicators(storage::Database& db, const core::Form& form) {
    Indicators out;
    for (const core::FormItem* item : form.enabled_items())
        if (item->type == core::ItemType::kCount) out.all.push_back(item);
    // One probe per item through targets_item (migration 14): a national roster has hundreds
    // of thousands of targets, too many to scan for each page.
    auto& q = db.cached("SELECT 1 FROM targets WHERE item_code = ? LIMIT 1");
    for (const core::FormItem* item : out.all) {
        if (out.main.size() >= 4) break;
        q.bind(1, item->code);
        if (q.executeStep()) out.main.push_back(item);
        q.reset();
    }
    for (const core::FormItem* item : out.all)
        if (out.main.size() < 4 &&
            std::find(out.main.begin(), out.main.end(), item) == out.main.end())
            out.main.push_back(item);
    return out;
}

std::optional<std::int64_t> lookup(const std::map<std::string, std::int64_t>& m,
                                   const std::string& key) {
    const auto it = m.find(key);
    if (it == m.end()) return std::nullopt;
    return it->second;
}

/// "1.234 / 2.000" and its bar: an indicator's result against its target in one cell.
std::string result_cell(std::int64_t total, std::optional<std::int64_t> target) {
    const auto pct = ratio(total, target);
    std::string s = "<td class=\"num\">" + html_escape(count_text(total));
    if (target) s += " / " + html_escape(count_text(*target));
    if (pct) s += "<br>" + html_escape(percent_text(pct)) + bar_html(pct);
    return s + "</td>";
}

bool matches(const std::string& folded_filter, std::string_view text) {
    return folded_filter.empty() ||
           core::fold_vietnamese(text).find(folded_filter) != std::string::npos;
}

// The on-time chart: one bar per month, its % above, gridlines at 0, 50, 80 and 100 %.
std::string on_time_svg(const AdminTemplates& t, const std::vector<storage::TrendMonth>& trend) {
    constexpr double kWidth = 640, kHeight = 210, kLeft = 40, kRight = 8, kTop = 20, kBottom = 30;
    const double plot_h = kHeight - kTop - kBottom;
    const double slot = (kWidth - kLeft - kRight) / std::max<std::size_t>(1, trend.size());
    std::string s = fmt::format(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {} {}\" role=\"img\" "
        "font-size=\"11\">",
        kWidth, kHeight);
    for (const int g : {0, 50, 80, 100}) {
        const double y = kTop + plot_h * (1.0 - g / 100.0);
        s += fmt::format(
            "<line x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#b8c2cc\" "
            "stroke-width=\"1\"{}/><text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\" "
            "fill=\"#5b6875\">{}%</text>",
            kLeft, kWidth - kRight, y, y, g == 80 ? " stroke-dasharray=\"4 3\"" : "", kLeft - 4,
            y + 4, g);
    }
    for (std::size_t i = 0; i < trend.size(); ++i) {
        const auto& m = trend[i];
        const double x = kLeft + slot * static_cast<double>(i);
        const auto pct = m.counts.on_time_pct();
        // A month at 0 % keeps a sliver of red: "nobody on time" is not "no data".
        const double h = pct ? std::max(2.0, plot_h * *pct / 100.0) : 0.0;
        const std::string title =
            t.say("chart_bar_title", {{"month", short_month(t, m.month)},
                                      {"pct", percent_text(pct)},
                                      {"on_time", count_text(m.counts.on_time)},
                                      {"expected", count_text(m.counts.expected)}});
        s += "<g><title>" + html_escape(title) + "</title>";
        if (pct)
            s += fmt::format(
                "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\"/>",
                x + slot * 0.18, kTop + plot_h - h, slot * 0.64, h, fill_colour(level_class(pct)));
        s += fmt::format(
            "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" fill=\"#1d2733\">{}</text>",
            x + slot / 2, kTop + plot_h - h - 4,
            html_escape(pct ? fmt::format("{:.0f}%", *pct) : "-"));
        s += fmt::format(
            "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" fill=\"#5b6875\">{}</text></g>",
            x + slot / 2, kHeight - 10, html_escape(short_month(t, m.month)));
    }
    return s + "</svg>";
}

// One small chart per main indicator: the result as a solid line with dots, the target (when
// one is set) dashed; labelled with the highest value and the first and last months, so that a
// black-and-white print still reads.
std::string item_svg(const AdminTemplates& t, const std::vector<storage::TrendMonth>& trend,
                     const std::string& code,
                     const std::vector<std::optional<std::int64_t>>& goals) {
    constexpr double kWidth = 300, kHeight = 130, kLeft = 8, kRight = 8, kTop = 18, kBottom = 22;
    const double plot_h = kHeight - kTop - kBottom;
    std::int64_t max = 0;
    for (std::size_t i = 0; i < trend.size(); ++i) {
        max = std::max(max, lookup(trend[i].sums, code).value_or(0));
        if (i < goals.size() && goals[i]) max = std::max(max, *goals[i]);
    }
    const double scale = max > 0 ? plot_h / static_cast<double>(max) : 0.0;
    const double step =
        trend.size() > 1 ? (kWidth - kLeft - kRight) / static_cast<double>(trend.size() - 1) : 0;
    const auto y_of = [&](std::int64_t v) {
        return kTop + plot_h - scale * static_cast<double>(v);
    };
    std::string s = fmt::format(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {} {}\" role=\"img\" "
        "font-size=\"11\"><line x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\" stroke=\"#b8c2cc\"/>",
        kWidth, kHeight, kLeft, kWidth - kRight, kTop + plot_h, kTop + plot_h);
    std::string result, target;
    for (std::size_t i = 0; i < trend.size(); ++i) {
        const double x = kLeft + step * static_cast<double>(i);
        result += fmt::format("{:.1f},{:.1f} ", x, y_of(lookup(trend[i].sums, code).value_or(0)));
        if (i < goals.size() && goals[i])
            target += fmt::format("{:.1f},{:.1f} ", x, y_of(*goals[i]));
    }
    if (!target.empty())
        s += "<polyline points=\"" + target +
             "\" fill=\"none\" stroke=\"#5b6875\" stroke-width=\"1.5\" "
             "stroke-dasharray=\"5 3\"><title>" +
             html_escape(t.say("chart_target")) + "</title></polyline>";
    s += "<polyline points=\"" + result +
         "\" fill=\"none\" stroke=\"#0b5394\" stroke-width=\"2\"><title>" +
         html_escape(t.say("chart_result")) + "</title></polyline>";
    for (std::size_t i = 0; i < trend.size(); ++i) {
        const auto v = lookup(trend[i].sums, code).value_or(0);
        s += fmt::format(
            "<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"2.5\" fill=\"#0b5394\"><title>{}: {}</title>"
            "</circle>",
            kLeft + step * static_cast<double>(i), y_of(v),
            html_escape(short_month(t, trend[i].month)), html_escape(count_text(v)));
    }
    s += fmt::format("<text x=\"{}\" y=\"12\" fill=\"#5b6875\">{}</text>", kLeft,
                     html_escape(t.say("chart_max", {{"value", count_text(max)}})));
    if (!trend.empty()) {
        s += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"#5b6875\">{}</text>", kLeft, kHeight - 6,
                         html_escape(short_month(t, trend.front().month)));
        s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"#5b6875\">{}</text>",
                         kWidth - kRight, kHeight - 6,
                         html_escape(short_month(t, trend.back().month) + ": " +
                                     count_text(lookup(trend.back().sums, code).value_or(0))));
    }
    return s + "</svg>";
}

std::string session_html(const AdminTemplates& t, const PageScope& scope) {
    if (scope.signed_in_as.empty()) return "";
    return "<p class=\"muted\">" + html_escape(scope.signed_in_as) +
           "</p><form method=\"post\" action=\"/admin/logout-all\"><button type=\"submit\">" +
           html_escape(t.say("sign_out_everywhere")) + "</button></form>";
}

/// A read transaction for the page's queries unless the caller holds one already.
class ReadSnapshot {
  public:
    explicit ReadSnapshot(storage::Database& db) {
        if (db.handle().getHandle() && sqlite3_get_autocommit(db.handle().getHandle()))
            tx_.emplace(db.handle());
    }
    void commit() {
        if (tx_) tx_->commit();
        tx_.reset();
    }

  private:
    std::optional<SQLite::Transaction> tx_;
};

std::string empty_row(int columns, const std::string& text) {
    return fmt::format("<tr><td colspan=\"{}\">{}</td></tr>\n", columns, html_escape(text));
}

}  // namespace

storage::MonthRange PeriodSel::range() const {
    switch (span) {
        case Span::kQuarter:
            return {core::QuarterPeriod::of(month).first_month(), month};
        case Span::kYearToDate:
            return {core::MonthPeriod{month.year, 1}, month};
        case Span::kMonth:
            break;
    }
    return {month, month};
}

std::string PeriodSel::span_code() const {
    switch (span) {
        case Span::kQuarter:
            return "quarter";
        case Span::kYearToDate:
            return "ytd";
        case Span::kMonth:
            break;
    }
    return "month";
}

std::optional<Span> parse_span(std::string_view code) {
    if (code == "month") return Span::kMonth;
    if (code == "quarter") return Span::kQuarter;
    if (code == "ytd") return Span::kYearToDate;
    return std::nullopt;
}

std::string render_unit_page(const WebPageContext& ctx, storage::Database& db,
                             const PageScope& scope, std::int64_t unit_id, const PeriodSel& sel,
                             const std::string& filter) {
    const AdminTemplates& t = ctx.templates;
    // One read snapshot for every query of the page (joins the caller's transaction if any).
    ReadSnapshot snapshot(db);
    const auto unit = storage::web_unit(db, unit_id);
    if (!unit) return t.say("unknown_unit");
    const Indicators items = indicators(db, ctx.form);
    // Months not begun yet have nothing to count; a month still open counts to date.
    const auto counted = storage::counted_months(db, sel.range(), ctx.now, true);
    // compliance_counts for the unit and each child, in one read (web_queries.hpp).
    const storage::SubtreeCounts counts =
        counted ? storage::subtree_counts(db, unit_id, *counted) : storage::SubtreeCounts{};
    const storage::ComplianceCounts& total = counts.total;
    // The 12 months up to the chosen one; the chosen range lies inside them, so its sums (the
    // unit's and each child's) are added up from the trend's rather than read again.
    const auto trend = storage::unit_trend(db, unit_id, sel.month, 12, {});
    storage::SubtreeSums sums;
    for (const auto& m : trend) {
        if (!counted || m.month < counted->from || counted->to < m.month) continue;
        for (const auto& [item, v] : m.sums) sums.total[item] += v;
        for (const auto& [child, items_of] : m.children)
            for (const auto& [item, v] : items_of) sums.children[child][item] += v;
    }
    const auto goals = [&](std::int64_t owner) {
        return counted ? storage::targets_over(db, core::TargetOwner::kUnit, owner, counted->from,
                                               counted->to)
                       : std::map<std::string, std::int64_t>{};
    };
    const std::string folded = core::fold_vietnamese(filter);

    // The unit's indicators against its targets.
    const auto own_goals = goals(unit_id);
    std::string indicator_rows;
    for (const core::FormItem* item : items.all) {
        const std::int64_t v = lookup(sums.total, item->code).value_or(0);
        const auto goal = lookup(own_goals, item->code);
        const auto pct = ratio(v, goal);
        indicator_rows += "<tr><td class=\"label\">" + html_escape(item->label) + "</td><td>" +
                          html_escape(item->unit) + "</td><td class=\"num\">" +
                          html_escape(count_text(v)) + "</td><td class=\"num\">" +
                          html_escape(goal ? count_text(*goal) : t.say("no_value")) +
                          "</td><td class=\"num\">" + html_escape(percent_text(pct)) + "</td><td>" +
                          (pct ? bar_html(pct) : std::string()) + "</td></tr>\n";
    }

    // Child units, worst first: lowest on-time rate, then most missing, then by name.
    std::string children_html;
    const auto children = storage::child_units(db, unit_id);
    if (!children.empty()) {
        struct Row {
            storage::WebUnit unit;
            storage::ComplianceCounts counts;
        };
        std::vector<Row> rows;
        for (const auto& c : children) {
            if (!matches(folded, c.name) && !matches(folded, c.code)) continue;
            const auto it = counts.children.find(c.id);
            rows.push_back(
                Row{c, it == counts.children.end() ? storage::ComplianceCounts{} : it->second});
        }
        std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
            const auto pa = a.counts.on_time_pct(), pb = b.counts.on_time_pct();
            if (pa.has_value() != pb.has_value()) return pa.has_value();  // no figures last
            if (pa && *pa != *pb) return *pa < *pb;
            return a.counts.missing() > b.counts.missing();
        });
        std::string heads;
        for (const core::FormItem* item : items.main)
            heads += "<th class=\"num item\">" + html_escape(item->label) + "</th>";
        std::string body;
        const storage::ItemSums none;
        for (const auto& r : rows) {
            const auto pct = r.counts.on_time_pct();
            body += "<tr><td><a href=\"" + html_escape(area_href(r.unit.code, sel)) + "\">" +
                    html_escape(r.unit.name) + "</a></td><td class=\"num\">" +
                    html_escape(count_text(r.counts.teams)) + "</td><td class=\"num\">" +
                    html_escape(count_text(r.counts.submitted)) + "</td><td class=\"num\">" +
                    html_escape(count_text(r.counts.on_time)) + "</td><td class=\"num\">" +
                    html_escape(count_text(r.counts.missing())) + "</td><td class=\"num\">" +
                    html_escape(percent_text(pct)) + "</td><td>" + bar_html(pct) + "</td>";
            const auto it = sums.children.find(r.unit.id);
            const storage::ItemSums& child_sums = it == sums.children.end() ? none : it->second;
            const auto child_goals = goals(r.unit.id);
            for (const core::FormItem* item : items.main)
                body += result_cell(lookup(child_sums, item->code).value_or(0),
                                    lookup(child_goals, item->code));
            body += "</tr>\n";
        }
        if (rows.empty())
            body = empty_row(7 + static_cast<int>(items.main.size()),
                             t.say("filter_none", {{"filter", filter}}));
        children_html = HtmlParams()
                            .text("unit_name", unit->name)
                            .text("count", count_text(static_cast<std::int64_t>(rows.size())))
                            .text("filter_note",
                                  filter.empty() ? "" : t.say("filter_note", {{"filter", filter}}))
                            .html("item_heads_html", heads)
                            .html("rows_html", body)
                            .fill(t.area_children);
    }

    // The teams, when few enough to list (a commune, a hamlet): missing first, then late.
    constexpr std::int64_t kTeamListMax = 300;
    std::string teams_html;
    const std::int64_t team_count = storage::subtree_team_count(db, unit_id);
    if (team_count > 0 && team_count <= kTeamListMax && counted) {
        auto teams = storage::subtree_teams(db, unit_id, *counted, kTeamListMax);
        std::erase_if(teams, [&](const storage::WebTeam& tm) {
            return !matches(folded, tm.name) && !matches(folded, tm.code) &&
                   !matches(folded, tm.unit_name);
        });
        const auto badness = [](const storage::WebTeam& tm) {
            return std::make_tuple(-(tm.expected - tm.submitted), -(tm.submitted - tm.on_time),
                                   tm.expected > 0 ? 0 : 1);
        };
        std::stable_sort(teams.begin(), teams.end(),
                         [&](const auto& a, const auto& b) { return badness(a) < badness(b); });
        std::string body;
        for (const auto& tm : teams) {
            const std::int64_t missing = tm.expected - tm.submitted;
            std::string cls, word;
            if (tm.expected == 0) {
                cls = "none";
                word = t.say("status.not_expected");
            } else if (counted->from == counted->to) {
                cls = missing > 0 ? "poor" : tm.submitted > tm.on_time ? "fair" : "good";
                word = t.say(missing > 0                 ? "status.missing"
                             : tm.submitted > tm.on_time ? "status.late"
                                                         : "status.on_time");
            } else {
                cls = missing > 0 ? "poor" : tm.submitted > tm.on_time ? "fair" : "good";
                word = missing > 0
                           ? t.say("status.partial", {{"missing", count_text(missing)}})
                           : t.say("status.all_done", {{"submitted", count_text(tm.submitted)}});
            }
            body += "<tr><td>" + html_escape(tm.code) + "</td><td><a href=\"" +
                    html_escape(team_href(tm.code, sel)) + "\">" + html_escape(tm.name) +
                    "</a></td><td>" + html_escape(tm.unit_name) + "</td><td>" +
                    html_escape(tm.leader_name.empty() ? t.say("no_leader") : tm.leader_name) +
                    "</td><td><span class=\"status " + cls + "\">" + html_escape(word) +
                    "</span></td><td class=\"num\">" + html_escape(count_text(tm.on_time)) + " / " +
                    html_escape(count_text(tm.expected)) + "</td></tr>\n";
        }
        if (teams.empty()) body = empty_row(6, t.say("filter_none", {{"filter", filter}}));
        teams_html = HtmlParams()
                         .text("count", count_text(static_cast<std::int64_t>(teams.size())))
                         .text("filter_note",
                               filter.empty() ? "" : t.say("filter_note", {{"filter", filter}}))
                         .html("rows_html", body)
                         .fill(t.area_teams);
    } else if (team_count > kTeamListMax && children.empty()) {
        teams_html = "<section><p class=\"muted\">" +
                     html_escape(t.say("teams_too_many", {{"count", count_text(team_count)}})) +
                     "</p></section>";
    }

    // The trend's charts: on-time rate, and each main indicator against its monthly target.
    std::vector<std::map<std::string, std::int64_t>> monthly_goals;
    for (const auto& m : trend)
        monthly_goals.push_back(
            storage::targets_over(db, core::TargetOwner::kUnit, unit_id, m.month, m.month));
    std::string trend_items;
    for (const core::FormItem* item : items.main) {
        std::vector<std::optional<std::int64_t>> g;
        for (const auto& mg : monthly_goals) g.push_back(lookup(mg, item->code));
        trend_items += "<figure><figcaption>" + html_escape(item->label) + " (" +
                       html_escape(item->unit) + ")</figcaption>" +
                       item_svg(t, trend, item->code, g) + "</figure>";
    }

    // The audit log: the province admin's only.
    std::string audit_html;
    if (scope.province_admin) {
        const auto rows = web::audit_list(db, 100);
        std::string body;
        for (const auto& a : rows) {
            const std::string key = "audit." + a.action;
            const std::string action = t.text.count(key) ? t.say(key) : a.action;
            body += "<tr><td>" + html_escape(core::format_vietnam_short(a.at)) + "</td><td>" +
                    html_escape(a.actor) + "</td><td>" + html_escape(action) +
                    "</td><td class=\"wrap\">" + html_escape(a.detail) + "</td><td>" +
                    html_escape(a.client) + "</td></tr>\n";
        }
        if (rows.empty()) body = empty_row(5, t.say("audit_none"));
        audit_html = HtmlParams()
                         .text("count", count_text(static_cast<std::int64_t>(rows.size())))
                         .html("rows_html", body)
                         .fill(t.area_audit);
    }

    // The pickers: the last 24 months, and the span.
    const core::MonthPeriod current = core::MonthPeriod::containing(ctx.now);
    std::string period_options;
    // Without first_expected_month: at national scale it reads every team, for a picker.
    std::vector<core::MonthPeriod> months = period_choices(current, std::nullopt);
    if (std::find(months.begin(), months.end(), sel.month) == months.end()) {
        months.push_back(sel.month);
        std::sort(months.rbegin(), months.rend());
    }
    for (const auto& m : months)
        period_options += HtmlParams()
                              .text("value", m.str())
                              .text("label", month_label(t, m))
                              .html("selected", m == sel.month ? " selected" : "")
                              .fill(t.option);
    std::string span_options;
    for (const Span s : {Span::kMonth, Span::kQuarter, Span::kYearToDate}) {
        const PeriodSel o{sel.month, s};
        span_options += HtmlParams()
                            .text("value", o.span_code())
                            .text("label", t.say("span." + o.span_code()))
                            .html("selected", s == sel.span ? " selected" : "")
                            .fill(t.option);
    }
    const auto pct = total.on_time_pct();
    snapshot.commit();
    return HtmlParams()
        .html("style", t.style)
        .html("session_html", session_html(t, scope))
        .html("notice_html", "")
        .html("crumbs_html", crumbs(db, scope, unit_id, sel, ""))
        .text("unit_name", unit->name)
        .text("unit_code", unit->code)
        .text("period_label", sel_label(t, sel))
        .html("period_options_html", period_options)
        .html("span_options_html", span_options)
        .text("filter", filter)
        .text("counted_text", !counted ? t.say("counted_none")
                              : counted->from == counted->to
                                  ? t.say("counted_one", {{"month", month_label(t, counted->from)}})
                                  : t.say("counted", {{"from", month_label(t, counted->from)},
                                                      {"to", month_label(t, counted->to)}}))
        .text("teams", count_text(total.teams))
        .text("expected", count_text(total.expected))
        .text("submitted", count_text(total.submitted))
        .text("on_time", count_text(total.on_time))
        .text("late", count_text(total.late))
        .text("missing", count_text(total.missing()))
        .text("pct", percent_text(pct))
        .html("indicator_rows_html", indicator_rows)
        .html("children_html", children_html)
        .html("teams_html", teams_html)
        .text("trend_end", month_label(t, sel.month))
        .html("trend_on_time_svg", on_time_svg(t, trend))
        .html("trend_items_html", trend_items)
        .html("audit_html", audit_html)
        .fill(t.area);
}

std::string render_team_page(const WebPageContext& ctx, storage::Database& db,
                             const PageScope& scope, std::int64_t team_id, const PeriodSel& sel) {
    const AdminTemplates& t = ctx.templates;
    ReadSnapshot snapshot(db);
    std::optional<storage::WebTeamInfo> team;
    {
        SQLite::Statement q(db.handle(), "SELECT code FROM teams WHERE id = ?");
        q.bind(1, team_id);
        if (q.executeStep()) team = storage::web_team(db, q.getColumn(0).getString());
    }
    if (!team) return t.say("unknown_unit");
    const Indicators items = indicators(db, ctx.form);
    core::MonthPeriod from = sel.month;
    for (int i = 1; i < 12; ++i) from = from.previous();
    const auto history = storage::team_history(db, team_id, from, sel.month);
    const auto unit = storage::web_unit(db, team->unit);

    std::string heads;
    for (const core::FormItem* item : items.main)
        heads += "<th class=\"num item\">" + html_escape(item->label) + "</th>";
    std::string month_rows;
    for (core::MonthPeriod m = sel.month;; m = m.previous()) {
        // Revisions are newest first: the first of the month is the head, the last the first.
        const storage::WebRevision* head = nullptr;
        const storage::WebRevision* first = nullptr;
        int count = 0;
        for (const auto& r : history.revisions)
            if (r.period == m) {
                if (!head) head = &r;
                first = &r;
                ++count;
            }
        const bool expected = !history.first_month || !(m < *history.first_month);
        std::string cls = "none", word = t.say("status.not_expected");
        if (first) {
            cls = first->late ? "fair" : "good";
            word = t.say(first->late ? "status.late" : "status.on_time");
        } else if (expected) {
            cls = "poor";
            word = t.say("status.missing");
        }
        month_rows += "<tr><td>" + html_escape(month_label(t, m)) +
                      "</td><td><span class=\"status " + cls + "\">" + html_escape(word) +
                      "</span></td><td class=\"num\">" +
                      html_escape(count ? count_text(count) : t.say("no_value")) + "</td><td>" +
                      html_escape(first ? core::format_vietnam_short(first->submitted_at)
                                        : t.say("no_value")) +
                      "</td>";
        const auto goals = storage::targets_over(db, core::TargetOwner::kTeam, team_id, m, m);
        for (const core::FormItem* item : items.main) {
            if (!head) {
                month_rows += "<td class=\"num\">" + html_escape(t.say("no_value")) + "</td>";
                continue;
            }
            month_rows += result_cell(lookup(head->values, item->code).value_or(0),
                                      lookup(goals, item->code));
        }
        month_rows += "</tr>\n";
        if (m == from) break;
    }

    std::string revision_rows;
    for (const auto& r : history.revisions)
        revision_rows +=
            "<tr><td>" + html_escape(month_label(t, r.period)) + "</td><td class=\"num\">" +
            std::to_string(r.revision) + "</td><td>" +
            html_escape(core::format_vietnam_short(r.submitted_at)) + "</td><td>" +
            html_escape(r.submitted_by.empty() ? t.say("no_value") : r.submitted_by) + "</td><td>" +
            html_escape(r.channel.empty() ? t.say("no_value") : r.channel) +
            "</td><td><span class=\"status " + (r.late ? "fair" : "good") + "\">" +
            html_escape(t.say(r.late ? "status.late" : "status.on_time")) + "</span></td></tr>\n";
    if (history.revisions.empty()) revision_rows = empty_row(6, t.say("no_reports"));
    std::string difficulty_rows;
    for (const auto& d : history.difficulties)
        difficulty_rows += "<tr><td>" + html_escape(month_label(t, d.period)) + "</td><td>" +
                           html_escape(d.category.empty() ? t.say("no_value") : d.category) +
                           "</td><td class=\"wrap\">" + html_escape(d.text) + "</td><td>" +
                           html_escape(d.person.empty() ? t.say("no_value") : d.person) +
                           "</td><td>" + html_escape(core::format_vietnam_short(d.created_at)) +
                           "</td></tr>\n";
    if (history.difficulties.empty()) difficulty_rows = empty_row(5, t.say("no_difficulties"));

    const std::string last = "<span aria-current=\"page\">" + html_escape(team->name) + "</span>";
    snapshot.commit();
    return HtmlParams()
        .html("style", t.style)
        .html("session_html", session_html(t, scope))
        .html("crumbs_html", crumbs(db, scope, team->unit, sel, last))
        .text("team_name", team->name)
        .text("team_code", team->code)
        .text("leader", team->leader_name.empty() ? t.say("no_leader") : team->leader_name)
        .text("phone", team->leader_phone.empty() ? t.say("no_value")
                                                  : core::national_phone(team->leader_phone))
        .text("unit_name", unit ? unit->name : "")
        .text("active", t.say(team->active ? "team_active" : "team_inactive"))
        .text("months_label", t.say("months_range", {{"from", short_month(t, from)},
                                                     {"to", short_month(t, sel.month)}}))
        .html("item_heads_html", heads)
        .html("month_rows_html", month_rows)
        .html("revision_rows_html", revision_rows)
        .html("difficulty_rows_html", difficulty_rows)
        .fill(t.team);
}

namespace {

HttpResponse plain(int status, const std::string& text) {
    HttpResponse res;
    res.status = status;
    res.set_content(text, "text/plain; charset=utf-8");
    return res;
}

HttpResponse to_login() {
    HttpResponse res;
    res.status = 303;
    res.set_header("Location", "/admin/login");
    res.set_header("Cache-Control", "no-store");
    return res;
}

/// What both pages share: access, scope check, the database, templates, the period.
struct PageRequest {
    AdminAccess access;
    std::unique_ptr<storage::Database> db;
    AdminTemplates templates;
    core::Form form;
    PageScope scope;
    PeriodSel sel;
    core::Instant now{};
};

/// The page request, or the response that ends it (login redirect, 403, 400, 500).
std::variant<PageRequest, HttpResponse> open_page(const Config& config, AdminSessions& sessions,
                                                  const HttpRequest& req, const char* what) {
    PageRequest p;
    p.now = wall_now();
    auto access = admin_access(req, config, sessions, p.now);
    if (!access) return to_login();
    p.access = std::move(*access);
    try {
        const std::string dir = find_templates_dir(config.templates_dir);
        p.templates = load_admin_templates(dir);
        p.form = load_export_templates(dir).form;
        storage::Database::Options o;
        o.migrate = false;  // `serve` migrated at start-up
        p.db = std::make_unique<storage::Database>(config.database, o);
        storage::tune_for_page_reads(*p.db);
    } catch (const std::exception& e) {
        log::error(what, {{"outcome", "setup_failed"}, {"error", e.what()}});
        return plain(500, "internal error");
    }
    // Every parameter naming a unit, a level or a team goes through the one scope check.
    if (scope_refusal(*p.db, p.access, req)) {
        log::warn(what, {{"outcome", "out_of_scope"}, {"actor", p.access.actor()}});
        return plain(403, "error");
    }
    if (p.access.scoped()) {
        p.scope.root = p.access.web->unit;
        const auto root = storage::web_unit(*p.db, p.access.web->unit);
        p.scope.province_admin = root && !root->parent;
        p.scope.signed_in_as = p.templates.say("signed_in_as", {{"name", p.access.web->person_name},
                                                                {"unit", p.access.web->unit_name}});
    } else {
        p.scope.province_admin = true;
    }
    const core::MonthPeriod current = core::MonthPeriod::containing(p.now);
    p.sel.month = storage::latest_reported_period(*p.db, current).value_or(current);
    if (req.has_param("period")) {
        const auto m = core::MonthPeriod::parse(req.param("period"));
        if (!m) return plain(400, p.templates.say("bad_period", {{"period", ""}}));
        p.sel.month = *m;
    }
    if (req.has_param("span")) {
        const auto s = parse_span(req.param("span"));
        if (!s) return plain(400, p.templates.say("bad_span"));
        p.sel.span = *s;
    }
    return p;
}

void log_page(const char* what, int status, std::chrono::steady_clock::time_point started) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count();
    log::info(what, {{"outcome", "ok"}, {"status", status}, {"latency_ms", ms}});
}

}  // namespace

HttpResponse area_page_get(const Config& config, AdminSessions& sessions, const HttpRequest& req) {
    const auto started = std::chrono::steady_clock::now();
    auto opened = open_page(config, sessions, req, "web.area");
    if (auto* res = std::get_if<HttpResponse>(&opened)) return std::move(*res);
    auto& p = std::get<PageRequest>(opened);
    try {
        std::optional<storage::WebUnit> unit;
        if (req.has_param("unit"))
            unit = storage::web_unit(*p.db, req.param("unit"));
        else if (p.scope.root)
            unit = storage::web_unit(*p.db, *p.scope.root);
        else {
            SQLite::Statement q(p.db->handle(),
                                "SELECT code FROM units WHERE parent_id IS NULL ORDER BY code");
            if (q.executeStep()) unit = storage::web_unit(*p.db, q.getColumn(0).getString());
        }
        if (!unit) return plain(404, p.templates.say("unknown_unit"));
        const WebPageContext ctx{p.templates, p.form, p.now};
        std::string body = render_unit_page(ctx, *p.db, p.scope, unit->id, p.sel,
                                            req.has_param("q") ? req.param("q") : "");
        log_page("web.area", 200, started);
        return html_reply(200, std::move(body));
    } catch (const std::exception& e) {
        log::error("web.area", {{"outcome", "failed"}, {"error", e.what()}});
        return plain(500, "internal error");
    }
}

HttpResponse team_page_get(const Config& config, AdminSessions& sessions, const HttpRequest& req) {
    const auto started = std::chrono::steady_clock::now();
    auto opened = open_page(config, sessions, req, "web.team");
    if (auto* res = std::get_if<HttpResponse>(&opened)) return std::move(*res);
    auto& p = std::get<PageRequest>(opened);
    try {
        const auto team = storage::web_team(*p.db, req.has_param("team") ? req.param("team") : "");
        if (!team) return plain(404, p.templates.say("unknown_unit"));
        const WebPageContext ctx{p.templates, p.form, p.now};
        std::string body = render_team_page(ctx, *p.db, p.scope, team->id, p.sel);
        log_page("web.team", 200, started);
        return html_reply(200, std::move(body));
    } catch (const std::exception& e) {
        log::error("web.team", {{"outcome", "failed"}, {"error", e.what()}});
        return plain(500, "internal error");
    }
}

}  // namespace tcns::bot
