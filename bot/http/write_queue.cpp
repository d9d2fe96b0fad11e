#include "bot/http/write_queue.hpp"

#include <pthread.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "bot/log.hpp"
#include "storage/facts_cache.hpp"

namespace tcns::bot {

namespace {
constexpr int kWalCheckpointPages = 300;

/// Ends the open transaction without keeping anything: the cached statements are reset and the
/// facts read inside it dropped. SQLite may have rolled back already (a full disk).
void roll_back(storage::Database& db) noexcept {
    db.reset_cached();
    if (auto* cache = db.facts_cache()) cache->clear();
    try {
        db.handle().exec("ROLLBACK");
    } catch (...) {
    }
}
}  // namespace

WriteQueue::WriteQueue(const std::string& db_path, std::size_t max_batch)
    : db_path_(db_path), max_batch_(max_batch == 0 ? 1 : max_batch) {
    auto ready = ready_.get_future();
    thread_ = std::thread([this] {
        pthread_setname_np(pthread_self(), "tcns-writer");  // seen in top -H, perf, gdb
        loop();
    });
    ready.get();  // rethrows when the database cannot be opened
    if (async_sync_)
        syncer_ = std::thread([this] {
            pthread_setname_np(pthread_self(), "tcns-sync");
            sync_loop();
        });
}

WriteQueue::~WriteQueue() {
    stop();
}

void WriteQueue::stop() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    {
        std::lock_guard lock(sync_mu_);
        sync_stopping_ = true;
    }
    sync_cv_.notify_all();
    if (syncer_.joinable()) syncer_.join();
    if (wal_fd_ >= 0) ::close(wal_fd_);
    wal_fd_ = -1;
}

WriteQueue::Stats WriteQueue::stats() const {
    std::lock_guard lock(mu_);
    return stats_;
}

void WriteQueue::run(std::function<void(storage::Database&)> job, Rerun rerun) {
    std::promise<void> committed;
    auto done = committed.get_future();
    submit(
        std::move(job),
        [&committed](std::exception_ptr e) {
            if (e)
                committed.set_exception(e);
            else
                committed.set_value();
        },
        rerun);
    done.get();
}

void WriteQueue::submit(std::function<void(storage::Database&)> job, Done done, Rerun rerun) {
    auto j = std::make_unique<Job>();
    j->fn = std::move(job);
    j->done = std::move(done);
    j->rerun = rerun;
    bool wake = false;
    {
        std::lock_guard lock(mu_);
        if (stopping_) throw storage::StorageError("the write queue is stopped");
        if (!sync_failed_.empty()) throw storage::StorageError(sync_failed_);
        queue_.push_back(std::move(j));
        // A writer busy with a batch finds this job when it looks again: no wake-up syscall.
        wake = writer_waiting_;
    }
    if (wake) cv_.notify_one();
}

