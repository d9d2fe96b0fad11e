#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/common/webhook.hpp"
#include "core/events.hpp"
#include "core/expected.hpp"

namespace tcns::adapters::zalo {

/// The channel name Zalo OA events carry (chat_accounts, inbox).
inline constexpr std::string_view kChannel = "zalo";
/// /v3.0/oa/message/cs text limit in characters (error -210 beyond it; zalo-oa.md §4.3).
inline constexpr std::size_t kMaxTextChars = 2000;
/// Buttons per message we send (zalo-oa.md §4.3: "keep to 5 or fewer"; limit unverified).
inline constexpr std::size_t kMaxButtons = 5;
/// Button title limit; only the promotion template's 35 is documented, used defensively.
inline constexpr std::size_t kMaxButtonTitleChars = 35;
/// Access-token lifetime assumed when the refresh answer has no expires_in (25 h).
inline constexpr std::int64_t kDefaultExpiresInSeconds = 90000;

/// Checks X-ZEvent-Signature = "mac=" + hex SHA-256(app_id + raw body + body timestamp +
/// OA secret key); the "mac=" prefix is optional, hex case-insensitive, compare constant-time.
VerifyResult verify_signature(std::string_view raw_body, std::string_view signature_header,
                              std::string_view app_id, std::string_view oa_secret_key);

/// The body's "timestamp" exactly as the signature uses it (string as-is, integer printed
/// from the integer); nullopt when absent, fractional, or the body is not a JSON object.
std::optional<std::string> signature_timestamp(std::string_view raw_body);

/// Turns a raw webhook body into channel-neutral events; never throws (`at` is the epoch when
/// the body has no timestamp: the caller substitutes the arrival time).
ParseResult parse_webhook(std::string_view raw_body);

/// Renders one /v3.0/oa/message/cs request body per part of the message (text split at
/// kMaxTextChars; oa.query.show buttons only on the last part).
std::vector<std::string> render_cs_message(std::string_view user_id,
                                           const core::OutboundMessage& msg);

/// Classifies a /v3.0/oa/message/cs answer. `http_status` is nullopt when no HTTP answer
/// arrived (connect failure, TLS error, timeout).
SendOutcome classify_send_response(std::optional<int> http_status, std::string_view body);

/// A fresh OAuth token pair; both tokens are non-empty by construction.
struct TokenPair {
    std::string access_token;
    std::string refresh_token;
    std::int64_t expires_in_seconds = kDefaultExpiresInSeconds;
};

/// Why a token refresh failed (Zalo's error name/description; never contains a token).
struct TokenError {
    std::string reason;
};

/// Form body (application/x-www-form-urlencoded) for POST
/// https://oauth.zaloapp.com/v4/oa/access_token; the App Secret goes in the `secret_key`
/// header, not here.
std::string render_refresh_form(std::string_view refresh_token, std::string_view app_id);

/// Parses the OAuth token answer; an error answer or an empty token is a TokenError.
core::Expected<TokenPair, TokenError> parse_token_response(std::string_view body);

}  // namespace tcns::adapters::zalo
