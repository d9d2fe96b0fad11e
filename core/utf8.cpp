#include "core/utf8.hpp"

namespace tcns::core {

namespace {

// The length of the well-formed UTF-8 sequence at p (before end), 0 when there is none.
std::size_t sequence_length(const unsigned char* p, const unsigned char* end) {
    const unsigned char c = *p;
    if (c < 0x80) return 1;
    int n = 0;
    char32_t cp = 0;
    if ((c & 0xE0) == 0xC0) {
        n = 1;
        cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        n = 2;
        cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        n = 3;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (end - p <= n) return 0;
    for (int i = 1; i <= n; ++i) {
        if ((p[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000))
        return 0;  // overlong
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return static_cast<std::size_t>(n) + 1;
}

}  // namespace

bool is_valid_utf8(std::string_view s) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const auto* end = p + s.size();
    while (p < end) {
        const std::size_t n = sequence_length(p, end);
        if (n == 0) return false;
        p += n;
    }
    return true;
}

std::string to_valid_utf8(std::string_view s) {
    const auto* begin = reinterpret_cast<const unsigned char*>(s.data());
    const auto* end = begin + s.size();
    std::string out;
    out.reserve(s.size());
    for (const auto* p = begin; p < end;) {
        const std::size_t n = sequence_length(p, end);
        if (n == 0) {
            out += "\xEF\xBF\xBD";  // U+FFFD
            ++p;
        } else {
            out.append(s.substr(static_cast<std::size_t>(p - begin), n));
            p += n;
        }
    }
    return out;
}

std::size_t utf8_length(std::string_view s) {
    std::size_t n = 0;
    for (unsigned char c : s)
        if ((c & 0xC0) != 0x80) ++n;
    return n;
}

std::size_t utf8_offset(std::string_view s, std::size_t n) {
    std::size_t seen = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
            if (seen == n) return i;
            ++seen;
        }
    }
    return s.size();
}

std::string_view trim(std::string_view s) {
    auto is_space_at_front = [&](std::size_t& len) {
        if (s.empty()) return false;
        const unsigned char c = s[0];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v') {
            len = 1;
            return true;
        }
        if (s.size() >= 2 && c == 0xC2 && static_cast<unsigned char>(s[1]) == 0xA0) {
            len = 2;
            return true;
        }
        return false;
    };
    auto is_space_at_back = [&](std::size_t& len) {
        if (s.empty()) return false;
        const unsigned char c = s.back();
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v') {
            len = 1;
            return true;
        }
        if (s.size() >= 2 && c == 0xA0 && static_cast<unsigned char>(s[s.size() - 2]) == 0xC2) {
            len = 2;
            return true;
        }
        return false;
    };
    std::size_t len = 0;
    while (is_space_at_front(len)) s.remove_prefix(len);
    while (is_space_at_back(len)) s.remove_suffix(len);
    return s;
}

}  // namespace tcns::core
