#pragma once

// The messaging-window rules of each channel, as data handed to core (which names no channel).
// They come from the channel registry (bot/channels/channel_registry.cpp).

#include <vector>

#include "core/reminder_policy.hpp"

namespace tcns::bot {

/// The shipped window rules; `scheduler.channels` in the config can change or add to them.
std::vector<core::ChannelRule> default_channel_rules();

/// The reminder policy with the channel rules filled in.
core::ReminderPolicyConfig default_reminder_policy();

}  // namespace tcns::bot
