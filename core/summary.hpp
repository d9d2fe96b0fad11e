#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/messages.hpp"
#include "core/org.hpp"

namespace tcns::core {

/// The sum of one count indicator over a unit's subtree, with the unit's target when one is set.
struct ItemTotal {
    std::string code;
    std::string label;
    std::string unit;
    std::int64_t total = 0;
    std::optional<std::int64_t> target;
};

/// One difficulty as an official reads it.
struct DifficultyLine {
    std::string team_name;
    std::string place;     ///< its hamlet, with the commune (and district) above the summary's
    std::string category;  ///< the category's label
    std::string text;
};

/// The roll-up of a unit's subtree over one or more months, as storage computes it.
struct UnitSummary {
    UnitId unit = 0;
    std::string unit_code;
    std::string unit_name;
    std::string period_label;    ///< "11/2026" or "10/2026 – 11/2026"
    std::int64_t teams = 0;      ///< teams in the subtree expected in some month of the range
    std::int64_t expected = 0;   ///< team-months expected (storage/compliance.hpp)
    std::int64_t submitted = 0;  ///< team-months with a report
    std::int64_t on_time = 0;
    std::int64_t late = 0;
    std::int64_t missing = 0;                ///< expected − submitted
    std::int64_t missing_teams = 0;          ///< teams missing at least one month
    std::vector<std::string> missing_names;  ///< the first of them, by name
    std::vector<ItemTotal> items;            ///< every enabled count indicator, in form order
    std::int64_t difficulty_count = 0;
    std::vector<DifficultyLine> difficulties;  ///< the latest few
};

/// "85,5%": a percentage with one decimal and a decimal comma; empty when den is not positive.
std::string percent_text(std::int64_t num, std::int64_t den);

/// The roll-up message ("summary.*" templates): counts, missing teams (up to `max_named` by name,
/// then a count), every indicator's sum with the achievement of its target, difficulties.
std::string render_summary(const UnitSummary& s, const Messages& messages,
                           std::size_t max_named = 10);

/// The "chưa nộp" answer: the missing teams by name (up to `max_named`, then a count).
std::string render_missing(const UnitSummary& s, const Messages& messages,
                           std::size_t max_named = 30);

/// Every key the scheduler, the difficulty alerts and the summaries use; load_templates refuses a
/// messages file missing one.
const std::vector<std::string_view>& scheduler_message_keys();

}  // namespace tcns::core
