#pragma once

#include <map>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/period.hpp"
#include "core/targets_import.hpp"
#include "storage/database.hpp"
#include "storage/roster_repo.hpp"

namespace tcns::storage {

/// A target as stored, with the code of its unit or team.
struct StoredTarget {
    core::TargetOwner owner = core::TargetOwner::kUnit;
    std::string code;
    std::string item_code;
    std::string period;
    std::int64_t value = 0;
};

/// Indicator targets per unit or team and period. Writes expect the caller to hold a
/// WriteTransaction (an import is all-or-nothing).
class TargetsRepo {
  public:
    explicit TargetsRepo(Database& db);
    ~TargetsRepo();

    /// Inserts targets, or updates the value of the one with the same (owner, item, period);
    /// targets not given are untouched.
    ImportCounts upsert(const std::vector<core::TargetRecord>& targets);
    /// The stored value of one target; nullopt when none is set.
    std::optional<std::int64_t> value(core::TargetOwner owner, std::string_view code,
                                      std::string_view item_code, std::string_view period);
    /// Every target, ordered by period, unit or team code, item.
    std::vector<StoredTarget> all();
    /// How many targets are stored.
    int count();

  private:
    Database& db_;
};

/// The targets of one team or unit over a range of months, by item code. Year by year: the sum
/// of the monthly targets the year has inside the range; when it has none, the yearly target
/// pro-rated to the months of the range in that year (1,200 a year is 100 a month, 300 a
/// quarter), rounded to the nearest whole number. Questions, summaries and exports all use it.
std::map<std::string, std::int64_t> targets_over(Database& db, core::TargetOwner owner,
                                                 std::int64_t owner_id,
                                                 const core::MonthPeriod& from,
                                                 const core::MonthPeriod& to);

}  // namespace tcns::storage
