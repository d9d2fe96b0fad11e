#include "bot/jobs/scheduler.hpp"

#include <pthread.h>

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>

#include "bot/clock.hpp"
#include "bot/http/health.hpp"
#include "bot/log.hpp"
#include "bot/metrics.hpp"
#include "core/group_chat.hpp"
#include "core/period.hpp"
#include "core/phone.hpp"
#include "core/send_validity.hpp"
#include "core/summary.hpp"
#include "storage/compliance.hpp"
#include "storage/group_repo.hpp"
#include "storage/inbox_repo.hpp"
#include "storage/period_repo.hpp"
#include "storage/reminder_repo.hpp"

namespace tcns::bot {

namespace {

/// What keeps a unit's summary true (DESIGN.md decision 10): its counts are as of today, so it
/// is valid until the end of today's Vietnam day, and never past the late window.
core::SendValidity summary_validity(const core::MonthPeriod& period, const std::string& unit_code,
                                    core::Instant deadline, core::Instant at, core::Instant now,
                                    std::chrono::seconds late_valid_for) {
    core::SendValidity v;
    v.kind = "summary";
    v.period = period.str();
    v.unit = unit_code;
    v.deadline = deadline;
    v.expires_at = std::min(at + late_valid_for, core::end_of_vietnam_day(now));
    return v;
}

std::string month_text(const core::MonthPeriod& p) {
    return fmt::format("{:02}/{:04}", p.month, p.year);
}

/// "a\nb" → "• a\n• b": the policy joins names with newlines.
std::string bullets(const std::string& lines) {
    if (lines.empty()) return lines;
    std::string out = "• ";
    for (char c : lines) {
        out.push_back(c);
        if (c == '\n') out += "• ";
    }
    return out;
}

std::string_view outcome_name(NoticeOutcome o) {
    switch (o) {
        case NoticeOutcome::kQueued:
            return "queued";
        case NoticeOutcome::kRecorded:
            return "recorded";
        case NoticeOutcome::kDuplicate:
            return "duplicate";
    }
    return "queued";
}

/// True when some reminder of this deadline went to the team (a row that is not 'skipped').
bool team_was_reached(storage::Database& db, const std::string& team,
                      const core::MonthPeriod& period) {
    // A key range instead of LIKE, so that the unique index on idem_key answers.
    const std::string prefix = "remind:" + team + ":" + period.str() + ":";
    auto& q = db.cached(
        "SELECT 1 FROM outbox WHERE idem_key >= ?1 AND idem_key < ?2 AND status <> 'skipped' "
        "LIMIT 1");
    q.bind(1, prefix);
    q.bind(2, prefix.substr(0, prefix.size() - 1) + ";");
    const bool found = q.executeStep();
    q.reset();  // release the read snapshot (see notice_exists)
    return found;
}

/// What makes a reminder, late notice, escalation or not-reached notice true (issue 14): its
/// period, team, commune, deadline and step; a reminder's text is rendered again when sent (the
/// days left from the calendar).
core::SendValidity month_validity(const core::DueMessage& d, const core::MonthPeriod& period,
                                  core::Instant deadline,
                                  const std::vector<core::ReminderStep>& steps,
                                  const std::map<std::string, std::string>& commune_of,
                                  const core::Params& params, const std::string& suffix) {
    core::SendValidity v;
    v.kind = std::string(core::due_kind_name(d.kind));
    v.period = period.str();
    v.deadline = deadline;
    v.not_before = d.scheduled_at;
    if (auto it = d.params.find("team_code"); it != d.params.end()) {
        v.team = it->second;
        if (auto c = commune_of.find(v.team); c != commune_of.end()) v.unit = c->second;
    }
    if (auto it = d.params.find("unit_code"); it != d.params.end()) v.unit = it->second;
    const core::DueKind step_kind =
        d.kind == core::DueKind::kNotReached ? core::DueKind::kReminder : d.kind;
    for (const auto& s : steps)
        if (s.kind == step_kind && s.at == d.scheduled_at) v.expires_at = s.until;
    if (d.kind == core::DueKind::kReminder) {
        v.template_key = d.template_key;
        for (const auto& [k, val] : params) v.params[k] = val;
        v.suffix = suffix;
    }
    return v;
}

/// The key for an official's roll-up (summary or quarterly message) on `today`: `base` until a
/// row with it exists. A roll-up is true for the day it was written; when every row planned so
/// far was dropped as expired unsent (an outage past midnight, a backlog), the official still
/// expects the month's figures, so a replacement with today's numbers is planned under
/// `base:<today>` (at most one a day, and only while the roll-up's window lasts).
std::string rollup_key(storage::Database& db, const std::string& base, core::Instant now) {
    if (!notice_exists(db, base)) return base;
    // The base row and its replacements ("base:2026-12-02"): ':' < ';' bounds the prefix.
    auto& q = db.cached(
        "SELECT count(*), ifnull(sum(status = 'stale' AND error = 'expired'), 0) FROM outbox "
        "WHERE idem_key = ?1 OR (idem_key > ?1 || ':' AND idem_key < ?1 || ';')");
    q.bind(1, base);
    std::int64_t rows = 0, expired = 0;
    if (q.executeStep()) {
        rows = q.getColumn(0).getInt64();
        expired = q.getColumn(1).getInt64();
    }
    q.reset();
    if (rows == 0 || expired < rows) return base;  // sent, pending or otherwise decided
    return base + ":" + core::format_date(core::to_vietnam(now).date);
}

}  // namespace

core::Instant morning_after(core::Instant deadline, int send_hour) {
    const core::Date day = core::to_vietnam(deadline).date;
    core::Instant at = core::from_vietnam(core::LocalDateTime{day, send_hour, 0, 0});
    if (at < deadline)
        at = core::from_vietnam(core::LocalDateTime{core::add_days(day, 1), send_hour, 0, 0});
    return at;
}

Scheduler::Scheduler(const Templates& templates, SchedulerConfig config)
    : templates_(templates), config_(std::move(config)) {}

bool Scheduler::should_run(const std::string& job, core::Instant now, bool dry_run) {
    if (dry_run) return true;
    const auto it = last_run_.find(job);
    if (it != last_run_.end() && now >= it->second &&
        now - it->second < std::chrono::minutes(config_.rescan_minutes))
        return false;
    last_run_[job] = now;
    return true;
}

void Scheduler::emit(storage::Database& db, PlannedNotice p, TickResult& out) {
    p.recipient = masked_recipient(db, p.notice);
    out.notices.push_back(std::move(p));
}

TickResult Scheduler::tick(storage::Database& db, core::Instant now, bool dry_run) {
    const auto started = std::chrono::steady_clock::now();
    TickResult out;
    const core::MonthPeriod current = core::MonthPeriod::containing(now);
    // The previous month's late notices fall in this month (February, extended deadlines).
    month_jobs(db, current.previous(), now, dry_run, out);
    month_jobs(db, current, now, dry_run, out);
    if (config_.quarterly) quarter_jobs(db, now, dry_run, out);

    if (!dry_run) {
        // Written in chunks, so that webhooks waiting for the write lock are not held up by a
        // country's worth of reminders; every row stands alone (its key makes it idempotent).
        db.reset_cached();  // no statement of the planning phase may hold a read snapshot
        constexpr std::size_t kChunk = 2000;
        std::size_t i = 0;
        while (i < out.notices.size()) {
            auto chunk = [&](storage::Database& w) {
                for (std::size_t written = 0; i < out.notices.size() && written < kChunk; ++i) {
                    PlannedNotice& p = out.notices[i];
                    if (p.existed) continue;
                    p.outcome = enqueue_notice(w, p.notice, now);
                    ++written;
                }
            };
            if (writes_) {
                const std::size_t start = i;
                // A failed chunk is rolled back; plan it again from its first row.
                try {
                    writes_->run(chunk);
                } catch (...) {
                    i = start;
                    throw;
                }
            } else {
                storage::with_transaction(db, [&] { chunk(db); });
            }
        }
        for (const auto& p : out.notices) {
            if (p.existed || !p.outcome) {
                ++out.existing;
                continue;
            }
            if (*p.outcome == NoticeOutcome::kQueued) ++out.queued;
            if (*p.outcome == NoticeOutcome::kRecorded) ++out.recorded;
            if (*p.outcome == NoticeOutcome::kDuplicate) ++out.existing;
            Metrics::instance().add(
                "tcns_scheduler_notices_total",
                fmt::format("kind=\"{}\",outcome=\"{}\"", p.notice.kind, outcome_name(*p.outcome)));
        }
    } else {
        for (const auto& p : out.notices)
            if (p.existed) ++out.existing;
    }
    if (!dry_run && (!last_prune_ || now - *last_prune_ >= std::chrono::hours(1))) {
        last_prune_ = now;
        // In chunks, like the notices: webhooks waiting for the write lock are not held up.
        const core::Instant before = now - std::chrono::hours(24) * config_.inbox_retention_days;
        constexpr std::size_t kChunk = 5000;
        for (std::size_t n = kChunk; n == kChunk;) {
            auto job = [&](storage::Database& w) {
                n = storage::InboxRepo(w).prune(before, kChunk);
            };
            if (writes_)
                writes_->run(job);
            else
                storage::with_transaction(db, [&] { job(db); });
            out.pruned += n;
        }
        if (out.pruned > 0) {
            Metrics::instance().add("tcns_inbox_pruned_total", "", out.pruned);
            log::info("scheduler.inbox_pruned", {{"rows", out.pruned}});
        }
    }
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (!dry_run) {
        Metrics::instance().observe("tcns_scheduler_tick_seconds", "", out.seconds);
        if (out.queued + out.recorded > 0)
            log::info("scheduler.tick", {{"at", core::format_utc(now)},
                                         {"planned", out.notices.size()},
                                         {"queued", out.queued},
                                         {"recorded", out.recorded},
                                         {"existing", out.existing},
                                         {"ms", static_cast<int>(out.seconds * 1000)}});
    }
    return out;
}

void Scheduler::month_jobs(storage::Database& db, const core::MonthPeriod& period,
                           core::Instant now, bool dry_run, TickResult& out) {
    const core::Instant deadline = storage::PeriodRepo(db).deadline(period);
    const auto steps = core::due_steps(now, deadline, config_.policy);
    storage::ReminderRepo repo(db);
    const core::Messages& m = templates_.messages;

    if (!steps.empty()) {
        std::string job = "month:" + period.str() + ":" + core::format_utc(deadline);
        for (const auto& s : steps) job += ":" + core::format_utc(s.at);
        if (should_run(job, now, dry_run)) {
            const auto teams = repo.reminder_inputs(period, config_.commune_level);
            const auto due = core::due_messages(now, period, deadline, teams, config_.policy);
            std::vector<const core::DueMessage*> unreached;
            std::map<std::string, std::string> commune_of;  // team code -> commune code
            for (const auto& t : teams) commune_of.emplace(t.code, t.commune.code);
            for (const core::DueMessage& d : due) {
                PlannedNotice p;
                p.notice.idem_key = d.idem_key;
                p.notice.kind = std::string(core::due_kind_name(d.kind));
                p.notice.person = d.person;
                p.notice.account = d.account;
                p.notice.phone = d.phone;
                p.notice.decision = d.decision;
                p.person_name = d.person_name;
                p.template_key = d.template_key;
                p.scheduled_at = d.scheduled_at;
                p.why = fmt::format("{} {}", period.str(), core::due_kind_name(d.kind));
                if (d.kind == core::DueKind::kReminder) p.why += " d" + d.params.at("days_left");
                if (d.kind == core::DueKind::kNotReached) {
                    // The policy re-decides windows at every tick: a team whose reminder went
                    // out this morning looks unreached once the window closes in the afternoon.
                    if (!team_was_reached(db, d.params.at("team_code"), period))
                        unreached.push_back(&d);
                    continue;
                }
                p.existed = notice_exists(db, d.idem_key);
                if (!p.existed) {
                    core::Params params;
                    for (const auto& [k, v] : d.params) {
                        if (k == "deadline")  // the one wording: "hết ngày 29/11/2026"
                            params.emplace_back(k, core::deadline_words(deadline, m));
                        else
                            params.emplace_back(k, k == "missing_teams" ? bullets(v) : v);
                    }
                    p.notice.text = m.render(d.template_key, params);
                    std::string suffix;
                    if (auto it = d.params.find("role");
                        it != d.params.end() && it->second == "deputy")
                        suffix = "\n" + m.render("reminder.deputy_note");
                    p.notice.text += suffix;
                    p.notice.validity =
                        month_validity(d, period, deadline, steps, commune_of, params, suffix);
                }
                emit(db, std::move(p), out);
            }
            plan_unreached_digests(db, period, deadline, now, unreached, teams, out);
        }
    }

    if (!config_.summaries) return;
    const core::Instant at = morning_after(deadline, config_.policy.send_hour);
    if (now < at || now >= at + config_.policy.late_valid_for ||
        core::in_quiet_hours(now, config_.policy.quiet))
        return;
    if (!should_run("summary:" + period.str() + ":" + core::format_utc(at), now, dry_run)) return;
    const auto officials = repo.officials();
    std::size_t i = 0;
    while (i < officials.size()) {
        std::size_t j = i;
        while (j < officials.size() && officials[j].unit == officials[i].unit) ++j;
        std::optional<core::UnitSummary> summary;
        for (std::size_t k = i; k < j; ++k) {
            const storage::OfficialContact& o = officials[k];
            PlannedNotice p;
            p.notice.idem_key = rollup_key(
                db, fmt::format("summary:{}:{}:p{}", o.unit_code, period.str(), o.contact.id), now);
            p.notice.kind = "summary";
            p.notice.person = o.contact.id;
            p.notice.phone = o.contact.phone;
            const auto choice = core::choose_account(o.contact, now, config_.policy);
            p.notice.account = choice.account;
            p.notice.decision = choice.decision;
            p.person_name = o.contact.name;
            p.template_key = "summary.header";
            p.scheduled_at = at;
            p.why = fmt::format("{} summary {} ({})", period.str(), o.unit_code, o.level);
            p.existed = notice_exists(db, p.notice.idem_key);
            if (!p.existed) {
                if (!summary)
                    summary =
                        repo.summary(templates_.form, o.unit, period, period, config_.max_named);
                if (!summary) continue;
                p.notice.text =
                    m.render("summary.scheduled_intro",
                             {{"name", o.contact.name}, {"month", month_text(period)}}) +
                    "\n" + core::render_summary(*summary, m, config_.max_named) +
                    page_link_line(m, config_.public_url, o.unit_code, period);
                // Counts as of today: the message is true today only.
                p.notice.validity = summary_validity(period, o.unit_code, deadline, at, now,
                                                     config_.policy.late_valid_for);
            }
            emit(db, std::move(p), out);
        }
        i = j;
    }
    plan_group_summaries(db, period, deadline, at, now, out);
}

void Scheduler::plan_group_summaries(storage::Database& db, const core::MonthPeriod& period,
                                     core::Instant deadline, core::Instant at, core::Instant now,
                                     TickResult& out) {
    // The unit's linked group chats (issue 17) read the officials' roll-up, keyed per group.
    const core::Messages& m = templates_.messages;
    storage::ReminderRepo repo(db);
    std::optional<core::UnitSummary> summary;
    core::UnitId summary_unit = 0;
    for (const storage::ChatGroup& g : storage::GroupRepo(db).all()) {
        PlannedNotice p;
        p.notice.idem_key = rollup_key(
            db,
            core::group_notice_key(fmt::format("summary:{}:{}", g.unit_code, period.str()), g.id),
            now);
        p.notice.kind = "summary";
        p.notice.group = GroupDestination{g.channel, g.chat_id};
        p.notice.decision = core::WindowDecision::kOpen;
        p.person_name = g.unit_name;
        p.template_key = "group.summary_intro";
        p.scheduled_at = at;
        p.why = fmt::format("{} summary {} (group {})", period.str(), g.unit_code, g.id);
        p.existed = notice_exists(db, p.notice.idem_key);
        if (!p.existed) {
            if (!summary || summary_unit != g.unit) {
                summary = repo.summary(templates_.form, g.unit, period, period, config_.max_named);
                summary_unit = g.unit;
            }
            if (!summary) continue;
            p.notice.text = m.render("group.summary_intro",
                                     {{"unit", g.unit_name}, {"month", month_text(period)}}) +
                            "\n" + core::render_summary(*summary, m, config_.max_named);
            p.notice.validity = summary_validity(period, g.unit_code, deadline, at, now,
                                                 config_.policy.late_valid_for);
        }
        emit(db, std::move(p), out);
    }
}

void Scheduler::plan_unreached_digests(storage::Database& db, const core::MonthPeriod& period,
                                       core::Instant deadline, core::Instant now,
                                       const std::vector<const core::DueMessage*>& unreached,
                                       const std::vector<core::TeamReminderStatus>& teams,
                                       TickResult& out) {
    if (unreached.empty()) return;
    const core::Messages& m = templates_.messages;
    std::map<std::string, const core::TeamReminderStatus*> by_code;
    for (const auto& t : teams) by_code.emplace(t.code, &t);
    // Per official: the first of their notices (who, which account) and the team lines.
    std::map<core::PersonId, std::pair<const core::DueMessage*, std::vector<std::string>>> digests;
    for (const core::DueMessage* d : unreached) {
        auto& [first, lines] = digests[d->person];
        if (!first) first = d;
        const auto it = by_code.find(d->params.at("team_code"));
        const core::TeamReminderStatus* t = it == by_code.end() ? nullptr : it->second;
        // Phones in full: the official has to call them (logs mask them, masked_recipient).
        if (t && t->leader)
            lines.push_back(m.render("reminder.not_reached_line",
                                     {{"team_name", t->name},
                                      {"leader", t->leader->name},
                                      {"phone", core::national_phone(t->leader->phone)}}));
        else
            lines.push_back(m.render("reminder.not_reached_line_no_leader",
                                     {{"team_name", d->params.at("team_name")}}));
    }
    const core::Date today = core::to_vietnam(now).date;
    for (auto& [person, digest] : digests) {
        const core::DueMessage& d = *digest.first;
        std::sort(digest.second.begin(), digest.second.end());
        std::string list;
        for (const auto& line : digest.second) list += (list.empty() ? "" : "\n") + line;
        PlannedNotice p;
        // One a day per official and deadline: "unreached:2026-11:2026-11-30:2026-11-25:p7".
        p.notice.idem_key = fmt::format("unreached:{}:{}:{}:p{}", period.str(),
                                        core::format_date(core::to_vietnam(deadline).date),
                                        core::format_date(today), person);
        p.notice.kind = std::string(core::due_kind_name(core::DueKind::kNotReached));
        p.notice.person = d.person;
        p.notice.account = d.account;
        p.notice.phone = d.phone;
        p.notice.decision = d.decision;
        p.person_name = d.person_name;
        p.template_key = "reminder.not_reached";
        p.scheduled_at = d.scheduled_at;
        p.why = fmt::format("{} not_reached ({} teams)", period.str(), digest.second.size());
        p.existed = notice_exists(db, p.notice.idem_key);
        // A digest is about several teams: true for its day and its deadline (issue 14).
        core::SendValidity v;
        v.kind = p.notice.kind;
        v.period = period.str();
        v.deadline = deadline;
        v.not_before = d.scheduled_at;
        v.expires_at = core::end_of_vietnam_day(now);
        p.notice.validity = v;
        if (!p.existed)
            p.notice.text =
                m.render("reminder.not_reached", {{"name", d.person_name},
                                                  {"month", d.params.at("month")},
                                                  {"count", std::to_string(digest.second.size())},
                                                  {"teams", list},
                                                  {"deadline", core::deadline_words(deadline, m)}});
        emit(db, std::move(p), out);
    }
}

void Scheduler::quarter_jobs(storage::Database& db, core::Instant now, bool dry_run,
                             TickResult& out) {
    const core::MonthPeriod current = core::MonthPeriod::containing(now);
    const core::QuarterPeriod q = core::QuarterPeriod::of(current);
    const core::Instant deadline = core::default_quarterly_deadline(q);
    // Quarter to date: the closed months, as `export rollup --quarter` counts them on the same
    // day (storage/compliance.hpp); month to date while no month has closed yet.
    const storage::MonthRange quarter_months{q.first_month(), q.last_month()};
    auto counted = storage::counted_months(db, quarter_months, now);
    if (!counted) counted = storage::counted_months(db, quarter_months, now, true);
    const core::MonthPeriod from = counted ? counted->from : q.first_month();
    const core::MonthPeriod to = counted ? counted->to : q.first_month();
    const std::string deadline_text = core::deadline_words(deadline, templates_.messages);
    const std::string quarter = fmt::format("{}/{}", q.quarter, q.year);
    storage::ReminderRepo repo(db);

    auto run = [&](const std::string& level, const std::string& template_key) {
        core::QuarterlyReminderConfig rule = config_.quarterly_rule;
        rule.level = level;
        const auto due = core::quarterly_reminder_due(now, q, deadline, rule);
        if (!due || !should_run(due->idem_key_prefix, now, dry_run)) return;
        const auto officials = repo.officials(level);
        std::optional<core::UnitSummary> summary;
        for (std::size_t k = 0; k < officials.size(); ++k) {
            const storage::OfficialContact& o = officials[k];
            if (k > 0 && officials[k - 1].unit != o.unit) summary.reset();
            PlannedNotice p;
            p.notice.idem_key =
                rollup_key(db, fmt::format("{}:p{}", due->idem_key_prefix, o.contact.id), now);
            p.notice.kind = "quarterly";
            p.notice.person = o.contact.id;
            p.notice.phone = o.contact.phone;
            const auto choice = core::choose_account(o.contact, now, config_.policy);
            p.notice.account = choice.account;
            p.notice.decision = choice.decision;
            p.person_name = o.contact.name;
            p.template_key = template_key;
            p.scheduled_at = due->scheduled_at;
            p.why = fmt::format("{} quarterly {} ({})", q.str(), o.unit_code, level);
            p.existed = notice_exists(db, p.notice.idem_key);
            if (!p.existed) {
                if (!summary)
                    summary = repo.summary(templates_.form, o.unit, from, to, config_.max_named);
                if (!summary) continue;
                p.notice.text = templates_.messages.render(
                                    template_key,
                                    {{"name", o.contact.name},
                                     {"quarter", quarter},
                                     {"unit_name", o.unit_name},
                                     {"deadline", deadline_text},
                                     {"summary", core::render_summary(*summary, templates_.messages,
                                                                      config_.max_named)}}) +
                                page_link_line(templates_.messages, config_.public_url, o.unit_code,
                                               to, "quarter");
                core::SendValidity v;
                v.kind = "quarterly";
                v.period = q.str();
                v.unit = o.unit_code;
                v.expires_at = std::min(deadline, core::end_of_vietnam_day(now));
                p.notice.validity = v;
            }
            emit(db, std::move(p), out);
        }
    };
    run(config_.quarterly_rule.level, "quarterly.reminder");
    if (config_.province_level != config_.quarterly_rule.level)
        run(config_.province_level, "quarterly.province");
}

SchedulerThread::SchedulerThread(std::string db_path, const Templates& templates,
                                 SchedulerConfig config, Clock clock, WriteQueue* writes)
    : db_path_(std::move(db_path)),
      scheduler_(templates, std::move(config)),
      clock_(std::move(clock)) {
    scheduler_.set_write_queue(writes);
    if (!clock_) clock_ = wall_now;
}

SchedulerThread::~SchedulerThread() {
    stop();
}

void SchedulerThread::start() {
    if (thread_.joinable()) return;
    stopping_ = false;
    thread_ = std::thread([this] {
        pthread_setname_np(pthread_self(), "tcns-sched");  // seen in top -H, perf, gdb
        loop();
    });
}

void SchedulerThread::stop() {
    {
        std::lock_guard<std::mutex> lock(mu_);
        stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void SchedulerThread::loop() {
    Metrics::instance().describe("tcns_scheduler_lag_seconds",
                                 "How late scheduler ticks start after their planned time");
    Metrics::instance().describe("tcns_scheduler_tick_seconds", "Duration of scheduler ticks");
    std::unique_ptr<storage::Database> db;
    const auto period = std::chrono::seconds(scheduler_.config().tick_seconds);
    auto planned = std::chrono::steady_clock::now();
    while (true) {
        heartbeat::beat("scheduler");  // GET /readyz reports a thread that stopped ticking
        const auto lag = std::chrono::steady_clock::now() - planned;
        Metrics::instance().observe("tcns_scheduler_lag_seconds", "",
                                    std::chrono::duration<double>(lag).count());
        try {
            if (!db) db = std::make_unique<storage::Database>(db_path_);
            scheduler_.tick(*db, clock_());
        } catch (const std::exception& e) {
            // A busy database or a bug: log, drop the connection, try again next tick.
            log::error("scheduler.failed", {{"error", e.what()}});
            Metrics::instance().add("tcns_scheduler_errors_total", "");
            db.reset();
        }
        planned += period;
        std::unique_lock<std::mutex> lock(mu_);
        if (cv_.wait_until(lock, planned, [this] { return stopping_; })) return;
    }
}

}  // namespace tcns::bot
