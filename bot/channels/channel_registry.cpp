#include "bot/channels/channel_registry.hpp"

#include <chrono>

#include "adapters/console/console_adapter.hpp"
#include "adapters/viber/viber_adapter.hpp"
#include "adapters/zalo/zalo_adapter.hpp"
#include "adapters/zalo_bot/zalo_bot_adapter.hpp"
#include "bot/channels/channel_senders.hpp"
#include "bot/cli/commands.hpp"

namespace tcns::bot {

namespace {

using core::ChannelRule;
using core::OutsideWindow;
using std::chrono::hours;

const ChannelSpec kChannels[] = {
    {
        .name = "zalo",
        .webhook_path = "/webhook/zalo",
        .signature_header = "X-ZEvent-Signature",
        .max_text_chars = adapters::zalo::kMaxTextChars,
        .timestamp_window = true,
        .enabled = [](const Config& c) { return c.zalo.enabled; },
        .verify_mode = [](const Config& c) { return c.zalo.verify; },
        .verify =
            [](std::string_view body, std::string_view sig, const Config& c) {
                return adapters::zalo::verify_signature(body, sig, c.secrets.zalo_app_id,
                                                        c.secrets.zalo_oa_secret);
            },
        .parse = adapters::zalo::parse_webhook,
        .make_sender = [](const Config& c, SenderDeps& d) -> std::shared_ptr<ChannelSender> {
            if (d.zalo_tokens == nullptr) return nullptr;
            return std::make_shared<ZaloSender>(c.zalo.api_base, *d.zalo_tokens, d.http,
                                                c.zalo.rate_per_second);
        },
        // Free-form messages for 7 days after the user's last one (zalo-oa.md); ZNS templates
        // reach the phone afterwards when configured.
        .window = ChannelRule{"zalo", hours(24 * 7), OutsideWindow::kSkipAndReport, true},
        .command = {"zalo", "store the first Zalo OA token pair, refresh it, show its status",
                    "zalo token set [--access-token T --refresh-token T --expires-in S]   (else "
                    "from stdin)\n"
                    "zalo token refresh\n"
                    "zalo token status",
                    "", "tcns zalo token status", cmd_zalo},
    },
    {
        .name = adapters::viber::kChannel,
        .webhook_path = "/webhook/viber",
        .signature_header = "X-Viber-Content-Signature",
        // Seen in a `sig` query parameter instead (viber.md §3, unverified).
        .signature_param = "sig",
        .max_text_chars = adapters::viber::kMaxTextChars,
        .max_text_bytes = adapters::viber::kMaxTextBytes,
        .reply_in_response = true,
        .enabled = [](const Config& c) { return c.viber.enabled; },
        .verify_mode = [](const Config& c) { return c.viber.verify; },
        .verify =
            [](std::string_view body, std::string_view sig, const Config& c) {
                return adapters::viber::verify_signature(body, sig, c.secrets.viber_token);
            },
        .parse = adapters::viber::parse_webhook,
        .make_sender = [](const Config& c, SenderDeps& d) -> std::shared_ptr<ChannelSender> {
            return std::make_shared<ViberSender>(c.viber.api_base, c.secrets.viber_token,
                                                 c.viber.sender_name, c.viber.sender_avatar, d.http,
                                                 c.viber.rate_per_second);
        },
        // 24 hours, then bot-initiated (billed) messages are still allowed (viber.md).
        .window = ChannelRule{"viber", hours(24), OutsideWindow::kSendAnyway, false},
        // The welcome to conversation_started goes back in the HTTP response (viber.md).
        .render_response =
            [](const core::OutboundMessage& m, const Config& c) {
                return adapters::viber::render_welcome(
                    m, {c.viber.sender_name, c.viber.sender_avatar});
            },
        .command = {"viber", "register the Viber webhook, show the bot account",
                    "viber set-webhook URL\nviber info", "",
                    "tcns viber set-webhook https://bot.example.vn/webhook/viber", cmd_viber},
    },
    {
        .name = adapters::zalo_bot::kChannel,
        .webhook_path = "/webhook/zalo-bot",
        .signature_header = adapters::zalo_bot::kSecretHeader,
        .max_text_chars = adapters::zalo_bot::kMaxTextChars,
        // Group chats are PRIVATE/GROUP [A]; joining one depends on the bot's can_join_groups.
        .groups = true,
        .enabled = [](const Config& c) { return c.zalo_bot.enabled; },
        .verify_mode = [](const Config& c) { return c.zalo_bot.verify; },
        // A shared secret header, checked before the body is parsed.
        .verify =
            [](std::string_view, std::string_view sig, const Config& c) {
                return adapters::zalo_bot::verify_secret(sig, c.secrets.zalo_bot_secret);
            },
        .parse = adapters::zalo_bot::parse_webhook,
        .make_sender = [](const Config& c, SenderDeps& d) -> std::shared_ptr<ChannelSender> {
            return std::make_shared<ZaloBotSender>(c.zalo_bot.api_base, c.secrets.zalo_bot_token,
                                                   d.http, c.zalo_bot.rate_per_second);
        },
        // No messaging window is documented (zalo-bot.md) [C]: 24 hours with "send anyway" sends
        // as if there were none, but still prefers an account where the person wrote recently.
        .window = ChannelRule{"zalo-bot", hours(24), OutsideWindow::kSendAnyway, false},
        .command = {"zalo-bot",
                    "register the Zalo Bot webhook, show the bot (getMe, whether it can join "
                    "groups)",
                    "zalo-bot set-webhook URL\nzalo-bot info",
                    "  set-webhook   registers URL with the secret TCNS_ZALO_BOT_SECRET\n"
                    "  info          the bot's account, whether it can join groups, its current "
                    "webhook",
                    "tcns zalo-bot set-webhook https://bot.example.vn/webhook/zalo-bot",
                    cmd_zalo_bot},
    },
    {
        // The terminal (`tcns chat`): no webhook, no sender, no window.
        .name = adapters::console::kChannel,
    },
};

}  // namespace

std::span<const ChannelSpec> channel_registry() {
    return kChannels;
}

const ChannelSpec* find_channel(std::string_view name) {
    for (const auto& c : kChannels)
        if (c.name == name) return &c;
    return nullptr;
}

const ChannelSpec* phone_template_channel() {
    for (const auto& c : kChannels)
        if (c.window && c.window->phone_templates) return &c;
    return nullptr;
}

}  // namespace tcns::bot

#include "bot/channels/channel_rules.hpp"

namespace tcns::bot {

std::vector<core::ChannelRule> default_channel_rules() {
    std::vector<core::ChannelRule> rules;
    for (const auto& c : channel_registry())
        if (c.window) rules.push_back(*c.window);
    return rules;
}

core::ReminderPolicyConfig default_reminder_policy() {
    core::ReminderPolicyConfig p;
    p.channels = default_channel_rules();
    return p;
}

}  // namespace tcns::bot
