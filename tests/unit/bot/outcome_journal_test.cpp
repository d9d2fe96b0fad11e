// The outcome journal (issue 18): send outcomes the database refuses are kept in a file on
// another filesystem, replayed into the outbox before the next pass (at start, or when the
// database takes writes again), idempotently, and a torn last line is tolerated.
#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <sstream>

#include "bot/jobs/dispatcher.hpp"
#include "bot/jobs/outcome_journal.hpp"
#include "bot/metrics.hpp"
#include "storage/outbox_repo.hpp"
#include "tests/support/temp_dir.hpp"

using namespace tcns;

namespace {

/// Accepts every send (platform message id "mid-<recipient>") and counts them per recipient.
class CountingSender : public bot::ChannelSender {
  public:
    std::string channel() const override { return "viber"; }
    bot::SendResult send(const storage::OutboxRow& row) override {
        std::lock_guard lock(mu);
        ++sent[row.recipient];
        ++tries;
        bot::SendResult r;
        r.cls = bot::SendClass::kSuccess;
        r.message_id = "mid-" + row.recipient;
        return r;
    }
    std::mutex mu;
    std::map<std::string, int> sent;
    int tries = 0;
};

struct Outbox {
    test::TempDir dir;
    std::string path = dir.file("t.db");
    core::Instant now =
        std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
    Outbox() { storage::Database db(path); }
    void add(const std::string& recipient) {
        storage::Database db(path);
        storage::OutboxItem item;
        item.channel = "viber";
        item.recipient = recipient;
        item.message.text = "hello " + recipient;
        storage::OutboxRepo(db).enqueue(item, now);
    }
    std::int64_t scalar(const std::string& sql) {
        storage::Database db(path);
        SQLite::Statement q(db.handle(), sql);
        q.executeStep();
        return q.getColumn(0).getInt64();
    }
    /// Every write of an outcome fails, as on a full or read-only disk.
    void break_writes() {
        storage::Database db(path);
        db.handle().exec(
            "CREATE TRIGGER outbox_broken BEFORE UPDATE ON outbox BEGIN "
            "SELECT RAISE(ABORT, 'disk I/O error (test)'); END");
    }
    void repair() {
        storage::Database db(path);
        db.handle().exec("DROP TRIGGER outbox_broken");
    }
};

std::uint64_t counter(const std::string& name) {
    std::istringstream in(bot::Metrics::instance().render());
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(name + " ", 0) == 0) return std::stoull(line.substr(name.size() + 1));
    return 0;
}

std::size_t lines_in(const std::string& file) {
    std::ifstream in(file);
    std::size_t n = 0;
    std::string line;
    while (std::getline(in, line)) ++n;
    return n;
}

bot::DispatcherOptions options(const std::string& journal_dir) {
    bot::DispatcherOptions o;
    o.rate_per_second = 0;
    o.concurrency = 2;
    o.channel_backoff = std::chrono::milliseconds(0);
    o.journal_dir = journal_dir;
    return o;
}

}  // namespace

TEST_CASE("the outcome journal writes durable lines and reads them back") {
    test::TempDir dir;
    bot::OutcomeJournal j(dir.file("journal"), dir.file("a.db"));
    CHECK_FALSE(j.has_entries());
    CHECK(j.read().entries.empty());
    bot::JournalEntry e;
    e.id = 7;
    e.channel = "viber";
    e.created_at = 1'800'000'000;
    e.attempts = 2;
    e.at = 1'800'000'100;
    e.result = "success";
    e.message_id = "5741311803571721087";
    REQUIRE(j.append(e));
    e.id = 8;
    e.result = "retryable";
    e.message_id.clear();
    e.reason = "HTTP 503 \"busy\"\n";
    e.no_answer = true;
    e.retry_after = 30;
    REQUIRE(j.append(e));
    CHECK(j.has_entries());
    CHECK(lines_in(j.path()) == 2);
    // Named after the database, in the directory it was given (created 0700).
    CHECK(std::filesystem::path(j.path()).parent_path() == dir.file("journal"));
    CHECK_THAT(j.path(), Catch::Contains("outbox-a.db-"));
    CHECK((std::filesystem::status(dir.file("journal")).permissions() &
           std::filesystem::perms::group_all) == std::filesystem::perms::none);
    const auto c = j.read();
    CHECK_FALSE(c.torn_tail);
    CHECK(c.bad_lines == 0);
    REQUIRE(c.entries.size() == 2);
    CHECK(c.entries[0].id == 7);
    CHECK(c.entries[0].message_id == "5741311803571721087");
    CHECK(c.entries[0].attempts == 2);
    CHECK(c.entries[0].created_at == 1'800'000'000);
    CHECK(c.entries[1].result == "retryable");
    CHECK(c.entries[1].reason == "HTTP 503 \"busy\"\n");
    CHECK(c.entries[1].no_answer);
    CHECK(c.entries[1].retry_after == 30);
    // Another database's journal in the same directory is another file.
    bot::OutcomeJournal other(dir.file("journal"), dir.file("b.db"));
    CHECK(other.path() != j.path());
    CHECK_FALSE(other.has_entries());
    CHECK(j.clear());
    CHECK_FALSE(j.has_entries());
    CHECK_FALSE(std::filesystem::exists(j.path()));

    // What an fdatasync'd line costs (the journal is written only when the database refuses).
    const int kLines = 50;
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < kLines; ++i) {
        e.id = 100 + i;
        REQUIRE(j.append(e));
    }
    const double us =
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() /
        kLines;
    std::cout << "outcome journal: append + fdatasync " << us << " us per line in "
              << dir.path().string() << "\n";
    CHECK(j.clear());
}

