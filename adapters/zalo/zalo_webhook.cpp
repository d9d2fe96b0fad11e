// Zalo OA inbound side: X-ZEvent-Signature check and webhook parsing (zalo-oa.md §1, §2, §7).

#include <algorithm>
#include <array>

#include "adapters/common/crypto.hpp"
#include "adapters/common/json_fields.hpp"
#include "adapters/zalo/zalo_adapter.hpp"
#include "core/utf8.hpp"

namespace tcns::adapters::zalo {

using detail::field;
using detail::id_string;
using nlohmann::json;

namespace {

/// Reads the top-level "timestamp" with nlohmann's SAX parser: the same answer as parsing the
/// body into a DOM and taking id_string(root["timestamp"]) (the last of duplicate keys wins,
/// a body that is not a JSON object has none), without building the DOM that parse_webhook
/// builds again right after.
class TimestampReader : public nlohmann::json_sax<json> {
  public:
    std::optional<std::string> value;
    bool top_is_object = false;

    bool null() override { return other(); }
    bool boolean(bool) override { return other(); }
    bool number_integer(number_integer_t v) override { return set(std::to_string(v)); }
    bool number_unsigned(number_unsigned_t v) override { return set(std::to_string(v)); }
    bool number_float(number_float_t, const string_t&) override { return other(); }
    bool string(string_t& v) override { return set(v); }
    bool binary(binary_t&) override { return other(); }
    bool start_object(std::size_t) override { return open(true); }
    bool start_array(std::size_t) override { return open(false); }
    bool end_object() override { return close(); }
    bool end_array() override { return close(); }
    bool key(string_t& k) override {
        if (depth_ == 1) at_timestamp_ = k == "timestamp";
        return true;
    }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
        return false;
    }

  private:
    bool mine() const { return depth_ == 1 && at_timestamp_; }
    bool set(const std::string& v) {
        if (mine()) value = v;
        return true;
    }
    bool other() {
        if (mine()) value.reset();
        return true;
    }
    bool open(bool object) {
        if (depth_ == 0) top_is_object = object;
        other();  // a container as the timestamp is no timestamp
        ++depth_;
        return true;
    }
    bool close() {
        --depth_;
        return true;
    }
    int depth_ = 0;
    bool at_timestamp_ = false;
};

}  // namespace

std::optional<std::string> signature_timestamp(std::string_view raw_body) {
    // Zalo sends the timestamp as a string; a number is accepted and printed from the
    // integer itself. A fractional number has no exact text form: refused.
    TimestampReader r;
    if (!json::sax_parse(raw_body.begin(), raw_body.end(), &r) || !r.top_is_object)
        return std::nullopt;
    if (!r.value || r.value->empty()) return std::nullopt;
    return r.value;
}

VerifyResult verify_signature(std::string_view raw_body, std::string_view signature_header,
                              std::string_view app_id, std::string_view oa_secret_key) {
    std::string_view sig = core::trim(signature_header);
    if (sig.empty()) return VerifyResult::kMissing;
    // The "mac=" prefix is documented but several integrations strip it as optional.
    if (sig.size() >= 4 && ascii_lower(sig.substr(0, 4)) == "mac=") sig = core::trim(sig.substr(4));
    if (sig.size() != 64) return VerifyResult::kBad;
    // Unset credentials must never make a body "valid".
    if (app_id.empty() || oa_secret_key.empty()) return VerifyResult::kBad;
    const auto ts = signature_timestamp(raw_body);
    if (!ts) return json::accept(raw_body) ? VerifyResult::kBad : VerifyResult::kMalformedBody;
    // Plain SHA-256 over the concatenation, not HMAC (zalo-oa.md §2.1, Chatwoot production
    // code). The key is the OA Secret Key from the Webhook page, not the App Secret.
    std::string input;
    input.reserve(app_id.size() + raw_body.size() + ts->size() + oa_secret_key.size());
    input.append(app_id).append(raw_body).append(*ts).append(oa_secret_key);
    return constant_time_equal(ascii_lower(sig), sha256_hex(input)) ? VerifyResult::kOk
                                                                    : VerifyResult::kBad;
}

