#pragma once

#include <cstddef>
#include <string>

#include "bot/channels/channel_rules.hpp"
#include "core/reminder_policy.hpp"

namespace tcns::bot {

/// The "scheduler" section of the configuration: reminders, escalations, summaries.
struct SchedulerConfig {
    bool enabled = true;
    int tick_seconds = 60;
    /// A due step is re-planned at most this often (new teams, newly linked accounts); the
    /// outbox's idempotency keys make re-planning safe, this only spares the database.
    int rescan_minutes = 60;
    core::ReminderPolicyConfig policy = default_reminder_policy();
    /// The level whose officials get escalations, not-reached notices and difficulty alerts.
    std::string commune_level = "commune";
    bool summaries = true;  ///< the morning after the deadline, to every official
    bool quarterly = true;
    core::QuarterlyReminderConfig quarterly_rule;  ///< level "district" by default
    /// Officials of this level get the province roll-up with the quarterly reminder.
    std::string province_level = "province";
    std::size_t max_named = 10;  ///< missing teams named in a summary, then a count
    /// The web page's base address (Config::public_url, copied at load): summaries end with a
    /// link to the unit's page when set.
    std::string public_url;
    /// Inbox rows (webhook dedupe keys) older than this are pruned, at most once an hour: far
    /// longer than any platform retries a webhook.
    int inbox_retention_days = 14;
};

}  // namespace tcns::bot
