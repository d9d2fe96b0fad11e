#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tcns::core {

/// True when `s` is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
bool is_valid_utf8(std::string_view s);

/// `s` with every byte that does not start a well-formed UTF-8 sequence replaced by U+FFFD, for
/// text that did not come through a UTF-8-checking parser (a terminal in a legacy code page).
std::string to_valid_utf8(std::string_view s);

/// Number of code points in well-formed UTF-8 (what platforms count as "characters").
std::size_t utf8_length(std::string_view s);

/// The byte offset just after the first `n` code points of `s` (or s.size()).
std::size_t utf8_offset(std::string_view s, std::size_t n);

/// Trims ASCII whitespace and the no-break space from both ends.
std::string_view trim(std::string_view s);

}  // namespace tcns::core
