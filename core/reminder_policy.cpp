#include "core/reminder_policy.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>

namespace tcns::core {

namespace {

Date deadline_day(Instant deadline) {
    return to_vietnam(deadline).date;
}

Instant at_hour(const Date& d, int hour) {
    return from_vietnam(LocalDateTime{d, hour, 0, 0});
}

// "29/11/2026": the last day reports are accepted (the day of the second before the deadline).
std::string last_day_text(Instant deadline) {
    const Date d = to_vietnam(deadline - std::chrono::seconds(1)).date;
    return fmt::format("{:02}/{:02}/{:04}", d.day, d.month, d.year);
}

bool has_reachable_account(const Contact& c) {
    return std::any_of(c.accounts.begin(), c.accounts.end(),
                       [](const ContactAccount& a) { return a.reachable; });
}

const ChannelRule* rule_for(const ReminderPolicyConfig& config, const std::string& channel) {
    for (const ChannelRule& r : config.channels)
        if (r.channel == channel) return &r;
    return nullptr;
}

bool window_open(const ContactAccount& a, Instant now, const ReminderPolicyConfig& config) {
    const ChannelRule* rule = rule_for(config, a.channel);
    if (!rule) return true;  // a channel without a window (a terminal, for one)
    return a.last_inbound && now < *a.last_inbound + rule->window;
}

bool later(const ContactAccount& a, const ContactAccount& b) {
    // nullopt (never wrote) sorts before every instant.
    return a.last_inbound > b.last_inbound;
}

/// Builds the messages of one step to a list of people, all sharing a key prefix.
struct MessageMaker {
    Instant now;
    const ReminderPolicyConfig& config;
    std::vector<DueMessage>& out;

    void add(const Contact& person, const std::string& key_prefix, DueKind kind,
             std::string_view template_key, std::map<std::string, std::string> params,
             Instant scheduled_at) {
        DueMessage m;
        m.idem_key = fmt::format("{}:p{}", key_prefix, person.id);
        m.kind = kind;
        m.person = person.id;
        m.person_name = person.name;
        m.phone = person.phone;
        const AccountChoice choice = choose_account(person, now, config);
        m.account = choice.account;
        m.decision = choice.decision;
        m.template_key = std::string(template_key);
        params["name"] = person.name;
        m.params = std::move(params);
        m.scheduled_at = scheduled_at;
        out.push_back(std::move(m));
    }

