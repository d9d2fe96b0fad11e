// The dispatcher under platform trouble: a retryable failure pauses the whole channel, a paused
// channel probes with one send, the loop sleeps only for rows that can go out, and a channel's
// own rate applies.
#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>
#include <map>
#include <mutex>
#include <thread>

#include "bot/jobs/dispatcher.hpp"
#include "storage/outbox_repo.hpp"
#include "tests/support/small_roster.hpp"
#include "tests/support/temp_dir.hpp"

using namespace tcns;
using namespace std::chrono_literals;

namespace {

/// Fails the recipients listed in `failing` (retryable), records the others.
class ScriptedSender : public bot::ChannelSender {
  public:
    explicit ScriptedSender(double rate = 0) : rate_(rate) {}
    std::string channel() const override { return "viber"; }
    double rate_per_second() const override { return rate_; }
    bot::SendResult send(const storage::OutboxRow& row) override {
        std::lock_guard lock(mu);
        bot::SendResult r;
        ++tries;
        if (failing.count(row.recipient)) {
            r.cls = bot::SendClass::kRetryable;
            r.reason = "HTTP 503";
        } else {
            r.cls = bot::SendClass::kSuccess;
            sent.push_back(row.recipient);
        }
        return r;
    }
    std::mutex mu;
    std::map<std::string, bool> failing;
    std::vector<std::string> sent;
    int tries = 0;

  private:
    double rate_;
};

struct Outbox {
    test::TempDir dir;
    std::string path = dir.file("t.db");
    core::Instant now =
        std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
    Outbox() { storage::Database db(path); }
    void add(const std::string& recipient, const std::string& text) {
        storage::Database db(path);
        storage::OutboxItem item;
        item.channel = "viber";
        item.recipient = recipient;
        item.message.text = text;
        storage::OutboxRepo(db).enqueue(item, now);
    }
    std::int64_t scalar(const std::string& sql) {
        storage::Database db(path);
        SQLite::Statement q(db.handle(), sql);
        q.executeStep();
        return q.getColumn(0).getInt64();
    }
};

}  // namespace

TEST_CASE("a retryable failure pauses the whole channel and the pause ends with a single probe") {
    Outbox o;
    for (const char* r : {"A", "B", "C", "D"}) o.add(r, "hello");
    auto sender = std::make_shared<ScriptedSender>();
    sender->failing["A"] = true;
    bot::DispatcherOptions opt;
    opt.rate_per_second = 0;
    opt.concurrency = 1;  // one send per wave: A goes first
    opt.channel_backoff = 100ms;
    bot::Dispatcher d(o.path, {sender}, opt);

    CHECK(d.run_once() == 1);  // A failed: B, C and D are not tried
    CHECK(o.scalar("SELECT count(*) FROM outbox WHERE attempts = 0") == 3);
    CHECK(d.run_once() == 0);  // paused
    CHECK(sender->tries == 1);
    std::this_thread::sleep_for(150ms);
    CHECK(d.run_once() == 3);  // B probes, its success ends the pause, C and D follow
    CHECK(sender->sent == std::vector<std::string>{"B", "C", "D"});
    CHECK(o.scalar("SELECT attempts FROM outbox WHERE recipient = 'A'") == 1);
}

TEST_CASE("the next wake-up ignores a due row queued behind one that backs off") {
    Outbox o;
    o.add("A", "first");
    o.add("A", "second");
    storage::Database db(o.path);
    storage::OutboxRepo outbox(db);
    outbox.mark_retry(1, 1, o.now + 60s, "HTTP 503", o.now);
    const auto next = outbox.next_due("viber");
    REQUIRE(next);
    CHECK(*next == o.now + 60s);  // not "second", which cannot go before "first"
}

TEST_CASE("a channel's own rate limits sends even when the default rate is 0") {
    Outbox o;
    for (int i = 0; i < 20; ++i) o.add("R" + std::to_string(i), "hi");
    auto sender = std::make_shared<ScriptedSender>(/*rate=*/40);
    bot::DispatcherOptions opt;
    opt.rate_per_second = 0;  // the bucket used to refill at this rate: never
    bot::Dispatcher d(o.path, {sender}, opt);
    const auto t0 = std::chrono::steady_clock::now();
    CHECK(d.run_once() == 20);
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    // A burst of 8 (a fifth of a second), then 40 a second: 12 more take 0.3 s.
    CHECK(secs >= 0.25);
    CHECK(secs < 3);
}
