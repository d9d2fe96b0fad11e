#include <fmt/format.h>

#include <chrono>
#include <ostream>

#include "bot/cli/commands.hpp"
#include "bot/clock.hpp"
#include "bot/config.hpp"
#include "bot/log.hpp"
#include "core/time.hpp"
#include "storage/backup.hpp"

namespace tcns::bot {

namespace {

/// "20261130T014422Z": sortable, and safe in a file name.
std::string file_stamp() {
    const auto now = wall_now();
    const auto days = std::chrono::floor<std::chrono::days>(now);
    const std::chrono::year_month_day ymd{days};
    const std::chrono::hh_mm_ss hms{now - days};
    return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}Z", static_cast<int>(ymd.year()),
                       static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                       hms.hours().count(), hms.minutes().count(), hms.seconds().count());
}

}  // namespace

int cmd_backup(CommandContext& ctx) {
    Args args(ctx.args);
    const std::string dest = args.positional("backup FILE");
    args.done();
    const Config config = load_config(ctx.global);
    log::set_level(config.log_level);
    const auto started = std::chrono::steady_clock::now();
    storage::BackupInfo info;
    try {
        info = storage::backup_database(config.database, dest);
    } catch (const std::exception& e) {
        // The daily backup is a background job: its failure is one JSON line as well.
        log::error("backup.failed", {{"path", dest}, {"error", e.what()}});
        throw;
    }
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count();
    log::info("backup.done", {{"path", info.path},
                              {"bytes", info.bytes},
                              {"schema", info.schema_version},
                              {"latency_ms", ms}});
    ctx.out << fmt::format("{} -> {}: {} bytes, schema version {}, integrity ok\n", config.database,
                           info.path, info.bytes, info.schema_version);
    return 0;
}

int cmd_restore(CommandContext& ctx) {
    Args args(ctx.args);
    const std::string backup = args.positional("backup FILE to restore");
    args.done();
    const Config config = load_config(ctx.global);
    log::set_level(config.log_level);
    // Held until the restore is over, so that a server cannot start on a half-moved file.
    const auto lock = storage::ServeLock::try_acquire(config.database);
    if (!lock) {
        ctx.err << fmt::format(
            "tcns: a server is running on {} (it holds {}); stop it first, e.g. `systemctl "
            "stop tcns`\n",
            config.database, config.database + ".lock");
        return 1;
    }
    const storage::RestoreInfo info =
        storage::restore_database(backup, config.database, file_stamp());
    log::info(
        "restore.done",
        {{"path", config.database}, {"backup", backup}, {"schema", info.restored.schema_version}});
    ctx.out << fmt::format("{} restored from {} (schema version {}, integrity ok)\n",
                           config.database, backup, info.restored.schema_version);
    if (!info.previous.empty())
        ctx.out << fmt::format("the previous database is kept as {}\n", info.previous);
    return 0;
}

}  // namespace tcns::bot
