#include "core/targets_import.hpp"

#include <fmt/format.h>

#include <map>
#include <tuple>

#include "core/csv.hpp"
#include "core/period.hpp"
#include "core/utf8.hpp"

namespace tcns::core {

namespace {

enum TargetCol { kCode, kItem, kPeriod, kValue };
constexpr CsvColumn kTargetColumns[] = {
    {"code", true, "mã|mã đơn vị|mã tổ|unit code|team code|unit|team|đơn vị|tổ"},
    {"item_code", true, "item|indicator|mã chỉ tiêu|chỉ tiêu|mã chỉ số"},
    {"period", true, "kỳ|kỳ báo cáo|thời gian|tháng|năm"},
    {"value", true, "target|giá trị|chỉ tiêu giao|số lượng|mục tiêu"},
};

constexpr std::int64_t kMaxValue = 1'000'000'000'000'000;  // 10^15: no real target is larger

bool all_digits(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

}  // namespace

bool is_item_code(std::string_view s) {
    return s.size() == 4 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z' &&
           s[2] >= '0' && s[2] <= '9' && s[3] >= '0' && s[3] <= '9';
}

std::optional<std::int64_t> parse_target_value(std::string_view s) {
    s = trim(s);
    // Groups of digits separated by one kind of thousands separator: '.', ',', ' ' or a no-break
    // space (U+00A0, two bytes); every group after the first has exactly three digits, so "1,5"
    // and "1.50" are refused rather than read as 15 or 150.
    std::string digits;
    std::string_view sep;
    std::size_t group = 0;  // digits in the current group
    bool first_group = true;
    for (std::size_t i = 0; i < s.size();) {
        const char c = s[i];
        if (c >= '0' && c <= '9') {
            digits += c;
            ++group;
            ++i;
            continue;
        }
        std::string_view here;
        if (c == '.' || c == ',' || c == ' ')
            here = s.substr(i, 1);
        else if (s.substr(i, 2) == "\xC2\xA0")
            here = s.substr(i, 2);
        else
            return std::nullopt;
        if (!sep.empty() && here != sep) return std::nullopt;
        if (group == 0 || group > 3 || (!first_group && group != 3)) return std::nullopt;
        sep = here;
        first_group = false;
        group = 0;
        i += here.size();
    }
    if (digits.empty() || (!first_group && group != 3)) return std::nullopt;
    // Leading zeros are harmless ("007"); strip them so the length check below is exact.
    const std::size_t nz = digits.find_first_not_of('0');
    if (nz == std::string::npos) return 0;
    digits.erase(0, nz);
    if (digits.size() > 16) return std::nullopt;
    std::int64_t v = 0;
    for (char c : digits) v = v * 10 + (c - '0');
    if (v > kMaxValue) return std::nullopt;
    return v;
}

std::optional<std::string> parse_target_period(std::string_view s) {
    s = trim(s);
    if (s.size() == 4 && all_digits(s)) {
        if (s[0] == '0') return std::nullopt;
        return std::string(s);
    }
    if (auto m = MonthPeriod::parse(s)) return m->str();
    // "3/2025", "03/2025", as Vietnamese admins write a month.
    if (const std::size_t slash = s.find('/'); slash != std::string_view::npos) {
        const auto month = s.substr(0, slash), year = s.substr(slash + 1);
        if ((month.size() == 1 || month.size() == 2) && all_digits(month) && year.size() == 4 &&
            all_digits(year)) {
            const std::string iso = fmt::format("{}-{:0>2}", year, month);
            if (auto m = MonthPeriod::parse(iso)) return m->str();
        }
    }
    return std::nullopt;
}

ImportPlan<TargetRecord> plan_targets_import(std::string_view csv_text, RosterLookup& stored) {
    const CsvTable table = read_csv_table(csv_text, kTargetColumns);
    ImportPlan<TargetRecord> plan;
    plan.add_table(table);
    std::map<std::tuple<std::string, std::string, std::string>, std::size_t> first_line;
    for (const CsvRow& row : table.rows) {
        RowCheck check(plan.errors, row.line);
        TargetRecord t;
        t.line = row.line;
        t.code = row[kCode];
        if (check.require(row, kCode, "code")) {
            check.check_code(t.code, "code");
            if (stored.unit_parent(t.code))
                t.owner = TargetOwner::kUnit;
            else if (stored.team_unit(t.code))
                t.owner = TargetOwner::kTeam;
            else
                check.fail(fmt::format("unknown unit or team code '{}' (import the roster first)",
                                       t.code));
        }
        bool key_ok = !t.code.empty();
        if (check.require(row, kItem, "item_code")) {
            t.item_code = row[kItem];
            for (char& c : t.item_code)
                if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
            if (!is_item_code(t.item_code)) {
                check.fail(fmt::format(
                    "bad item_code '{}' (two capital letters and two digits, e.g. LH01)",
                    row[kItem]));
                key_ok = false;
            }
        } else {
            key_ok = false;
        }
        if (check.require(row, kPeriod, "period")) {
            if (auto p = parse_target_period(row[kPeriod])) {
                t.period = *p;
            } else {
                check.fail(fmt::format("bad period '{}' (YYYY-MM for a month, YYYY for a year)",
                                       row[kPeriod]));
                key_ok = false;
            }
        } else {
            key_ok = false;
        }
        if (check.require(row, kValue, "value")) {
            const std::string_view v = trim(row[kValue]);
            if (auto n = parse_target_value(v))
                t.value = *n;
            else if (!v.empty() && v[0] == '-' && parse_target_value(v.substr(1)))
                check.fail(fmt::format("negative value '{}'", row[kValue]));
            else
                check.fail(fmt::format("bad value '{}' (a whole number, e.g. 1200 or 1.200)",
                                       row[kValue]));
        }
        if (key_ok) {
            auto [it, fresh] =
                first_line.emplace(std::tuple{t.code, t.item_code, t.period}, t.line);
            if (!fresh)
                check.fail(fmt::format("duplicate target for '{}' {} {} (first on line {})", t.code,
                                       t.item_code, t.period, it->second));
        }
        if (check.ok()) plan.records.push_back(std::move(t));
    }
    plan.finish();
    return plan;
}

}  // namespace tcns::core
