#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/period.hpp"
#include "core/time.hpp"
#include "storage/compliance.hpp"
#include "storage/database.hpp"

namespace tcns::storage {

/// The web page's reads (issue 16): the unit tree for the drill-down, indicator totals against
/// targets, the 12-month trend and a team's history. Counts of expected, on-time and missing
/// reports come from compliance_counts (compliance.hpp) and indicator sums follow
/// subtree_item_sums' rule (exports.hpp: the latest revision of each active team's report), so
/// that the page, the exports and the chat summaries agree.

/// Readies a connection for a page's reads: the database file memory-mapped (256 MiB) and a
/// 32 MiB page cache. A province page reads some 30,000 scattered pages of a national database;
/// through read() the kernel's copying was 40 % of its time. For a connection that only reads
/// (the web pages open one per request).
void tune_for_page_reads(Database& db);

/// One unit of the tree.
struct WebUnit {
    std::int64_t id = 0;
    std::string code;
    std::string name;
    std::string level;
    std::optional<std::int64_t> parent;
};

/// The unit with `code`; nullopt when there is none.
std::optional<WebUnit> web_unit(Database& db, std::string_view code);
/// The unit with `id`; nullopt when there is none.
std::optional<WebUnit> web_unit(Database& db, std::int64_t id);
/// From the root down to `id` (itself last); empty when unknown.
std::vector<WebUnit> unit_path(Database& db, std::int64_t id);
/// True when `unit` is `ancestor` or lies below it.
bool unit_within(Database& db, std::int64_t unit, std::int64_t ancestor);
/// The units whose parent is `id`, by code.
std::vector<WebUnit> child_units(Database& db, std::int64_t id);

/// Sums of every count item over the subtree of `unit` for `range`, per item code.
using ItemSums = std::map<std::string, std::int64_t>;

/// The subtree of `unit` (itself and its children's subtrees) in one read: the unit's own sums
/// and each child's, per item; `children` keyed by child unit id (a child without reports is
/// absent).
struct SubtreeSums {
    ItemSums total;
    std::map<std::int64_t, ItemSums> children;
};
SubtreeSums subtree_sums(Database& db, std::int64_t unit, const MonthRange& range);

/// compliance_counts for the subtree of `unit` and for each of its children's subtrees, in one
/// read: the same SQL definition of "expected" (kExpectedMonthsSql), grouped by child.
struct SubtreeCounts {
    ComplianceCounts total;
    std::map<std::int64_t, ComplianceCounts> children;  ///< by child unit id; absent: no teams
};
SubtreeCounts subtree_counts(Database& db, std::int64_t unit, const MonthRange& range);

/// One month of the trend.
struct TrendMonth {
    core::MonthPeriod month;
    ComplianceCounts counts;  ///< compliance_counts for that month alone
    ItemSums sums;            ///< the items asked for (every item when none is named)
    std::map<std::int64_t, ItemSums> children;  ///< the same per child of the unit
};
/// The `months` months ending with `last`, oldest first, for the subtree of `unit`: counts as
/// compliance_counts, sums as subtree_sums, in two reads.
std::vector<TrendMonth> unit_trend(Database& db, std::int64_t unit, const core::MonthPeriod& last,
                                   int months, const std::vector<std::string>& items);

/// A team of the subtree and how it stands for a range of months.
struct WebTeam {
    std::int64_t id = 0;
    std::string code;
    std::string name;
    std::string unit_name;  ///< its own unit (a hamlet)
    std::string leader_name;
    std::int64_t expected = 0;  ///< months expected in the range (compliance_counts)
    std::int64_t submitted = 0;
    std::int64_t on_time = 0;
};
/// The active teams under `unit` (at most `limit`), with their counts for `range`.
std::vector<WebTeam> subtree_teams(Database& db, std::int64_t unit, const MonthRange& range,
                                   std::size_t limit);
/// How many active teams lie under `unit`.
std::int64_t subtree_team_count(Database& db, std::int64_t unit);

/// A team with its place in the tree.
struct WebTeamInfo {
    std::int64_t id = 0;
    std::string code;
    std::string name;
    bool active = true;
    std::int64_t unit = 0;  ///< its own unit
    std::string leader_name;
    std::string leader_phone;
};
std::optional<WebTeamInfo> web_team(Database& db, std::string_view code);

/// One submitted revision of a team's report.
struct WebRevision {
    core::MonthPeriod period;
    int revision = 0;
    core::Instant submitted_at{};
    std::string submitted_by;  ///< the person's name, "" when unknown
    std::string channel;       ///< the chat channel it came from, "" when unknown
    bool late = false;
    ItemSums values;  ///< count items of this revision
};
/// One difficulty a team reported.
struct WebDifficulty {
    core::MonthPeriod period;
    std::string category;
    std::string text;
    std::string source;
    std::string person;
    core::Instant created_at{};
};
/// A team's history over `from`..`to`: every revision (newest first) and its difficulties.
struct TeamHistory {
    std::vector<WebRevision> revisions;
    std::vector<WebDifficulty> difficulties;
    std::optional<core::MonthPeriod> first_month;  ///< team_first_month (nullopt: every month)
};
TeamHistory team_history(Database& db, std::int64_t team, const core::MonthPeriod& from,
                         const core::MonthPeriod& to);

}  // namespace tcns::storage
