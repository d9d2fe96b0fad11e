#include "storage/backup.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

namespace tcns::storage {

namespace fs = std::filesystem;

namespace {

/// fsync a file or a directory so that a rename survives a power loss.
void sync_path(const std::string& path, bool directory) {
    const int fd = ::open(path.c_str(), (directory ? O_DIRECTORY : 0) | O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        throw StorageError(
            fmt::format("cannot open '{}' to sync it: {}", path, std::strerror(errno)));
    const int rc = ::fsync(fd);
    const int saved = errno;
    ::close(fd);
    if (rc != 0)
        throw StorageError(fmt::format("cannot fsync '{}': {}", path, std::strerror(saved)));
}

std::string parent_dir(const std::string& path) {
    const fs::path p = fs::absolute(path).parent_path();
    return p.empty() ? std::string(".") : p.string();
}

void remove_quietly(const std::string& path) {
    std::error_code ec;
    fs::remove(path, ec);
}

/// Runs PRAGMA integrity_check; throws with the first problems it reports.
void check_integrity(SQLite::Database& db, const std::string& what) {
    SQLite::Statement q(db, "PRAGMA integrity_check(5)");
    std::string problems;
    while (q.executeStep()) {
        const std::string row = q.getColumn(0).getString();
        if (row == "ok") return;
        problems += (problems.empty() ? "" : "; ") + row;
    }
    throw StorageError(fmt::format("{} fails the integrity check: {}", what, problems));
}

int schema_version_of(SQLite::Database& db) {
    if (!db.tableExists("schema_migrations")) return 0;
    return db.execAndGet("SELECT ifnull(max(version), 0) FROM schema_migrations").getInt();
}

/// Copies `src_path` into a fresh `tmp` created with `mode` (whatever the umask: a backup
/// holds every leader's phone number and must not be world-readable) with the online backup
/// API, switches the copy to a rollback journal (one self-contained file), checks it and
/// fsyncs it. Returns its schema.
int copy_database(const std::string& src_path, int src_flags, const std::string& tmp, mode_t mode) {
    remove_quietly(tmp);
    remove_quietly(tmp + "-journal");
    remove_quietly(tmp + "-wal");
    remove_quietly(tmp + "-shm");
    // SQLite creates a new file with 0644 less the umask; an empty file made first with the
    // mode is opened as a new database, and its journal takes the same mode.
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0)
        throw StorageError(fmt::format("cannot create '{}': {}", tmp, std::strerror(errno)));
    const bool chmod_ok = ::fchmod(fd, mode) == 0;  // the umask may have removed bits
    ::close(fd);
    if (!chmod_ok) {
        remove_quietly(tmp);
        throw StorageError(fmt::format("cannot set the mode of '{}'", tmp));
    }
    int version = 0;
    try {
        SQLite::Database src(src_path, src_flags | SQLite::OPEN_NOMUTEX, 5000);
        {
            SQLite::Database dst(tmp, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE, 5000);
            sqlite3_backup* b =
                sqlite3_backup_init(dst.getHandle(), "main", src.getHandle(), "main");
            if (!b)
                throw StorageError(fmt::format("cannot start the backup of '{}': {}", src_path,
                                               sqlite3_errmsg(dst.getHandle())));
            // One step of -1 pages copies everything inside a single read transaction: a
            // consistent snapshot. Busy/locked only happens while a checkpoint or a writer
            // holds an exclusive lock for a moment; retry for a bounded time.
            const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
            int rc = SQLITE_OK;
            for (;;) {
                rc = sqlite3_backup_step(b, -1);
                if (rc == SQLITE_DONE) break;
                if ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) &&
                    std::chrono::steady_clock::now() < give_up) {
                    std::this_thread::sleep_for(std::chrono::milliseconds(50));
                    continue;
                }
                break;
            }
            sqlite3_backup_finish(b);
            if (rc != SQLITE_DONE)
                throw StorageError(
                    fmt::format("backup of '{}' failed: {}", src_path, sqlite3_errstr(rc)));
            dst.exec("PRAGMA journal_mode = DELETE");
            check_integrity(dst, fmt::format("the copy of '{}'", src_path));
            version = schema_version_of(dst);
        }
        sync_path(tmp, false);
    } catch (const SQLite::Exception& e) {
        remove_quietly(tmp);
        throw StorageError(fmt::format("cannot copy '{}': {}", src_path, e.what()));
    } catch (...) {
        remove_quietly(tmp);
        throw;
    }
    return version;
}

std::int64_t file_size(const std::string& path) {
    std::error_code ec;
    const auto n = fs::file_size(path, ec);
    return ec ? 0 : static_cast<std::int64_t>(n);
}

void rename_or_throw(const std::string& from, const std::string& to) {
    if (std::rename(from.c_str(), to.c_str()) != 0)
        throw StorageError(
            fmt::format("cannot rename '{}' to '{}': {}", from, to, std::strerror(errno)));
}

}  // namespace

