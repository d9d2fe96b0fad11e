#pragma once

#include "bot/event_handler.hpp"
#include "bot/templates.hpp"

namespace tcns::bot {

/// The production EventHandler: loads the account, its person and the period's facts from the
/// database, runs core::step and persists the new state and the step's effects, all inside
/// the caller's transaction.
class ConversationEngine : public EventHandler {
  public:
    explicit ConversationEngine(const Templates& templates) : templates_(templates) {}
    HandleOutcome handle(storage::Database& db, const core::InboundEvent& event,
                         core::Instant now) override;

  private:
    const Templates& templates_;
};

}  // namespace tcns::bot
