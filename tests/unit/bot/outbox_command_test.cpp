// `tcns outbox list|retry|drop` (issue 18): an operator sees dead letters and sends them again.
#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>

#include "bot/config.hpp"
#include "storage/database.hpp"
#include "tests/support/cli.hpp"
#include "tests/support/temp_dir.hpp"

using namespace tcns;

namespace {

void insert(storage::Database& db, const std::string& channel, const std::string& status,
            std::int64_t created) {
    SQLite::Statement q(db.handle(),
                        "INSERT INTO outbox(channel, recipient, kind, payload, status, "
                        "next_attempt_at, created_at, updated_at, error) VALUES (?, 'u1', "
                        "'reply', '{\"text\":\"xin chào\"}', ?, 1, ?, ?, 'HTTP 503')");
    q.bind(1, channel);
    q.bind(2, status);
    q.bind(3, created);
    q.bind(4, created);
    q.exec();
}

}  // namespace

TEST_CASE("tcns outbox lists dead letters, retries and drops them by channel, id and age") {
    test::TempDir dir;
    const std::string path = dir.file("t.db");
    const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    {
        storage::Database db(path);
        insert(db, "zalo", "dead", now - 5 * 86400);  // id 1
        insert(db, "viber", "unreachable", now);      // id 2
        insert(db, "zalo", "sent", now);              // id 3
    }
    auto r = test::tcns_cli({"--db", path, "outbox", "list"});
    CHECK(r.rc == 0);
    CHECK_THAT(r.out, Catch::Contains("2 row(s)"));
    r = test::tcns_cli({"--db", path, "outbox", "list", "--older-than", "3d"});
    CHECK_THAT(r.out, Catch::StartsWith("1  zalo"));
    r = test::tcns_cli({"--db", path, "outbox", "retry", "--channel", "zalo"});
    CHECK(r.rc == 0);
    CHECK_THAT(r.out, Catch::Contains("1 row(s) queued again"));
    r = test::tcns_cli({"--db", path, "outbox", "drop", "--id", "2"});
    CHECK_THAT(r.out, Catch::Contains("1 row(s) dropped"));
    storage::Database db(path);
    CHECK(
        db.handle()
            .execAndGet("SELECT group_concat(status) FROM (SELECT status FROM outbox ORDER BY id)")
            .getString() == "pending,dropped,sent");
    CHECK(db.handle().execAndGet("SELECT attempts FROM outbox WHERE id = 1").getInt() == 0);
}

TEST_CASE(
    "tcns outbox lists uncertain rows with the dead letters, and a retry forgets the "
    "send without an answer") {
    test::TempDir dir;
    const std::string path = dir.file("t.db");
    const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    {
        storage::Database db(path);
        insert(db, "viber", "uncertain", now);  // id 1
        insert(db, "viber", "dead", now);       // id 2
        db.handle().exec("UPDATE outbox SET no_answer_attempts = 1, attempts = 2 WHERE id = 1");
    }
    auto r = test::tcns_cli({"--db", path, "outbox", "list"});
    CHECK(r.rc == 0);
    CHECK_THAT(r.out, Catch::Contains("2 row(s)"));
    r = test::tcns_cli({"--db", path, "outbox", "list", "--status", "uncertain"});
    CHECK(r.rc == 0);
    CHECK_THAT(r.out, Catch::Contains("1 row(s)"));
    CHECK_THAT(r.out, Catch::Contains("uncertain"));
    r = test::tcns_cli({"--db", path, "outbox", "retry", "--status", "uncertain"});
    CHECK(r.rc == 0);
    CHECK_THAT(r.out, Catch::Contains("1 row(s) queued again"));
    storage::Database db(path);
    CHECK(db.handle()
              .execAndGet("SELECT status || ',' || attempts || ',' || no_answer_attempts FROM "
                          "outbox WHERE id = 1")
              .getString() == "pending,0,0");
}

TEST_CASE("tcns outbox --help prints its usage with examples, and bad filters exit 2") {
    auto r = test::tcns_cli({"outbox", "--help"});
    CHECK(r.rc == 0);
    CHECK_THAT(r.out, Catch::Contains("tcns outbox retry --channel zalo"));
    test::TempDir dir;
    const std::string path = dir.file("t.db");
    CHECK(test::tcns_cli({"--db", path, "outbox", "list", "--older-than", "3x"}).rc == 2);
    CHECK(test::tcns_cli({"--db", path, "outbox", "list", "--status", "lost"}).rc == 2);
    CHECK(test::tcns_cli({"--db", path, "outbox", "resend"}).rc == 2);
}

TEST_CASE("the outbox section sets how long failing messages are retried, strictly") {
    const auto c =
        bot::parse_config(R"({"outbox": {"give_up_hours": 24, "max_backoff_minutes": 5}})", "test");
    CHECK(c.outbox.give_up_hours == 24);
    CHECK(c.outbox.max_backoff_minutes == 5);
    CHECK(bot::parse_config("{}", "test").outbox.give_up_hours == 72);
    CHECK_THROWS_AS(bot::parse_config(R"({"outbox": {"give_up_hours": 0}})", "test"),
                    bot::ConfigError);
    CHECK_THROWS_AS(bot::parse_config(R"({"outbox": {"max_attempts": 10}})", "test"),
                    bot::ConfigError);
}
