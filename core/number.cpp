#include "core/number.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <vector>

#include "core/vietnamese.hpp"

namespace tcns::core {
namespace {

constexpr std::int64_t kMaxCount = 1'000'000'000;

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

std::vector<std::string> split_words(std::string_view s) {
    std::vector<std::string> out;
    std::string cur;
    for (char c : s) {
        if (c == ' ' || c == '\t' || c == ',' || c == '.' || c == ';' || c == '-') {
            if (!cur.empty()) out.push_back(std::move(cur));
            cur.clear();
        } else {
            cur.push_back(c);
        }
    }
    if (!cur.empty()) out.push_back(std::move(cur));
    return out;
}

/// A digit word, folded ("mot" covers một and mốt, "lam" lăm, "tu" tư after mươi).
std::optional<int> digit_word(std::string_view w) {
    static const std::pair<std::string_view, int> kWords[] = {
        {"khong", 0}, {"mot", 1},  {"hai", 2}, {"ba", 3},  {"bon", 4}, {"tu", 4},   {"nam", 5},
        {"lam", 5},   {"nham", 5}, {"sau", 6}, {"bay", 7}, {"tam", 8}, {"chin", 9},
    };
    for (const auto& [word, value] : kWords) {
        if (w == word) return value;
    }
    return std::nullopt;
}

/// Reads Vietnamese number words; stops at the first word that is not part of a number (a unit
/// such as "người"). Returns nullopt when the first word is not a number word.
std::optional<Expected<std::int64_t, CountError>> parse_words(const std::vector<std::string>& w) {
    std::int64_t total = 0;  // millions and thousands already closed
    std::int64_t group = 0;  // below a thousand
    int pending = -1;        // a digit word not yet multiplied; -1: none
    std::size_t used = 0;
    bool any = false;
    for (; used < w.size(); ++used) {
        const std::string& t = w[used];
        if (auto d = digit_word(t)) {
            // "hai mốt" = 21: a second digit right after a first one is the units of a tens
            // shorthand.
            if (pending >= 0) group += pending * 10;
            pending = *d;
        } else if (t == "muoi" || t == "chuc") {
            // mười (10) and mươi (×10) fold to the same word.
            group += pending >= 0 ? pending * 10 : 10;
            pending = -1;
        } else if (t == "tram") {
            group += (pending >= 0 ? pending : 1) * 100;
            pending = -1;
        } else if (t == "linh" || t == "le") {
            if (!any) return std::nullopt;
        } else if (t == "nghin" || t == "ngan") {
            const std::int64_t g = group + std::max(pending, 0);
            total += (g == 0 ? 1 : g) * 1000;
            group = 0;
            pending = -1;
        } else if (t == "trieu") {
            const std::int64_t g = total + group + std::max(pending, 0);
            total = (g == 0 ? 1 : g) * 1'000'000;
            group = 0;
            pending = -1;
        } else {
            break;
        }
        any = true;
        if (total + group > kMaxCount) return unexpected(CountError::kTooLarge);
    }
    if (!any) return std::nullopt;
    // What follows must be unit words, not another number.
    for (std::size_t i = used; i < w.size(); ++i) {
        if (digit_word(w[i]) && w[i] != "nam" && w[i] != "ba") {
            return unexpected(CountError::kAmbiguous);
        }
        for (char c : w[i])
            if (is_digit(c)) return unexpected(CountError::kAmbiguous);
    }
    return Expected<std::int64_t, CountError>(total + group + std::max(pending, 0));
}

}  // namespace

Expected<std::int64_t, CountError> parse_count(std::string_view text) {
    const std::string s = fold_vietnamese(text);
    if (s.empty()) return unexpected(CountError::kEmpty);

    std::size_t i = 0;
    bool negative = false;
    if (s[i] == '-' || s[i] == '+') {
        negative = s[i] == '-';
        ++i;
        while (i < s.size() && s[i] == ' ') ++i;
    }
    if (i < s.size() && is_digit(s[i])) {
        // Digits with optional thousands separators (".", ",", " "): every group after the
        // first has exactly three digits. "2.5" or "1,25" is a fraction, not a count.
        std::string digits;
        std::size_t group_len = 0;
        bool grouped = false;
        while (i < s.size()) {
            const char c = s[i];
            if (is_digit(c)) {
                digits.push_back(c);
                ++group_len;
                ++i;
                continue;
            }
            const bool sep = c == '.' || c == ',' || c == ' ';
            if (!sep || i + 1 >= s.size() || !is_digit(s[i + 1])) break;
            std::size_t j = i + 1;
            while (j < s.size() && is_digit(s[j])) ++j;
            const std::size_t next_len = j - (i + 1);
            const bool first_ok = grouped ? group_len == 3 : group_len <= 3;
            if (next_len == 3 && first_ok) {
                grouped = true;
                group_len = 0;
                ++i;
                continue;
            }
            if (c == ' ') break;  // "25 30": two numbers, reported below
            return unexpected(negative ? CountError::kNegative : CountError::kFraction);
        }
        if (grouped && group_len != 3) return unexpected(CountError::kFraction);
        // The rest may name a unit ("người", "hộ", "lượt") but holds no other number.
        for (std::size_t k = i; k < s.size(); ++k) {
            if (is_digit(s[k])) return unexpected(CountError::kAmbiguous);
        }
        if (negative) return unexpected(CountError::kNegative);
        const std::size_t first = digits.find_first_not_of('0');
        if (first == std::string::npos) return 0;
        if (digits.size() - first > 10) return unexpected(CountError::kTooLarge);
        const std::int64_t v = std::stoll(digits.substr(first));
        if (v > kMaxCount) return unexpected(CountError::kTooLarge);
        return v;
    }
    if (negative) return unexpected(CountError::kNotNumber);
    const auto words = split_words(s);
    if (words.empty()) return unexpected(CountError::kNotNumber);
    if (auto parsed = parse_words(words)) return *parsed;
    return unexpected(CountError::kNotNumber);
}

}  // namespace tcns::core
