#include <catch2/catch.hpp>

#include "core/time.hpp"

using namespace tcns::core;

TEST_CASE("UTC instants convert to Vietnam wall clock across midnight", "[time]") {
    const Instant t = *parse_instant("2026-11-28T18:30:00Z");
    const LocalDateTime l = to_vietnam(t);
    CHECK(l.date == Date{2026, 11, 29});
    CHECK(l.hour == 1);
    CHECK(l.minute == 30);
    CHECK(from_vietnam(l) == t);
    CHECK(format_vietnam_iso(t) == "2026-11-29T01:30:00+07:00");
    CHECK(format_vietnam_short(t) == "01:30 29/11/2026");
}

TEST_CASE("Vietnam wall clock before 07:00 is the previous UTC day", "[time]") {
    const Instant t = from_vietnam(LocalDateTime{{2027, 1, 1}, 6, 59, 59});
    CHECK(format_utc(t) == "2026-12-31T23:59:59Z");
    CHECK(to_unix(vietnam_day_start(Date{1970, 1, 1})) == -7 * 3600);
}

TEST_CASE("instants parse with and without an offset", "[time]") {
    CHECK(format_utc(*parse_instant("2026-11-25T08:00")) == "2026-11-25T01:00:00Z");
    CHECK(format_utc(*parse_instant("2026-11-25T08:00:30")) == "2026-11-25T01:00:30Z");
    CHECK(format_utc(*parse_instant("2026-11-25T08:00:00Z")) == "2026-11-25T08:00:00Z");
    CHECK(format_utc(*parse_instant("2026-11-25T08:00:00+07:00")) == "2026-11-25T01:00:00Z");
    CHECK_FALSE(parse_instant("2026-11-25T24:00"));
    CHECK_FALSE(parse_instant("2026-11-31T08:00"));
    CHECK_FALSE(parse_instant("2026-11-25T08:00+7"));
    CHECK_FALSE(parse_instant("not a time"));
}

TEST_CASE("civil day numbers round-trip over centuries", "[time]") {
    for (std::int64_t d = -800000; d < 800000; d += 997)
        REQUIRE(days_from_civil(civil_from_days(d)) == d);
    CHECK(days_from_civil(Date{1970, 1, 1}) == 0);
    CHECK(add_days(Date{2028, 2, 28}, 1) == Date{2028, 2, 29});
    CHECK(add_days(Date{2026, 2, 28}, 1) == Date{2026, 3, 1});
    CHECK_FALSE(parse_date("2026-02-29"));
    CHECK(parse_date("2028-02-29"));
}
