// Zalo Bot outbound side: sendMessage rendering, answer classification, setWebhook, getMe
// (zalo-bot.md §1, §2).

#include "adapters/common/json_fields.hpp"
#include "adapters/common/text_split.hpp"
#include "adapters/zalo_bot/zalo_bot_adapter.hpp"
#include "core/utf8.hpp"

namespace tcns::adapters::zalo_bot {

using detail::field;
using nlohmann::json;

std::string method_path(std::string_view token, std::string_view method) {
    return "/bot" + std::string(token) + "/" + std::string(method);
}

namespace {

/// ASCII case-insensitive prefix test (payloads are the label's lower-case form, e.g. "Gửi" and
/// "gửi"; only the first letter differs, and it is ASCII in every current template).
bool starts_with_ci(std::string_view s, std::string_view prefix) {
    if (prefix.size() > s.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
        if (lower(s[i]) != lower(prefix[i])) return false;
    }
    return true;
}

}  // namespace

std::string render_text(const core::OutboundMessage& msg) {
    // No buttons are documented for the Bot Platform, so each option is listed as what to type.
    // Not numbered: a typed "1" could not be mapped back (the webhook has no memory of the last
    // message) and would collide with numeric answers. When the payload is not the label itself,
    // it follows in parentheses so the person knows the word to type.
    std::string out = msg.text;
    for (const auto& b : msg.buttons) {
        out += "\n• " + b.label;
        if (!b.payload.empty() && !starts_with_ci(b.label, b.payload))
            out += " (" + b.payload + ")";
    }
    return out;
}

std::vector<std::string> render_send_message(std::string_view chat_id,
                                             const core::OutboundMessage& msg) {
    std::vector<std::string> bodies;
    for (const auto& part : split_message(msg, kMaxTextChars)) {
        // The options text may push the last part over the limit; split it again if so.
        for (const auto& text : split_text(render_text(part), kMaxTextChars)) {
            json j = {{"chat_id", chat_id}, {"text", text}};
            bodies.push_back(detail::dump(j));
        }
    }
    return bodies;
}

SendOutcome classify_send_response(std::optional<int> http_status, std::string_view body) {
    // Error codes and rate limits are undocumented [C]: 429/5xx/timeouts retry with backoff,
    // ok:false is permanent and its description logged.
    SendOutcome o;
    if (!http_status) {
        o.kind = SendOutcomeKind::kRetryable;
        o.reason = "no HTTP response";
        return o;
    }
    const int http = *http_status;
    o.code = http;
    if (http >= 500 || http == 429 || http == 408) {
        o.kind = SendOutcomeKind::kRetryable;
        o.reason = "HTTP " + std::to_string(http);
        return o;
    }
    const json root = detail::parse_json(body);
    const json* ok = field(root, "ok");
    if (root.is_discarded() || ok == nullptr || !ok->is_boolean()) {
        if (http < 200 || http >= 300) {
            o.kind = SendOutcomeKind::kPermanent;
            o.reason = "HTTP " + std::to_string(http);
        } else {
            // A 2xx without a readable answer: unknown whether it went out; retry.
            o.kind = SendOutcomeKind::kRetryable;
            o.reason = "unreadable response body";
        }
        return o;
    }
    if (ok->get<bool>() && http >= 200 && http < 300) {
        o.kind = SendOutcomeKind::kSuccess;
        if (const json* result = field(root, "result"))
            o.message_id = detail::id_string(field(*result, "message_id")).value_or("");
        return o;
    }
    if (const auto code = detail::int_field(field(root, "error_code"))) {
        o.code = static_cast<int>(*code);
        // Telegram-shaped APIs report rate limits and server trouble in error_code too.
        if (*code == 429 || (*code >= 500 && *code <= 599)) o.kind = SendOutcomeKind::kRetryable;
    }
    o.reason = detail::string_or_empty(root, "description");
    if (o.reason.empty()) o.reason = "ok:false";
    return o;
}

std::string render_set_webhook(std::string_view url, std::string_view secret_token) {
    return detail::dump(json{{"url", url}, {"secret_token", secret_token}});
}

core::Expected<std::string, ApiError> parse_api_response(std::string_view body) {
    const json root = detail::parse_json(body);
    const json* ok = field(root, "ok");
    if (root.is_discarded() || ok == nullptr || !ok->is_boolean())
        return core::unexpected(ApiError{-1, "unreadable answer"});
    if (!ok->get<bool>()) {
        ApiError e;
        e.code = static_cast<int>(detail::int_field(field(root, "error_code")).value_or(-1));
        e.description = detail::string_or_empty(root, "description");
        return core::unexpected(std::move(e));
    }
    const json* result = field(root, "result");
    return result == nullptr ? std::string("null") : detail::dump(*result);
}

core::Expected<BotInfo, ApiError> parse_get_me(std::string_view body) {
    auto r = parse_api_response(body);
    if (!r) return core::unexpected(r.error());
    const json result = detail::parse_json(*r);
    if (!result.is_object()) return core::unexpected(ApiError{-1, "getMe: no result object"});
    BotInfo info;
    info.id = detail::id_string(field(result, "id")).value_or("");
    info.account_name = detail::string_or_empty(result, "account_name");
    info.account_type = detail::string_or_empty(result, "account_type");
    if (const json* g = field(result, "can_join_groups"); g != nullptr && g->is_boolean())
        info.can_join_groups = g->get<bool>();
    return info;
}

}  // namespace tcns::adapters::zalo_bot
