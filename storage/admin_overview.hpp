#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/period.hpp"
#include "storage/compliance.hpp"
#include "storage/database.hpp"

namespace tcns::storage {

/// One unit of the chosen level on the admin page.
struct UnitCompliance {
    std::string code;
    std::string name;
    std::string parent_name;  ///< the unit it belongs to ("" for a root)
    ComplianceCounts counts;
};

/// A team that has not reported for the month.
struct MissingTeam {
    std::string area;    ///< the unit of the chosen level the team is under ("" when none)
    std::string unit;    ///< the team's own unit (a hamlet)
    std::string parent;  ///< the unit above the team's own (its commune): hamlet names repeat
    std::string team_code;
    std::string team_name;
    std::string leader_name;
    std::string leader_phone;  ///< stored form "849…"; "" without a leader
};

/// The admin page's figures for one month at one level of the unit tree.
struct ComplianceOverview {
    std::vector<UnitCompliance> units;  ///< units of the level, in tree order (by codes)
    ComplianceCounts total;             ///< every team expected for the month
    std::vector<MissingTeam> missing;   ///< the first `missing_limit`, in tree order
};

/// Counts per unit of `level` for `period` (month to date when it is still running). A team
/// counts for the nearest unit of `level` above it (itself included) and only when it existed in
/// the month (compliance.hpp); a report counts as on time or late by its first submission
/// (report_status.late). Reads one snapshot. With `scope` (a unit id), only that unit's subtree
/// is counted and listed (an official's web session).
ComplianceOverview compliance_overview(Database& db, const core::MonthPeriod& period,
                                       const std::string& level, std::size_t missing_limit,
                                       std::optional<std::int64_t> scope = std::nullopt);

/// The levels units have, from the root down (as the exports order their columns).
std::vector<std::string> unit_levels(Database& db);

/// The latest month not after `not_after` that has any report.
std::optional<core::MonthPeriod> latest_reported_period(Database& db,
                                                        const core::MonthPeriod& not_after);

}  // namespace tcns::storage
