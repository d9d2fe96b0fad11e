#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/conversation.hpp"
#include "core/form.hpp"
#include "core/period.hpp"
#include "core/time.hpp"

namespace tcns::core {

/// How a demo team fared in a past month.
enum class DemoOutcome { kOnTime, kLate, kMissing };

/// One synthetic monthly report of a demo team (`tcns demo history`).
struct DemoReport {
    DemoOutcome outcome = DemoOutcome::kMissing;
    Instant submitted_at{};  ///< before `deadline` when on time, after it when late
    Answers answers;         ///< every enabled item; empty when missing
};

/// The report a demo team files for a past period, deterministic for (seed, team, period).
/// Most teams report on time, some late (within a few days after the deadline, never after
/// `now`), some not at all; about one team in ten is unreliable. Counts stay within the items'
/// bounds and pass the form's soft checks; a few reports carry a difficulty or a proposal.
DemoReport plan_demo_report(const Form& form, std::string_view team_code, const MonthPeriod& period,
                            Instant deadline, Instant now, std::uint64_t seed);

}  // namespace tcns::core
