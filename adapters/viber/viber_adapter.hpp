#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/common/webhook.hpp"
#include "core/events.hpp"
#include "core/expected.hpp"

namespace tcns::adapters::viber {

/// The channel name Viber events carry (chat_accounts, inbox).
inline constexpr std::string_view kChannel = "viber";
/// send_message `text` limit, counted in characters (code points), not bytes (viber.md §5).
inline constexpr std::size_t kMaxTextChars = 7000;
/// Byte budget for `text` so that a message with its keyboard stays under Viber's 30 KB
/// request limit (viber.md §5: 7,000 four-byte emoji alone would be 28 KB).
inline constexpr std::size_t kMaxTextBytes = 20 * 1024;
/// `sender.name` limit (viber.md §5).
inline constexpr std::size_t kMaxSenderNameChars = 28;
/// Button `Text` limit (viber.md §6).
inline constexpr std::size_t kMaxButtonTextChars = 250;
/// min_api_version put on messages that carry a keyboard (viber.md §6 recommends 3).
inline constexpr int kKeyboardMinApiVersion = 3;

/// Checks X-Viber-Content-Signature (or the `sig` query parameter some callbacks carry): hex
/// HMAC-SHA256 of the raw body keyed with the bot token; either hex case; constant-time.
VerifyResult verify_signature(std::string_view raw_body, std::string_view signature_header,
                              std::string_view auth_token);

/// Turns a raw callback body into channel-neutral events; never throws (`at` is the epoch when
/// the body has no timestamp: the caller substitutes the arrival time).
ParseResult parse_webhook(std::string_view raw_body);

/// How the bot appears in the chat (`sender` of every message).
struct Sender {
    std::string name;
    std::string avatar;  ///< optional URL; omitted when empty
};

/// Renders one send_message request body per part of the message (text split at
/// kMaxTextChars/kMaxTextBytes; keyboard only on the last part); empty tracking_data omitted.
std::vector<std::string> render_send_message(std::string_view receiver,
                                             const core::OutboundMessage& msg, const Sender& sender,
                                             std::string_view tracking_data = {});

/// The message for a client too old for keyboards (send_message status 13,
/// apiVersionNotSupported): no buttons (so min_api_version 1), their labels appended to the
/// text as numbered options the person can type (bullets when the message asks for a number,
/// where a typed digit is an answer).
core::OutboundMessage without_keyboard(const core::OutboundMessage& msg);

/// Viber's status for a receiver whose client cannot show what was sent (a keyboard).
inline constexpr int kApiVersionNotSupported = 13;

/// Renders the welcome message returned in the HTTP response to conversation_started
/// (a send_message body without `receiver`); text beyond the limits is cut, not split.
std::string render_welcome(const core::OutboundMessage& msg, const Sender& sender,
                           std::string_view tracking_data = {});

/// Classifies a send_message answer. `http_status` is nullopt when no HTTP answer arrived
/// (connect failure, TLS error, timeout).
SendOutcome classify_send_response(std::optional<int> http_status, std::string_view body);

/// Renders a set_webhook request body; nullopt event_types omits the key (all events),
/// an empty vector asks only for the mandatory ones.
std::string render_set_webhook(std::string_view url,
                               const std::optional<std::vector<std::string>>& event_types,
                               bool send_name = true, bool send_photo = false);

/// Why set_webhook failed: Viber's status (-1 when the body was unreadable) and message.
struct SetWebhookError {
    int status = -1;
    std::string message;
};

/// Parses a set_webhook answer: the event types Viber will send, or the failure.
core::Expected<std::vector<std::string>, SetWebhookError> parse_set_webhook_response(
    std::string_view body);

}  // namespace tcns::adapters::viber
