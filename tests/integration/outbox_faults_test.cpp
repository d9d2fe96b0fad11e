// Issue 18: nothing acknowledged is dropped, and a send that succeeded is recorded or not
// repeated. The real dispatcher, write queue and Viber sender against the fake Viber API:
// an outage of two simulated hours, a full disk (a small tmpfs mounted by the test as root), a
// filesystem turning read-only (a loop-mounted ext4 aborted under the dispatcher), whose
// unrecorded outcomes survive the process in the outcome journal on another filesystem.
#include <SQLiteCpp/SQLiteCpp.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "bot/channels/channel_senders.hpp"
#include "bot/channels/http_client.hpp"
#include "bot/http/write_queue.hpp"
#include "bot/jobs/dispatcher.hpp"
#include "storage/outbox_repo.hpp"
#include "tests/fakes/fake_platform.hpp"
#include "tests/support/temp_dir.hpp"

using namespace tcns;
using Fault = test::FakePlatform::Fault;
using namespace std::chrono_literals;

namespace {

constexpr const char* kViberToken = "445da6az1s345z78-dazcczb2542zv51a-e0vc5fva17480im9";

core::Instant wall_now() {
    return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

void enqueue_replies(const std::string& path, int recipients, int per, core::Instant now) {
    storage::Database db(path);
    storage::with_transaction(db, [&] {
        storage::OutboxRepo outbox(db);
        for (int k = 0; k < per; ++k)
            for (int r = 0; r < recipients; ++r) {
                storage::OutboxItem item;
                item.channel = "viber";
                item.recipient = "U" + std::to_string(r);
                item.message.text = "U" + std::to_string(r) + " m" + std::to_string(k);
                outbox.enqueue(item, now);
            }
    });
}

std::int64_t count(const std::string& path, const std::string& where) {
    storage::Database::Options o;
    o.migrate = false;
    storage::Database db(path, o);
    return db.handle().execAndGet("SELECT count(*) FROM outbox WHERE " + where).getInt64();
}

/// Deliveries per text, from the fake's accepted sends.
std::map<std::string, int> deliveries(test::FakePlatform& fake) {
    std::map<std::string, int> seen;
    for (const auto& r : fake.accepted("/send_message")) {
        const auto j = nlohmann::json::parse(r.body, nullptr, false);
        if (j.is_object()) ++seen[j.value("text", "")];
    }
    return seen;
}

/// Lost (never delivered) and extra (delivered more than once) messages.
std::pair<int, int> lost_and_extra(test::FakePlatform& fake, int recipients, int per) {
    auto seen = deliveries(fake);
    int lost = 0, extra = 0;
    for (int r = 0; r < recipients; ++r)
        for (int k = 0; k < per; ++k) {
            const int n = seen["U" + std::to_string(r) + " m" + std::to_string(k)];
            if (n == 0) ++lost;
            if (n > 1) extra += n - 1;
        }
    return {lost, extra};
}

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds bound) {
    const auto end = std::chrono::steady_clock::now() + bound;
    while (!done()) {
        if (std::chrono::steady_clock::now() > end) return false;
        std::this_thread::sleep_for(50ms);
    }
    return true;
}

}  // namespace

