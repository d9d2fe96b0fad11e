#pragma once

#include <string>
#include <string_view>

namespace tcns::adapters {

/// Lower-case hex of HMAC-SHA256(data) keyed with `key` (64 characters).
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

/// Lower-case hex of plain SHA-256(data) (64 characters).
std::string sha256_hex(std::string_view data);

/// Compares two strings in time that depends only on their lengths (CRYPTO_memcmp).
bool constant_time_equal(std::string_view a, std::string_view b);

/// ASCII lower-casing (hex digests, header values).
std::string ascii_lower(std::string_view s);

/// application/x-www-form-urlencoded encoding of one key or value.
std::string form_url_encode(std::string_view s);

}  // namespace tcns::adapters
