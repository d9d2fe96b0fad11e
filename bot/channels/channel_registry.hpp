#pragma once

// One table of channels (issue 17, deliverable 1): the webhook route, how a delivery
// is verified and parsed, the message limits, the sender and the window rule of every channel
// go through here. Adding a channel means its adapter folder and one entry in
// bot/channels/channel_registry.cpp, its CLI set-up command included.

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "adapters/common/webhook.hpp"
#include "bot/cli/cli.hpp"
#include "bot/config.hpp"
#include "core/events.hpp"
#include "core/reminder_policy.hpp"

namespace tcns::bot {

class ChannelSender;
class HttpClient;
class ZaloTokenManager;

/// What a sender factory may need besides the config.
struct SenderDeps {
    HttpClient& http;
    ZaloTokenManager* zalo_tokens = nullptr;  ///< set when the Zalo OA channel is enabled
};

/// A channel's set-up command (`tcns viber …`), listed by `tcns --help` with the others.
struct ChannelCommand {
    std::string_view name;  ///< "" : none (the console)
    std::string_view summary;
    std::string_view usage;    ///< one line per form, without the leading "tcns "
    std::string_view notes;    ///< may be empty
    std::string_view example;  ///< complete command lines
    int (*fn)(CommandContext&) = nullptr;
};

struct ChannelSpec {
    std::string_view name;          ///< in chat_accounts, inbox, outbox, metrics
    std::string_view webhook_path;  ///< empty: no webhook (the console)
    std::string_view signature_header;
    /// A query parameter that may carry the signature when the header is absent ("" : none).
    std::string_view signature_param;
    std::size_t max_text_chars = 0;  ///< 0: no split
    std::size_t max_text_bytes = SIZE_MAX;
    /// The webhook's signed timestamp must lie within zalo.timestamp_window_s (Zalo OA).
    bool timestamp_window = false;
    /// The first reply may go back in the webhook's HTTP response (Viber's welcome).
    bool reply_in_response = false;
    /// A bot can sit in the platform's group chats, so a group can be linked to a unit (issue
    /// 17). Whether this bot may join groups is the platform's setting (Zalo Bot's getMe says).
    bool groups = false;
    bool (*enabled)(const Config&) = nullptr;
    VerifyMode (*verify_mode)(const Config&) = nullptr;
    adapters::VerifyResult (*verify)(std::string_view body, std::string_view signature,
                                     const Config&) = nullptr;
    adapters::ParseResult (*parse)(std::string_view body) = nullptr;
    std::shared_ptr<ChannelSender> (*make_sender)(const Config&, SenderDeps&) = nullptr;
    /// The messaging window handed to core; nullopt: no window.
    std::optional<core::ChannelRule> window;
    /// The body of the webhook's HTTP response carrying the first reply (reply_in_response).
    std::string (*render_response)(const core::OutboundMessage&, const Config&) = nullptr;
    /// The CLI set-up command.
    ChannelCommand command;
};

/// Every channel tcns knows, in a fixed order.
std::span<const ChannelSpec> channel_registry();

/// The entry named `name`, or nullptr.
const ChannelSpec* find_channel(std::string_view name);

/// The channel that reaches a phone number with templates (ZNS) when its window is closed, or
/// nullptr.
const ChannelSpec* phone_template_channel();

}  // namespace tcns::bot
