#pragma once

#include <cstdint>
#include <optional>

#include "core/period.hpp"
#include "core/time.hpp"
#include "storage/database.hpp"

namespace tcns::storage {

/// How many of a period's reports a deadline change moves between on time and late (a report is
/// late when its team's first submission came at or after the deadline, as at submission).
struct LatenessChange {
    std::int64_t to_late = 0;
    std::int64_t to_on_time = 0;
    std::int64_t total() const { return to_late + to_on_time; }
};

/// Deadline extensions set by admins (`tcns period extend`).
class PeriodRepo {
  public:
    explicit PeriodRepo(Database& db) : db_(db) {}

    std::optional<core::Instant> extension(const core::MonthPeriod& p);
    void set_extension(const core::MonthPeriod& p, core::Instant deadline, core::Instant now);
    void clear_extension(const core::MonthPeriod& p);
    /// What moving the period's deadline to `deadline` would change; changes nothing.
    LatenessChange lateness_change(const core::MonthPeriod& p, core::Instant deadline);
    /// Sets the deadline (nullopt: back to the plan's default) and re-decides every report of
    /// the period against it (report_status and each revision's flag), in one transaction, so
    /// that exports, summaries and the admin page agree with the deadline now in force.
    LatenessChange move_deadline(const core::MonthPeriod& p, std::optional<core::Instant> deadline,
                                 core::Instant now);
    /// The extension when set, else the plan's default deadline.
    core::Instant deadline(const core::MonthPeriod& p);

  private:
    Database& db_;
};

}  // namespace tcns::storage
