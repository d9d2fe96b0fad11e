#pragma once

#include <optional>

#include "core/period.hpp"
#include "core/time.hpp"
#include "storage/database.hpp"

namespace tcns::storage {

/// Deadline extensions set by admins (`tcns period extend`).
class PeriodRepo {
  public:
    explicit PeriodRepo(Database& db) : db_(db) {}

    std::optional<core::Instant> extension(const core::MonthPeriod& p);
    void set_extension(const core::MonthPeriod& p, core::Instant deadline, core::Instant now);
    void clear_extension(const core::MonthPeriod& p);
    /// The extension when set, else the plan's default deadline.
    core::Instant deadline(const core::MonthPeriod& p);

  private:
    Database& db_;
};

}  // namespace tcns::storage
