#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "storage/database.hpp"

namespace tcns::bot {

/// Runs database writes on one dedicated connection and commits them in groups (group commit):
/// jobs that arrive while a commit is in progress share the next transaction and its fsync.
/// run() returns (and submit()'s `done` runs) only after the transaction containing the job is
/// on disk, so a webhook answered 200 after it is durable (DESIGN.md decision 1), across power
/// loss too. A job that throws is rolled back alone and its exception rethrown to its caller:
/// each job runs in its own savepoint, except in a batch whose jobs may all run twice
/// (Rerun::kYes), which shares the transaction without savepoints and, when one of its jobs
/// throws, is rolled back whole and run again with a savepoint per job. Jobs run in submission
/// order, so one user's events are applied in arrival order.
///
/// The fsync is not on the writer's path: the writer commits with `synchronous = NORMAL` (the
/// WAL is written, not synced) and goes on with the next batch, while a syncer thread calls
/// fdatasync() on the WAL file and only then reports the batches committed before that call
/// began. When nothing waits for the writer and the syncer is idle, the writer syncs itself (one
/// thread hand-off fewer for a quiet server). Frames written before fdatasync() starts are on disk
/// when it returns, and SQLite's recovery keeps every committed transaction whose frames are; a
/// checkpoint syncs the WAL itself first. A failed fdatasync() stops the queue (fail closed:
/// nothing more is acknowledged). For a database without a WAL file (":memory:") the writer reports
/// at commit.
class WriteQueue {
  public:
    struct Stats {
        std::uint64_t jobs = 0;
        std::uint64_t commits = 0;
        std::uint64_t reruns = 0;  ///< batches run again with a savepoint per job
    };

    /// Whether a job may run a second time (Rerun::kYes): everything it does is in the database,
    /// which is rolled back before it runs again, or is reset when it starts. Such jobs skip the
    /// savepoint, for which SQLite copies every page the job is first to change in the batch to a
    /// sub-journal (about 16,000 of the writer's 173,000 instructions a webhook, callgrind).
    enum class Rerun { kNo, kYes };

    explicit WriteQueue(const std::string& db_path, std::size_t max_batch = 512);
    ~WriteQueue();
    WriteQueue(const WriteQueue&) = delete;
    WriteQueue& operator=(const WriteQueue&) = delete;

    /// Runs `job` on the writer connection; blocks until its transaction committed.
    /// Rethrows what the job threw, or a storage::StorageError when the commit failed.
    void run(std::function<void(storage::Database&)> job, Rerun rerun = Rerun::kNo);
    /// Queues `job` without waiting. `done` runs on the writer thread once the job's transaction
    /// committed (with nullptr) or failed (with what the job threw, or the commit error); it
    /// must be quick and must not throw. Throws storage::StorageError when stopped.
    using Done = std::function<void(std::exception_ptr)>;
    void submit(std::function<void(storage::Database&)> job, Done done, Rerun rerun = Rerun::kNo);
    /// Stops after finishing the queued jobs.
    void stop();
    Stats stats() const;

  private:
    struct Job {
        std::function<void(storage::Database&)> fn;
        Done done;
        Rerun rerun = Rerun::kNo;
    };
    /// A committed batch waiting for the WAL to reach the disk.
    struct Committed {
        std::vector<Done> done;
        std::vector<std::exception_ptr> errors;
    };
    void loop();
    void sync_loop();
    /// fdatasync() of the WAL file, reopened when SQLite replaced it; false when it failed.
    bool sync_wal(std::string& error);
    /// Records a failed sync (the queue refuses new jobs) and returns the callers' error.
    std::exception_ptr sync_failure(const std::string& error);

    std::string db_path_;
    std::size_t max_batch_;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::deque<std::unique_ptr<Job>> queue_;
    bool stopping_ = false;
    bool writer_waiting_ = false;
    Stats stats_;
    std::promise<void> ready_;
    std::exception_ptr open_error_;
    std::thread thread_;

    bool async_sync_ = false;  ///< set by the writer thread before ready_
    std::mutex sync_mu_;
    std::condition_variable sync_cv_;
    std::vector<Committed> to_sync_;
    bool sync_stopping_ = false;
    bool syncing_ = false;     ///< under sync_mu_: an fdatasync (writer's or syncer's) in progress
    std::string sync_failed_;  ///< under mu_: why the queue refuses new jobs
    int wal_fd_ = -1;
    std::thread syncer_;
};

}  // namespace tcns::bot
