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

#include "storage/database.hpp"

namespace tcns::bot {

/// Runs database writes on one dedicated connection and commits them in groups (group commit):
/// jobs that arrive while a commit is in progress share the next transaction and its fsync.
/// run() returns only after the transaction containing the job has committed, so a webhook
/// answered 200 after run() is durable (DESIGN.md decision 1). Each job runs in its own
/// savepoint: a job that throws is rolled back alone and its exception rethrown to its caller.
/// Jobs run in submission order, so one user's events are applied in arrival order.
class WriteQueue {
  public:
    struct Stats {
        std::uint64_t jobs = 0;
        std::uint64_t commits = 0;
    };

    explicit WriteQueue(const std::string& db_path, std::size_t max_batch = 512);
    ~WriteQueue();
    WriteQueue(const WriteQueue&) = delete;
    WriteQueue& operator=(const WriteQueue&) = delete;

    /// Runs `job` on the writer connection; blocks until its transaction committed.
    /// Rethrows what the job threw, or a storage::StorageError when the commit failed.
    void run(std::function<void(storage::Database&)> job);
    /// Queues `job` without waiting. `done` runs on the writer thread once the job's transaction
    /// committed (with nullptr) or failed (with what the job threw, or the commit error); it
    /// must be quick and must not throw. Throws storage::StorageError when stopped.
    using Done = std::function<void(std::exception_ptr)>;
    void submit(std::function<void(storage::Database&)> job, Done done);
    /// Stops after finishing the queued jobs.
    void stop();
    Stats stats() const;

  private:
    struct Job {
        std::function<void(storage::Database&)> fn;
        Done done;
    };
    void loop();

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
};

}  // namespace tcns::bot
