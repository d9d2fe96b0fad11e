#include <catch2/catch.hpp>

#include "core/period.hpp"

using namespace tcns::core;

namespace {
Instant vn(const char* s) {
    return *parse_instant(s);
}
}  // namespace

TEST_CASE("monthly periods parse, print and step", "[period]") {
    REQUIRE(MonthPeriod::parse("2026-11") == MonthPeriod{2026, 11});
    CHECK(MonthPeriod::parse("2026-11")->str() == "2026-11");
    CHECK_FALSE(MonthPeriod::parse("2026-13"));
    CHECK_FALSE(MonthPeriod::parse("2026-00"));
    CHECK_FALSE(MonthPeriod::parse("2026-1"));
    CHECK_FALSE(MonthPeriod::parse("26-11"));
    CHECK_FALSE(MonthPeriod::parse("2026/11"));
    CHECK(MonthPeriod{2026, 12}.next() == MonthPeriod{2027, 1});
    CHECK(MonthPeriod{2026, 1}.previous() == MonthPeriod{2025, 12});
    CHECK(MonthPeriod{2025, 11}.months_until(MonthPeriod{2026, 2}) == 3);
}

TEST_CASE("quarters parse and map to their months", "[period]") {
    REQUIRE(QuarterPeriod::parse("2026-Q4") == QuarterPeriod{2026, 4});
    CHECK(QuarterPeriod::parse("2026-q2")->str() == "2026-Q2");
    CHECK_FALSE(QuarterPeriod::parse("2026-Q5"));
    CHECK_FALSE(QuarterPeriod::parse("2026-Q0"));
    CHECK(QuarterPeriod::of(MonthPeriod{2026, 11}) == QuarterPeriod{2026, 4});
    CHECK(QuarterPeriod::of(MonthPeriod{2026, 3}) == QuarterPeriod{2026, 1});
    CHECK(QuarterPeriod{2026, 2}.first_month() == MonthPeriod{2026, 4});
    CHECK(QuarterPeriod{2026, 2}.last_month() == MonthPeriod{2026, 6});
}

TEST_CASE("a 30-day month is due at the instant the 30th begins in Vietnam", "[period]") {
    const Instant d = default_monthly_deadline(MonthPeriod{2026, 11});
    CHECK(format_vietnam_iso(d) == "2026-11-30T00:00:00+07:00");
    CHECK(format_utc(d) == "2026-11-29T17:00:00Z");
    CHECK(vn("2026-11-29T23:59:59") < d);
    CHECK_FALSE(vn("2026-11-30T00:00:00") < d);
}

TEST_CASE("a 31-day month is also due when the 30th begins", "[period]") {
    CHECK(format_vietnam_iso(default_monthly_deadline(MonthPeriod{2026, 12})) ==
          "2026-12-30T00:00:00+07:00");
    CHECK(format_vietnam_iso(default_monthly_deadline(MonthPeriod{2026, 1})) ==
          "2026-01-30T00:00:00+07:00");
}

TEST_CASE("February is due at the end of the month in common and leap years", "[period]") {
    // 2026 is common: 28 days, due when 1 March begins.
    const Instant common = default_monthly_deadline(MonthPeriod{2026, 2});
    CHECK(format_vietnam_iso(common) == "2026-03-01T00:00:00+07:00");
    CHECK(vn("2026-02-28T23:59:59") < common);
    CHECK_FALSE(vn("2026-03-01T00:00:00") < common);
    // 2028 is a leap year: 29 February is still on time.
    const Instant leap = default_monthly_deadline(MonthPeriod{2028, 2});
    CHECK(format_vietnam_iso(leap) == "2028-03-01T00:00:00+07:00");
    CHECK(vn("2028-02-29T23:59:59") < leap);
    // 2100 is not a leap year, 2000 was.
    CHECK(days_in_month(2100, 2) == 28);
    CHECK(days_in_month(2000, 2) == 29);
}

TEST_CASE("the quarterly roll-up is due before the 15th of the quarter's last month", "[period]") {
    CHECK(format_vietnam_iso(default_quarterly_deadline(QuarterPeriod{2026, 4})) ==
          "2026-12-15T00:00:00+07:00");
    CHECK(format_vietnam_iso(default_quarterly_deadline(QuarterPeriod{2026, 1})) ==
          "2026-03-15T00:00:00+07:00");
    const Instant q = default_quarterly_deadline(QuarterPeriod{2026, 2});
    CHECK(vn("2026-06-14T23:59:59") < q);
    CHECK_FALSE(vn("2026-06-15T00:00:00") < q);
}

TEST_CASE("an extension replaces the default deadline", "[period]") {
    const MonthPeriod nov{2026, 11};
    CHECK(effective_deadline(nov, std::nullopt) == default_monthly_deadline(nov));
    const auto until = parse_extension_until("2026-12-02");
    REQUIRE(until);
    // "--until 2026-12-02" accepts reports through the whole of 2 December.
    CHECK(format_vietnam_iso(*until) == "2026-12-03T00:00:00+07:00");
    CHECK(effective_deadline(nov, until) == *until);
    const auto exact = parse_extension_until("2026-12-02T17:00");
    REQUIRE(exact);
    CHECK(format_vietnam_iso(*exact) == "2026-12-02T17:00:00+07:00");
    CHECK_FALSE(parse_extension_until("2026-02-30"));
    CHECK_FALSE(parse_extension_until("tomorrow"));
}

TEST_CASE("the current period follows the Vietnam calendar across UTC midnight", "[period]") {
    // 17:00 UTC on 31 October is already 1 November in Vietnam.
    CHECK(current_period(*parse_instant("2026-10-31T17:00:00Z")) == MonthPeriod{2026, 11});
    CHECK(current_period(*parse_instant("2026-10-31T16:59:59Z")) == MonthPeriod{2026, 10});
    // New Year in Vietnam comes seven hours before UTC's.
    CHECK(current_period(*parse_instant("2026-12-31T17:00:00Z")) == MonthPeriod{2027, 1});
}
