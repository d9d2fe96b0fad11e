#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tcns::core {

/// An instant in UTC, to the second. Stored as Unix seconds.
using Instant = std::chrono::sys_seconds;

/// Vietnam is UTC+7 all year (no daylight saving).
inline constexpr std::chrono::seconds kVietnamOffset{7 * 3600};

/// A calendar date (proleptic Gregorian).
struct Date {
    int year = 1970;
    int month = 1;
    int day = 1;
    friend bool operator==(const Date&, const Date&) = default;
    friend auto operator<=>(const Date&, const Date&) = default;
};

/// A wall-clock date and time in Vietnam.
struct LocalDateTime {
    Date date;
    int hour = 0;
    int minute = 0;
    int second = 0;
    friend bool operator==(const LocalDateTime&, const LocalDateTime&) = default;
};

Instant from_unix(std::int64_t seconds);
std::int64_t to_unix(Instant t);

int days_in_month(int year, int month);
bool is_valid_date(const Date& d);
/// Days since 1970-01-01 for a date, and back.
std::int64_t days_from_civil(const Date& d);
Date civil_from_days(std::int64_t days);
Date add_days(const Date& d, int days);

/// Vietnam wall clock for an instant.
LocalDateTime to_vietnam(Instant t);
/// The instant of a Vietnam wall-clock time.
Instant from_vietnam(const LocalDateTime& local);
/// Start (00:00) of a Vietnam calendar day.
Instant vietnam_day_start(const Date& d);

/// "2026-11-28"
std::string format_date(const Date& d);
/// Parses "YYYY-MM-DD"; nullopt when malformed or not a real date.
std::optional<Date> parse_date(std::string_view s);
/// ISO 8601 in UTC: "2026-11-28T08:00:00Z".
std::string format_utc(Instant t);
/// ISO 8601 in Vietnam time with offset: "2026-11-28T15:00:00+07:00".
std::string format_vietnam_iso(Instant t);
/// Short Vietnamese display: "08:00 28/11/2026".
std::string format_vietnam_short(Instant t);
/// Parses "YYYY-MM-DDTHH:MM[:SS]" as Vietnam time, or with a trailing "Z" / "+07:00" offset.
std::optional<Instant> parse_instant(std::string_view s);

}  // namespace tcns::core