TEST_CASE(
    "an outage of two simulated hours loses no reply, and the recovered channel drains "
    "at once") {
    constexpr int kRecipients = 10, kPer = 3;
    test::TempDir dir;
    const std::string path = dir.file("outage.db");
    // Simulated time runs 720 times faster: two hours pass in 10 s. The product's schedule is
    // kept (15-minute backoff cap, 72 hours before giving up); only the channel pause, which
    // runs on the steady clock, is shortened.
    const auto start_wall = wall_now();
    const auto start = std::chrono::steady_clock::now();
    auto sim = [&] {
        const auto real = std::chrono::steady_clock::now() - start;
        return start_wall + std::chrono::duration_cast<std::chrono::seconds>(real * 720);
    };
    enqueue_replies(path, kRecipients, kPer, start_wall);
    test::FakePlatform fake;
    fake.set_fault(Fault::kHttp500);
    bot::HttpClient http{1s};
    bot::DispatcherOptions o;
    o.rate_per_second = 50;
    o.channel_backoff = 100ms;
    o.max_channel_backoff = 500ms;
    o.idle_wait = 200ms;
    REQUIRE(o.give_up_after == std::chrono::hours(72));
    REQUIRE(o.max_backoff == std::chrono::minutes(15));
    auto sender =
        std::make_shared<bot::ViberSender>(fake.viber_base(), kViberToken, "Tổ CNS", "", http);
    bot::Dispatcher d(path, {sender}, o, sim);
    d.start();
    std::this_thread::sleep_for(10s);
    const auto outage = std::chrono::duration_cast<std::chrono::minutes>(sim() - start_wall);
    const std::size_t tries = fake.count("/send_message");
    CHECK(count(path, "status = 'pending'") == kRecipients * kPer);
    CHECK(count(path, "status = 'dead'") == 0);
    fake.set_fault(Fault::kNone);
    const auto t0 = std::chrono::steady_clock::now();
    CHECK(wait_until([&] { return count(path, "status = 'pending'") == 0; }, 10s));
    const double drain =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    d.stop();
    const auto [lost, extra] = lost_and_extra(fake, kRecipients, kPer);
    std::cout << "outage: " << outage.count() << " simulated minutes, " << tries
              << " send attempts during it; " << kRecipients * kPer << " replies drained in "
              << drain << " s after recovery; lost " << lost << ", extra " << extra << "\n";
    CHECK(outage >= std::chrono::minutes(115));
    CHECK(lost == 0);
    CHECK(extra == 0);
    CHECK(count(path, "status = 'sent'") == kRecipients * kPer);
    // The channel's probe decides, not the rows' backoff (up to 15 simulated minutes, 1.25 s
    // here): the drain starts within one channel pause.
    CHECK(drain < 3.0);
}

TEST_CASE("a reply failing past the give-up time becomes a dead letter that can be retried") {
    test::TempDir dir;
    const std::string path = dir.file("giveup.db");
    const auto t0 = wall_now();
    enqueue_replies(path, 1, 1, t0);
    test::FakePlatform fake;
    fake.set_fault(Fault::kHttp500);
    bot::HttpClient http{1s};
    bot::DispatcherOptions o;
    o.channel_backoff = 0ms;
    core::Instant clock = t0;
    auto sender =
        std::make_shared<bot::ViberSender>(fake.viber_base(), kViberToken, "Tổ CNS", "", http);
    bot::Dispatcher d(path, {sender}, o, [&] { return clock; });
    d.run_once();
    CHECK(count(path, "status = 'pending'") == 1);
    clock = t0 + std::chrono::hours(71);
    d.run_once();
    CHECK(count(path, "status = 'pending'") == 1);
    clock = t0 + std::chrono::hours(73);
    d.run_once();
    CHECK(count(path, "status = 'dead'") == 1);
    // tcns outbox retry: pending again, and sent once the platform answers.
    {
        storage::Database db(path);
        storage::OutboxFilter f;
        CHECK(storage::OutboxRepo(db).list(f).size() == 1);
        CHECK(storage::OutboxRepo(db).retry(f, clock) == 1);
    }
    fake.set_fault(Fault::kNone);
    d.run_once();
    CHECK(count(path, "status = 'sent'") == 1);
}

