#pragma once

#include <cstdint>
#include <iosfwd>
#include <map>
#include <string>

#include "bot/jobs/scheduler_config.hpp"
#include "bot/templates.hpp"
#include "core/period.hpp"
#include "storage/database.hpp"

namespace tcns::bot {

struct SimulationOptions {
    core::MonthPeriod month;
    std::uint64_t seed = 1;
    double report_share = 0.7;  ///< share of teams whose leader reports during the run
    std::size_t examples = 2;   ///< example messages printed per kind and tick
};

/// What a simulated month did, for the closing lines and for tests.
struct SimulationSummary {
    std::int64_t teams = 0;
    std::int64_t submissions = 0;
    std::int64_t late_submissions = 0;
    std::map<std::string, std::int64_t> messages;  ///< by outbox kind
    std::int64_t not_sent = 0;                     ///< recorded as skipped (window, no account)
    std::int64_t reminders_to_reporters = 0;       ///< must stay 0
    std::int64_t quiet_hour_messages = 0;          ///< must stay 0
    int ticks = 0;
    double slowest_tick_seconds = 0;
    double total_tick_seconds = 0;
};

/// Runs a month on a simulated clock in hourly ticks against `db` (a copy: it writes chat
/// accounts, reports and outbox rows): people get chat accounts on Zalo or Viber and write now
/// and then, a share of leaders report at random times, and the real scheduler ticks each hour.
/// Prints the timeline to `out`.
SimulationSummary simulate_month(storage::Database& db, const Templates& templates,
                                 const SchedulerConfig& config, const SimulationOptions& options,
                                 std::ostream& out);

}  // namespace tcns::bot
