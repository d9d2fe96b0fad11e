#include "core/time.hpp"

#include <fmt/format.h>

#include <charconv>

namespace tcns::core {

Instant from_unix(std::int64_t seconds) {
    return Instant{std::chrono::seconds{seconds}};
}

std::int64_t to_unix(Instant t) {
    return t.time_since_epoch().count();
}

namespace {
bool is_leap(int y) {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

// Floor division that also works for negative numerators.
std::int64_t floor_div(std::int64_t a, std::int64_t b) {
    std::int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
    return q;
}

bool parse_int(std::string_view s, int& out) {
    if (s.empty()) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc{} && p == s.data() + s.size();
}
}  // namespace

int days_in_month(int year, int month) {
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12) return 0;
    if (month == 2 && is_leap(year)) return 29;
    return kDays[month - 1];
}

bool is_valid_date(const Date& d) {
    return d.year >= 1 && d.year <= 9999 && d.month >= 1 && d.month <= 12 && d.day >= 1 &&
           d.day <= days_in_month(d.year, d.month);
}

// Howard Hinnant's days_from_civil / civil_from_days.
std::int64_t days_from_civil(const Date& d) {
    std::int64_t y = d.year - (d.month <= 2 ? 1 : 0);
    const std::int64_t era = floor_div(y, 400);
    const std::int64_t yoe = y - era * 400;
    const std::int64_t mp = (d.month + 9) % 12;
    const std::int64_t doy = (153 * mp + 2) / 5 + d.day - 1;
    const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

Date civil_from_days(std::int64_t z) {
    z += 719468;
    const std::int64_t era = floor_div(z, 146097);
    const std::int64_t doe = z - era * 146097;
    const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const std::int64_t mp = (5 * doy + 2) / 153;
    const int day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
    const int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
    const int year = static_cast<int>(yoe + era * 400 + (month <= 2 ? 1 : 0));
    return Date{year, month, day};
}

Date add_days(const Date& d, int days) {
    return civil_from_days(days_from_civil(d) + days);
}

LocalDateTime to_vietnam(Instant t) {
    const std::int64_t local = to_unix(t) + kVietnamOffset.count();
    const std::int64_t days = floor_div(local, 86400);
    const std::int64_t secs = local - days * 86400;
    LocalDateTime out;
    out.date = civil_from_days(days);
    out.hour = static_cast<int>(secs / 3600);
    out.minute = static_cast<int>(secs % 3600 / 60);
    out.second = static_cast<int>(secs % 60);
    return out;
}

Instant from_vietnam(const LocalDateTime& l) {
    const std::int64_t secs =
        days_from_civil(l.date) * 86400 + l.hour * 3600 + l.minute * 60 + l.second;
    return from_unix(secs - kVietnamOffset.count());
}

Instant vietnam_day_start(const Date& d) {
    return from_vietnam(LocalDateTime{d, 0, 0, 0});
}

std::string format_date(const Date& d) {
    return fmt::format("{:04}-{:02}-{:02}", d.year, d.month, d.day);
}

std::optional<Date> parse_date(std::string_view s) {
    if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
    Date d;
    if (!parse_int(s.substr(0, 4), d.year) || !parse_int(s.substr(5, 2), d.month) ||
        !parse_int(s.substr(8, 2), d.day))
        return std::nullopt;
    if (!is_valid_date(d)) return std::nullopt;
    return d;
}

std::string format_utc(Instant t) {
    const std::int64_t u = to_unix(t);
    const std::int64_t days = floor_div(u, 86400);
    const std::int64_t secs = u - days * 86400;
    const Date d = civil_from_days(days);
    return fmt::format("{}T{:02}:{:02}:{:02}Z", format_date(d), secs / 3600, secs % 3600 / 60,
                       secs % 60);
}

std::string format_vietnam_iso(Instant t) {
    const LocalDateTime l = to_vietnam(t);
    return fmt::format("{}T{:02}:{:02}:{:02}+07:00", format_date(l.date), l.hour, l.minute,
                       l.second);
}

std::string format_vietnam_short(Instant t) {
    const LocalDateTime l = to_vietnam(t);
    return fmt::format("{:02}:{:02} {:02}/{:02}/{:04}", l.hour, l.minute, l.date.day, l.date.month,
                       l.date.year);
}

std::optional<Instant> parse_instant(std::string_view s) {
    if (s.size() < 16 || (s[10] != 'T' && s[10] != ' ')) return std::nullopt;
    auto date = parse_date(s.substr(0, 10));
    if (!date) return std::nullopt;
    LocalDateTime l{*date, 0, 0, 0};
    if (s[13] != ':' || !parse_int(s.substr(11, 2), l.hour) ||
        !parse_int(s.substr(14, 2), l.minute))
        return std::nullopt;
    std::string_view rest = s.substr(16);
    if (!rest.empty() && rest[0] == ':') {
        if (rest.size() < 3 || !parse_int(rest.substr(1, 2), l.second)) return std::nullopt;
        rest = rest.substr(3);
    }
    if (l.hour > 23 || l.minute > 59 || l.second > 59) return std::nullopt;
    std::int64_t offset = kVietnamOffset.count();
    if (rest == "Z") {
        offset = 0;
    } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':') {
        int oh = 0, om = 0;
        if (!parse_int(rest.substr(1, 2), oh) || !parse_int(rest.substr(4, 2), om))
            return std::nullopt;
        offset = (oh * 3600 + om * 60) * (rest[0] == '-' ? -1 : 1);
    } else if (!rest.empty()) {
        return std::nullopt;
    }
    const std::int64_t secs =
        days_from_civil(l.date) * 86400 + l.hour * 3600 + l.minute * 60 + l.second;
    return from_unix(secs - offset);
}

}  // namespace tcns::core
