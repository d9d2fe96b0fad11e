#pragma once

// Internal helpers for reading untrusted webhook JSON; included only by adapter .cpp files
// (nlohmann stays out of the public headers).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/time.hpp"

namespace tcns::adapters::detail {

/// obj[key] when obj is an object holding key, else nullptr.
inline const nlohmann::json* field(const nlohmann::json& obj, std::string_view key) {
    if (!obj.is_object()) return nullptr;
    auto it = obj.find(key);
    return it == obj.end() ? nullptr : &*it;
}

/// An id as an exact decimal string: strings as-is, integers printed from the integer (never
/// through a double). Floating-point numbers (including integers too big for 64 bits, which
/// nlohmann parses as double) are refused because their digits are already lost.
inline std::optional<std::string> id_string(const nlohmann::json* v) {
    if (v == nullptr) return std::nullopt;
    if (v->is_string()) return v->get<std::string>();
    if (v->is_number_unsigned()) return std::to_string(v->get<std::uint64_t>());
    if (v->is_number_integer()) return std::to_string(v->get<std::int64_t>());
    return std::nullopt;
}

/// A plain string field, or nullopt when absent or not a string.
inline std::optional<std::string> string_field(const nlohmann::json& obj, std::string_view key) {
    const auto* v = field(obj, key);
    if (v == nullptr || !v->is_string()) return std::nullopt;
    return v->get<std::string>();
}

/// A string field or "" (for optional display data).
inline std::string string_or_empty(const nlohmann::json& obj, std::string_view key) {
    return string_field(obj, key).value_or(std::string{});
}

/// Parses a base-10 signed 64-bit integer that fills the whole string.
inline std::optional<std::int64_t> parse_int64(std::string_view s) {
    if (s.empty()) return std::nullopt;
    bool neg = false;
    std::size_t i = 0;
    if (s[0] == '-') {
        neg = true;
        i = 1;
        if (s.size() == 1) return std::nullopt;
    }
    std::uint64_t v = 0;
    for (; i < s.size(); ++i) {
        if (s[i] < '0' || s[i] > '9') return std::nullopt;
        const auto d = static_cast<std::uint64_t>(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10) return std::nullopt;
        v = v * 10 + d;
    }
    if (!neg && v > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
    if (neg && v > static_cast<std::uint64_t>(INT64_MAX) + 1) return std::nullopt;
    return neg ? static_cast<std::int64_t>(0 - v) : static_cast<std::int64_t>(v);
}

/// An integer given as a JSON number or a numeric string (Zalo sends numbers as strings).
inline std::optional<std::int64_t> int_field(const nlohmann::json* v) {
    if (v == nullptr) return std::nullopt;
    if (v->is_number_unsigned()) {
        const auto u = v->get<std::uint64_t>();
        if (u > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
        return static_cast<std::int64_t>(u);
    }
    if (v->is_number_integer()) return v->get<std::int64_t>();
    if (v->is_string()) return parse_int64(v->get<std::string>());
    return std::nullopt;
}

/// A platform timestamp in epoch milliseconds as an Instant, or the epoch when absent.
inline core::Instant instant_from_ms(const nlohmann::json* v) {
    const auto ms = int_field(v);
    if (!ms || *ms < 0) return core::Instant{};
    return core::from_unix(*ms / 1000);
}

/// Parses untrusted JSON without exceptions; a discarded value means malformed input.
inline nlohmann::json parse_json(std::string_view body) {
    return nlohmann::json::parse(body.begin(), body.end(), nullptr, false);
}

/// Serialises JSON; invalid UTF-8 is replaced (U+FFFD) instead of throwing.
inline std::string dump(const nlohmann::json& j) {
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace tcns::adapters::detail
