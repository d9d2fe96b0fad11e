#pragma once

#include <cstdint>

#include "core/form.hpp"
#include "core/time.hpp"
#include "storage/database.hpp"

namespace tcns::storage {

/// What `tcns demo history` did.
struct DemoHistoryCounts {
    int months = 0;
    int teams = 0;
    int filed_on_time = 0;
    int filed_late = 0;
    int left_missing = 0;
    int already_there = 0;  ///< (team, month) pairs that had a report: left alone
    int difficulties = 0;
};

/// Files synthetic reports (core::plan_demo_report, stored with ReportRepo::submit) for every
/// active generated team for the `months` months before the current one at `now`, as filed by
/// the team's leader. A (team, month) that already has a report is left alone and a planned
/// missing report stays missing, so a second run with the same seed adds nothing. The caller
/// holds a WriteTransaction.
DemoHistoryCounts seed_demo_history(Database& db, const core::Form& form, int months,
                                    std::uint64_t seed, core::Instant now);

}  // namespace tcns::storage
