#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/events.hpp"
#include "core/expected.hpp"

namespace tcns::adapters {

/// Outcome of checking a webhook signature on the raw body; never an exception.
enum class VerifyResult {
    kOk,             ///< the signature matches
    kMissing,        ///< no signature header (or an empty one)
    kBad,            ///< present but wrong, malformed, or not computable (e.g. no timestamp)
    kMalformedBody,  ///< the body is not JSON, so a signature over its fields cannot be checked
};

/// Why a webhook body could not be turned into events.
enum class ParseError {
    kMalformedJson,  ///< not JSON, or not a JSON object
    kMissingField,   ///< JSON, but a field the event needs is absent or has the wrong type
};

/// A successfully parsed webhook: the platform's event name (for logging) and zero or more
/// channel-neutral events (zero for events the bot ignores, such as echoes or set-webhook).
struct ParsedWebhook {
    std::string event_type;
    std::vector<core::InboundEvent> events;
};

/// Result of parse_webhook in every channel.
using ParseResult = core::Expected<ParsedWebhook, ParseError>;

/// What the dispatcher should do after a send attempt.
enum class SendOutcomeKind {
    kSuccess,       ///< accepted; message_id holds the platform's id
    kRetryable,     ///< transient (transport, 5xx, rate limit): retry with back-off
    kTokenExpired,  ///< the access token is dead: refresh once, then retry once
    kUnreachable,   ///< this user cannot be messaged now (unfollowed, outside the window…)
    kPermanent,     ///< anything else: do not retry; reason says why
};

/// A classified send response. `code` is the platform's status/error code when the body had
/// one, else the HTTP status (0 for a transport failure).
struct SendOutcome {
    SendOutcomeKind kind = SendOutcomeKind::kPermanent;
    std::string message_id;  ///< kSuccess: the platform id of the sent message (exact string)
    int code = 0;
    std::string reason;  ///< human-readable cause for logs (never contains a token)
    /// No HTTP answer at all (timeout, connection reset after the request was written): the
    /// platform may have delivered the message, so it is resent at most once.
    bool no_answer = false;
};

/// Stable lower-case names for logging.
std::string_view to_string(VerifyResult r);
/// Stable lower-case names for logging.
std::string_view to_string(ParseError e);
/// Stable lower-case names for logging.
std::string_view to_string(SendOutcomeKind k);

}  // namespace tcns::adapters
