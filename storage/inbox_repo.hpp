#pragma once

#include <optional>
#include <string>

#include "core/org.hpp"
#include "core/time.hpp"
#include "storage/database.hpp"

namespace tcns::storage {

/// The webhook inbox: one row per (channel, platform event id). Recording an event that is
/// already there does nothing, so a platform's retry of a delivered webhook is a no-op.
class InboxRepo {
  public:
    explicit InboxRepo(Database& db) : db_(db) {}
    /// True when the event was already recorded (a duplicate delivery).
    bool seen(const std::string& channel, const std::string& event_id);
    /// Records the event (with the chat account it came from, when known); false when it was
    /// already recorded. The webhook path checks seen() first and records after handling the
    /// event, in the same transaction: one insert instead of an insert and an update.
    bool record(const std::string& channel, const std::string& event_id, const std::string& kind,
                core::Instant now, std::optional<core::AccountId> account = std::nullopt);
    /// Deletes up to `limit` inbox rows received before `before` (older than the platforms'
    /// retry window: their dedupe key is no longer needed). Returns how many were deleted.
    std::size_t prune(core::Instant before, std::size_t limit);
    /// Stores a delivery receipt (delivered / seen / failed) for one of our messages.
    void record_receipt(const std::string& channel, const std::string& message_id,
                        const std::string& user_id, const std::string& status,
                        const std::string& reason, core::Instant at);

  private:
    Database& db_;
};

}  // namespace tcns::storage
