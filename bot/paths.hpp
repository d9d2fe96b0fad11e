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

}  // namespace tcns::bot
