#include "bot/http_head.hpp"

namespace tcns::bot {

namespace {

bool is_tchar(unsigned char c) {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
    switch (c) {
        case '!':
        case '#':
        case '$':
        case '%':
        case '&':
        case '\'':
        case '*':
        case '+':
        case '-':
        case '.':
        case '^':
        case '_':
        case '`':
        case '|':
        case '~':
            return true;
        default:
            return false;
    }
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        unsigned char x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
        if (x >= 'A' && x <= 'Z') x = static_cast<unsigned char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<unsigned char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

std::string_view trim_ows(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

/// Each comma-separated token of a Connection header.
template <class Fn>
void each_token(std::string_view v, Fn fn) {
    while (!v.empty()) {
        const auto comma = v.find(',');
        fn(trim_ows(v.substr(0, comma)));
        if (comma == std::string_view::npos) break;
        v.remove_prefix(comma + 1);
    }
}

}  // namespace

std::string_view RequestHead::header(std::string_view name) const {
    for (const auto& [n, v] : headers)
        if (iequals(n, name)) return v;
    return {};
}

HeadStatus parse_request_head(std::string_view buf, RequestHead& out, std::size_t max_head_bytes,
                              std::size_t max_headers) {
    out = RequestHead{};
    const std::string_view window = buf.substr(0, max_head_bytes);
    const auto end = window.find("\r\n\r\n");
    if (end == std::string_view::npos)
        return buf.size() >= max_head_bytes ? HeadStatus::kInvalid : HeadStatus::kIncomplete;
    out.head_bytes = end + 4;
    std::string_view rest = buf.substr(0, end + 2);  // every line with its CRLF

    // Request line: method SP request-target SP HTTP-version CRLF.
    const auto eol = rest.find("\r\n");
    std::string_view line = rest.substr(0, eol);
    rest.remove_prefix(eol + 2);
    const auto sp1 = line.find(' ');
    if (sp1 == std::string_view::npos || sp1 == 0) return HeadStatus::kInvalid;
    out.method = line.substr(0, sp1);
    for (unsigned char c : out.method)
        if (!is_tchar(c)) return HeadStatus::kInvalid;
    const auto sp2 = line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || sp2 == sp1 + 1) return HeadStatus::kInvalid;
    out.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    for (unsigned char c : out.target)
        if (c <= 0x20 || c == 0x7f) return HeadStatus::kInvalid;
    if (out.target.front() != '/') return HeadStatus::kInvalid;  // origin-form only
    const std::string_view version = line.substr(sp2 + 1);
    if (version == "HTTP/1.1")
        out.minor_version = 1;
    else if (version == "HTTP/1.0")
        out.minor_version = 0;
    else
        return HeadStatus::kInvalid;
    const auto q = out.target.find('?');
    out.path = out.target.substr(0, q);
    if (q != std::string_view::npos) out.query = out.target.substr(q + 1);

    bool keep_alive_token = false, close_token = false;
    while (!rest.empty()) {
        const auto e = rest.find("\r\n");
        line = rest.substr(0, e);
        rest.remove_prefix(e + 2);
        if (out.headers.size() >= max_headers) return HeadStatus::kInvalid;
        const auto colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0) return HeadStatus::kInvalid;
        const std::string_view name = line.substr(0, colon);
        for (unsigned char c : name)
            if (!is_tchar(c)) return HeadStatus::kInvalid;  // also refuses obs-fold lines
        const std::string_view value = trim_ows(line.substr(colon + 1));
        for (unsigned char c : value)
            if ((c < 0x20 && c != '\t') || c == 0x7f) return HeadStatus::kInvalid;
        out.headers.emplace_back(name, value);

        if (iequals(name, "Content-Length")) {
            if (out.content_length) out.unusual = true;  // several: let the full server refuse
            if (value.empty() || value.size() > 15) return HeadStatus::kInvalid;
            std::size_t n = 0;
            for (char c : value) {
                if (c < '0' || c > '9') return HeadStatus::kInvalid;
                n = n * 10 + static_cast<std::size_t>(c - '0');
            }
            out.content_length = n;
        } else if (iequals(name, "Transfer-Encoding") || iequals(name, "Expect") ||
                   iequals(name, "Upgrade")) {
            out.unusual = true;
        } else if (iequals(name, "Connection")) {
            each_token(value, [&](std::string_view t) {
                if (iequals(t, "close")) close_token = true;
                if (iequals(t, "keep-alive")) keep_alive_token = true;
            });
        }
    }
    // HTTP/1.1 keeps the connection unless told to close; HTTP/1.0 only when asked.
    out.close = close_token || (out.minor_version == 0 && !keep_alive_token);
    return HeadStatus::kOk;
}

}  // namespace tcns::bot
