#pragma once

#include <compare>
#include <optional>
#include <string>
#include <string_view>

#include "core/time.hpp"

namespace tcns::core {

/// A monthly reporting period, written "YYYY-MM".
struct MonthPeriod {
    int year = 1970;
    int month = 1;

    static std::optional<MonthPeriod> parse(std::string_view s);
    /// The month that contains an instant, in Vietnam time.
    static MonthPeriod containing(Instant t);
    std::string str() const;
    MonthPeriod next() const;
    MonthPeriod previous() const;
    /// Months from this period to `other` (positive when other is later).
    int months_until(const MonthPeriod& other) const;
    Date first_day() const { return Date{year, month, 1}; }

    friend bool operator==(const MonthPeriod&, const MonthPeriod&) = default;
    friend auto operator<=>(const MonthPeriod&, const MonthPeriod&) = default;
};

/// A quarter, written "YYYY-Qn".
struct QuarterPeriod {
    int year = 1970;
    int quarter = 1;

    static std::optional<QuarterPeriod> parse(std::string_view s);
    static QuarterPeriod of(const MonthPeriod& m);
    std::string str() const;
    MonthPeriod first_month() const { return MonthPeriod{year, quarter * 3 - 2}; }
    MonthPeriod last_month() const { return MonthPeriod{year, quarter * 3}; }

    friend bool operator==(const QuarterPeriod&, const QuarterPeriod&) = default;
    friend auto operator<=>(const QuarterPeriod&, const QuarterPeriod&) = default;
};

/// The plan's monthly rule: a report is due before the 30th of its month in Vietnam time,
/// i.e. at the instant the 30th begins; a month with fewer than 30 days (February) is due at
/// its end (the instant the 1st of the next month begins).
Instant default_monthly_deadline(const MonthPeriod& p);

/// The plan's quarterly rule: district roll-ups are due before the 15th of the last month
/// of the quarter, i.e. at the instant that day begins in Vietnam time.
Instant default_quarterly_deadline(const QuarterPeriod& q);

/// The effective deadline: an admin extension when one is set, else the default.
Instant effective_deadline(const MonthPeriod& p, std::optional<Instant> extension);

/// Parses the `--until` argument of `tcns period extend`: a date "YYYY-MM-DD" means reports are
/// accepted through the whole of that Vietnam day (deadline = the next day's 00:00); a date and
/// time "YYYY-MM-DDTHH:MM" is taken as the exact deadline in Vietnam time.
std::optional<Instant> parse_extension_until(std::string_view s);

/// The period a leader reports on at `now`: the month containing `now` in Vietnam time.
/// (A report is filed during its own month, due before the 30th.)
MonthPeriod current_period(Instant now);

}  // namespace tcns::core
