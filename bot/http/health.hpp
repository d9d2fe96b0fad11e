#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace tcns::storage {
class Database;
}

namespace tcns::bot {

/// Thresholds of the readiness check (`health` in the config file).
struct HealthConfig {
    /// Free space under the database's directory below which the server is not ready: a full
    /// disk makes every webhook fail, so the probe must fail before it is completely full.
    int min_free_disk_mb = 64;
    /// A pending outbox row due for longer than this means the dispatcher is not draining.
    int outbox_stuck_seconds = 900;
};

/// Liveness of the background threads: each bumps its heartbeat on every pass; the readiness
/// check reports a thread whose last beat is older than the age it declared with expect().
/// Process-wide (one server per process); safe from any thread.
namespace heartbeat {
/// Declares that `component` beats at least every `max_age` from now on (its clock starts now).
void expect(std::string_view component, std::chrono::seconds max_age);
/// Stops checking `component` (its thread stopped on purpose).
void forget(std::string_view component);
/// Records a beat of `component` (cheap: a lock and a clock read).
void beat(std::string_view component);
/// Forgets every component (tests).
void reset();
}  // namespace heartbeat

struct HealthResult {
    int status = 200;     ///< 200 ready, 503 not ready
    nlohmann::json body;  ///< {"status": "ok"|"unavailable", "checks": {...}, "problems": [...]}
};

/// The readiness check behind GET /readyz: the database commits a tiny write, the disk under
/// it is writable with room above the threshold, the expected threads beat recently, and no
/// due outbox row waits longer than the threshold. `db` is a connection of the calling thread.
/// Never throws: every failure is a named problem in the body.
HealthResult check_readiness(storage::Database& db, const HealthConfig& config,
                             std::int64_t now_unix);

/// The same, opening its own short-lived connection (busy timeout 1 s) to `db_path`.
HealthResult check_readiness(const std::string& db_path, const HealthConfig& config);

}  // namespace tcns::bot