void WriteQueue::loop() {
    std::unique_ptr<storage::Database> db;
    try {
        storage::Database::Options o;
        o.migrate = false;
        db = std::make_unique<storage::Database>(db_path_, o);
        const std::string mode = db->handle().execAndGet("PRAGMA journal_mode").getString();
        async_sync_ = mode == "wal" && db_path_ != ":memory:" && !db_path_.empty();
        // The syncer makes commits durable (see the class comment).
        if (async_sync_) db->handle().exec("PRAGMA synchronous = NORMAL");
        // SQLite checkpoints inside the COMMIT that takes the WAL past this many pages: it syncs
        // the WAL, copies the pages and syncs the database file while no webhook is answered.
        // 300 pages instead of SQLite's 1,000 makes each of those pauses about a third as long
        // (the WAL is then about 1.2 MB). tests/bench/run.sh's load, five paired runs: p99
        // 8.7 ms against 10.5 ms on average, throughput within the runs' noise (-1 %). At a real
        // month-end's tens of webhooks a second it is a checkpoint every few seconds.
        db->handle().exec("PRAGMA wal_autocheckpoint = " + std::to_string(kWalCheckpointPages));
        db->enable_facts_cache();
        ready_.set_value();
    } catch (...) {
        ready_.set_exception(std::current_exception());
        return;
    }
    std::vector<std::unique_ptr<Job>> batch;
    while (true) {
        {
            std::unique_lock lock(mu_);
            writer_waiting_ = true;
            cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            writer_waiting_ = false;
            if (queue_.empty() && stopping_) break;
            while (!queue_.empty() && batch.size() < max_batch_) {
                batch.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
        }
        std::vector<std::exception_ptr> errors(batch.size());
        std::exception_ptr commit_error;
        // Prepared once (sqlite3_exec would compile the text on every job).
        const auto begin = [&] {
            db->cached("BEGIN IMMEDIATE").exec();
            db->refresh_facts_cache();  // no other connection can commit until our COMMIT
        };
        try {
            begin();
            // A batch of jobs that may run again shares the transaction without a savepoint
            // each; any other batch, and one of those in which a job threw, runs with a
            // savepoint per job.
            bool guarded = !std::all_of(batch.begin(), batch.end(),
                                        [](const auto& j) { return j->rerun == Rerun::kYes; });
            if (!guarded) {
                bool threw = false;
                try {
                    for (auto& j : batch) j->fn(*db);
                } catch (...) {
                    threw = true;
                }
                if (threw) {
                    // Undo the whole batch and run it again, each job in its savepoint, so that
                    // only the job that throws is rolled back.
                    roll_back(*db);
                    {
                        std::lock_guard lock(mu_);
                        ++stats_.reruns;
                    }
                    begin();
                    guarded = true;
                }
            }
            if (guarded) {
                for (std::size_t i = 0; i < batch.size(); ++i) {
                    db->cached("SAVEPOINT job").exec();
                    try {
                        batch[i]->fn(*db);
                        db->cached("RELEASE job").exec();
                    } catch (...) {
                        errors[i] = std::current_exception();
                        db->reset_cached();
                        // Facts read inside the rolled-back work must not outlive it.
                        if (auto* cache = db->facts_cache()) cache->clear();
                        db->cached("ROLLBACK TO job").exec();
                        db->cached("RELEASE job").exec();
                    }
                }
            }
            db->reset_cached();
            db->cached("COMMIT").exec();
        } catch (const std::exception& e) {
            commit_error = std::make_exception_ptr(
                storage::StorageError(std::string("group commit failed: ") + e.what()));
            roll_back(*db);
        }
        {
            std::lock_guard lock(mu_);
            stats_.jobs += batch.size();
            stats_.commits += 1;
        }
        bool inline_sync = false;
        if (async_sync_ && !commit_error) {
            // Nothing waits for the writer and the syncer is idle: sync here, one hand-off
            // fewer for a quiet server. Otherwise the syncer takes it and the writer goes on.
            bool idle = false;
            {
                std::lock_guard lock(mu_);
                idle = queue_.empty();
            }
            std::lock_guard lock(sync_mu_);
            inline_sync = idle && !syncing_ && to_sync_.empty();
            if (inline_sync) syncing_ = true;
        }
        if (inline_sync) {
            std::string error;
            const bool ok = sync_wal(error);
            {
                std::lock_guard lock(sync_mu_);
                syncing_ = false;
            }
            sync_cv_.notify_one();
            std::exception_ptr failed;
            if (!ok) failed = sync_failure(error);
            for (std::size_t i = 0; i < batch.size(); ++i)
                batch[i]->done(failed ? failed : errors[i]);
        } else if (async_sync_ && !commit_error) {
            Committed c;
            c.done.reserve(batch.size());
            for (auto& j : batch) c.done.push_back(std::move(j->done));
            c.errors = std::move(errors);
            {
                std::lock_guard lock(sync_mu_);
                to_sync_.push_back(std::move(c));
            }
            sync_cv_.notify_one();
        } else {
            for (std::size_t i = 0; i < batch.size(); ++i)
                batch[i]->done(commit_error ? commit_error : errors[i]);
        }
        batch.clear();
    }
}

bool WriteQueue::sync_wal(std::string& error) {
    const std::string wal = db_path_ + "-wal";
    // SQLite keeps the WAL file while a connection is open (the writer's is), but a tool that
    // switched the journal mode could have replaced it: sync the file that is there now.
    struct stat path_st {};
    struct stat fd_st {};
    if (wal_fd_ >= 0 && (::stat(wal.c_str(), &path_st) != 0 || ::fstat(wal_fd_, &fd_st) != 0 ||
                         path_st.st_ino != fd_st.st_ino || path_st.st_dev != fd_st.st_dev)) {
        ::close(wal_fd_);
        wal_fd_ = -1;
    }
    if (wal_fd_ < 0) wal_fd_ = ::open(wal.c_str(), O_RDONLY | O_CLOEXEC);
    if (wal_fd_ < 0) {
        error = "cannot open " + wal + ": " + std::strerror(errno);
        return false;
    }
    if (::fdatasync(wal_fd_) != 0) {
        error = "fdatasync of " + wal + " failed: " + std::strerror(errno);
        return false;
    }
    return true;
}

std::exception_ptr WriteQueue::sync_failure(const std::string& error) {
    // The commits may not be on disk: refuse to acknowledge anything from now on.
    log::error("write_queue.sync_failed", {{"error", error}});
    std::lock_guard lock(mu_);
    sync_failed_ = "the database could not be synced to disk (" + error +
                   "); restart tcns after checking the disk";
    return std::make_exception_ptr(storage::StorageError(error));
}

void WriteQueue::sync_loop() {
    std::vector<Committed> batches;
    while (true) {
        {
            std::unique_lock lock(sync_mu_);
            // Not while the writer syncs a batch itself (one fdatasync at a time on wal_fd_).
            sync_cv_.wait(lock, [&] { return (sync_stopping_ || !to_sync_.empty()) && !syncing_; });
            if (to_sync_.empty() && sync_stopping_) return;
            batches.swap(to_sync_);  // every batch here committed before this sync begins
            syncing_ = true;
        }
        std::string error;
        std::exception_ptr failed;
        if (!sync_wal(error)) failed = sync_failure(error);
        {
            std::lock_guard lock(sync_mu_);
            syncing_ = false;
        }
        for (auto& b : batches)
            for (std::size_t i = 0; i < b.done.size(); ++i)
                b.done[i](failed ? failed : b.errors[i]);
        batches.clear();
    }
}

}  // namespace tcns::bot
