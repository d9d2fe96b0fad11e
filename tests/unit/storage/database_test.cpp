#include <SQLiteCpp/SQLiteCpp.h>
#include <catch2/catch.hpp>

#include <filesystem>

#include "storage/database.hpp"
#include "storage/migrations.hpp"
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
    // One row per migration (numbers may have gaps while branches are merged).
    CHECK(db.handle().execAndGet("SELECT count(*) FROM schema_migrations").getInt() ==
          static_cast<int>(storage::migrations().size()));
    CHECK(db.schema_version() == storage::Database::latest_version());
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

#include "storage/migrations.hpp"

namespace {

/// A database file at `path` as a build that knew migrations 1 to `last` left it.
void build_schema_up_to(const std::string& path, int last) {
    SQLite::Database raw(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    raw.exec(
        "CREATE TABLE schema_migrations ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
        " applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')))");
    for (const storage::Migration& m : storage::migrations()) {
        if (m.version > last) break;
        raw.exec(std::string(m.sql));
        SQLite::Statement ins(raw, "INSERT INTO schema_migrations(version, name) VALUES (?, ?)");
        ins.bind(1, m.version);
        ins.bind(2, std::string(m.name));
        ins.exec();
    }
}

/// Every row that `sql` returns, a line each, NULL written as such.
std::string rows_text(SQLite::Database& db, const std::string& sql) {
    SQLite::Statement q(db, sql);
    std::string out;
    while (q.executeStep()) {
        for (int i = 0; i < q.getColumnCount(); ++i)
            out += (q.getColumn(i).isNull() ? "NULL" : q.getColumn(i).getString()) + "|";
        out += "\n";
    }
    return out;
}

std::string explain(SQLite::Database& db, const std::string& sql) {
    SQLite::Statement q(db, "EXPLAIN " + sql);
    std::string opcodes;
    while (q.executeStep()) opcodes += q.getColumn(1).getString() + "\n";
    return opcodes;
}

}  // namespace

TEST_CASE("migration 5 keeps every outbox row of a version 4 database", "[db][outbox]") {
    test::TempDir dir;
    const std::string path = dir.file("v4.db");
    build_schema_up_to(path, 4);
    {
        SQLite::Database raw(path, SQLite::OPEN_READWRITE);
        REQUIRE(raw.execAndGet("SELECT max(version) FROM schema_migrations").getInt() == 4);
        raw.exec(R"sql(
INSERT INTO outbox (id, idem_key, channel, account_id, recipient, kind, payload, status,
                    attempts, next_attempt_at, created_at, updated_at, sent_at,
                    platform_message_id, error) VALUES
  (7, 'remind:1', 'viber', NULL, 'u1', 'reminder', '{"text":"a"}', 'pending', 0, 100, 90, 90,
   NULL, NULL, NULL),
  (8, NULL, 'zalo', NULL, 'u2', 'reply', '{"text":"b"}', 'sent', 1, 100, 90, 95, 95, 'mid-8',
   NULL),
  (9, 'remind:2', 'viber', NULL, 'u1', 'reminder', '{"text":"c"}', 'dead', 5, 300, 90, 99,
   NULL, NULL, 'HTTP 500'),
  (10, NULL, 'zalo', NULL, 'u3', 'reply', '{"text":"d"}', 'unreachable', 1, 100, 90, 96, NULL,
   NULL, 'blocked'),
  (11, NULL, 'viber', NULL, 'u4', 'reply', '{"text":"e"}', 'skipped', 0, 100, 90, 97, NULL,
   NULL, NULL);
)sql");
    }
    const std::string dump_sql =
        "SELECT id, ifnull(idem_key, '-'), channel, recipient, kind, payload, "
        "status, attempts, next_attempt_at, created_at, updated_at, "
        "ifnull(sent_at, -1), ifnull(platform_message_id, '-'), "
        "ifnull(error, '-') FROM outbox ORDER BY id";
    const auto dump = [&](SQLite::Database& db) { return rows_text(db, dump_sql); };
    std::string before;
    {
        SQLite::Database raw(path, SQLite::OPEN_READONLY);
        before = dump(raw);
    }

    storage::Database db(path);
    CHECK(db.schema_version() == storage::Database::latest_version());
    CHECK(db.schema_version() >= 5);
    CHECK(dump(db.handle()) == before);
    CHECK(db.handle().execAndGet("SELECT count(*) FROM outbox").getInt() == 5);
    // The rebuilt table keeps its indexes and the key's uniqueness.
    CHECK(db.handle()
              .execAndGet("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND "
                          "tbl_name = 'outbox' AND name IN ('outbox_due', "
                          "'outbox_pending_recipient')")
              .getInt() == 2);
    CHECK_THROWS_AS(db.handle().exec("INSERT INTO outbox(idem_key, channel, recipient, payload, "
                                     "next_attempt_at, created_at, updated_at) VALUES "
                                     "('remind:1', 'viber', 'u1', '{}', 1, 1, 1)"),
                    SQLite::Exception);
    // New rows continue after the old ids.
    db.handle().exec(
        "INSERT INTO outbox(channel, recipient, payload, next_attempt_at, created_at, "
        "updated_at) VALUES ('viber', 'u5', '{}', 1, 1, 1)");
    CHECK(db.handle().getLastInsertRowid() == 12);
    SQLite::Statement fk(db.handle(), "PRAGMA foreign_key_check");
    CHECK_FALSE(fk.executeStep());
    CHECK(db.handle().execAndGet("PRAGMA integrity_check").getString() == "ok");
}

TEST_CASE("the outbox still refuses an unknown status after migration 5", "[db][outbox]") {
    test::TempDir dir;
    storage::Database db(dir.file("t.db"));
    auto& h = db.handle();
    const std::string insert =
        "INSERT INTO outbox(channel, recipient, payload, status, next_attempt_at, created_at, "
        "updated_at) VALUES ('viber', 'u1', '{}', ";
    for (const char* ok : {"'pending'", "'sent'", "'dead'", "'unreachable'", "'skipped'"})
        CHECK_NOTHROW(h.exec(insert + ok + ", 1, 1, 1)"));
    for (const char* bad : {"'bogus'", "'PENDING'", "''", "NULL", "'pending '"})
        CHECK_THROWS_AS(h.exec(insert + bad + ", 1, 1, 1)"), SQLite::Exception);
    CHECK_THROWS_AS(h.exec("UPDATE outbox SET status = 'lost' WHERE id = 1"), SQLite::Exception);
    CHECK(h.execAndGet("SELECT count(*) FROM outbox").getInt() == 5);
    CHECK(h.execAndGet("SELECT status FROM outbox WHERE id = 1").getString() == "pending");
}

TEST_CASE("migration 17 keeps every outbox row and indexes only the rows with a key",
          "[db][outbox]") {
    test::TempDir dir;
    const std::string path = dir.file("v16.db");
    build_schema_up_to(path, 16);
    {
        SQLite::Database raw(path, SQLite::OPEN_READWRITE);
        REQUIRE(raw.execAndGet("SELECT max(version) FROM schema_migrations").getInt() == 16);
        raw.exec(R"sql(
INSERT INTO outbox (id, idem_key, channel, account_id, recipient, kind, payload, status,
                    attempts, next_attempt_at, created_at, updated_at, sent_at,
                    platform_message_id, error, lane, fair_key, fair_round, validity,
                    no_answer_attempts) VALUES
  (3, 'remind:1', 'viber', NULL, 'u1', 'reminder', '{"text":"a"}', 'pending', 0, 100, 90, 90,
   NULL, NULL, NULL, 1, 'X01', 2, '{"unit":"X01"}', 0),
  (4, NULL, 'zalo', NULL, 'u2', 'reply', '{"text":"b"}', 'sent', 1, 100, 90, 95, 95, 'mid-4',
   NULL, 0, '', 0, NULL, 0),
  (5, NULL, 'zalo', NULL, 'u2', 'reply', '{"text":"c"}', 'uncertain', 2, 100, 90, 96, NULL,
   NULL, 'no answer', 0, '', 0, NULL, 1),
  (6, 'filed:7:2026-11:r1:p9', 'viber', NULL, 'u3', 'notice', '{"text":"d"}', 'dead', 5, 300,
   90, 99, NULL, NULL, 'HTTP 500', 1, 'X02', 0, NULL, 0);
)sql");
    }
    const auto dump = [](SQLite::Database& db) {
        return rows_text(db, "SELECT * FROM outbox ORDER BY id");
    };
    std::string before;
    {
        SQLite::Database raw(path, SQLite::OPEN_READONLY);
        before = dump(raw);
    }

    storage::Database db(path);
    REQUIRE(db.schema_version() >= 17);
    CHECK(dump(db.handle()) == before);
    auto& h = db.handle();
    // The column's automatic index is gone; the partial one holds only the two keyed rows.
    CHECK(h.execAndGet("SELECT count(*) FROM sqlite_master WHERE tbl_name = 'outbox' AND name "
                       "LIKE 'sqlite_autoindex%'")
              .getInt() == 0);
    CHECK(h.execAndGet("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = "
                       "'outbox' AND name IN ('outbox_idem_key', 'outbox_due', "
                       "'outbox_pending_recipient', 'outbox_pending_lane', 'outbox_pending_fair', "
                       "'outbox_letters', 'outbox_pending_bulk')")
              .getInt() == 7);
    CHECK(h.execAndGet("SELECT count(*) FROM outbox INDEXED BY outbox_idem_key WHERE idem_key "
                       "IS NOT NULL")
              .getInt() == 2);
    // A key is still unique, through OutboxRepo::enqueue's conflict target and a plain insert.
    const std::string insert =
        "INSERT INTO outbox(idem_key, channel, recipient, payload, next_attempt_at, created_at, "
        "updated_at) VALUES (";
    CHECK_THROWS_AS(h.exec(insert + "'remind:1', 'viber', 'u1', '{}', 1, 1, 1)"),
                    SQLite::Exception);
    CHECK(h.exec(insert + "'remind:1', 'viber', 'u1', '{}', 1, 1, 1) ON CONFLICT(idem_key) WHERE "
                          "idem_key IS NOT NULL DO NOTHING") == 0);
    // Rows without a key are any number, and ids continue after the old ones.
    h.exec(insert + "NULL, 'zalo', 'u2', '{}', 1, 1, 1)");
    CHECK(h.getLastInsertRowid() == 7);
    h.exec(insert + "NULL, 'zalo', 'u2', '{}', 1, 1, 1)");
    CHECK(h.getLastInsertRowid() == 8);
    // The lookups by key read the partial index.
    for (const char* q : {"SELECT 1 FROM outbox WHERE idem_key = 'remind:1'",
                          "SELECT 1 FROM outbox WHERE idem_key >= 'remind:' AND idem_key < "
                          "'remind;' AND status <> 'skipped'"}) {
        SQLite::Statement plan(h, std::string("EXPLAIN QUERY PLAN ") + q);
        std::string text;
        while (plan.executeStep()) text += plan.getColumn(3).getString() + "\n";
        CHECK(text.find("outbox_idem_key") != std::string::npos);
    }
    SQLite::Statement fk(h, "PRAGMA foreign_key_check");
    CHECK_FALSE(fk.executeStep());
    CHECK(h.execAndGet("PRAGMA integrity_check").getString() == "ok");
}

TEST_CASE("inserting into the outbox builds no temporary b-tree", "[db][outbox]") {
    test::TempDir dir;
    storage::Database db(dir.file("t.db"));
    // The statement of storage::OutboxRepo::enqueue. A CHECK written `status IN (…)` makes
    // SQLite fill an ephemeral table on every insert (migration 5 removed it).
    const std::string enqueue =
        "INSERT INTO outbox(idem_key, channel, account_id, recipient, kind, "
        "payload, status, next_attempt_at, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?) "
        "ON CONFLICT(idem_key) WHERE idem_key IS NOT NULL DO NOTHING";
    const std::string opcodes = explain(db.handle(), enqueue);
    CHECK(opcodes.find("Insert") != std::string::npos);  // the plan was read
    CHECK(opcodes.find("OpenEphemeral") == std::string::npos);
    // And the guard itself works: the old CHECK is caught.
    test::TempDir old_dir;
    build_schema_up_to(old_dir.file("v4.db"), 4);
    SQLite::Database v4(old_dir.file("v4.db"), SQLite::OPEN_READWRITE);
    CHECK(explain(v4, enqueue).find("OpenEphemeral") != std::string::npos);
}

TEST_CASE("migration 10 marks reports that were on time and revised after the deadline", "[db]") {
    test::TempDir dir;
    const std::string path = dir.file("v7.db");
    build_schema_up_to(path, 7);
    {
        SQLite::Database raw(path, SQLite::OPEN_READWRITE);
        raw.exec(R"sql(
INSERT INTO units (id, code, name, level) VALUES (1, 'H', 'Ấp', 'hamlet');
INSERT INTO teams (id, code, unit_id, name) VALUES (1, 'T1', 1, 'a'), (2, 'T2', 1, 'b'),
  (3, 'T3', 1, 'c');
INSERT INTO reports (id, team_id, period, revision, form_id, form_version, submitted_at, late)
VALUES (1, 1, '2026-11', 1, 'f', 1, 10, 0), (2, 1, '2026-11', 2, 'f', 1, 20, 1),
       (3, 2, '2026-11', 1, 'f', 1, 10, 1), (4, 2, '2026-11', 2, 'f', 1, 20, 1),
       (5, 3, '2026-11', 1, 'f', 1, 10, 0), (6, 3, '2026-11', 2, 'f', 1, 20, 0);
INSERT INTO report_status VALUES (1, '2026-11', 10, 20, 2, 2, 0), (2, '2026-11', 10, 20, 4, 2, 1),
  (3, '2026-11', 10, 20, 6, 2, 0);
)sql");
    }
    storage::Database db(path);
    CHECK(db.handle()
              .execAndGet("SELECT group_concat(revised_after_deadline) FROM (SELECT "
                          "revised_after_deadline FROM report_status ORDER BY team_id)")
              .getString() == "1,0,0");
    CHECK(db.handle().execAndGet("SELECT count(*) FROM drafts").getInt() == 0);
}
