#include "core/import_plan.hpp"

#include <fmt/format.h>

#include "core/utf8.hpp"

namespace tcns::core {

namespace {
bool parse_small_int(std::string_view s, int& out) {
    if (s.empty() || s.size() > 4) return false;
    int v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
        v = v * 10 + (c - '0');
    }
    out = v;
    return true;
}
}  // namespace

std::optional<Date> parse_import_date(std::string_view s) {
    s = trim(s);
    if (auto iso = parse_date(s)) return iso;
    // Day first: d/m/yyyy with '/', '-' or '.'.
    const std::size_t a = s.find_first_of("/-.");
    if (a == std::string_view::npos) return std::nullopt;
    const char sep = s[a];
    const std::size_t b = s.find(sep, a + 1);
    if (b == std::string_view::npos || s.find(sep, b + 1) != std::string_view::npos)
        return std::nullopt;
    Date d;
    const auto day = s.substr(0, a), month = s.substr(a + 1, b - a - 1), year = s.substr(b + 1);
    if (day.size() > 2 || month.size() > 2 || year.size() != 4) return std::nullopt;
    if (!parse_small_int(day, d.day) || !parse_small_int(month, d.month) ||
        !parse_small_int(year, d.year))
        return std::nullopt;
    if (!is_valid_date(d)) return std::nullopt;
    return d;
}

void RowCheck::fail(std::string reason) {
    errors_.push_back({line_, std::move(reason)});
    ok_ = false;
}

bool RowCheck::require(const CsvRow& row, std::size_t col, std::string_view column) {
    if (!row[col].empty()) return true;
    fail(fmt::format("empty {}", column));
    return false;
}

void RowCheck::check_code(const std::string& code, std::string_view column) {
    if (code.find('\n') != std::string::npos) fail(fmt::format("{} has a line break", column));
}

std::optional<Date> RowCheck::date(const CsvRow& row, std::size_t col, std::string_view column) {
    if (row[col].empty()) return std::nullopt;
    auto d = parse_import_date(row[col]);
    if (!d)
        fail(fmt::format("bad date '{}' in {} (use YYYY-MM-DD or DD/MM/YYYY)", row[col], column));
    return d;
}

}  // namespace tcns::core
