#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/events.hpp"
#include "core/org.hpp"
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
};

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
    void mark_sent(std::int64_t id, const std::string& platform_message_id, core::Instant now);
    /// Schedules another attempt.
    void mark_retry(std::int64_t id, int attempts, core::Instant next, const std::string& error,
                    core::Instant now);
    /// Gives up on a row: 'dead' (a permanent error or too many attempts), 'unreachable' (the
    /// platform's window is closed or the user blocked the OA; the account is marked too) or
    /// 'skipped'.
    void mark_final(std::int64_t id, std::string_view status, const std::string& reason,
                    core::Instant now);
    /// Pending rows and the age of the oldest one (for /metrics).
    std::pair<std::int64_t, std::int64_t> depth_and_oldest_age(core::Instant now);
    /// The earliest next_attempt_at among pending rows of a channel that head their recipient's
    /// queue (to sleep until then).
    std::optional<core::Instant> next_due(const std::string& channel);

    /// Serialises a message for the payload column, and back.
    static std::string encode(const core::OutboundMessage& m);
    static core::OutboundMessage decode(const std::string& payload);

  private:
    Database& db_;
};

}  // namespace tcns::storage
