#include <sqlite3.h>

#include <iostream>

#include "bot/cli/cli.hpp"

int main(int argc, char** argv) {
    // SQLite's memory statistics take a global mutex on every allocation; tcns never reads
    // them, and the writer, dispatcher and scheduler threads allocate concurrently.
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return tcns::bot::run_cli(argc, argv, std::cin, std::cout, std::cerr);
}
