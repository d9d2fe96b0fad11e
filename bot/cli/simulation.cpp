#include "bot/cli/simulation.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>

#include <algorithm>
#include <ostream>
#include <random>
#include <set>
#include <vector>

#include "bot/jobs/scheduler.hpp"
#include "storage/chat_store.hpp"
#include "storage/period_repo.hpp"

namespace tcns::bot {

namespace {

struct Event {
    core::Instant at;
    enum class Kind { kWrite, kSubmit } kind = Kind::kWrite;
    core::AccountId account = 0;  ///< 0: the person has no account
    core::TeamId team = 0;
    std::string team_code;
    core::PersonId person = 0;
};

core::Instant uniform_between(std::mt19937_64& rng, core::Instant from, core::Instant to) {
    const auto span = (to - from).count();
    if (span <= 0) return from;
    std::uniform_int_distribution<std::int64_t> d(0, span - 1);
    return from + std::chrono::seconds(d(rng));
}

std::string local_text(core::Instant t) {
    const core::LocalDateTime l = core::to_vietnam(t);
    return fmt::format("{} {:02}:{:02}", core::format_date(l.date), l.hour, l.minute);
}

/// The team code in "remind:<team>:…" and "late:<team>:…" keys.
std::string team_of(const std::string& key) {
    const auto a = key.find(':');
    const auto b = key.find(':', a + 1);
    return key.substr(a + 1, b - a - 1);
}

}  // namespace

SimulationSummary simulate_month(storage::Database& db, const Templates& templates,
                                 const SchedulerConfig& config, const SimulationOptions& options,
                                 std::ostream& out) {
    SimulationSummary sum;
    std::mt19937_64 rng(options.seed);
    const core::MonthPeriod month = options.month;
    const core::Instant start = core::vietnam_day_start(month.first_day());
    const core::Instant deadline = storage::PeriodRepo(db).deadline(month);
    const core::Instant end =
        morning_after(deadline, config.policy.send_hour) + std::chrono::hours(24);
    std::uniform_real_distribution<double> unit(0.0, 1.0);

    std::vector<Event> events;
    storage::with_transaction(db, [&] {
        // Chat accounts for everyone with a role and none yet: 60% Zalo, 30% Viber, 10% none.
        SQLite::Statement people(db.handle(),
                                 "SELECT DISTINCT p.id FROM people p JOIN roles r ON "
                                 "r.person_id = p.id WHERE NOT EXISTS (SELECT 1 FROM chat_accounts "
                                 "a WHERE a.person_id = p.id) ORDER BY p.id");
        SQLite::Statement insert(
            db.handle(),
            "INSERT INTO chat_accounts (channel, platform_user_id, person_id, "
            "created_at, linked_at, last_inbound_at) VALUES (?, ?, ?, ?, ?, ?)");
        while (people.executeStep()) {
            const core::PersonId person = people.getColumn(0).getInt64();
            const double r = unit(rng);
            if (r >= 0.9) continue;
            const core::Instant last =
                uniform_between(rng, start - std::chrono::hours(24 * 10), start);
            insert.reset();
            insert.bind(1, r < 0.6 ? "zalo" : "viber");
            insert.bind(2, fmt::format("sim-{}", person));
            insert.bind(3, std::int64_t{person});
            insert.bind(4, core::to_unix(last));
            insert.bind(5, core::to_unix(last));
            insert.bind(6, core::to_unix(last));
            insert.exec();
        }
        // Everyone with an account writes now and then (opening the channel's window).
        SQLite::Statement accounts(db.handle(),
                                   "SELECT id FROM chat_accounts WHERE person_id IS NOT NULL");
        while (accounts.executeStep()) {
            std::uniform_int_distribution<int> n(0, 2);
            for (int i = n(rng); i > 0; --i) {
                Event e;
                e.at = uniform_between(rng, start, end);
                e.account = accounts.getColumn(0).getInt64();
                events.push_back(e);
            }
        }
        // A share of the teams report, each at a random time from the 3rd to two days after the
        // deadline, through the leader's account.
        SQLite::Statement teams(db.handle(),
                                "SELECT t.id, t.code, r.person_id, (SELECT min(a.id) FROM "
                                "chat_accounts a WHERE a.person_id = r.person_id) FROM teams t "
                                "LEFT JOIN roles r ON r.team_id = t.id AND r.role = 'leader' "
                                "WHERE t.active = 1 ORDER BY t.code");
        while (teams.executeStep()) {
            ++sum.teams;
            if (unit(rng) >= options.report_share) continue;
            Event e;
            e.kind = Event::Kind::kSubmit;
            e.at = uniform_between(rng, start + std::chrono::hours(48),
                                   deadline + std::chrono::hours(48));
            e.team = teams.getColumn(0).getInt64();
            e.team_code = teams.getColumn(1).getString();
            if (!teams.getColumn(2).isNull()) e.person = teams.getColumn(2).getInt64();
            if (!teams.getColumn(3).isNull()) e.account = teams.getColumn(3).getInt64();
            events.push_back(e);
        }
    });
    std::sort(events.begin(), events.end(),
              [](const Event& a, const Event& b) { return a.at < b.at; });

    out << fmt::format(
        "simulating {} on a copy: {} teams, {} leaders will report (share {:.2f}, seed {}); "
        "deadline {}\n",
        month.str(), sum.teams,
        std::count_if(events.begin(), events.end(),
                      [](const Event& e) { return e.kind == Event::Kind::kSubmit; }),
        options.report_share, options.seed, core::format_vietnam_short(deadline));

    Scheduler scheduler(templates, config);
    // What was still due from the previous month when the run starts (late notices and
    // summaries stay due for days) goes out before the timeline, so it shows this month only.
    const core::Instant previous_morning =
        morning_after(storage::PeriodRepo(db).deadline(month.previous()), config.policy.send_hour);
    TickResult before;
    if (previous_morning < start) before = scheduler.tick(db, previous_morning);
    if (before.queued + before.recorded > 0)
        out << fmt::format("(before the run: {} message(s) still due for {}, not shown)\n",
                           before.queued + before.recorded, month.previous().str());
    std::set<std::string> reported;
    std::size_t next = 0;
    std::int64_t day_submissions = 0;
    storage::ReportRepo reports(db);
    storage::ChatAccountRepo chat(db);
    for (core::Instant now = start; now <= end; now += std::chrono::hours(1)) {
        // What people did during the last hour.
        storage::with_transaction(db, [&] {
            for (; next < events.size() && events[next].at <= now; ++next) {
                const Event& e = events[next];
                if (e.account) chat.touch_inbound(e.account, e.at);
                if (e.kind != Event::Kind::kSubmit) continue;
                core::SubmitReport r;
                r.team = e.team;
                r.period = month.str();
                r.late = e.at >= deadline;
                for (const core::FormItem* item : templates.form.enabled_items()) {
                    if (item->type != core::ItemType::kCount) continue;
                    std::uniform_int_distribution<std::int64_t> v(
                        0, std::min<std::int64_t>(item->max, 60));
                    r.answers[item->code].number = v(rng);
                }
                if (e.person)
                    reports.submit(r, templates.form, e.person, std::nullopt, e.at);
                else
                    reports.submit(r, templates.form, std::nullopt, std::nullopt, e.at);
                reported.insert(e.team_code);
                ++sum.submissions;
                ++day_submissions;
                if (r.late) ++sum.late_submissions;
            }
        });

        const TickResult t = scheduler.tick(db, now);
        ++sum.ticks;
        sum.total_tick_seconds += t.seconds;
        sum.slowest_tick_seconds = std::max(sum.slowest_tick_seconds, t.seconds);

        std::map<std::string, std::vector<const PlannedNotice*>> by_kind;
        for (const PlannedNotice& p : t.notices) {
            if (p.existed || !p.outcome || *p.outcome == NoticeOutcome::kDuplicate) continue;
            by_kind[p.notice.kind].push_back(&p);
            ++sum.messages[p.notice.kind];
            if (*p.outcome == NoticeOutcome::kRecorded) ++sum.not_sent;
            if (core::in_quiet_hours(now, config.policy.quiet)) ++sum.quiet_hour_messages;
            if ((p.notice.kind == "reminder" || p.notice.kind == "late_notice") &&
                reported.count(team_of(p.notice.idem_key)))
                ++sum.reminders_to_reporters;
        }
        for (const auto& [kind, list] : by_kind) {
            std::map<std::string, int> decisions;
            for (const PlannedNotice* p : list)
                ++decisions[std::string(core::window_decision_name(p->notice.decision))];
            std::string split;
            for (const auto& [d, n] : decisions)
                split += fmt::format("{}{} {}", split.empty() ? "" : ", ", d, n);
            out << fmt::format("{}  {:<12} {:>6}  ({})\n", local_text(now), kind, list.size(),
                               split);
            for (std::size_t i = 0; i < list.size() && i < options.examples; ++i)
                out << fmt::format("                    e.g. {} → {}\n", list[i]->notice.idem_key,
                                   list[i]->person_name);
        }
        if (core::to_vietnam(now).hour == 23 || now + std::chrono::hours(1) > end) {
            if (day_submissions > 0)
                out << fmt::format("{}  {:<12} {:>6}  (reported so far {}/{})\n",
                                   core::format_date(core::to_vietnam(now).date), "submissions",
                                   day_submissions, sum.submissions, sum.teams);
            day_submissions = 0;
        }
    }

    out << fmt::format("\nreports: {}/{} teams ({} late)\nmessages:", sum.submissions, sum.teams,
                       sum.late_submissions);
    for (const auto& [kind, n] : sum.messages) out << fmt::format(" {} {};", kind, n);
    out << fmt::format(" of which not sendable (window closed or no account): {}\n", sum.not_sent);
    out << fmt::format(
        "checks: reminders to teams that had reported: {}; messages in quiet hours: {}\n",
        sum.reminders_to_reporters, sum.quiet_hour_messages);
    out << fmt::format("ticks: {} hourly, slowest {:.3f} s, total {:.2f} s\n", sum.ticks,
                       sum.slowest_tick_seconds, sum.total_tick_seconds);
    return sum;
}

}  // namespace tcns::bot
