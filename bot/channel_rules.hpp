#pragma once

// The messaging-window rules of each channel, as data handed to core (which names no channel).
// A later channel registry (issue 17, deliverable 1) is meant to own these lines.

#include <chrono>
#include <vector>

#include "core/reminder_policy.hpp"

namespace tcns::bot {

/// The shipped window rules; `scheduler.channels` in the config can change or add to them.
inline std::vector<core::ChannelRule> default_channel_rules() {
    using core::OutsideWindow;
    return {
        // Zalo OA: free-form "consultation" messages for 7 days after the user's last message
        // (zalo-oa.md); ZNS templates reach the phone afterwards when configured.
        {"zalo", std::chrono::hours(24 * 7), OutsideWindow::kSkipAndReport, true},
        // Viber: 24 hours, then bot-initiated (billed) messages are still allowed (viber.md).
        {"viber", std::chrono::hours(24), OutsideWindow::kSendAnyway, false},
        // Zalo Bot Platform: no messaging window is documented (zalo-bot.md) [C]. A 24-hour rule
        // with "send anyway" sends as if there were none, but still prefers an account where
        // the person wrote recently over a stale one.
        {"zalo-bot", std::chrono::hours(24), OutsideWindow::kSendAnyway, false},
        // The console has no window: no rule.
    };
}

/// The reminder policy with the channel rules filled in.
inline core::ReminderPolicyConfig default_reminder_policy() {
    core::ReminderPolicyConfig p;
    p.channels = default_channel_rules();
    return p;
}

}  // namespace tcns::bot
