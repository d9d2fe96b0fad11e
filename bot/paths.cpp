#include "bot/paths.hpp"

#include <fmt/format.h>

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
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
    // An installed binary (<prefix>/bin/tcns) uses the templates installed beside it, whatever
    // the prefix was (a .deb, /usr/local, a test's temporary prefix).
    std::error_code ec;
    const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec && exe.parent_path().filename() == "bin")
        candidates.push_back(
            (exe.parent_path().parent_path() / "share" / "tcns" / "templates").string());
    candidates.push_back(TCNS_SOURCE_TEMPLATES);
    candidates.push_back(TCNS_INSTALL_TEMPLATES);
    for (const auto& c : candidates)
        if (has_templates(c)) return c;
    std::string looked;
    for (const auto& c : candidates) looked += (looked.empty() ? "" : ", ") + c;
    throw ConfigError(fmt::format("cannot find the templates directory (looked in {})", looked));
}

void check_database_writable(const std::string& db_path) {
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::path dir = fs::absolute(db_path, ec).parent_path();
    if (dir.empty()) dir = ".";
    if (!fs::is_directory(dir, ec))
        throw ConfigError(fmt::format("the database directory '{}' does not exist", dir.string()));
    if (::access(dir.c_str(), W_OK | X_OK) != 0)
        throw ConfigError(fmt::format("the database directory '{}' is not writable: {}",
                                      dir.string(), std::strerror(errno)));
    if (fs::exists(db_path, ec) && ::access(db_path.c_str(), R_OK | W_OK) != 0)
        throw ConfigError(
            fmt::format("the database '{}' is not writable: {}", db_path, std::strerror(errno)));
}

}  // namespace tcns::bot
