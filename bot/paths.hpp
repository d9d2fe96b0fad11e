#pragma once

#include <string>

namespace tcns::bot {

/// Finds the templates directory (forms/ and messages.vi.json). Order: the configured
/// directory when not empty (an error if it lacks the files), TCNS_TEMPLATES, the source tree
/// (when running from a build directory), the install prefix. Throws ConfigError naming every
/// place it looked when none has the templates.
std::string find_templates_dir(const std::string& configured);

}  // namespace tcns::bot
