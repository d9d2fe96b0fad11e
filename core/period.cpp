#include "core/period.hpp"

#include <fmt/format.h>

#include <charconv>

namespace tcns::core {

namespace {
bool parse_digits(std::string_view s, int& out) {
    if (s.empty()) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc{} && p == s.data() + s.size();
}
}  // namespace

std::optional<MonthPeriod> MonthPeriod::parse(std::string_view s) {
    if (s.size() != 7 || s[4] != '-') return std::nullopt;
    MonthPeriod p;
    if (!parse_digits(s.substr(0, 4), p.year) || !parse_digits(s.substr(5, 2), p.month))
        return std::nullopt;
    if (p.year < 1 || p.month < 1 || p.month > 12) return std::nullopt;
    return p;
}

MonthPeriod MonthPeriod::containing(Instant t) {
    const Date d = to_vietnam(t).date;
    return MonthPeriod{d.year, d.month};
}

std::string MonthPeriod::str() const {
    // Hot (several times per webhook): written by hand for the usual range.
    if (year >= 0 && year <= 9999 && month >= 0 && month <= 99) {
        std::string s = "0000-00";
        s[0] = static_cast<char>('0' + year / 1000);
        s[1] = static_cast<char>('0' + year / 100 % 10);
        s[2] = static_cast<char>('0' + year / 10 % 10);
        s[3] = static_cast<char>('0' + year % 10);
        s[5] = static_cast<char>('0' + month / 10);
        s[6] = static_cast<char>('0' + month % 10);
        return s;
    }
    return fmt::format("{:04}-{:02}", year, month);
}

MonthPeriod MonthPeriod::next() const {
    return month == 12 ? MonthPeriod{year + 1, 1} : MonthPeriod{year, month + 1};
}

MonthPeriod MonthPeriod::previous() const {
    return month == 1 ? MonthPeriod{year - 1, 12} : MonthPeriod{year, month - 1};
}

int MonthPeriod::months_until(const MonthPeriod& other) const {
    return (other.year - year) * 12 + (other.month - month);
}

std::optional<QuarterPeriod> QuarterPeriod::parse(std::string_view s) {
    if (s.size() != 7 || s[4] != '-' || (s[5] != 'Q' && s[5] != 'q')) return std::nullopt;
    QuarterPeriod q;
    if (!parse_digits(s.substr(0, 4), q.year) || !parse_digits(s.substr(6, 1), q.quarter))
        return std::nullopt;
    if (q.year < 1 || q.quarter < 1 || q.quarter > 4) return std::nullopt;
    return q;
}

QuarterPeriod QuarterPeriod::of(const MonthPeriod& m) {
    return QuarterPeriod{m.year, (m.month - 1) / 3 + 1};
}

std::string QuarterPeriod::str() const {
    return fmt::format("{:04}-Q{}", year, quarter);
}

Instant default_monthly_deadline(const MonthPeriod& p) {
    if (days_in_month(p.year, p.month) >= 30) return vietnam_day_start(Date{p.year, p.month, 30});
    return vietnam_day_start(p.next().first_day());
}

Instant default_quarterly_deadline(const QuarterPeriod& q) {
    const MonthPeriod last = q.last_month();
    return vietnam_day_start(Date{last.year, last.month, 15});
}

Instant effective_deadline(const MonthPeriod& p, std::optional<Instant> extension) {
    return extension ? *extension : default_monthly_deadline(p);
}

std::optional<Instant> parse_extension_until(std::string_view s) {
    if (s.size() == 10) {
        auto d = parse_date(s);
        if (!d) return std::nullopt;
        return vietnam_day_start(add_days(*d, 1));
    }
    return parse_instant(s);
}

MonthPeriod current_period(Instant now) {
    return MonthPeriod::containing(now);
}

}  // namespace tcns::core