TEST_CASE("a full disk stops sending without a single extra delivery, and nothing is lost") {
    test::TempDir dir;
    const std::string mnt = dir.file("mnt");
    std::filesystem::create_directories(mnt);
    if (::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=2m") != 0) {
        WARN("skipped: cannot mount a tmpfs here (" << std::strerror(errno) << ")");
        std::cout << "full disk test skipped: mount tmpfs failed: " << std::strerror(errno) << "\n";
        return;
    }
    struct Unmount {
        std::string at;
        ~Unmount() { ::umount2(at.c_str(), MNT_DETACH); }
    } unmount{mnt};
    constexpr int kRecipients = 20, kPer = 3;
    const std::string path = mnt + "/full.db";
    enqueue_replies(path, kRecipients, kPer, wall_now());
    test::FakePlatform fake;
    bot::HttpClient http{3s};
    bot::WriteQueue writes(path);
    // Fill the filesystem: every write from now on fails with "database or disk is full".
    const std::string filler = mnt + "/filler";
    {
        std::ofstream f(filler, std::ios::binary);
        const std::string block(64 * 1024, 'x');
        while (f.write(block.data(), static_cast<std::streamsize>(block.size()))) {
        }
    }
    // Top off the last partial block.
    {
        std::ofstream f(filler, std::ios::binary | std::ios::app);
        while (f.put('x')) {
        }
    }
    bot::DispatcherOptions o;
    o.rate_per_second = 200;
    o.record_retry = 100ms;
    o.idle_wait = 100ms;
    auto sender =
        std::make_shared<bot::ViberSender>(fake.viber_base(), kViberToken, "Tổ CNS", "", http);
    bot::Dispatcher d(path, {sender}, o, {}, &writes);
    d.start();
    std::this_thread::sleep_for(2s);
    const std::size_t during = fake.accepted("/send_message").size();
    const std::size_t tried = fake.count("/send_message");
    const std::size_t unrecorded = d.unrecorded();
    auto [lost_during, extra_during] = lost_and_extra(fake, kRecipients, kPer);
    CHECK(extra_during == 0);
    // Sending stopped after the first wave whose outcomes could not be written; every outcome of
    // it (accepted or not) is kept to be recorded.
    CHECK(tried <= 8);
    CHECK(unrecorded == tried);
    std::filesystem::remove(filler);
    CHECK(wait_until([&] { return count(path, "status = 'pending'") == 0; }, 10s));
    d.stop();
    writes.stop();
    const auto [lost, extra] = lost_and_extra(fake, kRecipients, kPer);
    std::cout << "full disk: " << tried << " sends tried (" << during
              << " accepted) before sending stopped, " << unrecorded
              << " outcomes kept in memory; after space was freed: lost " << lost << ", extra "
              << extra << "\n";
    CHECK(lost == 0);
    CHECK(extra == 0);
    CHECK(count(path, "status = 'sent'") == kRecipients * kPer);
    (void)lost_during;
}

TEST_CASE("a locked database stops sending without a single extra delivery, and nothing is lost") {
    test::TempDir dir;
    const std::string path = dir.file("locked.db");
    constexpr int kRecipients = 20, kPer = 2;
    enqueue_replies(path, kRecipients, kPer, wall_now());
    test::FakePlatform fake;
    bot::HttpClient http{3s};
    bot::WriteQueue writes(path);
    // Another process holds the write lock longer than the busy timeout (5 s): every commit of
    // the dispatcher's outcomes fails with "database is locked".
    SQLite::Database other(path, SQLite::OPEN_READWRITE);
    other.exec("BEGIN EXCLUSIVE");
    bot::DispatcherOptions o;
    o.rate_per_second = 200;
    o.record_retry = 100ms;
    o.idle_wait = 100ms;
    auto sender =
        std::make_shared<bot::ViberSender>(fake.viber_base(), kViberToken, "Tổ CNS", "", http);
    bot::Dispatcher d(path, {sender}, o, {}, &writes);
    d.start();
    // Each group commit waits for the busy timeout before it fails: the wave's outcomes fail
    // to be recorded within two of them.
    CHECK(wait_until(
        [&] {
            const auto n = fake.count("/send_message");
            return n > 0 && d.unrecorded() == n;
        },
        20s));
    std::this_thread::sleep_for(500ms);  // and nothing more is sent meanwhile
    const std::size_t tried = fake.count("/send_message");
    const std::size_t unrecorded = d.unrecorded();
    CHECK(tried <= 8);
    CHECK(unrecorded == tried);
    CHECK(lost_and_extra(fake, kRecipients, kPer).second == 0);
    other.exec("ROLLBACK");
    CHECK(wait_until([&] { return count(path, "status = 'pending'") == 0; }, 15s));
    d.stop();
    writes.stop();
    const auto [lost, extra] = lost_and_extra(fake, kRecipients, kPer);
    std::cout << "locked database: " << tried << " sends tried before sending stopped, "
              << unrecorded << " outcomes kept in memory; after the lock was released: lost "
              << lost << ", extra " << extra << "\n";
    CHECK(lost == 0);
    CHECK(extra == 0);
    CHECK(count(path, "status = 'sent'") == kRecipients * kPer);
}

