#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>

#include "storage/chat_store.hpp"
#include "tests/support/small_roster.hpp"

using namespace tcns;

TEST_CASE("conversation state survives encoding exactly") {
    core::ConversationState s;
    s.step = core::Step::kConfirmingCheck;
    s.team = 42;
    s.period = "2026-11";
    s.index = 3;
    s.answers["LH01"].number = 9'000'000'000LL;
    s.answers["KK01"].text = "Mất sóng \"4G\"";
    s.answers["KK01"].choice = "network";
    s.answers["DX01"].skipped = true;
    s.return_to_summary = true;
    s.revising = true;
    s.pending_item = "ID01";
    s.pending_value = 150;
    s.pending_category = "other";
    s.cancel_return = core::Step::kSummary;
    s.team_choices = {1, 2};
    s.wrong_codes = 3;
    s.wrong_codes_since = core::from_unix(1'790'000'000);
    CHECK(storage::ConversationRepo::decode(storage::ConversationRepo::encode(s)) == s);
    CHECK(storage::ConversationRepo::decode("not json") == core::ConversationState{});
}

TEST_CASE("revisions are numbered by the database and the first one decides lateness") {
    storage::Database db(":memory:");
    test::seed_small_roster(db);
    storage::ReportRepo reports(db);
    core::Form form;
    form.id = "monthly-report";
    form.version = 2;
    core::SubmitReport r;
    r.team = 1;
    r.period = "2026-11";
    r.answers["LH01"].number = 5;
    r.late = false;
    reports.submit(r, form, 1, std::nullopt, core::from_unix(1'790'000'000));
    r.late = true;
    r.answers["LH01"].number = 6;
    reports.submit(r, form, 3, std::nullopt, core::from_unix(1'790'000'100));

    core::TeamFacts t;
    t.id = 1;
    reports.fill_team_facts(t, core::MonthPeriod{2026, 11});
    CHECK(t.revision == 2);
    CHECK_FALSE(t.late);
    CHECK(*t.submitted.at("LH01").number == 6);

    core::TeamFacts next;
    next.id = 1;
    reports.fill_team_facts(next, core::MonthPeriod{2026, 12});
    CHECK(next.revision == 0);
    CHECK(next.last_values.at("LH01") == 6);

    SQLite::Statement q(db.handle(), "SELECT group_concat(form_version) FROM reports");
    REQUIRE(q.executeStep());
    CHECK(q.getColumn(0).getString() == "2,2");
}

TEST_CASE("a person's teams come leader roles first, with officials flagged") {
    storage::Database db(":memory:");
    test::seed_small_roster(db);
    storage::ReportRepo reports(db);
    const auto dung = reports.person_facts(5);
    REQUIRE(dung.teams.size() == 2);
    CHECK(dung.teams[0].code == "T2");
    CHECK(dung.teams[0].role == core::Role::kLeader);
    CHECK(dung.teams[1].role == core::Role::kDeputy);
    CHECK_FALSE(dung.official);
    CHECK(reports.person_facts(2).official);
}
