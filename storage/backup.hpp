#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "storage/database.hpp"

namespace tcns::storage {

/// What a backup or restore produced.
struct BackupInfo {
    std::string path;
    int schema_version = 0;
    std::int64_t bytes = 0;
};

/// Copies the database at `db_path` into `dest` while other connections keep writing: SQLite's
/// online backup API reads one consistent snapshot (WAL readers never block writers). The copy
/// goes to `dest`.tmp, is checked with PRAGMA integrity_check, fsynced and renamed over `dest`,
/// so `dest` is either the old file or a complete new copy. Creates missing parent
/// directories. Throws StorageError.
BackupInfo backup_database(const std::string& db_path, const std::string& dest);

/// Checks that `path` is a usable tcns database: integrity_check answers "ok" and its schema
/// version is between 1 and the newest this build knows. Returns the schema version; throws
/// StorageError saying what is wrong.
int verify_backup(const std::string& path);

/// Replaces the database at `db_path` with the backup `backup_path` after verify_backup. The
/// old database (with its -wal file, checkpointed first when possible) is kept as
/// `<db>.before-restore-<stamp>`; its path is returned in `previous` (empty when there was
/// none). The caller must hold the ServeLock. Throws StorageError.
struct RestoreInfo {
    BackupInfo restored;
    std::string previous;
};
RestoreInfo restore_database(const std::string& backup_path, const std::string& db_path,
                             const std::string& stamp);

/// An exclusive advisory lock (flock) on `<db>.lock`: `serve` holds it for its whole life, so
/// `restore` can tell that a server is using the database. Released when the object dies (or
/// the process ends, however it ends).
class ServeLock {
  public:
    /// Takes the lock without waiting; nullopt when another process holds it. Throws
    /// StorageError when the lock file cannot be created.
    static std::optional<ServeLock> try_acquire(const std::string& db_path);
    ~ServeLock();
    ServeLock(ServeLock&& other) noexcept : fd_(other.fd_), path_(std::move(other.path_)) {
        other.fd_ = -1;
    }
    ServeLock& operator=(ServeLock&&) = delete;
    ServeLock(const ServeLock&) = delete;
    ServeLock& operator=(const ServeLock&) = delete;
    const std::string& path() const { return path_; }

  private:
    ServeLock(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
    int fd_ = -1;
    std::string path_;
};

}  // namespace tcns::storage
