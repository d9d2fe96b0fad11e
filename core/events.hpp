#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/time.hpp"

namespace tcns::core {

/// What an inbound chat event is, independent of the platform it came from.
enum class EventKind {
    kText,          ///< the user typed (or tapped a button that sent) text
    kUnsupported,   ///< a sticker, photo, file, location…: gets a polite answer
    kStarted,       ///< the user opened the chat (a "conversation started" or follow event)
    kSubscribed,    ///< the user subscribed to the bot
    kUnsubscribed,  ///< the user unsubscribed / unfollowed: stop sending
    kSharedPhone,   ///< the user shared a phone number (an info form or a contact card)
    kReceipt,       ///< delivered / seen / failed for a message we sent
};

/// A channel-neutral inbound event. Channels are named by string, set by the adapters,
/// so that adding a channel never touches core.
struct InboundEvent {
    EventKind kind = EventKind::kText;
    std::string channel;
    /// Platform-unique id of this delivery, the inbox dedupe key within the channel
    /// (e.g. "message:<message_token>"; each adapter documents its own).
    std::string event_id;
    /// The platform's id for the user (kept as a string: 64-bit ids never go through a double).
    std::string user_id;
    std::string user_name;  ///< display name when the platform sends one
    /// The group chat the message was posted in ("" for a private chat); `user_id` is then the
    /// sender. Replies to a group event go to the group, never to the sender.
    std::string group_id;
    std::string text;        ///< kText: the text; kStarted: deep-link context (invite code)
    std::string phone;       ///< kSharedPhone: the number as sent
    std::string media_type;  ///< kUnsupported: "sticker", "image", …
    std::string receipt;     ///< kReceipt: "delivered", "seen" or "failed"
    std::string message_id;  ///< kReceipt: the platform id of our message
    std::string reason;      ///< kReceipt failed: the platform's description
    Instant at{};            ///< platform timestamp (or arrival time)
};

/// A quick-reply button: what the user sees and the text it sends back when tapped.
struct QuickReply {
    std::string label;
    std::string payload;
    friend bool operator==(const QuickReply&, const QuickReply&) = default;
};

/// A channel-neutral outbound message: text plus a few quick-reply buttons.
/// Each adapter renders the buttons its own way (a keyboard, platform buttons, or options
/// written out as text).
struct OutboundMessage {
    std::string text;
    std::vector<QuickReply> buttons;
    /// The message asks for a number: a typed "1" is an answer, not a button choice
    /// (a text-only channel then lists the buttons without numbers).
    bool expects_number = false;
    friend bool operator==(const OutboundMessage&, const OutboundMessage&) = default;
};

}  // namespace tcns::core