namespace {

/// user_send_* kinds we answer with "unsupported"; other user_send_* names (e.g. the
/// user_send_group_* family of OA group chats) are ignored.
constexpr std::array<std::string_view, 9> kMediaKinds = {
    "image", "sticker", "gif", "audio", "video", "file", "location", "link", "business_card"};

constexpr std::string_view kUserSend = "user_send_";

bool starts_with(std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
}

core::InboundEvent base_event(const json& root) {
    core::InboundEvent e;
    e.channel = std::string(kChannel);
    e.at = detail::instant_from_ms(field(root, "timestamp"));
    return e;
}

std::optional<std::string> nested_id(const json& root, std::string_view object,
                                     std::string_view key) {
    const json* o = field(root, object);
    if (o == nullptr) return std::nullopt;
    auto id = id_string(field(*o, key));
    if (!id || id->empty()) return std::nullopt;
    return id;
}

/// "<event_name>:<user>:<timestamp>", the dedupe key for events without a msg_id.
std::string composed_id(const json& root, std::string_view event, std::string_view user) {
    return std::string(event) + ":" + std::string(user) + ":" +
           id_string(field(root, "timestamp")).value_or("");
}

ParseResult parse_user_send(const json& root, ParsedWebhook out) {
    const std::string_view kind = std::string_view(out.event_type).substr(kUserSend.size());
    const bool is_text = kind == "text";
    bool is_media = false;
    for (auto m : kMediaKinds) is_media = is_media || kind == m;
    if (!is_text && !is_media) return out;

    const auto user = nested_id(root, "sender", "id");
    const json* message = field(root, "message");
    if (!user) return core::unexpected(ParseError::kMissingField);
    core::InboundEvent e = base_event(root);
    e.user_id = *user;
    const auto msg_id = message ? id_string(field(*message, "msg_id")) : std::nullopt;
    e.event_id = (msg_id && !msg_id->empty()) ? *msg_id : composed_id(root, out.event_type, *user);
    if (is_text) {
        const auto text = message ? detail::string_field(*message, "text") : std::nullopt;
        if (!text) return core::unexpected(ParseError::kMissingField);
        e.kind = core::EventKind::kText;
        e.text = *text;
    } else {
        e.kind = core::EventKind::kUnsupported;
        e.media_type = std::string(kind);
    }
    out.events.push_back(std::move(e));
    return out;
}

/// follow / unfollow / user_click_chatnow: no sender; the user is follower.id (or user_id,
/// which one source shows for user_click_chatnow).
ParseResult parse_follower_event(const json& root, ParsedWebhook out, core::EventKind kind) {
    auto user = nested_id(root, "follower", "id");
    if (!user) {
        auto flat = id_string(field(root, "user_id"));
        if (flat && !flat->empty()) user = flat;
    }
    if (!user) return core::unexpected(ParseError::kMissingField);
    core::InboundEvent e = base_event(root);
    e.kind = kind;
    e.user_id = *user;
    e.event_id = composed_id(root, out.event_type, *user);
    out.events.push_back(std::move(e));
    return out;
}

ParseResult parse_submit_info(const json& root, ParsedWebhook out) {
    const auto user = nested_id(root, "sender", "id");
    const json* info = field(root, "info");
    if (!user || info == nullptr) return core::unexpected(ParseError::kMissingField);
    // The phone may arrive as a number (shared_info.phone was seen as 0): read either form.
    const auto phone = id_string(field(*info, "phone"));
    if (!phone || phone->empty() || *phone == "0")
        return core::unexpected(ParseError::kMissingField);
    core::InboundEvent e = base_event(root);
    e.kind = core::EventKind::kSharedPhone;
    e.user_id = *user;
    e.user_name = detail::string_or_empty(*info, "name");
    e.phone = *phone;
    e.event_id = composed_id(root, out.event_type, *user);
    out.events.push_back(std::move(e));
    return out;
}

/// user_received_message / user_seen_message: the user is recipient.id; message.msg_id is
/// our message's id, and a seen receipt may list several in message.msg_ids[].
ParseResult parse_receipt(const json& root, ParsedWebhook out, std::string_view receipt) {
    const auto user = nested_id(root, "recipient", "id");
    const json* message = field(root, "message");
    if (!user || message == nullptr) return core::unexpected(ParseError::kMissingField);
    std::vector<std::string> ids;
    if (auto one = id_string(field(*message, "msg_id")); one && !one->empty()) ids.push_back(*one);
    if (const json* many = field(*message, "msg_ids"); many != nullptr && many->is_array()) {
        for (const auto& v : *many) {
            auto id = id_string(&v);
            if (id && !id->empty() && std::find(ids.begin(), ids.end(), *id) == ids.end())
                ids.push_back(*id);
        }
    }
    if (ids.empty()) return core::unexpected(ParseError::kMissingField);
    for (const auto& id : ids) {
        core::InboundEvent e = base_event(root);
        e.kind = core::EventKind::kReceipt;
        e.user_id = *user;
        e.receipt = std::string(receipt);
        e.message_id = id;
        // Received and seen share the msg_id: the event name keeps their keys apart.
        e.event_id = out.event_type + ":" + id;
        out.events.push_back(std::move(e));
    }
    return out;
}

}  // namespace

ParseResult parse_webhook(std::string_view raw_body) {
    const json root = detail::parse_json(raw_body);
    if (root.is_discarded() || !root.is_object())
        return core::unexpected(ParseError::kMalformedJson);
    const auto event = detail::string_field(root, "event_name");
    if (!event || event->empty()) return core::unexpected(ParseError::kMissingField);

    ParsedWebhook out;
    out.event_type = *event;
    if (starts_with(*event, kUserSend)) return parse_user_send(root, std::move(out));
    if (*event == "follow" || *event == "user_click_chatnow")
        return parse_follower_event(root, std::move(out), core::EventKind::kStarted);
    if (*event == "unfollow")
        return parse_follower_event(root, std::move(out), core::EventKind::kUnsubscribed);
    if (*event == "user_submit_info") return parse_submit_info(root, std::move(out));
    if (*event == "user_received_message") return parse_receipt(root, std::move(out), "delivered");
    if (*event == "user_seen_message") return parse_receipt(root, std::move(out), "seen");
    // oa_send_* echoes of our own sends, reactions, anonymous, group, CRM and ZNS management
    // events: acknowledged, nothing to do.
    return out;
}

}  // namespace tcns::adapters::zalo
