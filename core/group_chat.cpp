#include "core/group_chat.hpp"

#include <cctype>

#include "core/vietnamese.hpp"

namespace tcns::core {

namespace {

/// Folded text without trailing punctuation (as the private conversation reads commands).
std::string group_key(std::string_view text) {
    std::string k = fold_vietnamese(text);
    while (!k.empty() && (k.back() == '.' || k.back() == '!' || k.back() == ' ' ||
                          k.back() == ',' || k.back() == ';'))
        k.pop_back();
    return k;
}

bool starts_with_digit(std::string_view s) {
    return !s.empty() && std::isdigit(static_cast<unsigned char>(s.front()));
}

/// "120 45 30", "12.5", "7": a message made of numbers only (a report's figures).
bool only_numbers(std::string_view key) {
    bool digit = false;
    for (const char c : key) {
        if (std::isdigit(static_cast<unsigned char>(c))) {
            digit = true;
            continue;
        }
        if (c != ' ' && c != ',' && c != '.' && c != '-' && c != '/') return false;
    }
    return digit;
}

}  // namespace

GroupCommand classify_group_text(std::string_view text, const Words& words) {
    GroupCommand out;
    const std::string key = group_key(text);
    if (key.empty()) return out;
    if (const auto rest = words.after("group_link", key)) {
        out.kind = GroupCommandKind::kLink;
        out.arg = std::string(*rest);
        return out;
    }
    if (const auto m = words.command(key)) {
        if (m->command == "rollup" || m->command == "missing") {
            out.kind =
                m->command == "rollup" ? GroupCommandKind::kRollup : GroupCommandKind::kMissing;
            out.arg = m->arg;
            return out;
        }
        if (m->command == "report" || m->command == "edit" || m->command == "status") {
            out.kind = GroupCommandKind::kPrivateOnly;
            return out;
        }
    }
    for (const std::string_view list : {"quick_report", "report_month"}) {
        const auto rest = words.after(list, key);
        if (rest && starts_with_digit(*rest)) {
            out.kind = GroupCommandKind::kPrivateOnly;
            return out;
        }
    }
    const auto colon = key.find(':');
    if (colon != std::string::npos) {
        std::string head = key.substr(0, colon);
        while (!head.empty() && head.back() == ' ') head.pop_back();
        if (words.listed("difficulty", head)) {
            out.kind = GroupCommandKind::kPrivateOnly;
            return out;
        }
    }
    if (only_numbers(key)) out.kind = GroupCommandKind::kPrivateOnly;
    return out;
}

std::optional<MonthPeriod> group_summary_period(std::string_view arg, Instant now) {
    const std::string a(arg);
    if (a.empty()) {
        const MonthPeriod current = MonthPeriod::containing(now);
        return to_vietnam(now).date.day <= 10 ? current.previous() : current;
    }
    if (auto p = MonthPeriod::parse(a)) return p;
    const auto slash = a.find('/');
    if (slash == std::string::npos) return std::nullopt;
    std::string month = a.substr(0, slash);
    if (month.size() == 1) month = "0" + month;
    return MonthPeriod::parse(a.substr(slash + 1) + "-" + month);
}

std::string group_notice_key(std::string_view base, long long group_id) {
    return std::string(base) + ":g" + std::to_string(group_id);
}

}  // namespace tcns::core
