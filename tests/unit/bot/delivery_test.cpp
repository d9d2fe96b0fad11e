// The durable path: webhook events through the write queue (inbox, conversation, outbox in one
// commit) and the outbox dispatcher against a recording fake sender.
#include <SQLiteCpp/SQLiteCpp.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include "bot/http/webhook_service.hpp"
#include "bot/http/write_queue.hpp"
#include "bot/jobs/conversation_engine.hpp"
#include "bot/jobs/dispatcher.hpp"
#include "bot/templates.hpp"
#include "storage/chat_store.hpp"
#include "storage/facts_cache.hpp"
#include "storage/outbox_repo.hpp"
#include "storage/period_repo.hpp"
#include "tests/support/small_roster.hpp"
#include "tests/support/temp_dir.hpp"

using namespace tcns;

namespace {

std::int64_t count(storage::Database& db, const std::string& sql) {
    SQLite::Statement q(db.handle(), sql);
    q.executeStep();
    return q.getColumn(0).getInt64();
}

core::InboundEvent text_event(const std::string& id, const std::string& user,
                              const std::string& t) {
    core::InboundEvent e;
    e.kind = core::EventKind::kText;
    e.channel = "viber";
    e.event_id = id;
    e.user_id = user;
    e.text = t;
    return e;
}

struct World {
    test::TempDir dir;
    std::string path = (dir.path() / "t.db").string();
    bot::Templates templates = bot::load_templates(TCNS_SOURCE_DIR "/templates");
    World() {
        storage::Database db(path);
        test::seed_small_roster(db);
    }
};

/// Records every send; fails according to a script per recipient (sends to different
/// recipients run concurrently, so their relative order is not fixed).
class FakeSender : public bot::ChannelSender {
  public:
    std::string channel() const override { return "viber"; }
    bot::SendResult send(const storage::OutboxRow& row) override {
        std::lock_guard lock(mu);
        bot::SendResult r;
        auto& script = next[row.recipient];
        r.cls = script.empty() ? bot::SendClass::kSuccess : script.front();
        if (!script.empty()) script.erase(script.begin());
        auto& silent = no_answer[row.recipient];
        if (!silent.empty()) {
            r.no_answer = silent.front();
            silent.erase(silent.begin());
        }
        ++tries[row.recipient];
        if (r.cls == bot::SendClass::kSuccess) {
            sent.push_back(row.recipient + ":" + row.message.text);
            r.message_id = "m" + std::to_string(row.id);
        } else {
            r.reason = "scripted failure";
        }
        return r;
    }
    std::mutex mu;
    std::map<std::string, std::vector<bot::SendClass>> next;
    /// Per recipient: whether each failed attempt had no HTTP answer at all.
    std::map<std::string, std::vector<bool>> no_answer;
    std::map<std::string, int> tries;
    std::vector<std::string> sent;
};

}  // namespace

TEST_CASE("a replayed webhook event changes nothing and queues nothing new") {
    World w;
    bot::WriteQueue writes(w.path);
    bot::ConversationEngine engine(w.templates);
    bot::WebhookService service(writes, engine);
    const auto now = *core::parse_instant("2026-11-20T09:00");

    auto first = service.apply({text_event("message:1", "U1", "AN2345")}, now);
    CHECK(first.applied == 1);
    CHECK(first.queued == 1);
    auto replay = service.apply({text_event("message:1", "U1", "AN2345")}, now);
    CHECK(replay.applied == 0);
    CHECK(replay.duplicates == 1);
    CHECK(replay.queued == 0);

    storage::Database db(w.path);
    CHECK(count(db, "SELECT count(*) FROM outbox") == 1);
    CHECK(count(db, "SELECT count(*) FROM inbox") == 1);
    CHECK(count(db, "SELECT person_id FROM chat_accounts WHERE platform_user_id = 'U1'") == 1);
}

TEST_CASE("concurrent webhooks share commits and every one is durable when answered") {
    World w;
    bot::WriteQueue writes(w.path);
    bot::ConversationEngine engine(w.templates);
    bot::WebhookService service(writes, engine);
    const auto now = *core::parse_instant("2026-11-20T09:00");
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 25; ++i) {
                const std::string id = "message:" + std::to_string(t) + "-" + std::to_string(i);
                service.apply({text_event(id, "U" + std::to_string(t), "xin chao")}, now);
            }
        });
    }
    for (auto& th : threads) th.join();
    storage::Database db(w.path);
    CHECK(count(db, "SELECT count(*) FROM inbox") == 200);
    CHECK(count(db, "SELECT count(*) FROM outbox") == 200);
    CHECK(writes.stats().jobs == 200);
    CHECK(writes.stats().commits <= 200);
}

