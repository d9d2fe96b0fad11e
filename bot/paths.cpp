#include "bot/paths.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include "bot/config.hpp"
#include "storage/database.hpp"

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

DatabaseInspection inspect_database(const std::string& db_path, bool quick_check) {
    namespace fs = std::filesystem;
    DatabaseInspection r;
    std::error_code ec;
    if (!fs::exists(db_path, ec)) return r;
    if (!fs::is_regular_file(db_path, ec))
        throw DatabaseError(fmt::format("the database '{}' is not a regular file", db_path));
    r.exists = true;
    const auto size = fs::file_size(db_path, ec);
    if (ec) throw std::runtime_error(fmt::format("cannot read '{}': {}", db_path, ec.message()));
    if (size == 0) return r;  // SQLite treats an empty file as a new database
    {
        // SQLite answers "file is not a database" only at the first query; the header says it
        // at once and names the problem plainly.
        char header[16] = {};
        std::ifstream f(db_path, std::ios::binary);
        if (!f) throw std::runtime_error(fmt::format("cannot read '{}'", db_path));
        f.read(header, sizeof header);
        if (f.gcount() < 16 || std::string(header, 16) != std::string("SQLite format 3\0", 16))
            throw DatabaseError(
                fmt::format("'{}' is not an SQLite database (wrong file header)", db_path));
    }
    try {
        SQLite::Database db(db_path, SQLite::OPEN_READONLY);
        db.setBusyTimeout(5000);
        if (db.tableExists("schema_migrations"))
            r.schema =
                db.execAndGet("SELECT ifnull(max(version), 0) FROM schema_migrations").getInt();
        if (r.schema > storage::Database::latest_version())
            throw DatabaseError(fmt::format(
                "the database '{}' has schema version {}, newer than this tcns knows ({}); "
                "install the newer tcns or restore an older backup",
                db_path, r.schema, storage::Database::latest_version()));
        if (quick_check) {
            SQLite::Statement q(db, "PRAGMA quick_check");
            std::string problems;
            int n = 0;
            while (q.executeStep()) {
                const std::string line = q.getColumn(0).getString();
                if (line == "ok") continue;
                if (n++ < 5) problems += (problems.empty() ? "" : "; ") + line;
            }
            if (n > 0)
                throw DatabaseError(fmt::format(
                    "the database '{}' is damaged (PRAGMA quick_check: {}); restore a backup",
                    db_path, problems));
            r.quick_checked = true;
        }
    } catch (const SQLite::Exception& e) {
        const int code = e.getErrorCode() & 0xff;
        if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB)
            throw DatabaseError(fmt::format("the database '{}' is damaged: {}; restore a backup",
                                            db_path, e.what()));
        throw std::runtime_error(
            fmt::format("cannot read the database '{}': {}", db_path, e.what()));
    }
    return r;
}

}  // namespace tcns::bot
