#include "bot/jobs/dispatcher.hpp"

#include <pthread.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <cmath>
#include <future>
#include <random>

#include "bot/clock.hpp"
#include "bot/http/health.hpp"
#include "bot/log.hpp"
#include "bot/metrics.hpp"
#include "core/period.hpp"
#include "core/send_validity.hpp"
#include "storage/period_repo.hpp"

namespace tcns::bot {

std::string_view send_class_name(SendClass c) {
    switch (c) {
        case SendClass::kSuccess:
            return "success";
        case SendClass::kRetryable:
            return "retryable";
        case SendClass::kUnreachable:
            return "unreachable";
        case SendClass::kPermanent:
            return "permanent";
    }
    return "permanent";
}

std::chrono::seconds backoff_delay(int attempt, const DispatcherOptions& o, double unit) {
    const double base = static_cast<double>(o.base_backoff.count());
    const double cap = static_cast<double>(o.max_backoff.count());
    const double d = std::min(cap, base * std::pow(2.0, std::max(0, attempt - 1)));
    const double jittered = d * (0.5 + 0.5 * std::clamp(unit, 0.0, 1.0));
    return std::chrono::seconds(std::max<long long>(1, std::llround(jittered)));
}

Dispatcher::Dispatcher(std::string db_path, std::vector<std::shared_ptr<ChannelSender>> senders,
                       DispatcherOptions options, Clock clock, WriteQueue* writes)
    : writes_(writes),
      db_path_(std::move(db_path)),
      senders_(std::move(senders)),
      options_(options),
      clock_(std::move(clock)) {
    storage::Database::Options o;
    o.migrate = false;
    db_ = std::make_unique<storage::Database>(db_path_, o);
    if (!options_.journal_dir.empty())
        journal_ = std::make_unique<OutcomeJournal>(options_.journal_dir, db_path_);
}

Dispatcher::~Dispatcher() {
    stop();
}

core::Instant Dispatcher::now() const {
    if (clock_) return clock_();
    return wall_now();
}

void Dispatcher::take_token(Bucket& b, double rate) {
    if (rate <= 0) return;
    // A fifth of a second's worth: after an idle spell or an outage the backlog starts at
    // about the configured rate instead of a full second's burst on top of it.
    const double burst = std::max(1.0, rate / 5);
    while (true) {
        const auto t = std::chrono::steady_clock::now();
        if (b.last.time_since_epoch().count() == 0) {
            b.last = t;
            b.tokens = burst;
        }
        // Refill at the rate in force (the channel's own, not the default: with a default of 0
        // the bucket never refilled and the dispatcher slept forever).
        b.tokens =
            std::min(burst, b.tokens + std::chrono::duration<double>(t - b.last).count() * rate);
        b.last = t;
        if (b.tokens >= 1) {
            b.tokens -= 1;
            return;
        }
        std::this_thread::sleep_for(std::chrono::duration<double>((1 - b.tokens) / rate));
    }
}

void Dispatcher::hold_channel(const std::string& channel, const SendResult& r, double unit) {
    if (options_.channel_backoff.count() <= 0) return;
    Hold& h = holds_[channel];
    h.failures = std::min(h.failures + 1, 30);
    const double base = static_cast<double>(options_.channel_backoff.count());
    const double cap = static_cast<double>(options_.max_channel_backoff.count());
    const double d = std::min(cap, base * std::pow(2.0, h.failures - 1));
    auto pause = std::chrono::milliseconds(
        std::max<long long>(1, std::llround(d * (0.5 + 0.5 * std::clamp(unit, 0.0, 1.0)))));
    // The platform's Retry-After, within reason (a wild value must not silence a channel).
    if (r.retry_after)
        pause = std::max(pause, std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::min(*r.retry_after, options_.max_backoff)));
    h.until = std::chrono::steady_clock::now() + pause;
    log::warn("outbox.channel_paused", {{"channel", channel},
                                        {"failures", h.failures},
                                        {"pause_ms", static_cast<double>(pause.count())},
                                        {"reason", r.reason}});
}

