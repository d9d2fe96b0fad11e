#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tcns::core {

/// Normalises a Vietnamese phone number to international digits without '+': "84912345678".
/// Accepts "0912 345 678", "+84 912.345.678", "84912345678", "(0251) 3822 123". Returns nullopt
/// when the result is not a plausible Vietnamese number (9 or 10 digits after the 84).
std::optional<std::string> normalize_phone(std::string_view raw);

/// A normalised number as Vietnamese users write it: "84912345678" -> "0912345678". Anything
/// else is returned unchanged.
std::string national_phone(std::string_view phone);

/// Masks a phone number for logs: "84912345678" -> "84******678".
std::string mask_phone(std::string_view phone);

}  // namespace tcns::core
