#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/events.hpp"
#include "core/org.hpp"
#include "core/time.hpp"

namespace tcns::storage {
class Database;
}

namespace tcns::bot {

/// What applying one inbound event produced.
struct HandleOutcome {
    std::optional<core::AccountId> account;      ///< the chat account (created when new)
    std::vector<core::OutboundMessage> replies;  ///< not yet queued: the caller decides how
    /// Where the replies go when not to the event's user: a group chat's id (group events).
    std::optional<std::string> recipient;
};

/// Applies one channel-neutral inbound event to the database: finds or creates the chat account,
/// records the inbound time, runs the conversation and persists its effects. It runs inside a
/// write transaction the caller has opened (the webhook path commits the inbox row, this change
/// and the queued replies together, DESIGN.md decision 1); it never commits by itself.
class EventHandler {
  public:
    virtual ~EventHandler() = default;
    virtual HandleOutcome handle(storage::Database& db, const core::InboundEvent& event,
                                 core::Instant now) = 0;
};

}  // namespace tcns::bot