TEST_CASE("a torn last line and a corrupt line are skipped and reported, the rest is read") {
    test::TempDir dir;
    bot::OutcomeJournal j(dir.file("journal"), dir.file("a.db"));
    bot::JournalEntry e;
    e.id = 1;
    e.channel = "viber";
    e.result = "success";
    REQUIRE(j.append(e));
    {
        std::ofstream f(j.path(), std::ios::app | std::ios::binary);
        f << "{\"v\":1,\"id\":2,\"chan\x01garbage\n";  // a damaged line
    }
    e.id = 3;
    REQUIRE(j.append(e));
    {
        std::ofstream f(j.path(), std::ios::app | std::ios::binary);
        f << "{\"v\":1,\"id\":4,\"channel\":\"vi";  // a crash mid-write
    }
    const auto c = j.read();
    CHECK(c.torn_tail);
    CHECK(c.bad_lines == 1);
    REQUIRE(c.entries.size() == 2);
    CHECK(c.entries[0].id == 1);
    CHECK(c.entries[1].id == 3);
}

TEST_CASE(
    "outcomes the database refuses are journaled, replayed at the next start without a "
    "resend, and a second replay changes nothing") {
    Outbox o;
    for (const char* r : {"A", "B", "C", "D"}) o.add(r);
    const std::string jdir = o.dir.file("run");
    auto sender = std::make_shared<CountingSender>();
    const auto journaled0 = counter("tcns_outbox_journaled_total");
    const auto replayed0 = counter("tcns_outbox_journal_replayed_total");
    std::string journal_path;
    o.break_writes();
    {
        bot::Dispatcher d(o.path, {sender}, options(jdir));
        d.run_once();  // one wave of two: accepted, not recorded, journaled; sending stops
        CHECK(sender->tries == 2);
        CHECK(d.unrecorded() == 2);
        CHECK(d.run_once() == 0);
        CHECK(sender->tries == 2);
        journal_path = bot::OutcomeJournal(jdir, o.path).path();
        CHECK(lines_in(journal_path) == 2);
        CHECK(counter("tcns_outbox_journaled_total") == journaled0 + 2);
    }  // the process stops before the disk is repaired: memory is lost, the journal is not
    CHECK(o.scalar("SELECT count(*) FROM outbox WHERE status = 'pending'") == 4);
    const std::string saved = o.dir.file("journal.copy");
    std::filesystem::copy_file(journal_path, saved);
    o.repair();
    {
        bot::Dispatcher d(o.path, {sender}, options(jdir));
        d.run_once();
        d.run_once();
    }
    CHECK(o.scalar("SELECT count(*) FROM outbox WHERE status = 'sent'") == 4);
    CHECK(o.scalar("SELECT count(*) FROM outbox WHERE platform_message_id = 'mid-' || recipient "
                   "AND attempts = 1") == 4);
    for (const char* r : {"A", "B", "C", "D"}) CHECK(sender->sent[r] == 1);
    CHECK(sender->tries == 4);
    CHECK(counter("tcns_outbox_journal_replayed_total") == replayed0 + 2);
    CHECK_FALSE(std::filesystem::exists(journal_path));

    // The same journal again (a crash after the replay's commit, before the file was removed):
    // every row is recorded already, nothing changes and nothing is sent.
    std::filesystem::copy_file(saved, journal_path);
    {
        bot::Dispatcher d(o.path, {sender}, options(jdir));
        CHECK(d.run_once() == 0);
        CHECK(d.unrecorded() == 0);
    }
    CHECK(sender->tries == 4);
    CHECK(o.scalar("SELECT count(*) FROM outbox WHERE status = 'sent' AND attempts = 1") == 4);
    CHECK(counter("tcns_outbox_journal_replayed_total") == replayed0 + 2);
    CHECK_FALSE(std::filesystem::exists(journal_path));
}