TEST_CASE(
    "commits are acknowledged by the syncer, and a WAL that cannot be synced stops the queue") {
    World w;
    bot::WriteQueue writes(w.path);
    // The writer commits with synchronous = NORMAL; the syncer makes the WAL durable.
    writes.run([](storage::Database& db) {
        CHECK(db.handle().execAndGet("PRAGMA synchronous").getInt() == 1);
        // Shorter checkpoint pauses in the writer's COMMIT (write_queue.cpp).
        CHECK(db.handle().execAndGet("PRAGMA wal_autocheckpoint").getInt() == 300);
        db.handle().exec("INSERT INTO settings (key, value) VALUES ('a', '1')");
    });
    std::exception_ptr seen;
    std::promise<void> done;
    writes.submit(
        [](storage::Database& db) {
            db.handle().exec("INSERT INTO settings (key, value) VALUES ('b', '2')");
        },
        [&](std::exception_ptr e) {
            seen = e;
            done.set_value();
        });
    done.get_future().get();
    CHECK_FALSE(seen);
    // Other connections keep synchronous = FULL.
    CHECK(storage::Database(w.path).handle().execAndGet("PRAGMA synchronous").getInt() == 2);

    // The WAL file vanishes (a disk or an operator error): the next sync cannot happen, the
    // job's caller sees an error, and nothing is acknowledged afterwards.
    std::filesystem::remove(w.path + "-wal");
    CHECK_THROWS_AS(writes.run([](storage::Database& db) {
        db.handle().exec("INSERT INTO settings (key, value) VALUES ('c', '3')");
    }),
                    storage::StorageError);
    CHECK_THROWS_AS(writes.run([](storage::Database&) {}), storage::StorageError);
}

