// Viber outbound side: send_message/welcome rendering, send classification, set_webhook
// (viber.md §1, §5, §6).

#include <algorithm>

#include "adapters/common/json_fields.hpp"
#include "adapters/common/text_split.hpp"
#include "adapters/viber/viber_adapter.hpp"
#include "core/utf8.hpp"

namespace tcns::adapters::viber {

using detail::field;
using nlohmann::json;

namespace {

/// At most this many buttons: 12 full-width rows is what every client shows in portrait
/// (viber.md §6; whether newer clients allow more is unverified).
constexpr std::size_t kMaxButtons = 12;

/// Button Text is limited HTML: escape the characters that would start markup.
std::string escape_html(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            default:
                out.push_back(c);
        }
    }
    return out;
}

std::string button_text(std::string_view label) {
    std::size_t keep = kMaxButtonTextChars;
    std::string t = escape_html(truncate_chars(label, keep));
    // Escaping can push the label over the limit; cut the raw label shorter until it fits.
    while (keep > 0 && core::utf8_length(t) > kMaxButtonTextChars) {
        keep -= std::min(keep, core::utf8_length(t) - kMaxButtonTextChars);
        t = escape_html(truncate_chars(label, keep));
    }
    return t;
}

/// Grid width per button on Viber's 6-column keyboard: short labels share a row.
int columns_for(const std::vector<core::QuickReply>& buttons) {
    std::size_t longest = 0;
    for (const auto& b : buttons) longest = std::max(longest, core::utf8_length(b.label));
    const std::size_t n = buttons.size();
    if (n >= 1 && n <= 3 && longest <= 12) return static_cast<int>(6 / n);
    if (longest <= 18) return 3;
    return 6;
}

json keyboard_json(const std::vector<core::QuickReply>& all) {
    const std::vector<core::QuickReply> buttons(
        all.begin(), all.begin() + static_cast<std::ptrdiff_t>(std::min(all.size(), kMaxButtons)));
    const int columns = columns_for(buttons);
    json list = json::array();
    for (const auto& b : buttons) {
        list.push_back({
            {"Columns", columns},
            {"Rows", 1},
            {"ActionType", "reply"},
            // A reply button sends ActionBody back as a text message; never leave it empty.
            {"ActionBody", b.payload.empty() ? b.label : b.payload},
            {"Text", button_text(b.label)},
            {"TextSize", "regular"},
        });
    }
    return {{"Type", "keyboard"}, {"DefaultHeight", false}, {"Buttons", std::move(list)}};
}

json sender_json(const Sender& sender) {
    // sender.name is required by send_message; an empty one would be refused as badData.
    json s = {{"name", sender.name.empty() ? std::string("Bot")
                                           : truncate_chars(sender.name, kMaxSenderNameChars)}};
    if (!sender.avatar.empty()) s["avatar"] = sender.avatar;
    return s;
}

json message_json(const core::OutboundMessage& part, const Sender& sender) {
    json j = {{"sender", sender_json(sender)}, {"type", "text"}, {"text", part.text}};
    if (part.buttons.empty()) {
        j["min_api_version"] = 1;
    } else {
        j["min_api_version"] = kKeyboardMinApiVersion;
        j["keyboard"] = keyboard_json(part.buttons);
    }
    return j;
}

}  // namespace

std::vector<std::string> render_send_message(std::string_view receiver,
                                             const core::OutboundMessage& msg, const Sender& sender,
                                             std::string_view tracking_data) {
    std::vector<std::string> bodies;
    for (const auto& part : split_message(msg, kMaxTextChars, kMaxTextBytes)) {
        json j = message_json(part, sender);
        j["receiver"] = receiver;
        // Never send null tracking_data (the official SDK notes production rejects it).
        if (!tracking_data.empty()) j["tracking_data"] = tracking_data;
        bodies.push_back(detail::dump(j));
    }
    return bodies;
}