std::chrono::milliseconds Dispatcher::held_for(const std::string& channel) {
    const auto it = holds_.find(channel);
    if (it == holds_.end()) return std::chrono::milliseconds(0);
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        it->second.until - std::chrono::steady_clock::now());
    return std::max(left, std::chrono::milliseconds(0));
}

bool Dispatcher::apply(storage::Database& db, const Outcome& o) {
    storage::OutboxRepo out(db);
    if (o.guarded && !out.pending_as_read(o.id, o.channel, o.created_at, o.attempts)) return false;
    const int attempts = o.attempts + 1;
    switch (o.what) {
        case Outcome::What::kStale:
            out.mark_final(o.id, "stale", o.reason, o.at);
            return true;
        case Outcome::What::kDefer:
            out.defer(o.id, o.until, o.at);
            return true;
        case Outcome::What::kSent:
            break;
    }
    const SendResult& r = o.result;
    switch (r.cls) {
        case SendClass::kSuccess:
            out.mark_sent(o.id, r.message_id, o.at);
            break;
        case SendClass::kRetryable:
            if (o.no_answer_attempts > 0) {
                // An earlier send got no answer and may have been delivered; this was its one
                // resend. Repeating it could deliver it again on every try: an operator
                // decides (tcns outbox list/retry).
                out.mark_final(o.id, "uncertain",
                               "no answer to an earlier send, resent once; last: " + r.reason,
                               o.at);
                Metrics::instance().add("tcns_outbox_uncertain_total", "");
                break;
            }
            // A transport failure keeps the row for `give_up_after` (an outage of hours loses
            // nothing); the channel's probe, not this backoff, decides when it goes again.
            if (o.at - o.created_at >= options_.give_up_after ||
                (options_.max_attempts > 0 && attempts >= options_.max_attempts)) {
                out.mark_final(o.id, "dead", "gave up retrying; last: " + r.reason, o.at);
            } else {
                auto delay = backoff_delay(attempts, options_, o.jitter);
                if (r.retry_after)
                    delay = std::max(delay, std::min(*r.retry_after, options_.max_backoff));
                out.mark_retry(o.id, attempts, o.at + delay, r.reason, o.at, r.no_answer);
            }
            break;
        case SendClass::kUnreachable:
            out.mark_final(o.id, "unreachable", r.reason, o.at);
            break;
        case SendClass::kPermanent:
            out.mark_final(o.id, "dead", r.reason, o.at);
            break;
    }
    return true;
}

bool Dispatcher::record(const std::vector<Outcome>& outcomes) {
    if (outcomes.empty()) return true;
    // Outcomes read from the journal: applied, and skipped because the row was recorded already.
    std::size_t replayed = 0, skipped = 0;
    auto apply_all = [&](storage::Database& db) {
        replayed = skipped = 0;
        for (const auto& o : outcomes) {
            const bool applied = apply(db, o);
            if (o.from_journal) ++(applied ? replayed : skipped);
        }
    };
    try {
        // Through the server's write queue when there is one, so the dispatcher never competes
        // with webhooks for SQLite's write lock.
        if (writes_) {
            writes_->run(apply_all);
        } else {
            std::lock_guard lock(record_mu_);
            storage::with_transaction(*db_, [&] { apply_all(*db_); });
        }
        if (replayed + skipped > 0) {
            Metrics::instance().add("tcns_outbox_journal_replayed_total", "", replayed);
            log::warn("outbox.journal_replayed",
                      {{"replayed", replayed}, {"already_recorded", skipped}});
        }
        return true;
    } catch (const std::exception& e) {
        if (!writes_) {
            std::lock_guard lock(record_mu_);
            db_->reset_cached();
        }
        Metrics::instance().add("tcns_outbox_record_failures_total", "");
        log::error("outbox.record_failed", {{"rows", outcomes.size()}, {"error", e.what()}});
        return false;
    }
}