TEST_CASE("the writer checkpoints every 300 pages: the WAL stays small however much is written") {
    World w;
    bot::WriteQueue writes(w.path);
    // 60 commits of about 25 pages each (100 KB of text): 1,500 pages, 6 MB through the WAL.
    const std::string blob(100'000, 'x');
    for (int i = 0; i < 60; ++i)
        writes.run([&](storage::Database& db) {
            SQLite::Statement q(db.handle(),
                                "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)");
            q.bind(1, "blob" + std::to_string(i % 4));
            q.bind(2, blob);
            q.exec();
        });
    // The WAL file keeps the size of its longest run between restarts: about 300 pages and one
    // commit (1.3 MB), against about 4 MB with SQLite's default of 1,000 pages.
    const auto size = std::filesystem::file_size(w.path + "-wal");
    INFO("WAL " << size << " bytes");
    CHECK(size < 2'000'000);
}

TEST_CASE("the writer's roster facts follow changes committed by other connections") {
    World w;
    bot::WriteQueue writes(w.path);
    auto name_of = [&](core::PersonId p) {
        std::string name;
        writes.run([&](storage::Database& db) {
            REQUIRE(db.facts_cache() != nullptr);
            name = storage::ReportRepo(db).person_facts(p).name;
        });
        return name;
    };
    CHECK(name_of(1) == "Nguyễn Văn An");
    CHECK(name_of(1) == "Nguyễn Văn An");  // from the cache now
    // `tcns import` in another process renames the leader and moves him to another team.
    {
        storage::Database other(w.path);
        other.handle().exec("UPDATE people SET full_name = 'Nguyễn Văn Ân' WHERE id = 1");
    }
    CHECK(name_of(1) == "Nguyễn Văn Ân");
    // A deadline extension set by `tcns admin` is seen at once as well.
    const core::MonthPeriod nov{2026, 11};
    std::optional<core::Instant> ext;
    writes.run([&](storage::Database& db) { ext = storage::PeriodRepo(db).extension(nov); });
    CHECK_FALSE(ext);
    storage::PeriodRepo(*std::make_unique<storage::Database>(w.path))
        .set_extension(nov, core::from_unix(1'796'000'000), core::from_unix(1'795'000'000));
    writes.run([&](storage::Database& db) { ext = storage::PeriodRepo(db).extension(nov); });
    CHECK(ext == core::from_unix(1'796'000'000));
    // Facts read inside a job that rolls back are not kept.
    CHECK_THROWS(writes.run([](storage::Database& db) {
        db.handle().exec("UPDATE people SET full_name = 'rolled back' WHERE id = 1");
        storage::ReportRepo(db).person_facts(1);
        throw std::runtime_error("boom");
    }));
    CHECK(name_of(1) == "Nguyễn Văn Ân");
    // Other connections never cache.
    storage::Database plain(w.path);
    CHECK(plain.facts_cache() == nullptr);
}

TEST_CASE("a job that throws is rolled back alone and its caller sees the error") {
    World w;
    bot::WriteQueue writes(w.path);
    CHECK_THROWS(writes.run([](storage::Database& db) {
        db.handle().exec("INSERT INTO settings (key, value) VALUES ('a', '1')");
        throw std::runtime_error("boom");
    }));
    writes.run([](storage::Database& db) {
        db.handle().exec("INSERT INTO settings (key, value) VALUES ('b', '2')");
    });
    storage::Database db(w.path);
    CHECK(count(db, "SELECT count(*) FROM settings WHERE key = 'a'") == 0);
    CHECK(count(db, "SELECT count(*) FROM settings WHERE key = 'b'") == 1);
}

TEST_CASE("in a batch of jobs that may run again, one that throws is rolled back alone") {
    World w;
    bot::WriteQueue writes(w.path);
    // A first job holds the writer until the others are queued: they then form one batch.
    auto hold = [&] {
        auto started = std::make_shared<std::promise<void>>();
        auto release = std::make_shared<std::promise<void>>();
        auto released = release->get_future().share();
        writes.submit(
            [started, released](storage::Database&) {
                started->set_value();
                released.wait();
            },
            [](std::exception_ptr) {});
        started->get_future().wait();
        return release;
    };
    auto insert = [](storage::Database& db, const std::string& key) {
        SQLite::Statement q(db.handle(), "INSERT INTO settings (key, value) VALUES (?, '1')");
        q.bind(1, key);
        q.exec();
    };
    using Rerun = bot::WriteQueue::Rerun;
    std::vector<std::promise<std::exception_ptr>> outcomes(6);
    auto done = [&](int i) { return [&, i](std::exception_ptr e) { outcomes[i].set_value(e); }; };

    // Batch 1: four jobs that may run again, the third throws after writing.
    auto release = hold();
    std::atomic<int> first_runs{0};
    for (int i = 0; i < 4; ++i)
        writes.submit(
            [&, i](storage::Database& db) {
                if (i == 0) ++first_runs;
                insert(db, "k" + std::to_string(i));
                if (i == 2) throw std::runtime_error("boom");
            },
            done(i), Rerun::kYes);
    release->set_value();
    for (int i = 0; i < 4; ++i) {
        const auto e = outcomes[i].get_future().get();
        CHECK(static_cast<bool>(e) == (i == 2));
    }
    CHECK(writes.stats().reruns == 1);
    CHECK(first_runs == 2);  // rolled back with the batch, then run again and committed

    // Batch 2: a job that must run once shares the batch: savepoints from the start.
    release = hold();
    std::atomic<int> once_runs{0};
    writes.submit(
        [&](storage::Database& db) {
            ++once_runs;
            insert(db, "once");
        },
        done(4));
    writes.submit(
        [&](storage::Database& db) {
            insert(db, "k9");
            throw std::runtime_error("boom");
        },
        done(5), Rerun::kYes);
    release->set_value();
    CHECK_FALSE(outcomes[4].get_future().get());
    CHECK(outcomes[5].get_future().get());
    CHECK(once_runs == 1);
    CHECK(writes.stats().reruns == 1);

    storage::Database db(w.path);
    CHECK(count(db, "SELECT count(*) FROM settings WHERE key IN ('k0', 'k1', 'k3', 'once')") == 4);
    CHECK(count(db, "SELECT count(*) FROM settings WHERE key IN ('k2', 'k9')") == 0);
}

TEST_CASE(
    "the dispatcher sends in order per recipient, retries with backoff and gives up cleanly") {
    World w;
    core::Instant clock = *core::parse_instant("2026-11-20T09:00");
    {
        storage::Database db(w.path);
        storage::OutboxRepo outbox(db);
        for (const char* text : {"a1", "a2", "a3"}) {
            storage::OutboxItem item;
            item.channel = "viber";
            item.recipient = "A";
            item.message.text = text;
            outbox.enqueue(item, clock);
        }
        storage::OutboxItem b;
        b.channel = "viber";
        b.recipient = "B";
        b.message.text = "b1";
        outbox.enqueue(b, clock);
        b.recipient = "C";
        b.message.text = "c1";
        outbox.enqueue(b, clock);
    }
    auto sender = std::make_shared<FakeSender>();
    // a1 fails twice (retryable), b1 is unreachable, c1 permanent.
    sender->next["A"] = {bot::SendClass::kRetryable};
    sender->next["B"] = {bot::SendClass::kUnreachable};
    sender->next["C"] = {bot::SendClass::kPermanent};
    bot::DispatcherOptions o;
    o.rate_per_second = 0;
    o.channel_backoff = std::chrono::milliseconds(0);  // per-row backoff only (simulated clock)
    bot::Dispatcher d(w.path, {sender}, o, [&] { return clock; });

    CHECK(d.run_once() == 3);  // a1 (retry), b1, c1
    CHECK(sender->sent.empty());
    CHECK(d.run_once() == 0);  // a1 not due yet; a2 waits behind it
    clock += std::chrono::minutes(1);
    d.run_once();  // a1
    d.run_once();  // a2
    d.run_once();  // a3
    CHECK(sender->sent == std::vector<std::string>{"A:a1", "A:a2", "A:a3"});

    storage::Database db(w.path);
    CHECK(count(db, "SELECT count(*) FROM outbox WHERE status = 'sent'") == 3);
    CHECK(count(db, "SELECT count(*) FROM outbox WHERE status = 'unreachable'") == 1);
    CHECK(count(db, "SELECT count(*) FROM outbox WHERE status = 'dead'") == 1);
    CHECK(count(db, "SELECT attempts FROM outbox WHERE recipient = 'A' AND payload LIKE '%a1%'") ==
          2);
}

TEST_CASE("backoff doubles up to its cap and keeps jitter within half of the delay") {
    bot::DispatcherOptions o;
    o.base_backoff = std::chrono::seconds(5);
    o.max_backoff = std::chrono::seconds(60);
    CHECK(bot::backoff_delay(1, o, 1.0).count() == 5);
    CHECK(bot::backoff_delay(2, o, 1.0).count() == 10);
    CHECK(bot::backoff_delay(3, o, 0.0).count() == 10);
    CHECK(bot::backoff_delay(10, o, 1.0).count() == 60);
}

TEST_CASE("after a send without an answer a row is resent at most once, then it is uncertain",
          "[dispatcher][outbox]") {
    World w;
    core::Instant clock = *core::parse_instant("2026-11-20T09:00");
    {
        storage::Database db(w.path);
        storage::OutboxRepo outbox(db);
        for (const char* who : {"A", "B", "C", "D"}) {
            storage::OutboxItem item;
            item.channel = "viber";
            item.recipient = who;
            item.message.text = std::string("hello ") + who;
            outbox.enqueue(item, clock);
        }
    }
    using bot::SendClass;
    auto sender = std::make_shared<FakeSender>();
    // A: no answer, then no answer again. B: no answer, then a 5xx (any retryable failure).
    // C: no answer, then success. D: two 5xx (answers): retried as before.
    sender->next["A"] = {SendClass::kRetryable, SendClass::kRetryable, SendClass::kRetryable};
    sender->no_answer["A"] = {true, true, true};
    sender->next["B"] = {SendClass::kRetryable, SendClass::kRetryable};
    sender->no_answer["B"] = {true, false};
    sender->next["C"] = {SendClass::kRetryable};
    sender->no_answer["C"] = {true};
    sender->next["D"] = {SendClass::kRetryable, SendClass::kRetryable};
    bot::DispatcherOptions o;
    o.rate_per_second = 0;
    o.channel_backoff = std::chrono::milliseconds(0);
    bot::Dispatcher d(w.path, {sender}, o, [&] { return clock; });
    for (int pass = 0; pass < 4; ++pass) {
        d.run_once();
        clock += std::chrono::hours(1);
    }
    CHECK(sender->tries["A"] == 2);
    CHECK(sender->tries["B"] == 2);
    CHECK(sender->tries["C"] == 2);
    CHECK(sender->tries["D"] == 3);
    storage::Database db(w.path);
    auto status = [&](const char* who) {
        SQLite::Statement q(db.handle(), "SELECT status FROM outbox WHERE recipient = ?1");
        q.bind(1, who);
        q.executeStep();
        return q.getColumn(0).getString();
    };
    CHECK(status("A") == "uncertain");
    CHECK(status("B") == "uncertain");
    CHECK(status("C") == "sent");
    CHECK(status("D") == "sent");
    CHECK(count(db,
                "SELECT count(*) FROM outbox WHERE status = 'uncertain' AND error LIKE "
                "'%no answer%'") == 2);
    storage::OutboxRepo repo(db);
    CHECK(repo.dead_letters() == 2);
    CHECK(repo.list(storage::OutboxFilter{}).size() == 2);  // with the dead letters by default
}
