#pragma once

#include <string>
#include <vector>

namespace tcns::bot {

/// Registers what `tcns serve` exposes at /metrics beyond the counters bumped in place: HELP
/// texts, every family at zero from the start (so a scrape finds it before the first event), and
/// the outbox gauges (depth, age of the oldest pending row) read from the database on a scrape.
/// Scheduler lag and tick duration are histograms the scheduler thread records itself
/// (`tcns_scheduler_lag_seconds`, `tcns_scheduler_tick_seconds`).
void register_serve_metrics(const std::string& db_path, const std::vector<std::string>& channels);

}  // namespace tcns::bot