bool Dispatcher::flush_unrecorded() {
    std::vector<Outcome> pending;
    {
        std::lock_guard lock(record_mu_);
        if (unrecorded_.empty()) return true;
        pending = unrecorded_;
    }
    if (!record(pending)) return false;
    {
        std::lock_guard lock(record_mu_);
        unrecorded_.erase(unrecorded_.begin(),
                          unrecorded_.begin() + static_cast<std::ptrdiff_t>(pending.size()));
    }
    log::warn("outbox.record_resumed", {{"rows", pending.size()}});
    // Everything the journal holds was among them (send tasks are not running here): the
    // database has it now.
    if (journal_ && unrecorded() == 0 && journal_->has_entries()) journal_->clear();
    return true;
}

JournalEntry Dispatcher::to_entry(const Outcome& o) {
    JournalEntry e;
    e.id = o.id;
    e.channel = o.channel;
    e.created_at = core::to_unix(o.created_at);
    e.attempts = o.attempts;
    e.no_answer_attempts = o.no_answer_attempts;
    e.at = core::to_unix(o.at);
    e.result = std::string(send_class_name(o.result.cls));
    e.message_id = o.result.message_id;
    e.reason = o.result.reason;
    e.no_answer = o.result.no_answer;
    if (o.result.retry_after) e.retry_after = o.result.retry_after->count();
    e.jitter = o.jitter;
    return e;
}

std::optional<Dispatcher::Outcome> Dispatcher::from_entry(const JournalEntry& e) {
    Outcome o;
    o.id = e.id;
    o.channel = e.channel;
    o.created_at = core::from_unix(e.created_at);
    o.attempts = e.attempts;
    o.no_answer_attempts = e.no_answer_attempts;
    o.at = core::from_unix(e.at);
    o.what = Outcome::What::kSent;
    bool known = false;
    for (const SendClass c : {SendClass::kSuccess, SendClass::kRetryable, SendClass::kUnreachable,
                              SendClass::kPermanent})
        if (send_class_name(c) == e.result) {
            o.result.cls = c;
            known = true;
        }
    if (!known) return std::nullopt;
    o.result.message_id = e.message_id;
    o.result.reason = e.reason;
    o.result.no_answer = e.no_answer;
    if (e.retry_after) o.result.retry_after = std::chrono::seconds(*e.retry_after);
    o.jitter = e.jitter;
    o.guarded = true;
    o.from_journal = true;
    return o;
}

void Dispatcher::load_journal() {
    journal_loaded_ = true;
    if (!journal_ || !journal_->has_entries()) return;
    const JournalContents c = journal_->read();
    std::vector<Outcome> loaded;
    int unknown = 0;
    for (const auto& e : c.entries) {
        if (auto o = from_entry(e))
            loaded.push_back(std::move(*o));
        else
            ++unknown;
    }
    if (c.torn_tail || c.bad_lines > 0 || unknown > 0)
        log::warn("outbox.journal_damaged",
                  {{"path", journal_->path()},
                   {"torn_last_line", c.torn_tail ? "yes" : "no"},
                   {"bad_lines", c.bad_lines + unknown},
                   {"note",
                    "a line cut short by a crash mid-write was never acknowledged; its send "
                    "may be repeated"}});
    log::warn("outbox.journal_found", {{"path", journal_->path()}, {"outcomes", loaded.size()}});
    // Recorded before anything else is sent (flush_unrecorded), then the file is removed; while
    // the database still refuses writes, nothing is sent.
    std::lock_guard lock(record_mu_);
    unrecorded_.insert(unrecorded_.begin(), std::make_move_iterator(loaded.begin()),
                       std::make_move_iterator(loaded.end()));
}

std::size_t Dispatcher::unrecorded() const {
    std::lock_guard lock(record_mu_);
    return unrecorded_.size();
}

