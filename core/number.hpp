#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/expected.hpp"

namespace tcns::core {

/// Why a typed answer is not a count.
enum class CountError {
    kEmpty,            ///< nothing but spaces
    kNegative,         ///< "-5", "âm 5"
    kFraction,         ///< "2.5", "1,25", "hai rưỡi": counts are whole numbers
    kTooLarge,         ///< more than a billion
    kAmbiguous,        ///< two numbers in one answer ("25 30", "hai ba"), "1.200 nghìn"
    kNotNumber,        ///< no number at all
    kApproximate,      ///< "khoảng 25", "hơn 25", "25+": the refusal names the word
    kPercent,          ///< "25%", "25 phần trăm": a share, not a count
    kRange,            ///< "20-30", "từ 20 đến 30"
    kSpacedThousands,  ///< quick form: "1 200" could be 1200 or the two values 1 and 200
};

/// A refusal: the reason, and the word (as typed) that caused it when there is one.
struct CountRefusal {
    CountError reason = CountError::kNotNumber;
    std::string word;
};

/// What a count answer may be written with besides the number: the form item's unit and its
/// synonyms ("người", "nguoi", "ng"), and the size above which a value is out of the ordinary.
struct CountUnit {
    std::vector<std::string> words;    ///< as written in the form; matched folded, word by word
    std::int64_t usual_max = 100'000;  ///< a larger value is asked, not stored
};

/// A count read from an answer, and how sure the reading is.
struct CountReading {
    enum class How {
        kPlain,  ///< digits (with "." or "," thousands), the unit, polite particles: store
        kEcho,   ///< number words, "không", "1 200", fillers: store and say what was read
        kConfirm,  ///< a multiplier on digits, rưỡi/vạn/triệu, a large value, a foreign word: ask
    };
    enum class Why {
        kNone,
        kMultiplier,  ///< "25k", "25 nghìn", "3 chục", "2tr", "hai trăm rưỡi", "một vạn"
        kLarge,       ///< above CountUnit::usual_max
        kForeignWord,  ///< a word that is not the unit or a particle ("25 tuổi"): `word`
        kUnsure,       ///< "25?", "co 25" (có or cỡ?)
    };
    std::int64_t value = 0;
    How how = How::kPlain;
    Why why = Why::kNone;
    std::string word;  ///< kForeignWord: the first such word, as typed
};

/// Reads a count the way leaders type it (see the rules in number.cpp and the table in
/// tests/fixtures/numbers.tsv): either a value with how it was read, or a refusal. Never a
/// value other than the one the documented rules give; when unsure it asks (kConfirm) or
/// refuses.
Expected<CountReading, CountRefusal> parse_count(std::string_view text, const CountUnit& unit = {});

/// Splits the values of a quick report ("120 45 30", "120, 45, 30", "120;45;30", "120 lượt 45
/// hộ") into one text per value. A space-separated line holding a possible spaced thousand
/// ("1 200") is refused with kSpacedThousands (the word is "1 200"); a comma-separated line
/// holding a comma thousand ("1,200") with kAmbiguous.
/// `unit_words`: words that may follow a value (the form's units and their synonyms).
Expected<std::vector<std::string>, CountRefusal> split_quick_values(
    std::string_view text, const std::vector<std::string>& unit_words = {});

/// Full-width digits and ASCII punctuation (U+FF01..U+FF5E, as typed with an East Asian
/// keyboard) as ASCII, the ideographic space as a space, dashes as "-".
std::string normalize_width(std::string_view text);

/// 1200 → "1.200", the way Vietnamese writes thousands.
std::string format_count(std::int64_t v);

}  // namespace tcns::core
