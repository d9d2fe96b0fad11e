#pragma once

#include <string>

#include "core/form.hpp"
#include "core/messages.hpp"

namespace tcns::bot {

/// The data the conversation runs on: the monthly form and the Vietnamese messages.
struct Templates {
    std::string dir;
    core::Form form;
    core::Messages messages;
};

/// Loads templates/forms/monthly-report.json and templates/messages.vi.json from `dir`.
/// Throws ConfigError naming the file and the problem (bad JSON, unknown item type, a check
/// naming an unknown item, a message key the conversation needs but the file lacks).
Templates load_templates(const std::string& dir);

/// Parses a form file's text; throws ConfigError with `origin` in the message.
core::Form parse_form(const std::string& json_text, const std::string& origin);

}  // namespace tcns::bot