TEST_CASE("a journal found while the database still refuses writes holds sending back") {
    Outbox o;
    for (const char* r : {"A", "B", "C"}) o.add(r);
    const std::string jdir = o.dir.file("run");
    auto sender = std::make_shared<CountingSender>();
    o.break_writes();
    { bot::Dispatcher(o.path, {sender}, options(jdir)).run_once(); }
    CHECK(sender->tries == 2);
    {
        // Restarted on a disk still broken: the journal is loaded, cannot be recorded yet, and
        // nothing is sent (those rows are still pending in the database).
        bot::Dispatcher d(o.path, {sender}, options(jdir));
        CHECK(d.run_once() == 0);
        CHECK(d.unrecorded() == 2);
        CHECK(sender->tries == 2);
        o.repair();  // the database takes writes again: replayed, then the rest is sent
        d.run_once();
        d.run_once();
        CHECK(d.unrecorded() == 0);
    }
    CHECK(sender->tries == 3);
    CHECK(o.scalar("SELECT count(*) FROM outbox WHERE status = 'sent'") == 3);
    CHECK_FALSE(bot::OutcomeJournal(jdir, o.path).has_entries());
}

TEST_CASE("a torn last line in the journal at start is reported and the rest replayed") {
    Outbox o;
    for (const char* r : {"A", "B", "C", "D"}) o.add(r);
    const std::string jdir = o.dir.file("run");
    auto sender = std::make_shared<CountingSender>();
    o.break_writes();
    { bot::Dispatcher(o.path, {sender}, options(jdir)).run_once(); }
    const std::string path = bot::OutcomeJournal(jdir, o.path).path();
    {
        std::ofstream f(path, std::ios::app | std::ios::binary);
        f << "{\"v\":1,\"id\":3,\"channel\":\"viber\",\"crea";
    }
    o.repair();
    {
        bot::Dispatcher d(o.path, {sender}, options(jdir));
        d.run_once();
        d.run_once();
    }
    // The two complete lines were replayed (no resend); the torn one was never acknowledged to
    // the dispatcher, and its row (C, never sent) goes out once.
    for (const char* r : {"A", "B", "C", "D"}) CHECK(sender->sent[r] == 1);
    CHECK(o.scalar("SELECT count(*) FROM outbox WHERE status = 'sent'") == 4);
    CHECK_FALSE(std::filesystem::exists(path));
}

TEST_CASE("when neither the database nor the journal can be written, sending stops") {
    Outbox o;
    for (const char* r : {"A", "B", "C", "D"}) o.add(r);
    // The journal's directory cannot exist: its parent is a file.
    {
        std::ofstream f(o.dir.file("not-a-dir"));
        f << "x";
    }
    const std::string jdir = o.dir.file("not-a-dir") + "/run";
    auto sender = std::make_shared<CountingSender>();
    const auto failures0 = counter("tcns_outbox_journal_failures_total");
    o.break_writes();
    bot::Dispatcher d(o.path, {sender}, options(jdir));
    d.run_once();
    CHECK(sender->tries == 2);
    CHECK(d.unrecorded() == 2);
    CHECK(counter("tcns_outbox_journal_failures_total") == failures0 + 2);
    for (int i = 0; i < 3; ++i) CHECK(d.run_once() == 0);
    CHECK(sender->tries == 2);  // nothing more is sent
    o.repair();
    d.run_once();
    d.run_once();
    CHECK(d.unrecorded() == 0);
    CHECK(sender->tries == 4);
    for (const char* r : {"A", "B", "C", "D"}) CHECK(sender->sent[r] == 1);
    CHECK(o.scalar("SELECT count(*) FROM outbox WHERE status = 'sent'") == 4);
}
