#pragma once

#include <string>
#include <vector>

#include "bot/jobs/conversation_engine.hpp"
#include "core/events.hpp"
#include "storage/database.hpp"

namespace tcns::bot {

/// A chat on the console channel against the real database and engine: what `tcns chat`
/// and the transcript tests drive. Each line is applied in its own write transaction.
class ConsoleChat {
  public:
    /// `as` is a phone number (the console account is linked to that person directly: the
    /// console is a local, trusted channel) or an invite code (the account starts unlinked
    /// and the code is sent as the opening deep link, as a platform would).
    /// Throws std::invalid_argument with a readable message when `as` matches nobody.
    /// `public_url` is the base of web sign-in links ("" when not configured).
    ConsoleChat(storage::Database& db, const Templates& templates, const std::string& as,
                core::Instant now, const std::string& public_url = {});

    /// The bot's greeting when the chat opens.
    std::vector<core::OutboundMessage> open(core::Instant now);
    /// Sends one typed line (a number picks a button of the last message).
    std::vector<core::OutboundMessage> send(const std::string& line, core::Instant now);
    /// Sends a non-text message (a sticker, a photo).
    std::vector<core::OutboundMessage> send_media(const std::string& type, core::Instant now);

  private:
    std::vector<core::OutboundMessage> apply(core::InboundEvent event, core::Instant now);

    storage::Database& db_;
    ConversationEngine engine_;
    std::string user_id_;
    std::string opening_code_;
    core::OutboundMessage last_;
    long counter_ = 0;
};

}  // namespace tcns::bot
