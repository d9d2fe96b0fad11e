#include "bot/http/health.hpp"

#include <sys/statvfs.h>

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "storage/database.hpp"

namespace tcns::bot {

namespace heartbeat {
namespace {
struct Entry {
    std::chrono::steady_clock::time_point last;
    std::chrono::seconds max_age;
};
std::mutex g_mu;
std::map<std::string, Entry, std::less<>>& entries() {
    static std::map<std::string, Entry, std::less<>> m;
    return m;
}
}  // namespace

void expect(std::string_view component, std::chrono::seconds max_age) {
    std::lock_guard lock(g_mu);
    entries()[std::string(component)] = Entry{std::chrono::steady_clock::now(), max_age};
}

void forget(std::string_view component) {
    std::lock_guard lock(g_mu);
    if (auto it = entries().find(component); it != entries().end()) entries().erase(it);
}

void beat(std::string_view component) {
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(g_mu);
    // Only declared components are tracked: a dispatcher of a test or a CLI command beats
    // for nobody.
    if (auto it = entries().find(component); it != entries().end()) it->second.last = now;
}

void reset() {
    std::lock_guard lock(g_mu);
    entries().clear();
}

/// Each declared component with the seconds since its last beat.
std::vector<std::pair<std::string, Entry>> snapshot() {
    std::lock_guard lock(g_mu);
    return {entries().begin(), entries().end()};
}
}  // namespace heartbeat

namespace {

std::string database_dir(const std::string& db_path) {
    std::error_code ec;
    auto dir = std::filesystem::absolute(db_path, ec).parent_path();
    return dir.empty() ? std::string(".") : dir.string();
}

/// Free space and the read-only flag of the filesystem holding the database.
void check_disk(const std::string& db_path, const HealthConfig& config, nlohmann::json& checks,
                std::vector<std::string>& problems) {
    const std::string dir = database_dir(db_path);
    struct statvfs st {};
    if (::statvfs(dir.c_str(), &st) != 0) {
        checks["disk"] = {{"status", "error"}, {"error", std::strerror(errno)}};
        problems.push_back(fmt::format("disk: cannot stat {}: {}", dir, std::strerror(errno)));
        return;
    }
    const std::uint64_t free_bytes = static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize;
    const std::uint64_t min_bytes = static_cast<std::uint64_t>(config.min_free_disk_mb) << 20;
    const bool read_only = (st.f_flag & ST_RDONLY) != 0;
    nlohmann::json d = {{"path", dir},
                        {"free_mb", free_bytes / (1024 * 1024)},
                        {"min_free_mb", config.min_free_disk_mb},
                        {"read_only", read_only}};
    if (read_only) {
        d["status"] = "error";
        problems.push_back(fmt::format("disk: {} is mounted read-only", dir));
    } else if (free_bytes < min_bytes) {
        d["status"] = "error";
        problems.push_back(fmt::format("disk: {} MB free under {}, below the {} MB threshold",
                                       free_bytes / (1024 * 1024), dir, config.min_free_disk_mb));
    } else {
        d["status"] = "ok";
    }
    checks["disk"] = std::move(d);
}

/// Commits one tiny write: a full, read-only or locked database fails here as every webhook
/// would (a write that is rolled back never reaches the disk, so it would not tell).
void check_database(storage::Database& db, std::int64_t now_unix, nlohmann::json& checks,
                    std::vector<std::string>& problems) {
    try {
        auto& h = db.handle();
        h.exec("BEGIN IMMEDIATE");
        try {
            SQLite::Statement up(h,
                                 "INSERT INTO health_probe(id, at) VALUES (1, ?1) "
                                 "ON CONFLICT(id) DO UPDATE SET at = excluded.at");
            up.bind(1, now_unix);
            up.exec();
            h.exec("COMMIT");
        } catch (...) {
            try {
                h.exec("ROLLBACK");
            } catch (...) {
            }
            throw;
        }
        checks["database"] = {{"status", "ok"}, {"schema", db.schema_version()}};
    } catch (const std::exception& e) {
        checks["database"] = {{"status", "error"}, {"error", e.what()}};
        problems.push_back(fmt::format("database: cannot commit a write: {}", e.what()));
    }
}

void check_threads(nlohmann::json& checks, std::vector<std::string>& problems) {
    const auto now = std::chrono::steady_clock::now();
    nlohmann::json t = nlohmann::json::object();
    for (const auto& [name, e] : heartbeat::snapshot()) {
        const auto age = std::chrono::duration_cast<std::chrono::seconds>(now - e.last).count();
        const bool ok = age <= e.max_age.count();
        t[name] = {{"status", ok ? "ok" : "error"},
                   {"last_beat_s", age},
                   {"max_age_s", e.max_age.count()}};
        if (!ok)
            problems.push_back(fmt::format("{}: no heartbeat for {} s (expected every {} s)", name,
                                           age, e.max_age.count()));
    }
    checks["threads"] = std::move(t);
}

void check_outbox(storage::Database& db, const HealthConfig& config, std::int64_t now_unix,
                  nlohmann::json& checks, std::vector<std::string>& problems) {
    try {
        SQLite::Statement q(db.handle(),
                            "SELECT min(next_attempt_at), count(*) FROM outbox "
                            "WHERE status = 'pending' AND next_attempt_at <= ?1");
        q.bind(1, now_unix);
        q.executeStep();
        const std::int64_t age = q.getColumn(0).isNull() ? 0 : now_unix - q.getColumn(0).getInt64();
        const std::int64_t due = q.getColumn(1).getInt64();
        const bool ok = age <= config.outbox_stuck_seconds;
        checks["outbox"] = {{"status", ok ? "ok" : "error"},
                            {"due", due},
                            {"oldest_due_age_s", age},
                            {"max_age_s", config.outbox_stuck_seconds}};
        if (!ok)
            problems.push_back(
                fmt::format("outbox: a due reply has waited {} s (threshold {} s); {} due", age,
                            config.outbox_stuck_seconds, due));
    } catch (const std::exception& e) {
        checks["outbox"] = {{"status", "error"}, {"error", e.what()}};
        problems.push_back(fmt::format("outbox: cannot read: {}", e.what()));
    }
}

HealthResult finish(nlohmann::json checks, const std::vector<std::string>& problems) {
    HealthResult r;
    r.status = problems.empty() ? 200 : 503;
    r.body = {{"status", problems.empty() ? "ok" : "unavailable"},
              {"checks", std::move(checks)},
              {"problems", problems}};
    return r;
}

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

HealthResult check_readiness(storage::Database& db, const HealthConfig& config,
                             std::int64_t now_unix) {
    nlohmann::json checks = nlohmann::json::object();
    std::vector<std::string> problems;
    check_disk(db.path(), config, checks, problems);
    check_database(db, now_unix, checks, problems);
    check_threads(checks, problems);
    check_outbox(db, config, now_unix, checks, problems);
    return finish(std::move(checks), problems);
}

HealthResult check_readiness(const std::string& db_path, const HealthConfig& config) {
    // A fresh connection per probe: one that met an I/O error (disk full, remounted
    // read-only) may stay broken after the cause is gone, and the answer must recover with it.
    std::unique_ptr<storage::Database> db;
    try {
        storage::Database::Options o;
        o.migrate = false;
        o.busy_timeout_ms = 1000;  // a probe answers within seconds even when locked
        db = std::make_unique<storage::Database>(db_path, o);
    } catch (const std::exception& e) {
        nlohmann::json checks = nlohmann::json::object();
        std::vector<std::string> problems;
        check_disk(db_path, config, checks, problems);
        checks["database"] = {{"status", "error"}, {"error", e.what()}};
        problems.push_back(fmt::format("database: cannot open: {}", e.what()));
        check_threads(checks, problems);
        return finish(std::move(checks), problems);
    }
    return check_readiness(*db, config, unix_now());
}

}  // namespace tcns::bot