core::OutboundMessage without_keyboard(const core::OutboundMessage& msg) {
    core::OutboundMessage plain;
    plain.text = msg.text;
    plain.expects_number = msg.expects_number;
    if (!msg.buttons.empty()) plain.text += "\n";
    for (std::size_t i = 0; i < msg.buttons.size(); ++i) {
        plain.text += "\n";
        plain.text += msg.expects_number ? std::string("• ") : std::to_string(i + 1) + ". ";
        plain.text += msg.buttons[i].label;
    }
    return plain;
}

std::string render_welcome(const core::OutboundMessage& msg, const Sender& sender,
                           std::string_view tracking_data) {
    // Only one welcome message is allowed, so an over-long text is cut (at a break, like a
    // split) rather than sent in parts.
    core::OutboundMessage one = msg;
    one.text = split_text(msg.text, kMaxTextChars, kMaxTextBytes).front();
    json j = message_json(one, sender);
    if (!tracking_data.empty()) j["tracking_data"] = tracking_data;
    return detail::dump(j);
}

SendOutcome classify_send_response(std::optional<int> http_status, std::string_view body) {
    SendOutcome o;
    if (!http_status) {
        // send_message is not idempotent: a retry after a timeout may duplicate the message.
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
    if (http < 200 || http >= 300) {
        // Viber answers 200 even for application errors, and its tokens do not expire (there
        // is nothing to refresh), so a 401/403 here is a configuration problem: permanent.
        o.kind = SendOutcomeKind::kPermanent;
        o.reason = "HTTP " + std::to_string(http);
        return o;
    }
    const json root = detail::parse_json(body);
    const auto status = detail::int_field(field(root, "status"));
    if (root.is_discarded() || !status) {
        // Unknown whether the message went out; Viber's table says general errors may be
        // retried with a limited back-off.
        o.kind = SendOutcomeKind::kRetryable;
        o.reason = "unreadable response body";
        return o;
    }
    o.code = static_cast<int>(*status);
    o.reason = detail::string_or_empty(root, "status_message");
    if (o.reason.empty()) o.reason = "status " + std::to_string(*status);
    switch (*status) {
        case 0:
            o.kind = SendOutcomeKind::kSuccess;
            o.message_id = detail::id_string(field(root, "message_token")).value_or("");
            o.reason.clear();
            break;
        case 12:  // tooManyRequests (also the 100-per-user-per-hour limit)
            o.kind = SendOutcomeKind::kRetryable;
            break;
        case 5:   // receiverNotRegistered
        case 6:   // receiverNotSubscribed
        case 11:  // receiverNoSuitableDevice: per user, retrying does not help
        case 23:  // freeMessagesExceeded (out-of-session quota): not until next month
        case 24:  // noBalance: not until topped up
            o.kind = SendOutcomeKind::kUnreachable;
            break;
        default:  // 2 invalidAuthToken, 3 badData, 13 apiVersionNotSupported, …
            o.kind = SendOutcomeKind::kPermanent;
            break;
    }
    return o;
}

std::string render_set_webhook(std::string_view url,
                               const std::optional<std::vector<std::string>>& event_types,
                               bool send_name, bool send_photo) {
    json j = {{"url", url}, {"send_name", send_name}, {"send_photo", send_photo}};
    if (event_types) j["event_types"] = *event_types;
    return detail::dump(j);
}

core::Expected<std::vector<std::string>, SetWebhookError> parse_set_webhook_response(
    std::string_view body) {
    const json root = detail::parse_json(body);
    const auto status = detail::int_field(field(root, "status"));
    if (root.is_discarded() || !status)
        return core::unexpected(SetWebhookError{-1, "unreadable set_webhook response"});
    if (*status != 0)
        return core::unexpected(SetWebhookError{static_cast<int>(*status),
                                                detail::string_or_empty(root, "status_message")});
    std::vector<std::string> types;
    if (const json* list = field(root, "event_types"); list != nullptr && list->is_array()) {
        for (const auto& t : *list)
            if (t.is_string()) types.push_back(t.get<std::string>());
    }
    return types;
}

}  // namespace tcns::adapters::viber
