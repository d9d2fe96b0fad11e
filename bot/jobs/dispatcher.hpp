#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bot/http/write_queue.hpp"
#include "bot/jobs/outcome_journal.hpp"
#include "core/messages.hpp"
#include "core/reminder_policy.hpp"
#include "core/time.hpp"
#include "storage/outbox_repo.hpp"

namespace tcns::bot {

/// How a platform answered one send, after the channel's own retry of a token refresh.
enum class SendClass {
    kSuccess,      ///< accepted; message_id holds the platform's id
    kRetryable,    ///< 5xx, timeout, rate limit: try again later
    kUnreachable,  ///< the free window is closed or the user blocked us: stop, tell officials
    kPermanent,    ///< anything else: dead-letter with the reason
};

std::string_view send_class_name(SendClass c);

struct SendResult {
    SendClass cls = SendClass::kRetryable;
    std::string message_id;
    std::string reason;  ///< the platform's code and text, never a token
    std::optional<std::chrono::seconds> retry_after;
    /// kRetryable without any HTTP answer: maybe delivered. A row resent after one of these and
    /// failing again becomes 'uncertain' instead of being repeated.
    bool no_answer = false;
};

/// Sends outbox rows of one channel through its platform API. Implementations are called
/// from several dispatcher threads at once (different recipients), so they must be
/// thread-safe.
class ChannelSender {
  public:
    virtual ~ChannelSender() = default;
    virtual std::string channel() const = 0;
    virtual SendResult send(const storage::OutboxRow& row) = 0;
    /// The channel's own send rate; 0 uses DispatcherOptions::rate_per_second.
    virtual double rate_per_second() const { return 0; }
};

struct DispatcherOptions {
    /// Transport failures (timeouts, 5xx, 429, connection errors) are retried until the row is
    /// this old, then dead-lettered: a platform outage of hours loses nothing (issue 18).
    std::chrono::seconds give_up_after{std::chrono::hours(72)};
    int max_attempts = 0;  ///< > 0: also dead-letter after this many attempts
    std::chrono::seconds base_backoff{5};
    std::chrono::seconds max_backoff{std::chrono::minutes(15)};
    double rate_per_second = 20;  ///< per channel
    int batch = 64;               ///< rows read per pass and channel
    int concurrency = 8;          ///< sends in flight per channel (distinct recipients)
    std::chrono::milliseconds idle_wait{1000};
    /// After a retryable failure (outage, 5xx, timeout, rate limit) the whole channel pauses,
    /// not only the failed row: other rows would fail the same way and hammer a platform that is
    /// down or throttling us. The pause doubles with each consecutive failed probe, up to the
    /// max, and ends at the first success. Rows not tried meanwhile keep their attempt count.
    /// 0 disables the pause (per-row backoff only).
    std::chrono::milliseconds channel_backoff{1000};
    std::chrono::milliseconds max_channel_backoff{std::chrono::seconds(60)};
    /// Bulk rows read per pass, in seconds of the channel's rate (at least one): a pass of bulk
    /// rows is short, so a reply queued meanwhile waits at most that long (issue 14).
    double bulk_pass_seconds = 0.2;
    /// The quiet hours bulk rows respect at send time (the scheduler's).
    core::QuietHours quiet;
    /// Renders a template with parameters at send time (rows whose validity names a template:
    /// days left come from the calendar, not from when the row was queued). Unset: the text
    /// stored with the row is sent.
    std::function<std::string(const std::string&, const core::Params&)> render;
    /// While outcomes cannot be recorded (disk full, read-only, locked), how often to retry.
    std::chrono::milliseconds record_retry{500};
    /// Where send outcomes the database refuses are journaled (OutcomeJournal), on another
    /// filesystem than the database's. Empty: no journal (outcomes held in memory only).
    std::string journal_dir;
};

/// Exponential backoff with jitter for the n-th failed attempt (n >= 1), in [d/2, d] where
/// d = min(max, base * 2^(n-1)). `unit` in [0, 1) is the random draw.
std::chrono::seconds backoff_delay(int attempt, const DispatcherOptions& o, double unit);

/// The outbox dispatcher (DESIGN.md decisions 1, 8 and 10). One background thread reads due rows
/// from its own connection and sends them through the channel's sender: at most one row per
/// recipient is in flight, so each person's messages arrive in order. Replies go before bulk
/// rows; bulk rows are checked just before sending (stale ones dropped, quiet hours waited out)
/// and taken round-robin by unit. Rows are sent in waves of up to `concurrency`, the wave's rate
/// tokens taken before it starts; each outcome is recorded as soon as its send returns, so only
/// a send in flight at a crash can be repeated (besides a platform that took a message but
/// answered too late or unreadably). An outcome that cannot be recorded is kept in memory and
/// nothing more is sent until it is written; it is also appended to the outcome journal (when
/// configured), so that a process that must stop meanwhile does not send it again after a
/// restart: the journal is replayed before the first pass and whenever the database takes
/// writes again.
class Dispatcher {
  public:
    using Clock = std::function<core::Instant()>;

