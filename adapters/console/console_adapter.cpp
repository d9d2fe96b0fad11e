#include "adapters/console/console_adapter.hpp"

#include <fmt/format.h>

#include "core/utf8.hpp"

namespace tcns::adapters::console {

std::string render(const core::OutboundMessage& msg) {
    std::string out = msg.text;
    for (std::size_t i = 0; i < msg.buttons.size(); ++i) {
        if (msg.expects_number)
            out += fmt::format("\n  • {}", msg.buttons[i].label);
        else
            out += fmt::format("\n  [{}] {}", i + 1, msg.buttons[i].label);
    }
    return out;
}

std::string resolve_input(std::string_view line, const core::OutboundMessage& last) {
    const std::string_view t = core::trim(line);
    if (!last.expects_number && !t.empty() && t.size() <= 2) {
        std::size_t n = 0;
        bool digits = true;
        for (char c : t) {
            if (c < '0' || c > '9') {
                digits = false;
                break;
            }
            n = n * 10 + static_cast<std::size_t>(c - '0');
        }
        if (digits && n >= 1 && n <= last.buttons.size()) return last.buttons[n - 1].payload;
    }
    return core::to_valid_utf8(line);
}

}  // namespace tcns::adapters::console