std::vector<storage::OutboxRow> Dispatcher::check_rows(std::vector<storage::OutboxRow> rows,
                                                       std::vector<Outcome>& outcomes) {
    std::vector<storage::OutboxRow> keep;
    const core::Instant t = now();
    for (auto& row : rows) {
        if (!row.validity) {
            keep.push_back(std::move(row));
            continue;
        }
        const core::SendValidity& v = *row.validity;
        // The facts the row's truth depends on, as they are now.
        core::SendFacts facts;
        if (!v.team.empty() && !v.period.empty() && core::about_missing_report(v.kind)) {
            auto& q = db_->cached(
                "SELECT 1 FROM report_status rs JOIN teams t ON t.id = rs.team_id WHERE t.code = "
                "?1 AND rs.period = ?2");
            q.bind(1, v.team);
            q.bind(2, v.period);
            facts.team_reported = q.executeStep();
            q.reset();
        }
        if (v.deadline)
            if (const auto month = core::MonthPeriod::parse(v.period))
                facts.deadline = storage::PeriodRepo(*db_).deadline(*month);
        const core::SendCheck c = core::check_send(v, facts, t, options_.quiet);
        Outcome o;
        o.id = row.id;
        o.channel = row.channel;
        o.attempts = row.attempts;
        o.no_answer_attempts = row.no_answer_attempts;
        o.created_at = row.created_at;
        o.at = t;
        if (c.verdict == core::SendVerdict::kStale) {
            o.what = Outcome::What::kStale;
            o.reason = c.reason;
            outcomes.push_back(o);
            Metrics::instance().add("tcns_outbox_stale_total", "reason=\"" + c.reason + "\"");
            log::info("outbox.stale", {{"channel", row.channel},
                                       {"id", row.id},
                                       {"kind", row.kind},
                                       {"reason", c.reason}});
            continue;
        }
        if (c.verdict == core::SendVerdict::kWait) {
            o.what = Outcome::What::kDefer;
            o.until = c.wait_until;
            outcomes.push_back(o);
            continue;
        }
        // Text that depends on the date is written now, from the calendar.
        if (!v.template_key.empty() && options_.render) {
            core::Params params;
            for (const auto& [k, val] : v.params) {
                if (k == "days_left" && v.deadline)
                    params.emplace_back(k, std::to_string(core::days_left(t, *v.deadline)));
                else
                    params.emplace_back(k, val);
            }
            row.message.text = options_.render(v.template_key, params) + v.suffix;
        }
        keep.push_back(std::move(row));
    }
    db_->reset_cached();
    return keep;
}

