#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace tcns::core {

/// Every word the conversation recognises (commands, their synonyms, greetings, month words,
/// difficulty keywords), loaded from templates/words.vi.json: command words are data beside
/// the messages, never C++. Words are folded once here (fold_vietnamese), so matching a
/// message costs one fold of the message and a hash lookup, not a fold per word.
class Words {
  public:
    /// How a command word takes what follows it.
    enum class Argument {
        kNone,   ///< the whole message is the word
        kAny,    ///< "sửa 3": any text after the word ("sửa *" in the file)
        kMonth,  ///< "th 10/2026": nothing, or one word starting with a digit ("th #")
    };

    Words() = default;
    /// `commands`: each command's words as written (with a " *" or " #" suffix for an
    /// argument); `lists`: the other named lists, in the file's order. Throws
    /// std::invalid_argument naming a word that two commands share (a message must mean one
    /// thing).
    Words(const std::map<std::string, std::vector<std::string>>& commands,
          const std::vector<std::pair<std::string, std::vector<std::string>>>& lists);

    /// A command found in a folded message, and what followed its word.
    struct Match {
        std::string_view command;  ///< its name in the file ("report", "edit")
        std::string arg;           ///< for kAny and kMonth words; trimmed
    };
    /// The command the folded `key` is, if any: a whole word first, then a word with an
    /// argument (longest first).
    std::optional<Match> command(const std::string& key) const;

    /// True when the folded `key` is one of the words of `list`.
    bool listed(std::string_view list, std::string_view key) const;
    /// When the folded `key` begins with a word of `list` (longest first), what follows it,
    /// trimmed ("tháng 12" → "12" for "month").
    std::optional<std::string_view> after(std::string_view list, std::string_view key) const;
    /// The folded words of `list`, longest first (empty for an unknown list).
    const std::vector<std::string>& list(std::string_view name) const;
    /// The names of the lists, in the file's order.
    const std::vector<std::string>& list_names() const { return order_; }

  private:
    struct Prefixed {
        std::string word;
        std::string command;
        Argument argument;
    };
    std::unordered_map<std::string, std::string> exact_;  ///< folded word → command
    std::vector<Prefixed> prefixed_;                      ///< longest first
    std::map<std::string, std::vector<std::string>, std::less<>> lists_;
    std::vector<std::string> order_;
};

/// The word lists the conversation reads; a words file without one is refused at start-up.
const std::vector<std::string_view>& required_word_lists();
/// The commands the conversation knows (each needs words; a words file naming another
/// command is refused).
const std::vector<std::string_view>& known_commands();

}  // namespace tcns::core
