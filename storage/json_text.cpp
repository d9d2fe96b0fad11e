#include "storage/json_text.hpp"

#include <nlohmann/json.hpp>

namespace tcns::storage {

namespace {

/// Length of the UTF-8 sequence at p (RFC 3629: no overlong forms, no surrogates, at most
/// U+10FFFF), or 0 when it is not valid.
std::size_t utf8_sequence(const unsigned char* p, const unsigned char* end) {
    const unsigned c = p[0];
    auto cont = [&](std::size_t i, unsigned lo = 0x80, unsigned hi = 0xBF) {
        return p + i < end && p[i] >= lo && p[i] <= hi;
    };
    if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
    if (c == 0xE0) return cont(1, 0xA0) && cont(2) ? 3 : 0;
    if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) return cont(1) && cont(2) ? 3 : 0;
    if (c == 0xED) return cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0;
    if (c == 0xF0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
    if (c >= 0xF1 && c <= 0xF3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
    if (c == 0xF4) return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0;
    return 0;
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
    // One pass: runs of plain bytes are copied whole, what JSON needs is escaped, and UTF-8 is
    // checked on the way (the outbox text of every webhook goes through here).
    static constexpr char kHex[] = "0123456789abcdef";
    const std::size_t start = out.size();
    out.reserve(start + s.size() + 2);
    out.push_back('"');
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const auto* end = p + s.size();
    const auto* run = p;  // start of the bytes not yet copied
    while (p < end) {
        const unsigned c = *p;
        if (c >= 0x20 && c != '"' && c != '\\') {
            if (c < 0x80) {
                ++p;
                continue;
            }
            const std::size_t n = utf8_sequence(p, end);
            if (n == 0) {
                // Rare (text typed in a legacy code page): nlohmann's own replacement rules.
                out.resize(start);
                out += nlohmann::json(std::string(s))
                           .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
                return;
            }
            p += n;
            continue;
        }
        out.append(reinterpret_cast<const char*>(run), static_cast<std::size_t>(p - run));
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\b':
                out += "\\b";
                break;
            case '\f':
                out += "\\f";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                out += "\\u00";
                out.push_back(kHex[c >> 4]);
                out.push_back(kHex[c & 0xf]);
        }
        ++p;
        run = p;
    }
    out.append(reinterpret_cast<const char*>(run), static_cast<std::size_t>(end - run));
    out.push_back('"');
}

void JsonObjectWriter::key(std::string_view k) {
    if (!first_) out_.push_back(',');
    first_ = false;
    append_json_string(out_, k);
    out_.push_back(':');
}

JsonObjectWriter& JsonObjectWriter::string(std::string_view k, std::string_view value) {
    key(k);
    append_json_string(out_, value);
    return *this;
}

JsonObjectWriter& JsonObjectWriter::integer(std::string_view k, std::int64_t value) {
    key(k);
    out_ += std::to_string(value);
    return *this;
}

JsonObjectWriter& JsonObjectWriter::boolean(std::string_view k, bool value) {
    key(k);
    out_ += value ? "true" : "false";
    return *this;
}

JsonObjectWriter& JsonObjectWriter::raw(std::string_view k, std::string_view json) {
    key(k);
    out_ += json;
    return *this;
}

std::string JsonObjectWriter::finish() && {
    out_.push_back('}');
    return std::move(out_);
}

}  // namespace tcns::storage
