#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/events.hpp"
#include "core/org.hpp"
#include "core/send_validity.hpp"
#include "core/time.hpp"
#include "storage/database.hpp"

namespace tcns::storage {

/// One message waiting to be sent by the dispatcher.
struct OutboxItem {
    std::string channel;
    std::optional<core::AccountId> account_id;
    std::string recipient;       ///< the platform user id (or phone number for Zalo ZNS)
    std::string kind = "reply";  ///< reply, reminder, escalation, summary, difficulty, …
    core::OutboundMessage message;
    /// Scheduled messages carry a unique key ("remind:<team>:<period>:<step>"); the outbox
    /// refuses a second row with the same key, so nothing is ever sent twice.
    std::optional<std::string> idem_key;
    std::optional<core::Instant> not_before;  ///< earliest send time (default: now)
    /// What makes a bulk message true; checked by the dispatcher just before sending.
    std::optional<core::SendValidity> validity;
};

/// Replies to a person who wrote go before bulk messages (issue 14). Kind "reply" is lane 0.
int outbox_lane(std::string_view kind);

/// A stored outbox row, as the dispatcher reads it.
struct OutboxRow {
    std::int64_t id = 0;
    std::string channel;
    std::optional<core::AccountId> account_id;
    std::string recipient;
    std::string kind;
    core::OutboundMessage message;
    int attempts = 0;
    core::Instant created_at{};
    int lane = 0;  ///< 0: reply, 1: bulk
    std::optional<core::SendValidity> validity;
    /// Earlier sends that got no HTTP answer (maybe delivered): after one, at most one resend.
    int no_answer_attempts = 0;
};

/// One row as an operator sees it (`tcns outbox list`).
struct OutboxListing {
    std::int64_t id = 0;
    std::string channel;
    std::string recipient;
    std::optional<core::PersonId> person;
    std::string kind;
    std::string status;
    int attempts = 0;
    core::Instant created_at{};
    core::Instant updated_at{};
    std::string error;
    std::string text;
};

/// Which rows an operator command applies to; unset fields match everything.
struct OutboxFilter {
    std::vector<std::string> statuses{"dead", "unreachable", "uncertain"};
    std::optional<std::int64_t> id;
    std::optional<core::PersonId> person;
    std::optional<std::string> channel;
    std::optional<core::Instant> created_before;  ///< --older-than
    /// A group chat's rows: this recipient (the group's chat id) and no account.
    std::optional<std::string> group_chat;
    int limit = 1000;
};

/// The durable outbox (DESIGN.md decisions 1 and 7). Rows are written in the same transaction as
/// the change that produced them; the dispatcher sends them later.
class OutboxRepo {
  public:
    explicit OutboxRepo(Database& db) : db_(db) {}

    /// Inserts a pending row. Returns its id, or nullopt (inserting nothing) when a row with the
    /// same idempotency key already exists.
    std::optional<std::int64_t> enqueue(const OutboxItem& item, core::Instant now);

    /// Due rows of a channel in id order, skipping any row whose recipient still has an earlier
    /// pending row (so one person's messages are delivered in order, even across retries).
    std::vector<OutboxRow> due(const std::string& channel, core::Instant now, int limit);
    /// Due rows of one lane: replies in id order, bulk rows round-robin by unit (fair_round,
    /// then id). `probe`: also rows that back off after a failed attempt (the channel's probe
    /// decides when a channel is back, not each row's backoff).
    std::vector<OutboxRow> due_lane(const std::string& channel, int lane, core::Instant now,
                                    int limit, bool probe = false);
    /// A bulk row that must wait (quiet hours): moved to `until` without counting an attempt.
    void defer(std::int64_t id, core::Instant until, core::Instant now);
    /// Rows of a channel backing off after failures become due now (the channel recovered).
    void clear_backoff(const std::string& channel, core::Instant now);
    /// Dead, unreachable and uncertain rows (for /metrics): the ones an operator must look at.
    std::int64_t dead_letters();
    /// Operator commands: rows matching the filter; retry (pending again, attempts reset) and
    /// drop (status 'dropped'). Return the rows changed.
    std::vector<OutboxListing> list(const OutboxFilter& f);
    std::int64_t retry(const OutboxFilter& f, core::Instant now);
    std::int64_t drop(const OutboxFilter& f, core::Instant now);
    void mark_sent(std::int64_t id, const std::string& platform_message_id, core::Instant now);
    /// Schedules another attempt. `no_answer`: this one got no HTTP answer (counted).
    void mark_retry(std::int64_t id, int attempts, core::Instant next, const std::string& error,
                    core::Instant now, bool no_answer = false);
    /// Gives up on a row: 'dead' (a permanent error or too many attempts), 'unreachable' (the
    /// platform's window is closed or the user blocked the OA; the account is marked too) or
    /// 'skipped', 'stale' (no longer true when it could be sent), 'uncertain' (sent twice without
    /// an answer: maybe delivered, never silently repeated).
    void mark_final(std::int64_t id, std::string_view status, const std::string& reason,
                    core::Instant now);
    /// Whether a row is still pending as the dispatcher read it (same channel, creation time and
    /// attempts): an outcome replayed from the journal is applied only then, so a replay is
    /// idempotent and never lands on another row that reused the id.
    bool pending_as_read(std::int64_t id, const std::string& channel, core::Instant created_at,
                         int attempts);
    /// Pending rows and the age of the oldest one (for /metrics).
    std::pair<std::int64_t, std::int64_t> depth_and_oldest_age(core::Instant now);
    /// The earliest next_attempt_at among pending rows of a channel that head their recipient's
    /// queue (to sleep until then).
    std::optional<core::Instant> next_due(const std::string& channel);

    /// Serialises a message for the payload column, and back.
    static std::string encode(const core::OutboundMessage& m);
    static core::OutboundMessage decode(const std::string& payload);
    static std::string encode_validity(const core::SendValidity& v);
    static std::optional<core::SendValidity> decode_validity(const std::string& text);

  private:
    Database& db_;
};

}  // namespace tcns::storage
