// Viber inbound side: signature check and callback parsing (viber.md §2, §3).

#include "adapters/common/crypto.hpp"
#include "adapters/common/json_fields.hpp"
#include "adapters/viber/viber_adapter.hpp"
#include "core/utf8.hpp"

namespace tcns::adapters::viber {

using detail::field;
using detail::id_string;
using detail::string_or_empty;
using nlohmann::json;

VerifyResult verify_signature(std::string_view raw_body, std::string_view signature_header,
                              std::string_view auth_token) {
    const std::string_view sig = core::trim(signature_header);
    if (sig.empty()) return VerifyResult::kMissing;
    // An unset token must never make every body "valid".
    if (auth_token.empty()) return VerifyResult::kBad;
    if (sig.size() != 64) return VerifyResult::kBad;
    const std::string expected = hmac_sha256_hex(auth_token, raw_body);
    if (expected.size() != 64) return VerifyResult::kBad;
    return constant_time_equal(ascii_lower(sig), expected) ? VerifyResult::kOk : VerifyResult::kBad;
}

namespace {

core::InboundEvent base_event(const json& root) {
    core::InboundEvent e;
    e.channel = std::string(kChannel);
    e.at = detail::instant_from_ms(field(root, "timestamp"));
    return e;
}

/// "<event>:<message_token>", or "<event>:<user>:<timestamp>" for a callback without a token
/// (not seen in the docs; defensive). Empty when neither is available.
std::string make_event_id(const json& root, std::string_view event, std::string_view user) {
    if (auto token = id_string(field(root, "message_token")))
        return std::string(event) + ":" + *token;
    if (auto ts = id_string(field(root, "timestamp")))
        return std::string(event) + ":" + std::string(user) + ":" + *ts;
    return {};
}

ParseResult parse_message(const json& root, ParsedWebhook out) {
    const json* sender = field(root, "sender");
    const json* message = field(root, "message");
    if (sender == nullptr || message == nullptr || !message->is_object())
        return core::unexpected(ParseError::kMissingField);
    const auto user = id_string(field(*sender, "id"));
    const auto type = detail::string_field(*message, "type");
    if (!user || user->empty() || !type) return core::unexpected(ParseError::kMissingField);

    core::InboundEvent e = base_event(root);
    e.user_id = *user;
    e.user_name = string_or_empty(*sender, "name");
    e.event_id = make_event_id(root, "message", e.user_id);
    if (e.event_id.empty()) return core::unexpected(ParseError::kMissingField);
    if (*type == "text") {
        const auto text = detail::string_field(*message, "text");
        if (!text) return core::unexpected(ParseError::kMissingField);
        e.kind = core::EventKind::kText;
        e.text = *text;
    } else {
        // picture, video, file, sticker, location, url, rich_media and anything new.
        // A shared contact card is someone's phone, not necessarily the user's own, so it is
        // kUnsupported (not kSharedPhone); the number is kept for whoever wants it.
        e.kind = core::EventKind::kUnsupported;
        e.media_type = *type;
        if (*type == "contact") {
            if (const json* contact = field(*message, "contact"))
                e.phone = id_string(field(*contact, "phone_number")).value_or("");
        }
    }
    out.events.push_back(std::move(e));
    return out;
}

ParseResult parse_user_event(const json& root, ParsedWebhook out, core::EventKind kind) {
    const json* user = field(root, "user");
    if (user == nullptr) return core::unexpected(ParseError::kMissingField);
    const auto id = id_string(field(*user, "id"));
    if (!id || id->empty()) return core::unexpected(ParseError::kMissingField);
    core::InboundEvent e = base_event(root);
    e.kind = kind;
    e.user_id = *id;
    e.user_name = string_or_empty(*user, "name");
    e.event_id = make_event_id(root, out.event_type, e.user_id);
    if (e.event_id.empty()) return core::unexpected(ParseError::kMissingField);
    // conversation_started: the deep-link context (our invite code), absent by default.
    if (kind == core::EventKind::kStarted) e.text = string_or_empty(root, "context");
    out.events.push_back(std::move(e));
    return out;
}

ParseResult parse_unsubscribed(const json& root, ParsedWebhook out) {
    const auto id = id_string(field(root, "user_id"));
    if (!id || id->empty()) return core::unexpected(ParseError::kMissingField);
    core::InboundEvent e = base_event(root);
    e.kind = core::EventKind::kUnsubscribed;
    e.user_id = *id;
    e.event_id = make_event_id(root, out.event_type, e.user_id);
    if (e.event_id.empty()) return core::unexpected(ParseError::kMissingField);
    out.events.push_back(std::move(e));
    return out;
}

ParseResult parse_receipt(const json& root, ParsedWebhook out) {
    const auto token = id_string(field(root, "message_token"));
    const auto user = id_string(field(root, "user_id"));
    if (!token || !user) return core::unexpected(ParseError::kMissingField);
    core::InboundEvent e = base_event(root);
    e.kind = core::EventKind::kReceipt;
    e.user_id = *user;
    e.receipt = out.event_type;
    e.message_id = *token;
    e.reason = string_or_empty(root, "desc");
    // The token is our message's; `delivered` comes once per device and the same token is
    // shared by delivered/seen/failed, so the key includes the event and the user.
    e.event_id = out.event_type + ":" + *token + ":" + *user;
    out.events.push_back(std::move(e));
    return out;
}

}  // namespace

ParseResult parse_webhook(std::string_view raw_body) {
    const json root = detail::parse_json(raw_body);
    if (root.is_discarded() || !root.is_object())
        return core::unexpected(ParseError::kMalformedJson);
    const auto event = detail::string_field(root, "event");
    if (!event) return core::unexpected(ParseError::kMissingField);

    ParsedWebhook out;
    out.event_type = *event;
    if (*event == "message") return parse_message(root, std::move(out));
    if (*event == "conversation_started")
        return parse_user_event(root, std::move(out), core::EventKind::kStarted);
    if (*event == "subscribed")
        return parse_user_event(root, std::move(out), core::EventKind::kSubscribed);
    if (*event == "unsubscribed") return parse_unsubscribed(root, std::move(out));
    if (*event == "delivered" || *event == "seen" || *event == "failed")
        return parse_receipt(root, std::move(out));
    // "webhook" (the set_webhook check), client_status, payment events, anything new:
    // acknowledged, nothing to do.
    return out;
}

}  // namespace tcns::adapters::viber
