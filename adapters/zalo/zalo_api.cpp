// Zalo OA outbound side: /v3.0/oa/message/cs rendering, send classification and the OAuth v4
// refresh (zalo-oa.md §4, §5).

#include <algorithm>

#include "adapters/common/crypto.hpp"
#include "adapters/common/json_fields.hpp"
#include "adapters/common/text_split.hpp"
#include "adapters/zalo/zalo_adapter.hpp"

namespace tcns::adapters::zalo {

using detail::field;
using nlohmann::json;

namespace {

json buttons_json(const std::vector<core::QuickReply>& buttons) {
    json list = json::array();
    // Surplus buttons are dropped: more than five is unverified territory (zalo-oa.md §4.3).
    const std::size_t n = std::min(buttons.size(), kMaxButtons);
    for (std::size_t i = 0; i < n; ++i) {
        const auto& b = buttons[i];
        list.push_back({
            {"title", truncate_chars(b.label, kMaxButtonTitleChars)},
            // oa.query.show sends the payload back as a user_send_text the user also sees.
            {"type", "oa.query.show"},
            {"payload", b.payload.empty() ? b.label : b.payload},
        });
    }
    return list;
}

}  // namespace

std::vector<std::string> render_cs_message(std::string_view user_id,
                                           const core::OutboundMessage& msg) {
    std::vector<std::string> bodies;
    for (const auto& part : split_message(msg, kMaxTextChars)) {
        json message = {{"text", part.text}};
        if (!part.buttons.empty()) {
            // The official v3 sample has no template_type for text + buttons (zalo-oa.md
            // §4.3); one integration uses "button", unverified, so it is left out.
            message["attachment"] = {{"type", "template"},
                                     {"payload", {{"buttons", buttons_json(part.buttons)}}}};
        }
        json j = {{"recipient", {{"user_id", user_id}}}, {"message", std::move(message)}};
        bodies.push_back(detail::dump(j));
    }
    return bodies;
}

SendOutcome classify_send_response(std::optional<int> http_status, std::string_view body) {
    SendOutcome o;
    if (!http_status) {
        o.kind = SendOutcomeKind::kRetryable;
        o.reason = "no HTTP response";
        o.no_answer = true;
        return o;
    }
    const int http = *http_status;
    o.code = http;
    if (http >= 500 || http == 429 || http == 408) {
        o.kind = SendOutcomeKind::kRetryable;
        o.reason = "HTTP " + std::to_string(http);
        return o;
    }
    if (http == 401) {
        // Some clients see 401 for a dead token; zalo-oa.md §4.5 says treat it like -216.
        o.kind = SendOutcomeKind::kTokenExpired;
        o.reason = "HTTP 401";
        return o;
    }
    if (http < 200 || http >= 300) {
        o.kind = SendOutcomeKind::kPermanent;
        o.reason = "HTTP " + std::to_string(http);
        return o;
    }
    // Errors arrive with HTTP 200 and a non-zero "error" (zalo-oa.md §4.1).
    const json root = detail::parse_json(body);
    const auto error = detail::int_field(field(root, "error"));
    if (root.is_discarded() || !error) {
        o.kind = SendOutcomeKind::kRetryable;
        o.reason = "unreadable response body";
        return o;
    }
    o.code = static_cast<int>(*error);
    o.reason = detail::string_or_empty(root, "message");
    if (o.reason.empty()) o.reason = "error " + std::to_string(*error);
    switch (*error) {
        case 0: {
            o.kind = SendOutcomeKind::kSuccess;
            o.reason.clear();
            if (const json* data = field(root, "data"))
                o.message_id = detail::id_string(field(*data, "message_id")).value_or("");
            break;
        }
        case -32:  // app or OA reached its API call limit
            o.kind = SendOutcomeKind::kRetryable;
            break;
        case -216:  // access token is invalid
        case -220:  // access token is expired or removed
            o.kind = SendOutcomeKind::kTokenExpired;
            break;
        case -213:  // user has not followed the OA
        case -227:  // user banned or inactive for more than 45 days
        case -230:  // no interaction in the past 7 days: outside the CS window
        case -232:  // no interaction, or last interaction expired (treated like -230)
        case -244:  // user restricted this message type from the OA
            o.kind = SendOutcomeKind::kUnreachable;
            break;
        default:  // -201 invalid field, -210 over a limit, -211 out of quota, -224, …
            o.kind = SendOutcomeKind::kPermanent;
            break;
    }
    return o;
}

std::string render_refresh_form(std::string_view refresh_token, std::string_view app_id) {
    return "refresh_token=" + form_url_encode(refresh_token) +
           "&app_id=" + form_url_encode(app_id) + "&grant_type=refresh_token";
}

core::Expected<TokenPair, TokenError> parse_token_response(std::string_view body) {
    const json root = detail::parse_json(body);
    if (root.is_discarded() || !root.is_object())
        return core::unexpected(TokenError{"unreadable token response"});
    // Failures may come with HTTP 200 and OAuth-style fields (zalo-oa.md §5, §8.1).
    const json* error = field(root, "error");
    const auto code = detail::int_field(error);
    const bool has_error_name = field(root, "error_name") != nullptr;
    if ((error != nullptr && (!code || *code != 0)) || has_error_name) {
        std::string reason = detail::string_or_empty(root, "error_name");
        for (const char* key : {"error_description", "error_reason", "message"}) {
            const std::string more = detail::string_or_empty(root, key);
            if (!more.empty()) reason += (reason.empty() ? "" : ": ") + more;
        }
        if (code) reason = "error " + std::to_string(*code) + (reason.empty() ? "" : " ") + reason;
        if (reason.empty()) reason = "token refresh refused";
        return core::unexpected(TokenError{std::move(reason)});
    }
    TokenPair pair;
    pair.access_token = detail::string_or_empty(root, "access_token");
    pair.refresh_token = detail::string_or_empty(root, "refresh_token");
    // Never hand out an empty token: storing it would overwrite a working one (ChatbotX #1019).
    if (pair.access_token.empty() || pair.refresh_token.empty())
        return core::unexpected(TokenError{"token response without access_token/refresh_token"});
    // expires_in may be a string; a missing or nonsensical value falls back to 25 h.
    if (const auto secs = detail::int_field(field(root, "expires_in")); secs && *secs > 0)
        pair.expires_in_seconds = *secs;
    return pair;
}

}  // namespace tcns::adapters::zalo
