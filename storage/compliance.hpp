#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/form.hpp"
#include "core/org.hpp"
#include "core/period.hpp"
#include "core/summary.hpp"
#include "core/time.hpp"
#include "storage/database.hpp"

namespace tcns::storage {

/// An inclusive range of months.
struct MonthRange {
    core::MonthPeriod from;
    core::MonthPeriod to;
    friend bool operator==(const MonthRange&, const MonthRange&) = default;
};

/// What is expected of active teams and what they did, over a range of months: one expected
/// report per team per month in which the team existed (migration 12's team_first_month: from
/// its decision date, else from its import, or from its first report when that is earlier).
/// Every count of "expected" and "missing" (exports, the admin page, chat summaries, quarterly
/// messages) comes from compliance_counts or the SQL below, so that they agree.
struct ComplianceCounts {
    std::int64_t teams = 0;          ///< teams expected in at least one month of the range
    std::int64_t expected = 0;       ///< team-months expected
    std::int64_t submitted = 0;      ///< of them, with a report
    std::int64_t on_time = 0;        ///< of them, first submitted before the deadline
    std::int64_t late = 0;           ///< submitted − on_time
    std::int64_t missing_teams = 0;  ///< teams missing at least one expected month
    /// on time at first, then revised after the deadline ("zeros on time, real numbers late")
    std::int64_t revised_after_deadline = 0;
    std::int64_t missing() const { return expected - submitted; }
    /// on_time / expected × 100; nullopt when nothing is expected.
    std::optional<double> on_time_pct() const;
};

/// The months of `requested` whose counts are final at `now`: those whose deadline (with its
/// extension) has passed. With `month_to_date`, the open months up to `now`'s month count too
/// (a month still running has its "missing" teams, who may still report). nullopt when no month
/// of the range counts.
std::optional<MonthRange> counted_months(Database& db, const MonthRange& requested,
                                         core::Instant now, bool month_to_date = false);

/// Counts over the subtree of `unit` (itself included), or every team when nullopt, for the
/// months of `range` (callers pass counted_months' answer).
ComplianceCounts compliance_counts(Database& db, std::optional<core::UnitId> unit,
                                   const MonthRange& range);

/// Counts per unit of `level` in the subtree of `scope` (itself included; the whole tree when
/// nullopt), for the months of `range`: each team counts for the nearest unit of `level` above it
/// (its own unit included), so that every unit's entry equals compliance_counts for that unit
/// when no unit of `level` sits inside another. One pass over the teams of the subtree (the admin
/// page's rows at national scale: one statement, not one per unit). Units without teams are
/// absent from the map.
std::map<core::UnitId, ComplianceCounts> compliance_by_unit(Database& db,
                                                            std::optional<core::UnitId> scope,
                                                            const std::string& level,
                                                            const MonthRange& range);

/// One unit's figures for a range, as every reader shows them: the counts (compliance_counts)
/// and every enabled count indicator of `form`, in form order, with its total over the subtree
/// (the latest revision of each report, as the rollup export sums them) and the unit's own target
/// for the range (targets_over: the monthly targets inside it, else the yearly one pro rata).
/// The officials' chat summaries and the web page read a unit's numbers from here, so that the
/// chat and the page agree for the same unit and period.
struct UnitFigures {
    ComplianceCounts counts;
    std::vector<core::ItemTotal> items;
};
UnitFigures unit_figures(Database& db, const core::Form& form, core::UnitId unit,
                         const MonthRange& range);

/// The first month any active team is expected to report; nullopt without teams, or when
/// some team has no known start (then every month is expected of it).
std::optional<core::MonthPeriod> first_expected_month(Database& db);

/// SQL: a condition true when team-start row `f` (a team_first_month row) is expected to report
/// for the month bound to `:period`.
inline constexpr std::string_view kExpectedInPeriodSql =
    "(f.first_month IS NULL OR f.first_month <= :period)";

/// SQL: the number of months of :from..:to in which team-start row `f` is expected (0 or more).
inline constexpr std::string_view kExpectedMonthsSql =
    "max(0, (cast(substr(:to, 1, 4) AS INTEGER) * 12 + cast(substr(:to, 6, 2) AS INTEGER)) - "
    "(cast(substr(max(:from, ifnull(f.first_month, :from)), 1, 4) AS INTEGER) * 12 + "
    "cast(substr(max(:from, ifnull(f.first_month, :from)), 6, 2) AS INTEGER)) + 1)";

}  // namespace tcns::storage