    /// The team's leader, and its deputies too when the leader cannot be reached at all.
    void to_team(const TeamReminderStatus& team, const std::string& key_prefix, DueKind kind,
                 std::string_view template_key, const std::map<std::string, std::string>& params,
                 Instant scheduled_at) {
        const bool leader_reachable = team.leader && has_reachable_account(*team.leader);
        if (team.leader) {
            auto p = params;
            p["role"] = "leader";
            add(*team.leader, key_prefix, kind, template_key, std::move(p), scheduled_at);
        }
        if (leader_reachable) return;
        for (const Contact& deputy : team.deputies) {
            auto p = params;
            p["role"] = "deputy";
            p["leader_unreachable"] = "1";
            add(deputy, key_prefix, kind, template_key, std::move(p), scheduled_at);
        }
    }
};

bool will_send(WindowDecision d) {
    return d == WindowDecision::kOpen || d == WindowDecision::kSendAnyway ||
           d == WindowDecision::kZnsTemplate;
}

/// Tells the commune's officials that nobody of a team could be sent a reminder; once per
/// team and deadline (the key has no step), at the first step that reached nobody.
void report_not_reached(MessageMaker& make, const TeamReminderStatus& t,
                        const std::vector<DueMessage>& out, std::size_t first,
                        const std::map<std::string, std::string>& common, const std::string& period,
                        const std::string& dday, Instant at) {
    std::string people;
    for (std::size_t i = first; i < out.size(); ++i)
        people += (people.empty() ? "" : "\n") + out[i].person_name;
    auto params = common;
    params["team_code"] = t.code;
    params["team_name"] = t.name;
    params["unit_code"] = t.commune.code;
    params["unit_name"] = t.commune.name;
    params["not_reached"] = people;  // empty when the team has neither leader nor deputy
    const std::string prefix = fmt::format("unreached:{}:{}:{}", t.code, period, dday);
    for (const Contact& official : t.commune.officials)
        make.add(official, prefix, DueKind::kNotReached, "reminder.not_reached", params, at);
}

}  // namespace

std::string_view due_kind_name(DueKind k) {
    switch (k) {
        case DueKind::kReminder:
            return "reminder";
        case DueKind::kLateNotice:
            return "late_notice";
        case DueKind::kEscalation:
            return "escalation";
        case DueKind::kNotReached:
            return "not_reached";
    }
    return "reminder";
}

std::string_view window_decision_name(WindowDecision d) {
    switch (d) {
        case WindowDecision::kOpen:
            return "open";
        case WindowDecision::kSendAnyway:
            return "send_anyway";
        case WindowDecision::kZnsTemplate:
            return "zns_template";
        case WindowDecision::kSkipAndReport:
            return "skip_and_report";
        case WindowDecision::kUnreachable:
            return "unreachable";
    }
    return "unreachable";
}

bool in_quiet_hours(Instant t, const QuietHours& quiet) {
    const int h = to_vietnam(t).hour;
    if (quiet.from_hour == quiet.until_hour) return false;
    if (quiet.from_hour < quiet.until_hour) return h >= quiet.from_hour && h < quiet.until_hour;
    return h >= quiet.from_hour || h < quiet.until_hour;
}

AccountChoice choose_account(const Contact& person, Instant now,
                             const ReminderPolicyConfig& config) {
    // The account where the person last wrote; one whose window is still open wins over a more
    // recent one that is closed (a 24-hour window can close before another channel's 7 days).
    const ContactAccount* best_open = nullptr;
    const ContactAccount* best = nullptr;
    for (const ContactAccount& a : person.accounts) {
        if (!a.reachable) continue;
        if (!best || later(a, *best)) best = &a;
        if (window_open(a, now, config) && (!best_open || later(a, *best_open))) best_open = &a;
    }
    AccountChoice choice;
    if (best_open) {
        choice.account = *best_open;
        choice.decision = WindowDecision::kOpen;
        return choice;
    }
    if (!best) return choice;  // kUnreachable
    choice.account = *best;
    const ChannelRule* rule = rule_for(config, best->channel);
    switch (rule ? rule->outside : OutsideWindow::kSendAnyway) {
        case OutsideWindow::kSendAnyway:
            choice.decision = WindowDecision::kSendAnyway;
            break;
        case OutsideWindow::kZnsTemplate:
            // A phone template is addressed by phone number, on a channel that has them.
            choice.decision = rule->phone_templates && !person.phone.empty()
                                  ? WindowDecision::kZnsTemplate
                                  : WindowDecision::kSkipAndReport;
            break;
        case OutsideWindow::kSkipAndReport:
            choice.decision = WindowDecision::kSkipAndReport;
            break;
    }
    return choice;
}

std::vector<ReminderStep> reminder_schedule(Instant deadline, const ReminderPolicyConfig& config) {
    const Date dday = deadline_day(deadline);
    std::vector<int> days = config.days_before;
    std::sort(days.begin(), days.end(), std::greater<>());
    days.erase(std::unique(days.begin(), days.end()), days.end());

    std::vector<ReminderStep> steps;
    for (int n : days) {
        const Instant at = at_hour(add_days(dday, -n), config.send_hour);
        if (at >= deadline) continue;  // a step on or after the deadline would never be due
        steps.push_back({DueKind::kReminder, n, at, deadline});
    }
    for (std::size_t i = 0; i + 1 < steps.size(); ++i) steps[i].until = steps[i + 1].at;

    Instant late = at_hour(dday, config.send_hour);
    if (late < deadline) late = at_hour(add_days(dday, 1), config.send_hour);
    if (config.late_notice)
        steps.push_back({DueKind::kLateNotice, 0, late, late + config.late_valid_for});
    if (config.escalation)
        steps.push_back({DueKind::kEscalation, 0, late, late + config.late_valid_for});
    return steps;
}

std::vector<ReminderStep> due_steps(Instant now, Instant deadline,
                                    const ReminderPolicyConfig& config) {
    std::vector<ReminderStep> out;
    if (in_quiet_hours(now, config.quiet)) return out;
    for (const ReminderStep& step : reminder_schedule(deadline, config))
        if (now >= step.at && now < step.until) out.push_back(step);
    return out;
}

std::vector<std::string> check_reminder_config(const ReminderPolicyConfig& config) {
    std::vector<std::string> problems;
    auto hour_ok = [](int h) { return h >= 0 && h <= 23; };
    if (!hour_ok(config.send_hour))
        problems.push_back(fmt::format("send hour {} is not 0-23", config.send_hour));
    if (!hour_ok(config.quiet.from_hour) || !hour_ok(config.quiet.until_hour))
        problems.push_back(fmt::format("quiet hours {}-{} are not 0-23", config.quiet.from_hour,
                                       config.quiet.until_hour));
    else if (hour_ok(config.send_hour) &&
             in_quiet_hours(from_vietnam(LocalDateTime{{2000, 1, 1}, config.send_hour, 0, 0}),
                            config.quiet))
        problems.push_back(fmt::format("send hour {} is inside the quiet hours {}-{}",
                                       config.send_hour, config.quiet.from_hour,
                                       config.quiet.until_hour));
    for (int n : config.days_before)
        if (n < 1 || n > 60)
            problems.push_back(fmt::format("reminder {} days before the deadline is not 1-60", n));
    if (config.late_valid_for <= std::chrono::seconds::zero())
        problems.push_back("late notices must stay due for a positive time");
    std::vector<std::string> seen;
    for (const ChannelRule& r : config.channels) {
        if (std::find(seen.begin(), seen.end(), r.channel) != seen.end())
            problems.push_back(fmt::format("channel '{}' has two window rules", r.channel));
        seen.push_back(r.channel);
        if (r.window <= std::chrono::seconds::zero())
            problems.push_back(fmt::format("channel '{}' has no positive window", r.channel));
        if (r.outside == OutsideWindow::kZnsTemplate && !r.phone_templates)
            problems.push_back(
                fmt::format("channel '{}' cannot send ZNS (phone) templates", r.channel));
    }
    return problems;
}

std::vector<DueMessage> due_messages(Instant now, const MonthPeriod& period, Instant deadline,
                                     const std::vector<TeamReminderStatus>& teams,
                                     const ReminderPolicyConfig& config) {
    std::vector<DueMessage> out;
    if (in_quiet_hours(now, config.quiet)) return out;
    const std::string p = period.str();
    const std::string dday = format_date(deadline_day(deadline));
    std::map<std::string, std::string> common{
        {"period", p},
        {"month", fmt::format("{:02}/{:04}", period.month, period.year)},
        {"deadline", format_vietnam_short(deadline)},
        {"last_day", last_day_text(deadline)}};
    MessageMaker make{now, config, out};
    for (const ReminderStep& step : due_steps(now, deadline, config)) {
        if (step.kind == DueKind::kEscalation) {
            // One escalation per commune with late teams, to each of its officials.
            std::map<std::string, std::vector<const TeamReminderStatus*>> by_commune;
            for (const TeamReminderStatus& t : teams) by_commune[t.commune.code].push_back(&t);
            for (const auto& [code, commune_teams] : by_commune) {
                std::string missing;
                int missing_count = 0;
                for (const TeamReminderStatus* t : commune_teams) {
                    if (t->submitted) continue;
                    missing += (missing.empty() ? "" : "\n") + t->name;
                    ++missing_count;
                }
                if (missing_count == 0) continue;
                const CommuneContacts& commune = commune_teams.front()->commune;
                auto params = common;
                params["unit_code"] = commune.code;
                params["unit_name"] = commune.name;
                params["missing_count"] = std::to_string(missing_count);
                params["team_count"] = std::to_string(commune_teams.size());
                params["missing_teams"] = missing;
                const std::string prefix = fmt::format("escalate:{}:{}:{}", code, p, dday);
                for (const Contact& official : commune.officials)
                    make.add(official, prefix, DueKind::kEscalation, "reminder.escalation", params,
                             step.at);
            }
            continue;
        }
        for (const TeamReminderStatus& t : teams) {
            if (t.submitted) continue;
            auto params = common;
            params["team_code"] = t.code;
            params["team_name"] = t.name;
            if (step.kind == DueKind::kReminder) {
                params["days_left"] = std::to_string(step.days_before);
                const std::size_t first = out.size();
                make.to_team(t,
                             fmt::format("remind:{}:{}:d{}:{}", t.code, p, step.days_before, dday),
                             DueKind::kReminder, "reminder.before_deadline", params, step.at);
                if (std::none_of(out.begin() + static_cast<std::ptrdiff_t>(first), out.end(),
                                 [](const DueMessage& m) { return will_send(m.decision); }))
                    report_not_reached(make, t, out, first, common, p, dday, step.at);
            } else {
                make.to_team(t, fmt::format("late:{}:{}:{}", t.code, p, dday), DueKind::kLateNotice,
                             "reminder.late_notice", params, step.at);
            }
        }
    }
    std::sort(out.begin(), out.end(),
              [](const DueMessage& a, const DueMessage& b) { return a.idem_key < b.idem_key; });
    return out;
}

std::optional<QuarterlyReminderDue> quarterly_reminder_due(Instant now,
                                                           const QuarterPeriod& quarter,
                                                           Instant deadline,
                                                           const QuarterlyReminderConfig& config) {
    const Date dday = deadline_day(deadline);
    const Instant at = at_hour(add_days(dday, -config.days_before), config.send_hour);
    if (now < at || now >= deadline || in_quiet_hours(now, config.quiet)) return std::nullopt;
    return QuarterlyReminderDue{
        config.level, at,
        fmt::format("quarterly:{}:{}:{}", quarter.str(), config.level, format_date(dday))};
}

}  // namespace tcns::core
