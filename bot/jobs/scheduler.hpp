#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bot/http/write_queue.hpp"
#include "bot/jobs/notify.hpp"
#include "bot/jobs/scheduler_config.hpp"
#include "bot/templates.hpp"
#include "core/time.hpp"
#include "storage/database.hpp"

namespace tcns::bot {

/// One message a tick planned, and what became of it.
struct PlannedNotice {
    Notice notice;
    std::string person_name;
    std::string recipient;     ///< masked
    std::string template_key;  ///< the main template
    std::string why;           ///< "2026-11 d5 reminder", "summary 2026-11", …
    core::Instant scheduled_at{};
    bool existed = false;                  ///< the key was already in the outbox: nothing written
    std::optional<NoticeOutcome> outcome;  ///< nullopt in a dry run or when it existed
};

/// What a tick did.
struct TickResult {
    std::vector<PlannedNotice> notices;
    std::size_t queued = 0;    ///< pending rows written
    std::size_t recorded = 0;  ///< 'skipped' rows written (window closed, unreachable)
    std::size_t existing = 0;  ///< keys already spent
    std::size_t pruned = 0;    ///< old inbox rows deleted
    double seconds = 0;
};

/// The reminder, escalation and summary scheduler (DESIGN.md decision 7): each tick asks the
/// pure policies what is due at `now` and writes it to the outbox with idempotency keys, in one
/// write transaction. Running it twice, late, or in two processes never sends a message twice.
class Scheduler {
  public:
    Scheduler(const Templates& templates, SchedulerConfig config);

    /// Plans everything due at `now` and, unless `dry_run`, writes it to the outbox. A dry run
    /// writes nothing and ignores the rescan interval.
    TickResult tick(storage::Database& db, core::Instant now, bool dry_run = false);

    const SchedulerConfig& config() const { return config_; }
    /// Writes go through the server's write queue (one writer connection: webhooks never wait
    /// on SQLite's lock behind a country's worth of reminders). Without it, tick() writes on the
    /// connection it was given.
    void set_write_queue(WriteQueue* writes) { writes_ = writes; }

  private:
    /// True when the job has not been planned within the rescan interval (and records it).
    bool should_run(const std::string& job, core::Instant now, bool dry_run);
    void month_jobs(storage::Database& db, const core::MonthPeriod& period, core::Instant now,
                    bool dry_run, TickResult& out);
    void quarter_jobs(storage::Database& db, core::Instant now, bool dry_run, TickResult& out);
    /// One "not reached" digest per official and day, listing each unreached team with its
    /// leader's name and phone (the official has to call them), instead of one per team.
    void plan_unreached_digests(storage::Database& db, const core::MonthPeriod& period,
                                core::Instant deadline, core::Instant now,
                                const std::vector<const core::DueMessage*>& unreached,
                                const std::vector<core::TeamReminderStatus>& teams,
                                TickResult& out);
    /// The roll-up for each linked group chat, beside its unit's officials'.
    void plan_group_summaries(storage::Database& db, const core::MonthPeriod& period,
                              core::Instant deadline, core::Instant at, core::Instant now,
                              TickResult& out);
    void emit(storage::Database& db, PlannedNotice p, TickResult& out);

    const Templates& templates_;
    SchedulerConfig config_;
    WriteQueue* writes_ = nullptr;
    std::map<std::string, core::Instant> last_run_;
    std::optional<core::Instant> last_prune_;  ///< the inbox is pruned at most once an hour
};

/// The scheduler's thread in `tcns serve`: its own database connection, one tick per
/// `tick_seconds` of the clock (lag and duration go to /metrics).
class SchedulerThread {
  public:
    using Clock = std::function<core::Instant()>;
    SchedulerThread(std::string db_path, const Templates& templates, SchedulerConfig config,
                    Clock clock = {}, WriteQueue* writes = nullptr);
    ~SchedulerThread();
    SchedulerThread(const SchedulerThread&) = delete;
    SchedulerThread& operator=(const SchedulerThread&) = delete;

    void start();
    void stop();

  private:
    void loop();

    std::string db_path_;
    Scheduler scheduler_;
    Clock clock_;
    std::mutex mu_;
    std::condition_variable cv_;
    bool stopping_ = false;
    std::thread thread_;
};

/// The morning after a deadline: the first `send_hour` at or after it (when late notices,
/// escalations and summaries are due).
core::Instant morning_after(core::Instant deadline, int send_hour);

}  // namespace tcns::bot