std::size_t Dispatcher::run_once() {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    std::size_t handled = 0;
    auto& metrics = Metrics::instance();
    // Outcomes that could not be recorded are written before anything else is sent: sending
    // more while the database refuses writes would send again what the platform accepted.
    // First of all, the outcomes an earlier process journaled and could not record.
    if (!journal_loaded_) load_journal();
    if (!flush_unrecorded()) return 0;
    // A journal left with only damaged lines (nothing to record): cleared once reported.
    if (journal_ && journal_->has_entries()) journal_->clear();
    for (const auto& sender : senders_) {
        const std::string channel = sender->channel();
        if (held_for(channel).count() > 0) continue;
        const double rate =
            sender->rate_per_second() > 0 ? sender->rate_per_second() : options_.rate_per_second;
        // After a pause (and at start, when an earlier process may have left rows backing off)
        // the channel's probe may take a row whose own backoff has not ended.
        const bool probe = holds_.count(channel) > 0 || !passed_[channel];
        std::vector<storage::OutboxRow> rows;
        {
            storage::OutboxRepo outbox(*db_);
            const int batch = options_.batch;
            rows = outbox.due_lane(channel, 0, now(), batch);
            if (static_cast<int>(rows.size()) < batch) {
                // Bulk rows get what replies leave, a short pass at a time.
                const int quota =
                    std::min(batch - static_cast<int>(rows.size()),
                             std::max(1, static_cast<int>(rate * options_.bulk_pass_seconds)));
                auto bulk = outbox.due_lane(channel, 1, now(), rate > 0 ? quota : batch);
                for (auto& r : bulk) rows.push_back(std::move(r));
            }
            // Nothing due, but rows back off after failures: the probe takes the oldest of them
            // (a reply first), and its success makes the others due at once.
            if (rows.empty() && probe) {
                rows = outbox.due_lane(channel, 0, now(), 1, true);
                if (rows.empty()) rows = outbox.due_lane(channel, 1, now(), 1, true);
            }
            db_->reset_cached();
        }
        passed_[channel] = true;
        if (rows.empty()) continue;
        std::vector<Outcome> checked;
        rows = check_rows(std::move(rows), checked);
        if (!checked.empty()) {
            if (!record(checked)) return handled;
            handled += checked.size();
        }
        if (rows.empty()) continue;
        Bucket& bucket = buckets_[channel];
        // At most one row per recipient is due at a time, so these can go out concurrently.
        const std::size_t width = static_cast<std::size_t>(std::max(1, options_.concurrency));
        std::optional<SendResult> channel_failure;
        bool stopped = false;
        for (std::size_t start = 0, end = 0; start < rows.size() && !channel_failure && !stopped;
             start = end) {
            // A channel coming out of a pause probes with one send before a full wave.
            end = std::min(rows.size(), start + (holds_.count(channel) ? 1 : width));
            // The wave's tokens first: once a send starts, nothing delays recording it.
            for (std::size_t i = start; i < end; ++i) take_token(bucket, rate);
            std::vector<std::future<SendResult>> inflight;
            for (std::size_t i = start; i < end; ++i) {
                const double jitter = unit(rng);
                inflight.push_back(std::async(std::launch::async, [&, i, jitter] {
                    SendResult r;
                    try {
                        r = sender->send(rows[i]);
                    } catch (const std::exception& e) {
                        r.cls = SendClass::kRetryable;
                        r.reason = std::string("sender error: ") + e.what();
                    }
                    // Recorded as soon as the platform answered: a crash from here on cannot
                    // send this row again.
                    Outcome o;
                    o.id = rows[i].id;
                    o.channel = rows[i].channel;
                    o.attempts = rows[i].attempts;
                    o.no_answer_attempts = rows[i].no_answer_attempts;
                    o.created_at = rows[i].created_at;
                    o.at = now();
                    o.result = r;
                    o.jitter = jitter;
                    if (!record({o})) {
                        // Kept in memory, retried first, and applied only to the row as it
                        // was read; journaled so that a process that must stop meanwhile
                        // does not send it again. Sending stops either way.
                        o.guarded = true;
                        if (journal_ && journal_->append(to_entry(o))) {
                            o.from_journal = true;
                            Metrics::instance().add("tcns_outbox_journaled_total", "");
                        } else if (journal_) {
                            Metrics::instance().add("tcns_outbox_journal_failures_total", "");
                        }
                        std::lock_guard lock(record_mu_);
                        unrecorded_.push_back(std::move(o));
                    }
                    return r;
                }));
            }
            for (std::size_t i = start; i < end; ++i) {
                const SendResult r = inflight[i - start].get();
                // A success ends the channel's pause; a retryable failure (re)starts it below.
                if (r.cls == SendClass::kSuccess && holds_.erase(channel)) {
                    // Back after an outage: rows backing off go now, not when their backoff
                    // (up to max_backoff) ends.
                    try {
                        if (writes_) {
                            writes_->run([&](storage::Database& db) {
                                storage::OutboxRepo(db).clear_backoff(channel, now());
                            });
                        } else {
                            std::lock_guard lock(record_mu_);
                            storage::with_transaction(*db_, [&] {
                                storage::OutboxRepo(*db_).clear_backoff(channel, now());
                            });
                        }
                    } catch (const std::exception& e) {
                        log::warn("outbox.clear_backoff_failed", {{"error", e.what()}});
                    }
                }
                if (r.cls == SendClass::kRetryable) channel_failure = r;
                metrics.add("tcns_outbox_sends_total", "channel=\"" + channel + "\",result=\"" +
                                                           std::string(send_class_name(r.cls)) +
                                                           "\"");
                log::info("outbox.send", {{"channel", channel},
                                          {"id", rows[i].id},
                                          {"kind", rows[i].kind},
                                          {"attempt", rows[i].attempts + 1},
                                          {"result", std::string(send_class_name(r.cls))},
                                          {"reason", r.reason}});
                ++handled;
            }
            stopped = unrecorded() > 0;
            // The rest of this batch waits for the channel's pause to end, untouched.
            if (channel_failure) hold_channel(channel, *channel_failure, unit(rng));
        }
        if (stopped) {
            log::error("outbox.sending_stopped",
                       {{"channel", channel}, {"unrecorded", unrecorded()}});
            return handled;
        }
    }
    return handled;
}

