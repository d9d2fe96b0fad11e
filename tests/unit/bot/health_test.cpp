#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "bot/http/health.hpp"
#include "storage/database.hpp"
#include "tests/support/temp_dir.hpp"

using namespace tcns;
using bot::HealthConfig;

namespace {

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string problems_of(const bot::HealthResult& r) {
    return r.body["problems"].dump();
}

}  // namespace

TEST_CASE("readiness passes on a writable database with room and no backlog", "[health]") {
    bot::heartbeat::reset();
    test::TempDir dir;
    { storage::Database db(dir.file("t.db")); }
    HealthConfig hc;
    hc.min_free_disk_mb = 1;
    const auto r = bot::check_readiness(dir.file("t.db"), hc);
    INFO(r.body.dump());
    CHECK(r.status == 200);
    CHECK(r.body["status"] == "ok");
    CHECK(r.body["checks"]["database"]["status"] == "ok");
    CHECK(r.body["checks"]["disk"]["status"] == "ok");
    CHECK(r.body["checks"]["outbox"]["status"] == "ok");
    CHECK(r.body["problems"].empty());
    // The probe committed its row.
    SQLite::Database raw(dir.file("t.db"), SQLite::OPEN_READONLY);
    CHECK(raw.execAndGet("SELECT count(*) FROM health_probe").getInt() == 1);
}

TEST_CASE("readiness fails naming the disk when free space is below the threshold", "[health]") {
    bot::heartbeat::reset();
    test::TempDir dir;
    { storage::Database db(dir.file("t.db")); }
    HealthConfig hc;
    hc.min_free_disk_mb = 1 << 24;  // 16 TB
    const auto r = bot::check_readiness(dir.file("t.db"), hc);
    CHECK(r.status == 503);
    CHECK(r.body["status"] == "unavailable");
    CHECK(r.body["checks"]["disk"]["status"] == "error");
    CHECK_THAT(problems_of(r), Catch::Contains("below the 16777216 MB threshold"));
}

TEST_CASE("readiness fails naming the database when it cannot commit a write", "[health]") {
    bot::heartbeat::reset();
    test::TempDir dir;
    { storage::Database db(dir.file("t.db")); }
    // Another connection holds the write lock longer than the probe's busy timeout (1 s).
    SQLite::Database holder(dir.file("t.db"), SQLite::OPEN_READWRITE);
    holder.exec("BEGIN IMMEDIATE");
    HealthConfig hc;
    hc.min_free_disk_mb = 1;
    const auto started = std::chrono::steady_clock::now();
    const auto r = bot::check_readiness(dir.file("t.db"), hc);
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(3));
    holder.exec("ROLLBACK");
    CHECK(r.status == 503);
    CHECK(r.body["checks"]["database"]["status"] == "error");
    CHECK_THAT(problems_of(r), Catch::Contains("database: cannot commit a write"));
    CHECK(bot::check_readiness(dir.file("t.db"), hc).status == 200);
}

TEST_CASE("readiness fails naming a thread that stopped beating", "[health]") {
    bot::heartbeat::reset();
    test::TempDir dir;
    { storage::Database db(dir.file("t.db")); }
    HealthConfig hc;
    hc.min_free_disk_mb = 1;
    bot::heartbeat::expect("dispatcher", std::chrono::seconds(60));
    bot::heartbeat::expect("scheduler", std::chrono::seconds(0));
    bot::heartbeat::beat("unknown");  // never declared: ignored
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    bot::heartbeat::beat("dispatcher");
    auto r = bot::check_readiness(dir.file("t.db"), hc);
    CHECK(r.status == 503);
    CHECK(r.body["checks"]["threads"]["dispatcher"]["status"] == "ok");
    CHECK(r.body["checks"]["threads"]["scheduler"]["status"] == "error");
    CHECK_THAT(problems_of(r), Catch::Contains("scheduler: no heartbeat for 1 s"));
    CHECK_FALSE(r.body["checks"]["threads"].contains("unknown"));
    bot::heartbeat::forget("scheduler");
    r = bot::check_readiness(dir.file("t.db"), hc);
    CHECK(r.status == 200);
    bot::heartbeat::reset();
}

TEST_CASE("readiness fails naming the outbox when a due reply waits too long", "[health]") {
    bot::heartbeat::reset();
    test::TempDir dir;
    storage::Database db(dir.file("t.db"));
    const auto now = unix_now();
    SQLite::Statement ins(db.handle(),
                          "INSERT INTO outbox(channel, recipient, payload, next_attempt_at, "
                          "created_at, updated_at) VALUES ('viber', 'u1', '{}', ?1, ?1, ?1)");
    ins.bind(1, now - 100);
    ins.exec();
    HealthConfig hc;
    hc.min_free_disk_mb = 1;
    hc.outbox_stuck_seconds = 600;
    CHECK(bot::check_readiness(db, hc, now).status == 200);  // due for 100 s: draining
    // A row backed off into the future is not stuck (an outage): only due rows count.
    SQLite::Statement later(db.handle(),
                            "INSERT INTO outbox(channel, recipient, payload, next_attempt_at, "
                            "created_at, updated_at) VALUES ('viber', 'u2', '{}', ?1, ?2, ?2)");
    later.bind(1, now + 3600);
    later.bind(2, now - 7200);
    later.exec();
    CHECK(bot::check_readiness(db, hc, now).status == 200);
    const auto r = bot::check_readiness(db, hc, now + 900);
    CHECK(r.status == 503);
    CHECK(r.body["checks"]["outbox"]["oldest_due_age_s"] == 1000);
    CHECK_THAT(problems_of(r), Catch::Contains("outbox: a due reply has waited 1000 s"));
}

TEST_CASE("readiness names a database that cannot be opened", "[health]") {
    bot::heartbeat::reset();
    test::TempDir dir;
    HealthConfig hc;
    hc.min_free_disk_mb = 1;
    const auto r = bot::check_readiness(dir.file("missing/t.db"), hc);
    CHECK(r.status == 503);
    CHECK(r.body["checks"]["database"]["status"] == "error");
}
