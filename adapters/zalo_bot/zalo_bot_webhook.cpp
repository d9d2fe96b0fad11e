// Zalo Bot inbound side: secret check and webhook parsing (zalo-bot.md §2, §3).

#include "adapters/common/crypto.hpp"
#include "adapters/common/json_fields.hpp"
#include "adapters/zalo_bot/zalo_bot_adapter.hpp"
#include "core/utf8.hpp"

namespace tcns::adapters::zalo_bot {

using detail::field;
using detail::id_string;
using detail::string_field;
using detail::string_or_empty;
using nlohmann::json;

VerifyResult verify_secret(std::string_view header_value, std::string_view secret) {
    const std::string_view got = core::trim(header_value);
    if (got.empty()) return VerifyResult::kMissing;
    // An unset secret must never make every delivery "valid".
    if (secret.empty()) return VerifyResult::kBad;
    // constant_time_equal's time depends only on the lengths, and the secret's length is not
    // itself secret enough to matter (setWebhook bounds it to 8–256 characters).
    return constant_time_equal(got, secret) ? VerifyResult::kOk : VerifyResult::kBad;
}

namespace {

/// The object that holds event_name: the body itself, or its `result` when wrapped as
/// {"ok":true,"result":{…}} (both shapes are seen [B]).
const json* event_object(const json& root) {
    if (field(root, "event_name") != nullptr) return &root;
    const json* result = field(root, "result");
    if (result != nullptr && result->is_object() && field(*result, "event_name") != nullptr)
        return result;
    return nullptr;
}

}  // namespace

ParseResult parse_webhook(std::string_view raw_body) {
    const json root = detail::parse_json(raw_body);
    if (root.is_discarded() || !root.is_object())
        return core::unexpected(ParseError::kMalformedJson);
    const json* ev = event_object(root);
    if (ev == nullptr) return core::unexpected(ParseError::kMissingField);
    const auto name = string_field(*ev, "event_name");
    if (!name) return core::unexpected(ParseError::kMissingField);

    ParsedWebhook out;
    out.event_type = *name;
    // Only message.* events are acted on; follow-type events appear in one SDK only [C] and
    // carry nothing the dialogue needs: acknowledged and ignored, as is anything new.
    if (name->rfind("message.", 0) != 0) return out;

    const json* message = field(*ev, "message");
    if (message == nullptr || !message->is_object())
        return core::unexpected(ParseError::kMissingField);
    const auto message_id = id_string(field(*message, "message_id"));
    const json* chat = field(*message, "chat");
    const json* from = field(*message, "from");
    const auto chat_id = chat != nullptr ? id_string(field(*chat, "id")) : std::nullopt;
    const auto from_id = from != nullptr ? id_string(field(*from, "id")) : std::nullopt;
    if (!message_id || message_id->empty()) return core::unexpected(ParseError::kMissingField);
    if (!chat_id && !from_id) return core::unexpected(ParseError::kMissingField);

    // chat_type is PRIVATE or GROUP [A]; an absent one is taken as private (its chat id is then
    // the person's). Any other value is not known to exist: acknowledged without an event.
    const std::string chat_type =
        chat != nullptr ? std::string(core::trim(string_or_empty(*chat, "chat_type"))) : "";
    const bool group = chat_type == "GROUP";
    if (!chat_type.empty() && chat_type != "PRIVATE" && !group) return out;

    core::InboundEvent e;
    e.channel = std::string(kChannel);
    if (group) {
        // In a group chat.id is the group and from.id the sender [A]. That from.id equals the
        // sender's private chat id (so a group sender is found among linked accounts) is
        // inferred from private chats, where chat.id and from.id agree [B]; unverified for
        // groups [C]: a sender not found is treated as unlinked, never guessed.
        if (!chat_id || chat_id->empty() || !from_id || from_id->empty()) return out;
        e.group_id = *chat_id;
        e.user_id = *from_id;
    } else {
        // In a private chat chat.id and from.id are the same [B]; replies go to chat.id, so that
        // is the account's id (from.id only when chat is missing).
        e.user_id = chat_id && !chat_id->empty() ? *chat_id : from_id.value_or("");
    }
    if (e.user_id.empty()) return core::unexpected(ParseError::kMissingField);
    if (from != nullptr) {
        // The name is seen as display_name and as first_name [C]: read either.
        e.user_name = string_or_empty(*from, "display_name");
        if (e.user_name.empty()) e.user_name = string_or_empty(*from, "first_name");
    }
    e.event_id = *name + ":" + *message_id;
    e.at = detail::instant_from_ms(field(*message, "date"));

    if (*name == "message.text.received") {
        const auto text = string_field(*message, "text");
        if (!text) return core::unexpected(ParseError::kMissingField);
        e.kind = core::EventKind::kText;
        e.text = *text;
    } else {
        // image (photo URL + caption [B]), sticker, unsupported, voice [C] and anything new: the
        // dialogue answers with its "text only" message.
        e.kind = core::EventKind::kUnsupported;
        const std::string_view n = *name;
        const std::string_view kind = n.substr(8, n.size() > 17 ? n.size() - 17 : 0);
        e.media_type = n.size() > 17 && n.ends_with(".received") ? std::string(kind)
                                                                 : std::string(n.substr(8));
    }
    out.events.push_back(std::move(e));
    return out;
}

}  // namespace tcns::adapters::zalo_bot
