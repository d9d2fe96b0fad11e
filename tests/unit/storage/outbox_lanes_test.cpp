// Two lanes in the outbox (issue 14): replies before bulk rows, bulk rows round-robin by unit,
// order per recipient kept; the due queries use their indexes.
#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>

#include "storage/outbox_repo.hpp"
#include "tests/support/temp_dir.hpp"

using namespace tcns;

namespace {

const core::Instant kNow = core::from_unix(1'790'000'000);

void add(storage::Database& db, const std::string& kind, const std::string& recipient,
         const std::string& unit, const std::string& text) {
    storage::OutboxItem item;
    item.channel = "zalo";
    item.kind = kind;
    item.recipient = recipient;
    item.message.text = text;
    if (kind != "reply") {
        core::SendValidity v;
        v.kind = kind;
        v.unit = unit;
        v.quiet_hours = false;
        item.validity = v;
    }
    storage::OutboxRepo(db).enqueue(item, kNow);
}

std::vector<std::string> texts(const std::vector<storage::OutboxRow>& rows) {
    std::vector<std::string> out;
    for (const auto& r : rows) out.push_back(r.message.text);
    return out;
}

}  // namespace

TEST_CASE("bulk rows are taken round-robin by unit, replies apart", "[db][outbox]") {
    test::TempDir dir;
    storage::Database db(dir.file("t.db"));
    for (int i = 0; i < 4; ++i)
        add(db, "reminder", "a" + std::to_string(i), "BIG", "big" + std::to_string(i));
    add(db, "reminder", "s0", "SMALL", "small0");
    add(db, "reply", "r0", "", "reply0");
    storage::OutboxRepo outbox(db);
    CHECK(texts(outbox.due_lane("zalo", 0, kNow, 10)) == std::vector<std::string>{"reply0"});
    CHECK(texts(outbox.due_lane("zalo", 1, kNow, 3)) ==
          std::vector<std::string>{"big0", "small0", "big1"});
}

TEST_CASE("a person who writes gets their earlier bulk rows in the reply lane, in order",
          "[db][outbox]") {
    test::TempDir dir;
    storage::Database db(dir.file("t.db"));
    for (int i = 0; i < 5; ++i) add(db, "reminder", "x" + std::to_string(i), "U", "bulk");
    add(db, "reminder", "leader", "U", "reminder to leader");
    add(db, "reply", "leader", "", "reply to leader");
    storage::OutboxRepo outbox(db);
    // The reminder heads the leader's queue and goes with the replies; the reply follows it.
    CHECK(texts(outbox.due_lane("zalo", 0, kNow, 10)) ==
          std::vector<std::string>{"reminder to leader"});
    CHECK(texts(outbox.due_lane("zalo", 1, kNow, 10)).size() == 5);
}

TEST_CASE("the due query of each lane walks its index with 100,000 rows pending", "[db][outbox]") {
    test::TempDir dir;
    storage::Database db(dir.file("t.db"));
    storage::with_transaction(db, [&] {
        for (int i = 0; i < 100'000; ++i)
            add(db, i % 10 ? "reminder" : "reply", "p" + std::to_string(i),
                "U" + std::to_string(i % 300), "m");
    });
    db.handle().exec("ANALYZE");
    storage::OutboxRepo outbox(db);
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < 20; ++i) {
        CHECK(outbox.due_lane("zalo", 0, kNow, 64).size() == 64);
        CHECK(outbox.due_lane("zalo", 1, kNow, 10).size() == 10);
        db.reset_cached();
    }
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() /
        20;
    INFO("one pass's two due queries: " << ms << " ms");
    CHECK(ms < 20);
    // And a bulk insert stays cheap: its round comes from two index lookups.
    const auto t1 = std::chrono::steady_clock::now();
    storage::with_transaction(db, [&] {
        for (int i = 0; i < 1000; ++i) add(db, "reminder", "q" + std::to_string(i), "U7", "m");
    });
    const double insert_us =
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t1).count() /
        1000;
    INFO("insert: " << insert_us << " us");
    CHECK(insert_us < 500);
}
