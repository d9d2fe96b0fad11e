#include "bot/paths.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <vector>

#include "bot/config.hpp"

namespace tcns::bot {

namespace {
bool has_templates(const std::filesystem::path& dir) {
    std::error_code ec;
    return std::filesystem::is_regular_file(dir / "messages.vi.json", ec) &&
           std::filesystem::is_directory(dir / "forms", ec);
}
}  // namespace

std::string find_templates_dir(const std::string& configured) {
    if (!configured.empty()) {
        if (!has_templates(configured))
            throw ConfigError(fmt::format(
                "templates_dir '{}' has no messages.vi.json and forms/ directory", configured));
        return configured;
    }
    std::vector<std::string> candidates;
    if (const char* env = std::getenv("TCNS_TEMPLATES"); env && *env) candidates.push_back(env);
    candidates.push_back(TCNS_SOURCE_TEMPLATES);
    candidates.push_back(TCNS_INSTALL_TEMPLATES);
    for (const auto& c : candidates)
        if (has_templates(c)) return c;
    std::string looked;
    for (const auto& c : candidates) looked += (looked.empty() ? "" : ", ") + c;
    throw ConfigError(fmt::format("cannot find the templates directory (looked in {})", looked));
}

}  // namespace tcns::bot
