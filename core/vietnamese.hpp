#pragma once

#include <string>
#include <string_view>

namespace tcns::core {

/// Folds Vietnamese text to a lower-case ASCII key for loose matching: strips the tone and
/// vowel marks (precomposed or combining), maps đ/Đ to d, lower-cases ASCII and collapses runs
/// of white space to one space, trimmed. "  Tổ TRƯỞNG " -> "to truong". Bytes that are not
/// Vietnamese letters (other scripts, emoji, invalid UTF-8) pass through unchanged.
std::string fold_vietnamese(std::string_view s);

}  // namespace tcns::core
