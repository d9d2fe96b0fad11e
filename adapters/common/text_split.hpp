#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/events.hpp"

namespace tcns::adapters {

/// Splits text into parts of at most `max_chars` code points (and `max_bytes` UTF-8 bytes): at
/// the last line break that fits, else the last space, else exactly at the limit on a code
/// point boundary. The break character itself is dropped. Returns at least one part.
std::vector<std::string> split_text(std::string_view text, std::size_t max_chars,
                                    std::size_t max_bytes = SIZE_MAX);

/// Splits a message with split_text; the buttons (and expects_number) go only on the last part.
std::vector<core::OutboundMessage> split_message(const core::OutboundMessage& msg,
                                                 std::size_t max_chars,
                                                 std::size_t max_bytes = SIZE_MAX);

/// The longest prefix of `s` with at most `max_chars` code points (cut on a boundary).
std::string truncate_chars(std::string_view s, std::size_t max_chars);

}  // namespace tcns::adapters
