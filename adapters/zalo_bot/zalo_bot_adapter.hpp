#pragma once

// Zalo Bot Platform (bot.zaloplatforms.com), the Telegram-shaped bot API that needs no
// Official Account. Facts and their confidence: shared/channels/zalo-bot.md.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/common/webhook.hpp"
#include "core/events.hpp"
#include "core/expected.hpp"

namespace tcns::adapters::zalo_bot {

/// The channel name Zalo Bot events carry (chat_accounts, inbox, outbox).
inline constexpr std::string_view kChannel = "zalo-bot";
/// The header every webhook delivery carries: the secret_token given to setWebhook [A].
inline constexpr std::string_view kSecretHeader = "X-Bot-Api-Secret-Token";
/// sendMessage `text` is 1–2,000 characters [A]; counted here in code points.
inline constexpr std::size_t kMaxTextChars = 2000;
/// setWebhook's secret_token must be 8–256 characters [A].
inline constexpr std::size_t kMinSecretChars = 8;
inline constexpr std::size_t kMaxSecretChars = 256;
/// Default API base; the token goes into the path after "/bot" [A].
inline constexpr std::string_view kDefaultApiBase = "https://bot-api.zaloplatforms.com";

/// Compares the X-Bot-Api-Secret-Token header with the configured secret in constant time. It is
/// a shared secret, not a signature over the body [A]. An unset secret never accepts anything.
VerifyResult verify_secret(std::string_view header_value, std::string_view secret);

/// Turns a raw webhook body into channel-neutral events; never throws. Accepts the flat shape
/// and the `{"ok":true,"result":{…}}` wrapping (both seen [B]). A message in a GROUP chat
/// yields an event with `group_id` set (the group) and `user_id` the sender; the engine decides
/// what a group may do (never file a report).
ParseResult parse_webhook(std::string_view raw_body);

/// The path of one API method: "/bot<token>/<method>". Contains the token: never log it.
std::string method_path(std::string_view token, std::string_view method);

/// Renders one sendMessage body per part: text split at kMaxTextChars; the platform documents
/// no buttons, so quick replies become a list of the words to type, on the last part.
std::vector<std::string> render_send_message(std::string_view chat_id,
                                             const core::OutboundMessage& msg);

/// The message's text with its buttons written out as options to type.
std::string render_text(const core::OutboundMessage& msg);

/// Classifies a sendMessage (or any method's) answer. `http_status` is nullopt when no HTTP
/// answer arrived (connect failure, timeout).
SendOutcome classify_send_response(std::optional<int> http_status, std::string_view body);

/// Renders a setWebhook body.
std::string render_set_webhook(std::string_view url, std::string_view secret_token);

/// An API failure: the platform's error_code (-1 when the body was unreadable) and description.
struct ApiError {
    int code = -1;
    std::string description;
};

/// getMe's answer [B].
struct BotInfo {
    std::string id;
    std::string account_name;
    std::string account_type;
    /// nullopt when the answer did not say: shown as unknown, never guessed.
    std::optional<bool> can_join_groups;
};

/// Parses the generic `{"ok":…}` envelope; on success returns `result` serialised (or "null").
core::Expected<std::string, ApiError> parse_api_response(std::string_view body);

/// Parses a getMe answer.
core::Expected<BotInfo, ApiError> parse_get_me(std::string_view body);

}  // namespace tcns::adapters::zalo_bot