TEST_CASE(
    "a Viber answer after the client's timeout: at most two deliveries, then the row is "
    "uncertain, and a retry sends it again") {
    test::TempDir dir;
    const std::string path = dir.file("noanswer.db");
    const auto t0 = wall_now();
    enqueue_replies(path, 1, 1, t0);
    test::FakePlatform fake;
    // The platform takes each send but answers 1.5 s later; the client gives up after 300 ms.
    fake.set_fault(Fault::kTimeout, 1500ms);
    bot::HttpClient http{300ms};
    bot::DispatcherOptions o;
    o.channel_backoff = 0ms;
    core::Instant clock = t0;
    auto sender =
        std::make_shared<bot::ViberSender>(fake.viber_base(), kViberToken, "Tổ CNS", "", http);
    bot::Dispatcher d(path, {sender}, o, [&] { return clock; });
    // Passes an hour apart (past any backoff): without the rule every one would deliver again.
    for (int pass = 0; pass < 5; ++pass) {
        d.run_once();
        clock += std::chrono::hours(1);
    }
    CHECK(fake.accepted("/send_message").size() == 2);
    CHECK(count(path, "status = 'uncertain'") == 1);
    CHECK(count(path, "status = 'uncertain' AND error LIKE '%no answer%'") == 1);
    {
        // Listed with the dead letters by default; a retry resets the no-answer count.
        storage::Database db(path);
        storage::OutboxRepo repo(db);
        storage::OutboxFilter f;
        const auto listed = repo.list(f);
        REQUIRE(listed.size() == 1);
        CHECK(listed[0].status == "uncertain");
        CHECK(repo.dead_letters() == 1);
        f.statuses = {"uncertain"};
        CHECK(repo.retry(f, clock) == 1);
    }
    CHECK(count(path, "status = 'pending' AND no_answer_attempts = 0 AND attempts = 0") == 1);
    fake.set_fault(Fault::kNone);
    d.run_once();
    CHECK(count(path, "status = 'sent'") == 1);
    CHECK(fake.accepted("/send_message").size() == 3);
}

TEST_CASE("a send without an answer followed by a success is sent, not uncertain") {
    test::TempDir dir;
    const std::string path = dir.file("noanswer_then_ok.db");
    const auto t0 = wall_now();
    enqueue_replies(path, 1, 1, t0);
    test::FakePlatform fake;
    fake.set_fault(Fault::kCloseConnection);
    bot::HttpClient http{1s};
    bot::DispatcherOptions o;
    o.channel_backoff = 0ms;
    core::Instant clock = t0;
    auto sender =
        std::make_shared<bot::ViberSender>(fake.viber_base(), kViberToken, "Tổ CNS", "", http);
    bot::Dispatcher d(path, {sender}, o, [&] { return clock; });
    d.run_once();
    CHECK(count(path, "status = 'pending' AND no_answer_attempts = 1") == 1);
    fake.set_fault(Fault::kNone);
    clock += std::chrono::hours(1);
    d.run_once();
    CHECK(count(path, "status = 'sent'") == 1);
    CHECK(fake.count("/send_message") == 2);
}

TEST_CASE(
    "Viber status 13 (client too old for a keyboard): the part is resent once without it, the "
    "options numbered in the text") {
    test::FakePlatform fake;
    fake.old_viber_client(true);
    bot::HttpClient http{1s};
    bot::ViberSender sender(fake.viber_base(), kViberToken, "Tổ CNS", "", http);
    storage::OutboxRow row;
    row.id = 1;
    row.channel = "viber";
    row.recipient = "U1";
    row.message.text = "Chọn tổ";
    row.message.buttons = {{"Tổ 1", "team:1"}, {"Tổ 2", "team:2"}};
    const auto r = sender.send(row);
    CHECK(r.cls == bot::SendClass::kSuccess);
    CHECK_FALSE(r.message_id.empty());
    const auto sends = fake.requests("/send_message");
    REQUIRE(sends.size() == 2);
    const auto first = nlohmann::json::parse(sends[0].body);
    const auto second = nlohmann::json::parse(sends[1].body);
    CHECK(first.contains("keyboard"));
    CHECK_FALSE(second.contains("keyboard"));
    CHECK(second["min_api_version"] == 1);
    CHECK(second["text"] == "Chọn tổ\n\n1. Tổ 1\n2. Tổ 2");
    CHECK(second["receiver"] == "U1");

    SECTION("an answer other than success to the resend classifies the row") {
        fake.set_fault(Fault::kHttp500);
        const auto again = sender.send(row);
        CHECK(again.cls == bot::SendClass::kRetryable);
        CHECK(fake.count("/send_message") == 4);  // once with the keyboard, once without
    }
}

