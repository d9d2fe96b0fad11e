#pragma once

#include <cstdint>
#include <string_view>

#include "core/expected.hpp"

namespace tcns::core {

/// Why a typed answer is not a count.
enum class CountError {
    kEmpty,      ///< nothing but spaces
    kNegative,   ///< "-5"
    kFraction,   ///< "2.5", "1,25": counts are whole numbers
    kTooLarge,   ///< more than a billion
    kAmbiguous,  ///< two numbers in one answer ("25 30")
    kNotNumber,  ///< no number at all
};

/// Parses a count the way leaders type it on a phone: "25", "25 người", "1.200", "1,200",
/// "1 200", "0", "không", and Vietnamese number words with or without diacritics up to the
/// millions ("hai mươi lăm", "mot tram linh nam", "một nghìn hai trăm", "hai mốt"). A unit
/// word after the number is ignored.
Expected<std::int64_t, CountError> parse_count(std::string_view text);

}  // namespace tcns::core