void Dispatcher::start() {
    if (thread_.joinable()) return;
    thread_ = std::thread([this] {
        pthread_setname_np(pthread_self(), "tcns-dispatch");  // seen in top -H, perf, gdb
        loop();
    });
}

void Dispatcher::stop() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    // A last try to record what the platform accepted; what stays unrecorded is in the journal
    // (replayed at the next start) or, without one, sent again after a restart (said in the log,
    // with how many).
    if (unrecorded() > 0 && !flush_unrecorded()) {
        if (journal_ && journal_->has_entries())
            log::error("outbox.unrecorded_at_stop",
                       {{"rows", unrecorded()},
                        {"journal", journal_->path()},
                        {"note", "replayed into the outbox at the next start"}});
        else
            log::error("outbox.unrecorded_at_stop",
                       {{"rows", unrecorded()}, {"note", "these may be sent again at restart"}});
    }
}

void Dispatcher::wake() {
    {
        std::lock_guard lock(mu_);
        woken_ = true;
    }
    cv_.notify_all();
}

void Dispatcher::loop() {
    while (true) {
        heartbeat::beat("dispatcher");  // GET /readyz reports a thread that stopped passing
        {
            std::lock_guard lock(mu_);
            if (stopping_) return;
            woken_ = false;
        }
        std::size_t handled = 0;
        try {
            handled = run_once();
        } catch (const std::exception& e) {
            log::error("outbox.pass_failed", {{"error", e.what()}});
        }
        if (handled > 0) continue;  // more may be due right away
        if (unrecorded() > 0) {
            // The database refuses writes: retry recording soon, send nothing meanwhile.
            std::unique_lock lock(mu_);
            cv_.wait_for(lock, options_.record_retry, [&] { return stopping_; });
            if (stopping_) return;
            continue;
        }
        // Nothing due: sleep until woken, the next due row (or the end of its channel's
        // pause), or the idle wait. During an outage rows are scheduled in the future and the
        // channel is paused, so this never spins.
        auto wait = options_.idle_wait;
        try {
            storage::OutboxRepo outbox(*db_);
            for (const auto& s : senders_) {
                auto next = outbox.next_due(s->channel());
                db_->reset_cached();
                if (next) {
                    const auto until = std::max(
                        std::chrono::duration_cast<std::chrono::milliseconds>(*next - now()),
                        held_for(s->channel()));
                    wait = std::clamp(until, std::chrono::milliseconds(10), wait);
                }
            }
        } catch (const std::exception&) {
        }
        std::unique_lock lock(mu_);
        cv_.wait_for(lock, wait, [&] { return stopping_ || woken_; });
        if (stopping_) return;
    }
}

}  // namespace tcns::bot
