#include <SQLiteCpp/SQLiteCpp.h>
#include <sys/stat.h>
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <thread>

#include "storage/backup.hpp"
#include "storage/database.hpp"
#include "tests/support/temp_dir.hpp"

using namespace tcns;

namespace {

void add_team(storage::Database& db) {
    db.handle().exec("INSERT INTO units(code, name, level) VALUES ('U1', 'Xã A', 'commune')");
    db.handle().exec("INSERT INTO teams(code, unit_id, name) VALUES ('T1', 1, 'Tổ 1')");
}

/// One submitted report revision and one of its values, in one transaction.
void write_report(storage::Database& db, int revision) {
    storage::with_transaction(db, [&] {
        SQLite::Statement r(db.handle(),
                            "INSERT INTO reports(team_id, period, revision, form_id, form_version,"
                            " submitted_at) VALUES (1, '2026-11', ?, 'monthly-report', 1, ?)");
        r.bind(1, revision);
        r.bind(2, static_cast<std::int64_t>(1'790'000'000 + revision));
        r.exec();
        SQLite::Statement v(db.handle(),
                            "INSERT INTO report_values(report_id, item_code, value_int)"
                            " VALUES (last_insert_rowid(), 'LH01', ?)");
        v.bind(1, revision * 10);
        v.exec();
    });
}

int count(const std::string& path, const std::string& sql) {
    SQLite::Database db(path, SQLite::OPEN_READONLY);
    return db.execAndGet(sql).getInt();
}

}  // namespace

TEST_CASE(
    "a backup taken while another connection writes reports holds every report committed "
    "before it started, and restores intact",
    "[backup]") {
    test::TempDir dir;
    const std::string live = dir.file("live.db");
    {
        storage::Database db(live);
        add_team(db);
    }
    std::atomic<int> committed{0};
    std::atomic<bool> stop{false};
    std::thread writer([&] {
        storage::Database db(live);
        for (int i = 1; !stop.load(); ++i) {
            write_report(db, i);
            committed.store(i);
        }
    });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (committed.load() < 50 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const int before = committed.load();
    storage::BackupInfo info;
    try {
        info = storage::backup_database(live, dir.file("backups/tcns-2026-11-30.db"));
    } catch (...) {
        stop = true;
        writer.join();
        throw;
    }
    // Keep writing a little after the backup, then stop the writer.
    const int after_backup = committed.load();
    while (committed.load() < after_backup + 20 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    stop = true;
    writer.join();

    REQUIRE(before >= 50);
    CHECK(info.schema_version == storage::Database::latest_version());
    CHECK(info.bytes > 0);
    CHECK_FALSE(std::filesystem::exists(info.path + ".tmp"));

    const std::string restored = dir.file("restored/tcns.db");
    std::filesystem::create_directories(dir.file("restored"));
    const auto r = storage::restore_database(info.path, restored, "20261130T000000Z");
    CHECK(r.previous.empty());
    CHECK(r.restored.schema_version == storage::Database::latest_version());
    CHECK(count(restored, "SELECT count(*) FROM reports WHERE revision <= " +
                              std::to_string(before)) == before);
    CHECK(count(restored,
                "SELECT count(*) FROM report_values v JOIN reports r ON r.id = "
                "v.report_id WHERE r.revision <= " +
                    std::to_string(before) + " AND v.value_int = r.revision * 10") == before);
    // A snapshot: revisions are contiguous from 1, nothing half-written.
    CHECK(count(restored, "SELECT max(revision) FROM reports") ==
          count(restored, "SELECT count(*) FROM reports"));
    {
        SQLite::Database db(restored, SQLite::OPEN_READONLY);
        CHECK(db.execAndGet("PRAGMA integrity_check").getString() == "ok");
    }
    // The restored file opens as a normal tcns database.
    storage::Database reopened(restored);
    CHECK(reopened.schema_version() == storage::Database::latest_version());
}

TEST_CASE("a backup is one self-contained file, not in WAL mode", "[backup]") {
    test::TempDir dir;
    {
        storage::Database db(dir.file("live.db"));
        add_team(db);
    }
    const auto info = storage::backup_database(dir.file("live.db"), dir.file("b.db"));
    CHECK_FALSE(std::filesystem::exists(dir.file("b.db-wal")));
    SQLite::Database b(info.path, SQLite::OPEN_READONLY);
    CHECK(b.execAndGet("PRAGMA journal_mode").getString() == "delete");
    CHECK(b.execAndGet("SELECT count(*) FROM teams").getInt() == 1);
}

TEST_CASE("backing up a database that does not exist fails and creates nothing", "[backup]") {
    test::TempDir dir;
    CHECK_THROWS_WITH(storage::backup_database(dir.file("none.db"), dir.file("b.db")),
                      Catch::Contains("does not exist"));
    CHECK_FALSE(std::filesystem::exists(dir.file("none.db")));
    CHECK_FALSE(std::filesystem::exists(dir.file("b.db")));
}

TEST_CASE("restore keeps the old database as <db>.before-restore-<stamp>", "[backup]") {
    test::TempDir dir;
    const std::string live = dir.file("tcns.db");
    {
        storage::Database db(live);
        add_team(db);
        write_report(db, 1);
    }
    const auto info = storage::backup_database(live, dir.file("b.db"));
    {
        storage::Database db(live);
        write_report(db, 2);
    }
    const auto r = storage::restore_database(info.path, live, "20261130T010203Z");
    CHECK(r.previous == live + ".before-restore-20261130T010203Z");
    CHECK(count(live, "SELECT count(*) FROM reports") == 1);
    CHECK(count(r.previous, "SELECT count(*) FROM reports") == 2);

    // A second restore within the same second keeps both earlier databases.
    const auto again = storage::restore_database(info.path, live, "20261130T010203Z");
    CHECK(again.previous == live + ".before-restore-20261130T010203Z-2");
    CHECK(count(r.previous, "SELECT count(*) FROM reports") == 2);
}

TEST_CASE("a file that is not a sound tcns database is refused before anything is replaced",
          "[backup]") {
    test::TempDir dir;
    const std::string live = dir.file("tcns.db");
    {
        storage::Database db(live);
        add_team(db);
    }
    std::ofstream(dir.file("junk.db"), std::ios::binary) << std::string(4096, 'x');
    CHECK_THROWS_AS(storage::restore_database(dir.file("junk.db"), live, "s"),
                    storage::StorageError);
    {
        SQLite::Database empty(dir.file("empty.db"), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
        empty.exec("CREATE TABLE x(a)");
    }
    CHECK_THROWS_WITH(storage::restore_database(dir.file("empty.db"), live, "s"),
                      Catch::Contains("not a tcns database"));
    {
        storage::Database future(dir.file("future.db"));
        future.handle().exec("INSERT INTO schema_migrations(version, name) VALUES (999, 'x')");
    }
    CHECK_THROWS_WITH(storage::restore_database(dir.file("future.db"), live, "s"),
                      Catch::Contains("newer than this build"));
    CHECK_THROWS_WITH(storage::restore_database(dir.file("missing.db"), live, "s"),
                      Catch::Contains("does not exist"));
    CHECK(count(live, "SELECT count(*) FROM teams") == 1);
    CHECK_FALSE(std::filesystem::exists(live + ".before-restore-s"));
}

TEST_CASE("the serve lock is exclusive and released with its holder", "[backup]") {
    test::TempDir dir;
    const std::string db = dir.file("tcns.db");
    {
        auto first = storage::ServeLock::try_acquire(db);
        REQUIRE(first);
        CHECK(first->path() == db + ".lock");
        CHECK_FALSE(storage::ServeLock::try_acquire(db));
    }
    CHECK(storage::ServeLock::try_acquire(db));
}

TEST_CASE("a backup file is readable by its owner only, whatever the umask", "[backup]") {
    test::TempDir dir;
    { storage::Database db(dir.file("live.db")); }
    const mode_t old_umask = ::umask(0022);
    const auto info = storage::backup_database(dir.file("live.db"), dir.file("b.db"));
    ::umask(old_umask);
    const auto perms = std::filesystem::status(info.path).permissions();
    CHECK((perms & std::filesystem::perms::all) ==
          (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
    CHECK_FALSE(std::filesystem::exists(dir.file("b.db.tmp")));
}
