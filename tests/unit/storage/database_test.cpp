#include <SQLiteCpp/SQLiteCpp.h>
#include <catch2/catch.hpp>

#include <filesystem>

#include "storage/database.hpp"
#include "storage/period_repo.hpp"
#include "tests/support/temp_dir.hpp"

using namespace tcns;

TEST_CASE("a new database is created in WAL mode with every migration applied", "[db]") {
    test::TempDir dir;
    storage::Database db(dir.file("t.db"));
    CHECK(db.schema_version() == storage::Database::latest_version());
    CHECK(db.handle().execAndGet("PRAGMA journal_mode").getString() == "wal");
    CHECK(db.handle().execAndGet("PRAGMA foreign_keys").getInt() == 1);
    CHECK(db.handle().tableExists("units"));
    CHECK(db.handle().tableExists("outbox"));
    CHECK(db.ping());
}

TEST_CASE("migrating twice changes nothing", "[db]") {
    test::TempDir dir;
    { storage::Database db(dir.file("t.db")); }
    storage::Database db(dir.file("t.db"));
    CHECK(db.migrate() == 0);
    CHECK(db.handle().execAndGet("SELECT count(*) FROM schema_migrations").getInt() ==
          storage::Database::latest_version());
}

TEST_CASE("a database newer than the build is refused", "[db]") {
    test::TempDir dir;
    {
        storage::Database db(dir.file("t.db"));
        db.handle().exec("INSERT INTO schema_migrations(version, name) VALUES (999, 'future')");
    }
    CHECK_THROWS_AS(storage::Database(dir.file("t.db")), storage::StorageError);
}

TEST_CASE("foreign keys are enforced", "[db]") {
    test::TempDir dir;
    storage::Database db(dir.file("t.db"));
    CHECK_THROWS(
        db.handle().exec("INSERT INTO teams(code, unit_id, name) VALUES ('T1', 12345, 'Tổ 1')"));
}

TEST_CASE("a write transaction rolls back unless committed", "[db]") {
    test::TempDir dir;
    storage::Database db(dir.file("t.db"));
    {
        storage::WriteTransaction tx(db);
        db.handle().exec("INSERT INTO settings(key, value) VALUES ('a', '1')");
    }
    CHECK(db.handle().execAndGet("SELECT count(*) FROM settings").getInt() == 0);
    storage::with_transaction(
        db, [&] { db.handle().exec("INSERT INTO settings(key, value) VALUES ('a', '1')"); });
    CHECK(db.handle().execAndGet("SELECT count(*) FROM settings").getInt() == 1);
}

TEST_CASE("a period extension is stored and replaces the default deadline", "[db][period]") {
    test::TempDir dir;
    storage::Database db(dir.file("t.db"));
    storage::PeriodRepo periods(db);
    const core::MonthPeriod nov{2026, 11};
    CHECK(periods.deadline(nov) == core::default_monthly_deadline(nov));
    const auto until = *core::parse_extension_until("2026-12-02");
    periods.set_extension(nov, until, core::from_unix(0));
    CHECK(periods.deadline(nov) == until);
    periods.set_extension(nov, until + std::chrono::hours(24), core::from_unix(0));
    CHECK(periods.deadline(nov) == until + std::chrono::hours(24));
    periods.clear_extension(nov);
    CHECK(periods.deadline(nov) == core::default_monthly_deadline(nov));
}

#include "storage/outbox_repo.hpp"

TEST_CASE("the outbox refuses a second row with the same idempotency key", "[db][outbox]") {
    test::TempDir dir;
    storage::Database db(dir.file("t.db"));
    storage::OutboxRepo outbox(db);
    storage::OutboxItem item;
    item.channel = "viber";
    item.recipient = "u1";
    item.kind = "reminder";
    item.message = {"Nhắc nộp báo cáo", {{"Báo cáo", "bc"}}};
    item.idem_key = "remind:1:2026-11:d-5";
    const auto now = core::from_unix(1'800'000'000);
    CHECK(outbox.enqueue(item, now));
    CHECK_FALSE(outbox.enqueue(item, now));
    item.idem_key.reset();
    CHECK(outbox.enqueue(item, now));
    CHECK(outbox.enqueue(item, now));  // replies without a key are never deduplicated
    CHECK(db.handle().execAndGet("SELECT count(*) FROM outbox").getInt() == 3);
    const auto payload = db.handle().execAndGet("SELECT payload FROM outbox LIMIT 1").getString();
    CHECK(storage::OutboxRepo::decode(payload) == item.message);
}
