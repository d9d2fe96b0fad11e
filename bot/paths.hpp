#pragma once

#include <string>

namespace tcns::bot {

/// Finds the templates directory (forms/ and messages.vi.json). Order: the configured
/// directory when not empty (an error if it lacks the files), TCNS_TEMPLATES,
/// <prefix>/share/tcns/templates beside an installed <prefix>/bin/tcns, the source tree (when
/// running from a build directory), the install prefix configured at build time. Throws ConfigError
/// naming every place it looked when none has the templates.
std::string find_templates_dir(const std::string& configured);

/// Checks that the database can be created or written: its directory exists and is writable
/// (SQLite also creates -wal, -shm and the serve lock next to it), and an existing file is
/// writable. Throws ConfigError naming the path and the reason.
void check_database_writable(const std::string& db_path);

/// What inspect_database() found.
struct DatabaseInspection {
    bool exists = false;  ///< false: serve will create it
    int schema = 0;       ///< highest applied migration (0 for a new file)
    bool quick_checked = false;
};

/// Opens an existing database read-only and checks what start-up needs: an SQLite file, a
/// schema this build knows (not newer), and with `quick_check` PRAGMA quick_check. Throws
/// DatabaseError for what an operator must repair (not SQLite, corrupt, newer schema);
/// std::runtime_error for a passing condition (busy, unreadable).
DatabaseInspection inspect_database(const std::string& db_path, bool quick_check);

}  // namespace tcns::bot
