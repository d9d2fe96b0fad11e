#include "bot/write_queue.hpp"

#include <pthread.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <vector>

namespace tcns::bot {

WriteQueue::WriteQueue(const std::string& db_path, std::size_t max_batch)
    : db_path_(db_path), max_batch_(max_batch == 0 ? 1 : max_batch) {
    auto ready = ready_.get_future();
    thread_ = std::thread([this] {
        pthread_setname_np(pthread_self(), "tcns-writer");  // seen in top -H, perf, gdb
        loop();
    });
    ready.get();  // rethrows when the database cannot be opened
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
}

WriteQueue::Stats WriteQueue::stats() const {
    std::lock_guard lock(mu_);
    return stats_;
}

void WriteQueue::run(std::function<void(storage::Database&)> job) {
    std::promise<void> committed;
    auto done = committed.get_future();
    submit(std::move(job), [&committed](std::exception_ptr e) {
        if (e)
            committed.set_exception(e);
        else
            committed.set_value();
    });
    done.get();
}

void WriteQueue::submit(std::function<void(storage::Database&)> job, Done done) {
    auto j = std::make_unique<Job>();
    j->fn = std::move(job);
    j->done = std::move(done);
    bool wake = false;
    {
        std::lock_guard lock(mu_);
        if (stopping_) throw storage::StorageError("the write queue is stopped");
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
        try {
            // Prepared once (sqlite3_exec would compile the text on every job).
            db->cached("BEGIN IMMEDIATE").exec();
            for (std::size_t i = 0; i < batch.size(); ++i) {
                db->cached("SAVEPOINT job").exec();
                try {
                    batch[i]->fn(*db);
                    db->cached("RELEASE job").exec();
                } catch (...) {
                    errors[i] = std::current_exception();
                    db->reset_cached();
                    db->cached("ROLLBACK TO job").exec();
                    db->cached("RELEASE job").exec();
                }
            }
            db->reset_cached();
            db->cached("COMMIT").exec();
        } catch (const std::exception& e) {
            commit_error = std::make_exception_ptr(
                storage::StorageError(std::string("group commit failed: ") + e.what()));
            db->reset_cached();
            try {
                db->handle().exec("ROLLBACK");
            } catch (...) {
            }
        }
        {
            std::lock_guard lock(mu_);
            stats_.jobs += batch.size();
            stats_.commits += 1;
        }
        for (std::size_t i = 0; i < batch.size(); ++i)
            batch[i]->done(commit_error ? commit_error : errors[i]);
        batch.clear();
    }
}

}  // namespace tcns::bot