    /// `writes`: the server's write queue; outcomes are committed through it (one writer
    /// connection, no lock contention with webhooks). Without it the dispatcher writes itself.
    Dispatcher(std::string db_path, std::vector<std::shared_ptr<ChannelSender>> senders,
               DispatcherOptions options, Clock clock = {}, WriteQueue* writes = nullptr);
    ~Dispatcher();
    Dispatcher(const Dispatcher&) = delete;
    Dispatcher& operator=(const Dispatcher&) = delete;

    /// One pass over every channel: sends what is due now. Returns the rows handled.
    std::size_t run_once();
    void start();
    void stop();
    /// Wakes the thread (a webhook just queued replies).
    void wake();
    /// Outcomes sent but not yet recorded (the database refused the write).
    std::size_t unrecorded() const;

  private:
    struct Bucket {
        double tokens = 0;
        std::chrono::steady_clock::time_point last{};
    };
    /// A channel paused after retryable failures (steady clock: not persisted, a restart
    /// probes at once).
    struct Hold {
        int failures = 0;
        std::chrono::steady_clock::time_point until{};
    };
    /// What became of one row, to be recorded.
    struct Outcome {
        std::int64_t id = 0;
        std::string channel;
        int attempts = 0;            ///< before this one
        int no_answer_attempts = 0;  ///< before this one
        core::Instant created_at{};
        core::Instant at{};
        enum class What { kSent, kStale, kDefer } what = What::kSent;
        SendResult result;
        std::string reason;     ///< kStale
        core::Instant until{};  ///< kDefer
        double jitter = 0.5;
        /// Replayed from the journal, or held after a failed write: applied only while the row
        /// is still as it was read (pending, same attempts), so applying it twice is harmless.
        bool guarded = false;
        bool from_journal = false;  ///< in the journal file (counted as replayed when applied)
    };
    /// False when a guarded outcome was skipped (the row was recorded already).
    bool apply(storage::Database& db, const Outcome& o);
    /// Writes outcomes in one transaction; false (logged) when the database refused.
    bool record(const std::vector<Outcome>& outcomes);
    /// Writes what could not be recorded before; false while it still cannot.
    bool flush_unrecorded();
    /// Reads the journal left by an earlier process into the outcomes to record first.
    void load_journal();
    static JournalEntry to_entry(const Outcome& o);
    static std::optional<Outcome> from_entry(const JournalEntry& e);
    /// Checks the bulk rows' validity: returns the rows to send (texts rendered now) and adds
    /// stale and deferred rows to `outcomes`.
    std::vector<storage::OutboxRow> check_rows(std::vector<storage::OutboxRow> rows,
                                               std::vector<Outcome>& outcomes);
    void take_token(Bucket& b, double rate);
    void hold_channel(const std::string& channel, const SendResult& r, double unit);
    /// Time left on a channel's pause (zero when it may send).
    std::chrono::milliseconds held_for(const std::string& channel);
    void loop();
    core::Instant now() const;

    WriteQueue* writes_ = nullptr;
    std::string db_path_;
    std::vector<std::shared_ptr<ChannelSender>> senders_;
    DispatcherOptions options_;
    Clock clock_;
    std::unique_ptr<storage::Database> db_;
    std::map<std::string, Bucket> buckets_;
    std::map<std::string, Hold> holds_;   ///< only touched by the dispatching thread
    std::map<std::string, bool> passed_;  ///< channels that had a pass since start
    mutable std::mutex record_mu_;        ///< guards unrecorded_ and db_ writes from send tasks
    std::vector<Outcome> unrecorded_;
    std::unique_ptr<OutcomeJournal> journal_;
    bool journal_loaded_ = false;  ///< only touched by the dispatching thread
    std::mutex mu_;
    std::condition_variable cv_;
    bool woken_ = false;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace tcns::bot
