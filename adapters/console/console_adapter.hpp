#pragma once

#include <string>
#include <string_view>

#include "core/events.hpp"

namespace tcns::adapters::console {

/// The channel name the console uses in chat_accounts and the inbox.
inline constexpr std::string_view kChannel = "console";

/// Renders a message for a terminal: the text, then buttons as numbered options.
std::string render(const core::OutboundMessage& msg);

/// Turns a typed line into the text it stands for: a bare number that matches one of the
/// last message's options becomes that option's payload, unless the message asks for a number;
/// anything else is passed through, with bytes that are not UTF-8 replaced by U+FFFD (a terminal
/// in a legacy code page; core and storage expect UTF-8, as the webhooks' JSON guarantees).
std::string resolve_input(std::string_view line, const core::OutboundMessage& last);

}  // namespace tcns::adapters::console
