#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

namespace SQLite {
class Database;
class Statement;
}  // namespace SQLite

namespace tcns::storage {

class FactsCache;

/// The one exception type of the storage layer (start-up failures and bugs only).
class StorageError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// An open tcns database: WAL, foreign keys on, busy timeout, migrations applied.
/// Not thread-safe: use one Database per thread.
class Database {
  public:
    struct Options {
        bool migrate = true;  ///< apply pending migrations on open
        int busy_timeout_ms = 5000;
        bool read_only = false;
    };

    explicit Database(const std::string& path);
    Database(const std::string& path, Options options);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    /// The underlying SQLiteCpp handle (for repositories in this library).
    SQLite::Database& handle() { return *db_; }
    const std::string& path() const { return path_; }

    /// Applies pending migrations in one transaction; returns how many were applied.
    int migrate();
    /// The highest applied migration number (0 for an empty database).
    int schema_version();
    /// The number of the newest migration this build knows.
    static int latest_version();
    /// True when a trivial query answers.
    bool ping() noexcept;

    /// A prepared statement for `sql`, compiled once per connection and reused (hot paths),
    /// reset and with its bindings cleared. Valid until the Database is destroyed; do not hold
    /// two uses of the same text at once. The hot paths bind text with bindNoCopy (no copy and
    /// no allocation per value): only a string that outlives the statement's execution, which
    /// its next cached() clears.
    SQLite::Statement& cached(std::string_view sql);
    /// The same for SQL written as a string literal, found by its address: the writer looks up
    /// a dozen statements per webhook. Only for literals (a char array whose text never changes).
    template <std::size_t N>
    SQLite::Statement& cached(const char (&sql)[N]) {
        return cached_literal(sql, N - 1);
    }
    /// Resets every cached statement. A statement left on a row keeps a read snapshot open,
    /// and a later write on this connection then fails with SQLITE_BUSY once another connection
    /// has committed: call this at the end of every unit of work (transactions do it).
    void reset_cached() noexcept;

    /// Keeps roster facts between transactions on this connection (the writer's; see
    /// FactsCache). Off by default: other connections always read the database.
    void enable_facts_cache();
    /// The cache when enabled, else null.
    FactsCache* facts_cache() { return facts_.get(); }
    /// Drops the cache when another connection committed since the last call (PRAGMA
    /// data_version). Call at the start of each write transaction.
    void refresh_facts_cache();

  private:
    SQLite::Statement& cached_literal(const char* sql, std::size_t size);

    std::string path_;
    std::unique_ptr<SQLite::Database> db_;
    /// Hashed by text and looked up without building a std::string: the writer looks up a
    /// dozen statements per webhook, and ordered lookups compared long, similar SQL texts.
    struct TextHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept {
            return std::hash<std::string_view>{}(s);
        }
    };
    std::unordered_map<std::string, std::unique_ptr<SQLite::Statement>, TextHash, std::equal_to<>>
        statements_;
    std::unordered_map<const char*, SQLite::Statement*> by_address_;
    std::unique_ptr<FactsCache> facts_;
    std::int64_t data_version_ = -1;
};

/// Runs `fn` inside BEGIN IMMEDIATE … COMMIT; rolls back when it throws.
template <class Fn>
auto with_transaction(Database& db, Fn&& fn) -> decltype(fn());

/// RAII write transaction taken with BEGIN IMMEDIATE (so two writers never deadlock
/// upgrading a read lock). Rolls back in the destructor unless committed; never throws there.
class WriteTransaction {
  public:
    explicit WriteTransaction(Database& db);
    ~WriteTransaction();
    WriteTransaction(const WriteTransaction&) = delete;
    WriteTransaction& operator=(const WriteTransaction&) = delete;
    void commit();

  private:
    Database& db_;
    bool done_ = false;
};

template <class Fn>
auto with_transaction(Database& db, Fn&& fn) -> decltype(fn()) {
    WriteTransaction tx(db);
    if constexpr (std::is_void_v<decltype(fn())>) {
        fn();
        tx.commit();
    } else {
        auto result = fn();
        tx.commit();
        return result;
    }
}

}  // namespace tcns::storage
