#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace tcns::bot::log {

enum class Level { kDebug, kInfo, kWarn, kError };

/// A structured field. Values are strings or integers; never put a secret, a token or message
/// text here, and mask phone numbers (core::mask_phone).
struct Field {
    Field(std::string_view k, std::string_view v) : key(k), text(v), is_number(false) {}
    Field(std::string_view k, const char* v) : key(k), text(v), is_number(false) {}
    Field(std::string_view k, const std::string& v) : key(k), text(v), is_number(false) {}
    template <class N, class = std::enable_if_t<std::is_arithmetic_v<N>>>
    Field(std::string_view k, N v) : key(k), number(static_cast<double>(v)), is_number(true) {}
    std::string_view key;
    std::string text;
    double number = 0;
    bool is_number;
};

void set_level(std::string_view level);
bool enabled(Level level);
/// Writes one JSON line to standard error: {"ts":…,"level":…,"event":…, fields…}.
void write(Level level, std::string_view event, std::initializer_list<Field> fields = {});

inline void debug(std::string_view e, std::initializer_list<Field> f = {}) {
    write(Level::kDebug, e, f);
}
inline void info(std::string_view e, std::initializer_list<Field> f = {}) {
    write(Level::kInfo, e, f);
}
inline void warn(std::string_view e, std::initializer_list<Field> f = {}) {
    write(Level::kWarn, e, f);
}
inline void error(std::string_view e, std::initializer_list<Field> f = {}) {
    write(Level::kError, e, f);
}

}  // namespace tcns::bot::log
