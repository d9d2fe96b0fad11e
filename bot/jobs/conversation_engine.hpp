#pragma once

#include "bot/jobs/event_handler.hpp"
#include "bot/jobs/scheduler_config.hpp"
#include "bot/templates.hpp"

namespace tcns::bot {

/// The production EventHandler: loads the account, its person and the period's facts from the
/// database, runs core::step and persists the new state and the step's effects, all inside
/// the caller's transaction.
class ConversationEngine : public EventHandler {
  public:
    /// `alerts` gives the level whose officials hear of difficulties at once, and the channel
    /// window rules and quiet hours those alerts follow.
    /// `public_url` is where web sign-in links point ("" when web access is not configured).
    explicit ConversationEngine(const Templates& templates, SchedulerConfig alerts = {},
                                std::string public_url = {})
        : templates_(templates), alerts_(std::move(alerts)), public_url_(std::move(public_url)) {}
    HandleOutcome handle(storage::Database& db, const core::InboundEvent& event,
                         core::Instant now) override;

  private:
    const Templates& templates_;
    SchedulerConfig alerts_;
    std::string public_url_;
};

}  // namespace tcns::bot
