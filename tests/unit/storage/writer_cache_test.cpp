// The writer's connection keeps chat accounts, conversation states and teams' period facts between
// webhooks (FactsCache), and a reply's enqueue reads the person's bulk rows through their own
// index: what the cache returns is what the database holds, and the reply's statements build no
// temporary table (the writer's cost per webhook, issue 13).
#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>

#include "storage/chat_store.hpp"
#include "storage/facts_cache.hpp"
#include "storage/outbox_repo.hpp"
#include "tests/support/small_roster.hpp"
#include "tests/support/temp_dir.hpp"

using namespace tcns;

namespace {

const core::Instant kNow = core::from_unix(1'790'000'000);

/// The team's facts as the cache gives them and as the database holds them.
std::pair<core::TeamFacts, core::TeamFacts> both(storage::Database& db, core::TeamId team,
                                                 const core::MonthPeriod& p) {
    core::TeamFacts cached;
    cached.id = team;
    storage::ReportRepo(db).fill_team_facts(cached, p);
    storage::Database fresh(db.path());  // another connection: no cache
    core::TeamFacts read;
    read.id = team;
    storage::ReportRepo(fresh).fill_team_facts(read, p);
    return {cached, read};
}

void check_same(const core::TeamFacts& a, const core::TeamFacts& b) {
    CHECK(a.revision == b.revision);
    CHECK(a.submitted == b.submitted);
    CHECK(a.submitted_by == b.submitted_by);
    CHECK(a.submitted_at == b.submitted_at);
    CHECK(a.late == b.late);
    CHECK(a.revised_after_deadline == b.revised_after_deadline);
    CHECK(a.last_values == b.last_values);
    CHECK(a.targets == b.targets);
    CHECK(a.draft == b.draft);
}

}  // namespace

TEST_CASE("the writer's cached team facts follow drafts and submissions", "[db][cache]") {
    test::TempDir dir;
    storage::Database db(dir.file("t.db"));
    test::seed_small_roster(db);
    db.enable_facts_cache();
    storage::ReportRepo reports(db);
    storage::DraftRepo drafts(db);
    const core::MonthPeriod nov{2026, 11}, dec{2026, 12};
    reports.person_facts(1);  // the leader's name, as the engine reads it before a step

    auto [t0, r0] = both(db, 1, nov);  // cached now: no draft, nothing submitted
    check_same(t0, r0);
    CHECK_FALSE(t0.draft);

    core::DraftChange c;
    c.team = 1;
    c.period = "2026-11";
    c.form_version = 3;
    c.answers["LH01"].number = 7;
    drafts.apply(c, t0.draft, 3, kNow);  // the deputy, whose name the cache does not hold
    auto [t1, r1] = both(db, 1, nov);
    check_same(t1, r1);
    REQUIRE(t1.draft);
    CHECK(t1.draft->updated_by_name == "Trần Thị Bình");

    c.answers["LH01"].number = 120;
    c.answers["KK01"].text = "Mất sóng";
    c.answers["KK01"].choice = "network";
    drafts.apply(c, t1.draft, 1, kNow + std::chrono::seconds(60));  // the leader
    auto [t2, r2] = both(db, 1, nov);
    check_same(t2, r2);
    REQUIRE(t2.draft);
    CHECK(t2.draft->answered_by.at("LH01") == 1);
    CHECK(t2.draft->updated_by_name == "Nguyễn Văn An");

    c.answers["HO01"].number = 45;
    drafts.apply(c, t2.draft, 1, kNow + std::chrono::seconds(120));  // the same person again
    auto [t3, r3] = both(db, 1, nov);
    check_same(t3, r3);
    CHECK(t3.draft->answered_by.at("LH01") == 1);
    CHECK(t3.draft->answered_by.at("HO01") == 1);

    // Text that is not UTF-8 is stored with replacement characters: the cache says so too.
    c.answers["KK01"].text = "m\xff";
    drafts.apply(c, t3.draft, 1, kNow + std::chrono::seconds(150));
    auto [t4, r4] = both(db, 1, nov);
    check_same(t4, r4);

    // December is cached before November is submitted: its "last month" follows the submission.
    auto [d0, e0] = both(db, 1, dec);
    check_same(d0, e0);
    CHECK(d0.last_values.empty());
    core::Form form;
    form.id = "monthly-report";
    core::SubmitReport r;
    r.team = 1;
    r.period = "2026-11";
    r.base_revision = 0;
    r.answers = c.answers;
    REQUIRE(reports.submit(r, form, 1, std::nullopt, kNow + std::chrono::seconds(180)) > 0);
    auto [t5, r5] = both(db, 1, nov);
    check_same(t5, r5);
    CHECK(t5.revision == 1);
    CHECK_FALSE(t5.draft);
    auto [d1, e1] = both(db, 1, dec);
    check_same(d1, e1);
    CHECK(d1.last_values.at("LH01") == 120);

    // A draft removed (cancelled) is gone from the cache too.
    core::DraftChange dc;
    dc.team = 1;
    dc.period = "2026-12";
    dc.answers["LH01"].number = 1;
    drafts.apply(dc, d1.draft, 1, kNow + std::chrono::seconds(240));
    dc.remove = true;
    drafts.apply(dc, std::nullopt, 1, kNow + std::chrono::seconds(300));
    auto [d2, e2] = both(db, 1, dec);
    check_same(d2, e2);
    CHECK_FALSE(d2.draft);
}

TEST_CASE("the writer's cached conversation state is the stored one", "[db][cache]") {
    test::TempDir dir;
    storage::Database db(dir.file("t.db"));
    test::seed_small_roster(db);
    db.enable_facts_cache();
    db.handle().exec(
        "INSERT INTO chat_accounts (id, channel, platform_user_id, created_at) VALUES (1, 'viber', "
        "'u1', "
        "0)");
    storage::ConversationRepo conversations(db);
    CHECK(conversations.load(1) == core::ConversationState{});  // no row: a fresh state

    core::ConversationState s;
    s.at = core::steps::Asking{};
    s.team = 1;
    s.period = "2026-11";
    s.item = "HO01";
    s.form_version = 3;
    s.answers["LH01"].number = 120;
    conversations.save(1, s, kNow);
    storage::Database fresh(db.path());
    CHECK(conversations.load(1) == s);
    CHECK(storage::ConversationRepo(fresh).load(1) == s);

    // Not UTF-8: the cache holds what the row will give back.
    s.answers["KK01"].text = "m\xff";
    conversations.save(1, s, kNow);
    const core::ConversationState stored = storage::ConversationRepo(fresh).load(1);
    CHECK(stored.answers.at("KK01").text == "m\xEF\xBF\xBD");
    CHECK(conversations.load(1) == stored);
}

TEST_CASE("the writer's cached chat account is the stored one", "[db][cache]") {
    test::TempDir dir;
    storage::Database db(dir.file("t.db"));
    test::seed_small_roster(db);
    db.enable_facts_cache();
    storage::ChatAccountRepo accounts(db);
    auto same_as_stored = [&](const std::string& channel, const std::string& user) {
        const auto cached = accounts.find(channel, user);
        storage::Database fresh(db.path());
        const auto read = storage::ChatAccountRepo(fresh).find(channel, user);
        REQUIRE(cached.has_value() == read.has_value());
        if (!cached) return;
        CHECK(cached->id == read->id);
        CHECK(cached->channel == read->channel);
        CHECK(cached->user_id == read->user_id);
        CHECK(cached->person == read->person);
        CHECK(cached->subscribed == read->subscribed);
        CHECK(cached->last_inbound == read->last_inbound);
        CHECK(cached->unreachable == read->unreachable);
    };

    const storage::ChatAccount a = accounts.find_or_create("viber", "u1", "Lan", kNow);
    same_as_stored("viber", "u1");
    CHECK(accounts.find_or_create("viber", "u1", "Lan", kNow).id == a.id);
    CHECK_FALSE(accounts.find("zalo", "u1"));  // the channel is part of the key
    same_as_stored("zalo", "u1");

    accounts.touch_inbound(a, kNow);
    same_as_stored("viber", "u1");
    CHECK(accounts.find("viber", "u1")->last_inbound == kNow);
    accounts.link(a.id, 1, kNow);
    same_as_stored("viber", "u1");
    accounts.set_subscribed(a.id, false);
    same_as_stored("viber", "u1");
    CHECK_FALSE(accounts.find("viber", "u1")->subscribed);

    // A platform refuses the account: marked on this connection, the cached copy goes.
    storage::OutboxRepo outbox(db);
    storage::OutboxItem item;
    item.channel = "viber";
    item.account_id = a.id;
    item.recipient = "u1";
    item.message.text = "x";
    const auto id = outbox.enqueue(item, kNow);
    REQUIRE(id);
    outbox.mark_final(*id, "unreachable", "blocked", kNow);
    same_as_stored("viber", "u1");
    CHECK(accounts.find("viber", "u1")->unreachable);
    accounts.touch_inbound(*accounts.find("viber", "u1"), kNow + std::chrono::hours(1));
    same_as_stored("viber", "u1");
    CHECK_FALSE(accounts.find("viber", "u1")->unreachable);

    // Another connection unlinks it: the next write transaction's check drops the cache.
    {
        storage::Database other(db.path());
        other.handle().exec("UPDATE chat_accounts SET person_id = NULL");
    }
    db.refresh_facts_cache();
    same_as_stored("viber", "u1");
    CHECK_FALSE(accounts.find("viber", "u1")->person);
}

TEST_CASE("a reply looks for the person's bulk rows without a temporary table", "[db][outbox]") {
    test::TempDir dir;
    storage::Database db(dir.file("t.db"));
    auto explain = [&](const std::string& sql) {
        SQLite::Statement q(db.handle(), "EXPLAIN " + sql);
        std::string ops;
        while (q.executeStep()) ops += q.getColumn(1).getString() + " ";
        return ops;
    };
    auto plan = [&](const std::string& sql) {
        SQLite::Statement q(db.handle(), "EXPLAIN QUERY PLAN " + sql);
        std::string detail;
        while (q.executeStep()) detail += q.getColumn(3).getString() + "\n";
        return detail;
    };
    const std::string any =
        "SELECT 1 FROM outbox INDEXED BY outbox_pending_bulk WHERE channel = ?1 AND "
        "recipient = ?2 AND status = 'pending' AND lane = 1 AND id < ?3 LIMIT 1";
    CHECK(explain(any).find("OpenEphemeral") == std::string::npos);
    CHECK(plan(any).find("outbox_pending_bulk") != std::string::npos);
    // The lanes' dispatcher queries keep their indexes.
    const std::string due_lane =
        "SELECT o.id FROM outbox o WHERE o.status = 'pending' AND o.channel = ?1 AND o.lane = "
        "?4 AND (o.next_attempt_at <= ?2 OR (?5 AND o.attempts > 0)) AND NOT EXISTS (SELECT 1 "
        "FROM outbox p WHERE p.status = 'pending' AND p.channel = ?1 AND p.recipient = "
        "o.recipient AND p.id < o.id) ORDER BY o.fair_round, o.id LIMIT ?3";
    CHECK(plan(due_lane).find("outbox_pending_lane") != std::string::npos);
    CHECK(plan(due_lane).find("TEMP B-TREE") == std::string::npos);

    // And the move itself: the reply takes the person's earlier bulk row into its lane.
    storage::OutboxItem bulk;
    bulk.channel = "zalo";
    bulk.kind = "reminder";
    bulk.recipient = "u1";
    bulk.message.text = "nhắc";
    core::SendValidity v;
    v.kind = "reminder";
    v.unit = "C";
    bulk.validity = v;
    storage::OutboxRepo outbox(db);
    REQUIRE(outbox.enqueue(bulk, kNow));
    storage::OutboxItem other = bulk;
    other.recipient = "u2";
    REQUIRE(outbox.enqueue(other, kNow));
    storage::OutboxItem reply;
    reply.channel = "zalo";
    reply.kind = "reply";
    reply.recipient = "u1";
    reply.message.text = "trả lời";
    REQUIRE(outbox.enqueue(reply, kNow));
    SQLite::Statement q(db.handle(), "SELECT recipient, lane FROM outbox ORDER BY id");
    std::string lanes;
    while (q.executeStep())
        lanes += q.getColumn(0).getString() + ":" + std::to_string(q.getColumn(1).getInt()) + " ";
    CHECK(lanes == "u1:0 u2:1 u1:0 ");
}
