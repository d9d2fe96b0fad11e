#pragma once

// One table of channels (issue 17, deliverable 1, first step): the webhook route, how a delivery
// is verified and parsed, the message limits, the sender and the window rule of every channel
// go through here. Adding a channel means its adapter folder and one entry in
// bot/channel_registry.cpp. (The CLI set-up commands are not in the table yet.)

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "adapters/common/webhook.hpp"
#include "bot/config.hpp"
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
    bool (*enabled)(const Config&) = nullptr;
    VerifyMode (*verify_mode)(const Config&) = nullptr;
    adapters::VerifyResult (*verify)(std::string_view body, std::string_view signature,
                                     const Config&) = nullptr;
    adapters::ParseResult (*parse)(std::string_view body) = nullptr;
    std::shared_ptr<ChannelSender> (*make_sender)(const Config&, SenderDeps&) = nullptr;
    /// The messaging window handed to core; nullopt: no window.
    std::optional<core::ChannelRule> window;
};

/// Every channel tcns knows, in a fixed order.
std::span<const ChannelSpec> channel_registry();

/// The entry named `name`, or nullptr.
const ChannelSpec* find_channel(std::string_view name);

}  // namespace tcns::bot
