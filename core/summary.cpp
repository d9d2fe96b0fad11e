#include "core/summary.hpp"

#include <fmt/format.h>

namespace tcns::core {

namespace {

/// 1200 → "1.200", the way Vietnamese writes thousands.
std::string count_text(std::int64_t v) {
    const bool negative = v < 0;
    const std::string digits = std::to_string(negative ? -v : v);
    std::string out;
    const int n = static_cast<int>(digits.size());
    for (int i = 0; i < n; ++i) {
        if (i > 0 && (n - i) % 3 == 0) out.push_back('.');
        out.push_back(digits[static_cast<std::size_t>(i)]);
    }
    return negative ? "-" + out : out;
}

std::string named_list(const std::vector<std::string>& names, std::int64_t total,
                       std::size_t max_named, const Messages& messages) {
    std::string out;
    std::size_t shown = 0;
    for (const std::string& n : names) {
        if (shown == max_named) break;
        out += "\n• " + n;
        ++shown;
    }
    const std::int64_t rest = total - static_cast<std::int64_t>(shown);
    if (rest > 0)
        out += "\n" + messages.render("summary.more_teams", {{"count", count_text(rest)}});
    return out;
}

}  // namespace

std::string percent_text(std::int64_t num, std::int64_t den) {
    if (den <= 0) return {};
    std::string s =
        fmt::format("{:.1f}", 100.0 * static_cast<double>(num) / static_cast<double>(den));
    for (char& c : s)
        if (c == '.') c = ',';
    return s + "%";
}

std::string render_summary(const UnitSummary& s, const Messages& m, std::size_t max_named) {
    std::string text = m.render(
        "summary.header",
        {{"unit_name", s.unit_name}, {"unit_code", s.unit_code}, {"period", s.period_label}});
    text += "\n" +
            m.render("summary.counts", {{"teams", count_text(s.teams)},
                                        {"expected", count_text(s.expected)},
                                        {"submitted", count_text(s.submitted)},
                                        {"on_time", count_text(s.on_time)},
                                        {"late", count_text(s.late)},
                                        {"missing", count_text(s.missing)},
                                        {"submitted_pct", percent_text(s.submitted, s.expected)}});
    if (s.missing_teams > 0) {
        text += "\n" +
                m.render("summary.missing_header", {{"count", count_text(s.missing_teams)}}) +
                named_list(s.missing_names, s.missing_teams, max_named, m);
    }
    if (!s.items.empty()) {
        text += "\n" + m.render("summary.items_header");
        for (const ItemTotal& item : s.items) {
            Params p{{"code", item.code},
                     {"label", item.label},
                     {"unit", item.unit},
                     {"total", count_text(item.total)}};
            if (item.target && *item.target > 0) {
                p.push_back({"target", count_text(*item.target)});
                p.push_back({"pct", percent_text(item.total, *item.target)});
                text += "\n" + m.render("summary.item_target", p);
            } else {
                text += "\n" + m.render("summary.item", p);
            }
        }
    }
    if (s.difficulty_count == 0) {
        text += "\n" + m.render("summary.no_difficulties");
    } else {
        text += "\n" + m.render("summary.difficulties_header",
                                {{"count", count_text(s.difficulty_count)}});
        for (const DifficultyLine& d : s.difficulties)
            text += "\n" + m.render("summary.difficulty", {{"team", d.team_name},
                                                           {"place", d.place},
                                                           {"category", d.category},
                                                           {"text", d.text}});
        const auto rest = s.difficulty_count - static_cast<std::int64_t>(s.difficulties.size());
        if (rest > 0)
            text += "\n" + m.render("summary.more_difficulties", {{"count", count_text(rest)}});
    }
    return text;
}

std::string render_missing(const UnitSummary& s, const Messages& m, std::size_t max_named) {
    const Params p{{"unit_name", s.unit_name},
                   {"period", s.period_label},
                   {"count", count_text(s.missing_teams)},
                   {"teams", count_text(s.teams)}};
    if (s.missing_teams == 0) return m.render("missing.none", p);
    return m.render("missing.header", p) +
           named_list(s.missing_names, s.missing_teams, max_named, m);
}

const std::vector<std::string_view>& scheduler_message_keys() {
    static const std::vector<std::string_view> kKeys = {
        "reminder.before_deadline",
        "reminder.late_notice",
        "reminder.escalation",
        "reminder.not_reached",
        "reminder.not_reached_line",
        "reminder.not_reached_line_no_leader",
        "reminder.deputy_note",
        "difficulty.alert",
        "summary.header",
        "summary.counts",
        "summary.missing_header",
        "summary.more_teams",
        "summary.items_header",
        "summary.item",
        "summary.item_target",
        "summary.no_difficulties",
        "summary.difficulties_header",
        "summary.difficulty",
        "summary.more_difficulties",
        "summary.scheduled_intro",
        "summary.not_official",
        "summary.bad_period",
        "summary.other_period_hint",
        "summary.page_link",
        "missing.header",
        "missing.none",
        "quarterly.reminder",
        "quarterly.province",
        "group.linked",
        "group.link_no_code",
        "group.link_code_unknown",
        "group.link_code_used",
        "group.link_code_expired",
        "group.link_not_linked",
        "group.link_not_official",
        "group.private_only",
        "group.summary_intro",
        "group.invite_issued",
    };
    return kKeys;
}

}  // namespace tcns::core
