#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/import_plan.hpp"
#include "core/roster_import.hpp"

namespace tcns::core {

/// Whether a target is set for a unit (commune, district, province…) or for one team.
enum class TargetOwner { kUnit, kTeam };

/// A row of `targets.csv`, validated: one indicator's target for one unit or team and period.
struct TargetRecord {
    std::size_t line = 0;
    TargetOwner owner = TargetOwner::kUnit;
    std::string code;       ///< the unit's or team's code
    std::string item_code;  ///< "LH01": two capital letters, two digits
    std::string period;     ///< "YYYY-MM" (a month) or "YYYY" (a whole year)
    std::int64_t value = 0;
};

/// Checks a targets file (`code,item_code,period,value`). `code` names a stored unit, or else a
/// stored team; `period` is "YYYY-MM", "MM/YYYY" or "YYYY"; `value` is a whole number >= 0 and
/// may carry thousands separators ("1.200", "1,200", "1 200"). A (code, item, period) key may
/// appear once per file.
ImportPlan<TargetRecord> plan_targets_import(std::string_view csv_text, RosterLookup& stored);

/// A target value as admins write it; nullopt unless a whole number from 0 to 10^15.
std::optional<std::int64_t> parse_target_value(std::string_view s);

/// A target period as admins write it, normalised: "2025-03", "3/2025", "03/2025" -> "2025-03";
/// "2025" -> "2025". nullopt when neither a month nor a year.
std::optional<std::string> parse_target_period(std::string_view s);

/// True for an indicator code of the form ^[A-Z]{2}[0-9]{2}$ ("LH01", "ID01").
bool is_item_code(std::string_view s);

}  // namespace tcns::core
