#pragma once

#include <optional>
#include <string>

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

/// The durable outbox (DESIGN.md decisions 1 and 7). Rows are written in the same transaction as
/// the change that produced them; the dispatcher sends them later.
class OutboxRepo {
  public:
    explicit OutboxRepo(Database& db) : db_(db) {}

    /// Inserts a pending row. Returns its id, or nullopt (inserting nothing) when a row with the
    /// same idempotency key already exists.
    std::optional<std::int64_t> enqueue(const OutboxItem& item, core::Instant now);

    /// Serialises a message for the payload column, and back.
    static std::string encode(const core::OutboundMessage& m);
    static core::OutboundMessage decode(const std::string& payload);

  private:
    Database& db_;
};

}  // namespace tcns::storage