BackupInfo backup_database(const std::string& db_path, const std::string& dest) {
    std::error_code ec;
    if (!fs::is_regular_file(db_path, ec))
        throw StorageError(fmt::format("database '{}' does not exist", db_path));
    if (fs::absolute(dest, ec) == fs::absolute(db_path, ec))
        throw StorageError("the backup file cannot be the database itself");
    const std::string dir = parent_dir(dest);
    fs::create_directories(dir, ec);
    if (ec) throw StorageError(fmt::format("cannot create directory '{}': {}", dir, ec.message()));
    const std::string tmp = dest + ".tmp";
    BackupInfo info;
    // Read-write without create: a WAL database needs its -shm file, and a missing database
    // must not be created here.
    info.schema_version = copy_database(db_path, SQLite::OPEN_READWRITE, tmp, 0600);
    rename_or_throw(tmp, dest);
    sync_path(dir, true);
    info.path = dest;
    info.bytes = file_size(dest);
    return info;
}

int verify_backup(const std::string& path) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec))
        throw StorageError(fmt::format("backup '{}' does not exist", path));
    try {
        SQLite::Database db(path, SQLite::OPEN_READONLY | SQLite::OPEN_NOMUTEX);
        check_integrity(db, fmt::format("backup '{}'", path));
        const int version = schema_version_of(db);
        if (version < 1)
            throw StorageError(
                fmt::format("'{}' is not a tcns database (no schema version)", path));
        if (version > Database::latest_version())
            throw StorageError(fmt::format(
                "backup '{}' has schema version {}, newer than this build knows ({}); upgrade "
                "tcns first",
                path, version, Database::latest_version()));
        return version;
    } catch (const SQLite::Exception& e) {
        throw StorageError(
            fmt::format("'{}' is not a readable SQLite database: {}", path, e.what()));
    }
}

RestoreInfo restore_database(const std::string& backup_path, const std::string& db_path,
                             const std::string& stamp) {
    verify_backup(backup_path);
    const std::string dir = parent_dir(db_path);
    const std::string tmp = db_path + ".restore-tmp";
    RestoreInfo info;
    // The restored database keeps the old file's mode (0640 by default under the service's
    // umask: the tcns group may read it); a backup file is 0600.
    mode_t mode = 0640;
    if (struct stat st{}; ::stat(db_path.c_str(), &st) == 0) mode = st.st_mode & 0777;
    info.restored.schema_version = copy_database(backup_path, SQLite::OPEN_READONLY, tmp, mode);

    std::error_code ec;
    if (fs::exists(db_path, ec)) {
        // Run as root by mistake (instead of as the service user), the restored file keeps the
        // old file's owner, so that the service can still open it.
        struct stat old_stat {};
        if (::geteuid() == 0 && ::stat(db_path.c_str(), &old_stat) == 0 &&
            ::chown(tmp.c_str(), old_stat.st_uid, old_stat.st_gid) != 0) {
            remove_quietly(tmp);
            throw StorageError(fmt::format("cannot give '{}' the owner of '{}': {}", tmp, db_path,
                                           std::strerror(errno)));
        }
        // Fold the old WAL into the main file so that the kept copy is one file; when the old
        // database is damaged this may fail, and its -wal file is kept next to it instead.
        try {
            SQLite::Database old(db_path, SQLite::OPEN_READWRITE, 5000);
            old.exec("PRAGMA wal_checkpoint(TRUNCATE)");
        } catch (const SQLite::Exception&) {
        }
        info.previous = db_path + ".before-restore-" + stamp;
        // Never overwrite an earlier kept copy (two restores within the same second).
        for (int n = 2; fs::exists(info.previous, ec); ++n)
            info.previous = fmt::format("{}.before-restore-{}-{}", db_path, stamp, n);
        rename_or_throw(db_path, info.previous);
        if (fs::exists(db_path + "-wal", ec))
            rename_or_throw(db_path + "-wal", info.previous + "-wal");
    }
    remove_quietly(db_path + "-wal");
    remove_quietly(db_path + "-shm");
    remove_quietly(db_path + "-journal");
    rename_or_throw(tmp, db_path);
    sync_path(dir, true);
    info.restored.path = db_path;
    info.restored.bytes = file_size(db_path);
    return info;
}

std::optional<ServeLock> ServeLock::try_acquire(const std::string& db_path) {
    std::string path = db_path + ".lock";
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0)
        throw StorageError(
            fmt::format("cannot create lock file '{}': {}", path, std::strerror(errno)));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        const int saved = errno;
        ::close(fd);
        if (saved == EWOULDBLOCK) return std::nullopt;
        throw StorageError(fmt::format("cannot lock '{}': {}", path, std::strerror(saved)));
    }
    return ServeLock(fd, std::move(path));
}

ServeLock::~ServeLock() {
    if (fd_ >= 0) ::close(fd_);  // closing the descriptor releases the flock
}

}  // namespace tcns::storage
