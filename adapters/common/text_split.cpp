#include "adapters/common/text_split.hpp"

#include <algorithm>

#include "core/utf8.hpp"

namespace tcns::adapters {

std::string truncate_chars(std::string_view s, std::size_t max_chars) {
    return std::string(s.substr(0, core::utf8_offset(s, max_chars)));
}

namespace {

/// The largest code point boundary of `s` at or before byte `n`.
std::size_t boundary_at_or_before(std::string_view s, std::size_t n) {
    if (n >= s.size()) return s.size();
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
    return n;
}

}  // namespace

std::vector<std::string> split_text(std::string_view text, std::size_t max_chars,
                                    std::size_t max_bytes) {
    std::vector<std::string> parts;
    if (max_chars == 0) max_chars = 1;
    std::string_view rest = text;
    while (rest.size() > max_bytes || core::utf8_length(rest) > max_chars) {
        std::size_t window_end =
            std::min(core::utf8_offset(rest, max_chars), boundary_at_or_before(rest, max_bytes));
        // A budget smaller than one code point still makes progress.
        if (window_end == 0) window_end = core::utf8_offset(rest, 1);
        // The break may sit right after the window too: a part of exactly max_chars
        // followed by a newline is a clean line split.
        const std::string_view window = rest.substr(0, window_end + 1);
        // Prefer a line break, unless it would leave the part less than half full; then take
        // whichever of line break and space comes later.
        const std::size_t nl = window.rfind('\n');
        const std::size_t sp = window.rfind(' ');
        const auto usable = [](std::size_t i) { return i != std::string_view::npos && i > 0; };
        std::size_t cut = std::string_view::npos;
        if (usable(nl) && nl >= window_end / 2)
            cut = nl;
        else if (usable(nl) && usable(sp))
            cut = std::max(nl, sp);
        else if (usable(nl))
            cut = nl;
        else if (usable(sp))
            cut = sp;
        if (cut == std::string_view::npos) {
            // No usable break: hard split on the code point boundary.
            parts.emplace_back(rest.substr(0, window_end));
            rest.remove_prefix(window_end);
            continue;
        }
        std::string_view part = rest.substr(0, cut);
        // Drop the '\r' of a CRLF line break.
        if (!part.empty() && part.back() == '\r' && rest[cut] == '\n') part.remove_suffix(1);
        if (!part.empty()) parts.emplace_back(part);
        rest.remove_prefix(cut + 1);
    }
    if (!rest.empty() || parts.empty()) parts.emplace_back(rest);
    return parts;
}

std::vector<core::OutboundMessage> split_message(const core::OutboundMessage& msg,
                                                 std::size_t max_chars, std::size_t max_bytes) {
    std::vector<core::OutboundMessage> out;
    for (auto& part : split_text(msg.text, max_chars, max_bytes)) {
        core::OutboundMessage m;
        m.text = std::move(part);
        out.push_back(std::move(m));
    }
    out.back().buttons = msg.buttons;
    out.back().expects_number = msg.expects_number;
    return out;
}

}  // namespace tcns::adapters
