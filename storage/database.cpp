#include "storage/database.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>

#include "storage/facts_cache.hpp"
#include "storage/migrations.hpp"

namespace tcns::storage {

Database::Database(const std::string& path) : Database(path, Options{}) {}

Database::Database(const std::string& path, Options options) : path_(path) {
    try {
        const int flags = options.read_only ? SQLite::OPEN_READONLY
                                            : (SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
        db_ = std::make_unique<SQLite::Database>(path, flags | SQLite::OPEN_NOMUTEX,
                                                 options.busy_timeout_ms);
        if (!options.read_only) db_->exec("PRAGMA journal_mode = WAL");
        // FULL keeps "acknowledged => durable" across power loss, not only process crashes.
        db_->exec("PRAGMA synchronous = FULL");
        db_->exec("PRAGMA foreign_keys = ON");
        db_->exec("PRAGMA temp_store = MEMORY");
    } catch (const SQLite::Exception& e) {
        throw StorageError(fmt::format("cannot open database '{}': {}", path, e.what()));
    }
    if (options.migrate && !options.read_only) migrate();
}

Database::~Database() {
    by_address_.clear();
    statements_.clear();  // statements must be finalised before the connection closes
}

void Database::reset_cached() noexcept {
    for (auto& [sql, st] : statements_) {
        try {
            st->reset();
        } catch (...) {
        }
    }
}

SQLite::Statement& Database::cached(std::string_view sql) {
    auto it = statements_.find(sql);
    if (it == statements_.end()) {
        std::string text(sql);
        auto st = std::make_unique<SQLite::Statement>(*db_, text);
        it = statements_.emplace(std::move(text), std::move(st)).first;
    } else {
        it->second->reset();
        it->second->clearBindings();
    }
    return *it->second;
}

SQLite::Statement& Database::cached_literal(const char* sql, std::size_t size) {
    if (auto it = by_address_.find(sql); it != by_address_.end()) {
        it->second->reset();
        it->second->clearBindings();
        return *it->second;
    }
    SQLite::Statement& st = cached(std::string_view(sql, size));
    by_address_.emplace(sql, &st);
    return st;
}

void Database::enable_facts_cache() {
    if (!facts_) facts_ = std::make_unique<FactsCache>();
}

void Database::refresh_facts_cache() {
    if (!facts_) return;
    auto& q = cached("PRAGMA data_version");
    const std::int64_t v = q.executeStep() ? q.getColumn(0).getInt64() : -1;
    q.reset();
    if (v != data_version_) facts_->clear();
    data_version_ = v;
}

int Database::latest_version() {
    return migrations().empty() ? 0 : migrations().back().version;
}

int Database::schema_version() {
    try {
        if (!db_->tableExists("schema_migrations")) return 0;
        return db_->execAndGet("SELECT ifnull(max(version), 0) FROM schema_migrations").getInt();
    } catch (const SQLite::Exception& e) {
        throw StorageError(fmt::format("cannot read schema version: {}", e.what()));
    }
}

int Database::migrate() {
    try {
        SQLite::Transaction tx(*db_, SQLite::TransactionBehavior::IMMEDIATE);
        db_->exec(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
            " applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')))");
        const int current =
            db_->execAndGet("SELECT ifnull(max(version), 0) FROM schema_migrations").getInt();
        if (current > latest_version()) {
            throw StorageError(fmt::format(
                "database '{}' has schema version {}, newer than this build knows ({}); "
                "upgrade tcns",
                path_, current, latest_version()));
        }
        int applied = 0;
        for (const Migration& m : migrations()) {
            if (m.version <= current) continue;
            db_->exec(std::string(m.sql));
            SQLite::Statement ins(*db_,
                                  "INSERT INTO schema_migrations(version, name) VALUES (?, ?)");
            ins.bind(1, m.version);
            ins.bind(2, std::string(m.name));
            ins.exec();
            ++applied;
        }
        tx.commit();
        return applied;
    } catch (const SQLite::Exception& e) {
        throw StorageError(fmt::format("migration failed on '{}': {}", path_, e.what()));
    }
}

bool Database::ping() noexcept {
    try {
        return db_->execAndGet("SELECT 1").getInt() == 1;
    } catch (...) {
        return false;
    }
}

WriteTransaction::WriteTransaction(Database& db) : db_(db) {
    try {
        db_.handle().exec("BEGIN IMMEDIATE");
    } catch (const SQLite::Exception& e) {
        throw StorageError(fmt::format("cannot begin transaction: {}", e.what()));
    }
}

WriteTransaction::~WriteTransaction() {
    if (done_) return;
    db_.reset_cached();
    try {
        db_.handle().exec("ROLLBACK");
    } catch (...) {  // a destructor never throws
    }
}

void WriteTransaction::commit() {
    try {
        db_.reset_cached();
        db_.handle().exec("COMMIT");
        done_ = true;
    } catch (const SQLite::Exception& e) {
        throw StorageError(fmt::format("commit failed: {}", e.what()));
    }
}

}  // namespace tcns::storage