namespace {

/// Status per text ("U<r> m<k>") of the enqueued rows (ids 1.. in enqueue order, k outer).
std::map<std::string, std::string> statuses(const std::string& path, int recipients) {
    storage::Database::Options o;
    o.migrate = false;
    storage::Database db(path, o);
    SQLite::Statement q(db.handle(), "SELECT id, recipient, status FROM outbox ORDER BY id");
    std::map<std::string, std::string> out;
    while (q.executeStep()) {
        const auto i = q.getColumn(0).getInt64() - 1;
        const auto r = static_cast<int>(i % recipients), k = static_cast<int>(i / recipients);
        CHECK(q.getColumn(1).getString() == "U" + std::to_string(r));
        out["U" + std::to_string(r) + " m" + std::to_string(k)] = q.getColumn(2).getString();
    }
    return out;
}

}  // namespace

TEST_CASE(
    "a filesystem turning read-only stops sending without an extra delivery, and nothing "
    "is lost") {
    test::TempDir dir;
    const std::string image = dir.file("ro.img");
    const std::string mnt = dir.file("mnt");
    std::filesystem::create_directories(mnt);
    // A loop-mounted ext4 (root only). A plain `remount,ro` fails with EBUSY while SQLite holds
    // files open; ext4's `abort` turns it read-only under them, as the kernel does after an I/O
    // error with errors=remount-ro.
    const std::string mount_cmd =
        "mount -o loop,errors=remount-ro '" + image + "' '" + mnt + "' 2>&1";
    if (std::system(
            ("truncate -s 64M '" + image + "' && mkfs.ext4 -q -F '" + image + "' >/dev/null 2>&1")
                .c_str()) != 0 ||
        std::system(mount_cmd.c_str()) != 0) {
        WARN("skipped: cannot loop-mount an ext4 image here (needs root and loop devices)");
        std::cout << "read-only test skipped: cannot loop-mount an ext4 image here\n";
        return;
    }
    // Declared after `dir`: unmounts before the directory is removed.
    struct Unmount {
        std::string at;
        ~Unmount() { ::umount2(at.c_str(), MNT_DETACH); }
    } unmount{mnt};
    constexpr int kRecipients = 20, kPer = 3;
    const std::string path = mnt + "/ro.db";
    enqueue_replies(path, kRecipients, kPer, wall_now());
    test::FakePlatform fake;
    bot::HttpClient http{3s};
    bot::DispatcherOptions o;
    o.rate_per_second = 20;  // slow enough that the filesystem turns read-only mid-way
    o.record_retry = 100ms;
    o.idle_wait = 100ms;
    // The outcome journal, on another filesystem than the database's (the test's directory,
    // not the loop mount).
    o.journal_dir = dir.file("journal");
    {
        std::filesystem::create_directories(o.journal_dir);
        struct stat j = {};
        struct stat m = {};
        REQUIRE(::stat(o.journal_dir.c_str(), &j) == 0);
        REQUIRE(::stat(mnt.c_str(), &m) == 0);
        REQUIRE(j.st_dev != m.st_dev);
    }
    const std::string journal = bot::OutcomeJournal(o.journal_dir, path).path();
    std::size_t journaled = 0;
    auto sender =
        std::make_shared<bot::ViberSender>(fake.viber_base(), kViberToken, "Tổ CNS", "", http);
    std::size_t before_abort = 0, tried = 0, tried_later = 0, unrecorded = 0, unrecorded_end = 0;
    int extra_during = 0;
    {
        bot::WriteQueue writes(path);
        bot::Dispatcher d(path, {sender}, o, {}, &writes);
        d.start();
        REQUIRE(wait_until([&] { return fake.accepted("/send_message").size() >= 10; }, 10s));
        REQUIRE(std::system(("mount -o remount,abort '" + mnt + "' 2>&1").c_str()) == 0);
        before_abort = fake.accepted("/send_message").size();
        // The first outcome that cannot be written stops sending.
        CHECK(wait_until([&] { return d.unrecorded() > 0; }, 10s));
        std::this_thread::sleep_for(1s);
        tried = fake.count("/send_message");
        unrecorded = d.unrecorded();
        std::this_thread::sleep_for(1500ms);  // and nothing more is sent meanwhile
        tried_later = fake.count("/send_message");
        unrecorded_end = d.unrecorded();
        extra_during = lost_and_extra(fake, kRecipients, kPer).second;
        d.stop();  // its last try to record fails too: the in-memory outcomes end with it
        writes.stop();
    }
    // ... but not the journal: every outcome held in memory is in it.
    if (std::ifstream in{journal}) {
        std::string line;
        while (std::getline(in, line)) ++journaled;
    }
    CHECK(journaled == unrecorded_end);
    CHECK(tried_later == tried);
    CHECK(unrecorded > 0);
    CHECK(unrecorded_end == unrecorded);
    CHECK(tried < static_cast<std::size_t>(kRecipients * kPer));
    CHECK(extra_during == 0);
    // The disk is repaired: after an abort, an unmount and a fresh mount of the image work (the
    // journal replays what was committed; SQLite commits with synchronous=FULL).
    REQUIRE(::umount2(mnt.c_str(), 0) == 0);
    REQUIRE(std::system(mount_cmd.c_str()) == 0);
    const auto recovered = statuses(path, kRecipients);
    REQUIRE(recovered.size() == static_cast<std::size_t>(kRecipients * kPer));
    const auto first = deliveries(fake);
    // Every delivery of the first run is either recorded as sent or was among the outcomes the
    // process still held unrecorded when it stopped; nothing recorded is ever sent again.
    int delivered_unrecorded = 0;
    for (const auto& [text, n] : first)
        if (n > 0 && recovered.at(text) != "sent") ++delivered_unrecorded;
    CHECK(delivered_unrecorded <= static_cast<int>(unrecorded_end));
    int recorded_sent = 0;
    for (const auto& [text, status] : recovered) {
        if (status != "sent") continue;
        ++recorded_sent;
        CHECK(first.count(text) == 1);  // recorded as sent only after the platform took it
    }
    {
        // The restart replays the journal into the outbox before its first pass.
        bot::WriteQueue writes(path);
        bot::Dispatcher d(path, {sender}, o, {}, &writes);
        d.start();
        CHECK(wait_until([&] { return count(path, "status = 'pending'") == 0; }, 15s));
        d.stop();
        writes.stop();
    }
    CHECK_FALSE(std::filesystem::exists(journal));
    const auto all = deliveries(fake);
    int lost = 0, extra = 0, twice_but_recorded = 0, more_than_twice = 0;
    for (const auto& [text, status] : recovered) {
        const int n = all.count(text) ? all.at(text) : 0;
        if (n == 0) ++lost;
        if (n > 1) extra += n - 1;
        if (n > 2) ++more_than_twice;
        if (n > 1 && status == "sent") ++twice_but_recorded;
    }
    std::cout << "read-only filesystem: " << before_abort << " accepted before the abort, " << tried
              << " sends tried before sending stopped (" << tried_later << " 1.5 s later), "
              << unrecorded_end
              << " outcomes unrecorded in memory at stop; recorded as sent on the repaired disk "
              << recorded_sent << ", delivered but unrecorded " << delivered_unrecorded
              << ", journaled " << journaled << "; after a restart on it: lost " << lost
              << ", extra " << extra << "\n";
    CHECK(lost == 0);
    // The outcomes the read-only disk could not take were replayed from the journal: none of
    // those rows is sent again.
    CHECK(extra == 0);
    CHECK(more_than_twice == 0);
    CHECK(twice_but_recorded == 0);
    CHECK(count(path, "status = 'sent'") == kRecipients * kPer);
}
