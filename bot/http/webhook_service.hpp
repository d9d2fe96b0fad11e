#pragma once

#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bot/http/write_queue.hpp"
#include "bot/jobs/event_handler.hpp"
#include "core/events.hpp"

namespace tcns::bot {

/// What applying one webhook's events did.
struct ApplyOutcome {
    int applied = 0;     ///< new events run through the conversation
    int duplicates = 0;  ///< already in the inbox: nothing done
    int receipts = 0;
    int queued = 0;  ///< outbox rows written
    /// Viber's conversation_started: the welcome goes back in the HTTP response, not the outbox.
    std::optional<core::OutboundMessage> response_message;
};

/// Splits a message into parts the channel accepts (text length limits).
using MessageSplitter =
    std::function<std::vector<core::OutboundMessage>(const core::OutboundMessage&)>;

/// Applies parsed webhook events durably: inbox dedupe, the conversation step and the reply
/// rows commit together (through the WriteQueue's group commit) before apply() returns, so the
/// route answers 200 only for what is on disk (DESIGN.md decision 1).
class WebhookService {
  public:
    WebhookService(WriteQueue& writes, EventHandler& handler)
        : writes_(writes), handler_(handler) {}

    void set_splitter(const std::string& channel, MessageSplitter split) {
        splitters_.emplace_back(channel, std::move(split));
    }

    /// `reply_in_response`: the first reply to a kStarted event is returned instead of queued.
    ApplyOutcome apply(const std::vector<core::InboundEvent>& events, core::Instant now,
                       bool reply_in_response = false);

    /// The same without waiting: `done` runs on the writer thread after the commit, with the
    /// outcome, or with the exception when nothing was stored (then the caller answers 500).
    using ApplyDone = std::function<void(ApplyOutcome, std::exception_ptr)>;
    void apply_async(std::vector<core::InboundEvent> events, core::Instant now,
                     bool reply_in_response, ApplyDone done);

  private:
    void apply_in(storage::Database& db, const std::vector<core::InboundEvent>& events,
                  core::Instant now, bool reply_in_response, ApplyOutcome& out);

    WriteQueue& writes_;
    EventHandler& handler_;
    std::vector<std::pair<std::string, MessageSplitter>> splitters_;
};

}  // namespace tcns::bot
