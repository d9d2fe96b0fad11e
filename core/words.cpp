#include "core/words.hpp"

#include <algorithm>
#include <stdexcept>

#include "core/vietnamese.hpp"

namespace tcns::core {
namespace {

std::string_view trim_spaces(std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    return s;
}

bool longer(const std::string& a, const std::string& b) {
    return a.size() > b.size();
}

}  // namespace

Words::Words(const std::map<std::string, std::vector<std::string>>& commands,
             const std::vector<std::pair<std::string, std::vector<std::string>>>& lists) {
    std::map<std::string, std::string> seen;  // folded word → command, to refuse duplicates
    for (const auto& [name, words] : commands) {
        for (const std::string& written : words) {
            std::string_view w = trim_spaces(written);
            Argument arg = Argument::kNone;
            if (w.size() > 2 && w.substr(w.size() - 2) == " *") {
                arg = Argument::kAny;
            } else if (w.size() > 2 && w.substr(w.size() - 2) == " #") {
                arg = Argument::kMonth;
            }
            if (arg != Argument::kNone) w.remove_suffix(2);
            std::string folded = fold_vietnamese(w);
            if (folded.empty()) continue;
            if (auto [it, fresh] = seen.emplace(folded, name); !fresh && it->second != name)
                throw std::invalid_argument("\"" + std::string(w) + "\" is a word of both \"" +
                                            it->second + "\" and \"" + name + "\"");
            if (arg == Argument::kNone)
                exact_[folded] = name;
            else
                prefixed_.push_back({std::move(folded), name, arg});
        }
    }
    std::stable_sort(prefixed_.begin(), prefixed_.end(),
                     [](const Prefixed& a, const Prefixed& b) { return longer(a.word, b.word); });
    for (const auto& [name, words] : lists) {
        auto& l = lists_[name];
        for (const std::string& w : words) {
            std::string folded = fold_vietnamese(w);
            if (!folded.empty()) l.push_back(std::move(folded));
        }
        std::stable_sort(l.begin(), l.end(), longer);
        if (std::find(order_.begin(), order_.end(), name) == order_.end()) order_.push_back(name);
    }
}

std::optional<Words::Match> Words::command(const std::string& key) const {
    if (const auto it = exact_.find(key); it != exact_.end()) return Match{it->second, {}};
    for (const Prefixed& p : prefixed_) {
        if (key.compare(0, p.word.size(), p.word) != 0) continue;
        if (key.size() > p.word.size() && key[p.word.size()] != ' ') continue;
        std::string arg(trim_spaces(std::string_view(key).substr(p.word.size())));
        // "chưa nộp được vì mất sóng" is a sentence, not "chưa nộp 2026-10".
        if (p.argument == Argument::kMonth && !arg.empty() &&
            (arg.find(' ') != std::string::npos || arg.front() < '0' || arg.front() > '9'))
            return std::nullopt;
        return Match{p.command, std::move(arg)};
    }
    return std::nullopt;
}

bool Words::listed(std::string_view list, std::string_view key) const {
    const auto& l = this->list(list);
    return std::find(l.begin(), l.end(), key) != l.end();
}

std::optional<std::string_view> Words::after(std::string_view list, std::string_view key) const {
    for (const std::string& w : this->list(list))
        if (key.substr(0, w.size()) == w) return trim_spaces(key.substr(w.size()));
    return std::nullopt;
}

const std::vector<std::string>& Words::list(std::string_view name) const {
    static const std::vector<std::string> kNone;
    const auto it = lists_.find(name);
    return it == lists_.end() ? kNone : it->second;
}

const std::vector<std::string_view>& required_word_lists() {
    static const std::vector<std::string_view> kLists = {"greeting",
                                                         "thanks",
                                                         "report_month",
                                                         "quick_report",
                                                         "month",
                                                         "difficulty",
                                                         "difficulty_without_colon"};
    return kLists;
}

const std::vector<std::string_view>& known_commands() {
    static const std::vector<std::string_view> kCommands = {
        "report", "status", "help", "back",   "skip",    "submit", "cancel",
        "yes",    "no",     "web",  "rollup", "missing", "edit"};
    return kCommands;
}

}  // namespace tcns::core
