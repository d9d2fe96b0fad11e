#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "storage/chat_store.hpp"
#include "storage/outbox_repo.hpp"
#include "tests/support/small_roster.hpp"
#include "tests/support/state_decode_dom.hpp"

using namespace tcns;

TEST_CASE("conversation state survives encoding exactly") {
    core::ConversationState s;
    s.at = core::steps::ConfirmingCheck{"ID01", 150};
    s.team = 42;
    s.period = "2026-11";
    s.index = 3;
    s.answers["LH01"].number = 9'000'000'000LL;
    s.answers["KK01"].text = "Mất sóng \"4G\"";
    s.answers["KK01"].choice = "network";
    s.answers["DX01"].skipped = true;
    s.return_to_summary = true;
    s.revising = true;
    s.wrong_codes = 3;
    s.wrong_codes_since = core::from_unix(1'790'000'000);
    s.item = "ID01";
    s.form_version = 7;
    s.base_revision = 2;
    CHECK(storage::ConversationRepo::decode(storage::ConversationRepo::encode(s)) == s);
    CHECK(storage::ConversationRepo::decode("not json") == core::ConversationState{});
    // Every step's own fields too.
    for (const core::StepState& at :
         {core::StepState{core::steps::ChoosingTeam{{1, 2}}},
          core::StepState{core::steps::Asking{"other"}},
          core::StepState{core::steps::ConfirmingValue{"HO01", 25'000}},
          core::StepState{core::steps::ConfirmingCancel{core::Step::kAsking, "network"}},
          core::StepState{core::steps::ConfirmingCancel{core::Step::kSummary, ""}},
          core::StepState{core::steps::ChoosingPeriod{}},
          core::StepState{core::steps::ConfirmingQuick{}}}) {
        s.at = at;
        CHECK(storage::ConversationRepo::decode(storage::ConversationRepo::encode(s)) == s);
    }
}

TEST_CASE("a reading awaiting Đúng survives encoding and a restart") {
    // Issue 13: "25 nghìn" is asked before it is stored; the question must outlive a restart.
    for (const auto step : {core::Step::kConfirmingValue, core::Step::kConfirmingQuick}) {
        core::ConversationState s;
        s.at = core::steps::ConfirmingQuick{};
        s.team = 7;
        s.period = "2026-11";
        s.index = 1;
        s.answers["LH01"].number = 120;
        if (step == core::Step::kConfirmingValue) {
            s.at = core::steps::ConfirmingValue{"HO01", 25'000};
        } else {
            s.answers["HO01"].number = 2'000;
        }
        const std::string text = storage::ConversationRepo::encode(s);
        INFO(text);
        CHECK(storage::ConversationRepo::decode(text) == s);
    }
}

TEST_CASE("a value left over after its check was confirmed survives encoding too") {
    // Found by fuzz_conversation: "có" cleared pending_item but not pending_value, and the
    // value was only written next to an item, so the state read back differed from the one
    // saved. Since the steps have their own fields, a question holds no pending value at all;
    // a stored one is ignored.
    core::ConversationState s;
    s.at = core::steps::Asking{};
    s.team = 7;
    s.wrong_codes = -1;
    CHECK(storage::ConversationRepo::decode(R"({"step":"asking","team":7,"pending_value":50,)"
                                            R"("wrong_codes":-1})") == s);
    CHECK(storage::ConversationRepo::decode(storage::ConversationRepo::encode(s)) == s);
}

TEST_CASE("a stored state with flags of the wrong type decodes without throwing") {
    // Found by fuzz_state_decode: json::value() throws type_error on a non-boolean.
    const auto s = storage::ConversationRepo::decode(
        R"({"step":"summary","return_to_summary":"yes","revising":1,"answers":{}})");
    CHECK(s.step() == core::Step::kSummary);
    CHECK_FALSE(s.return_to_summary);
    CHECK_FALSE(s.revising);
}

TEST_CASE("a state holding text that is not UTF-8 is encoded with replacement characters") {
    // Found by fuzz_conversation: a Latin-1 line typed in `tcns chat` became a text answer and
    // json::dump() threw type_error 316, ending the chat.
    core::ConversationState s;
    s.at = core::steps::Asking{};
    s.answers["KK01"].text = "s\xf3ng y\xe1u";
    std::string encoded;
    REQUIRE_NOTHROW(encoded = storage::ConversationRepo::encode(s));
    CHECK(storage::ConversationRepo::decode(encoded).answers.at("KK01").text ==
          "s\uFFFDng y\uFFFDu");
}

TEST_CASE("a stored throttle instant beyond the calendar is dropped") {
    // Found by fuzz_state_decode: the conversation computes since + 1 h and now - since, a signed
    // overflow (UBSan) for an instant near the int64 limits.
    for (const char* since : {"9223372036854775807", "-9223372036854775808"}) {
        const auto s = storage::ConversationRepo::decode(
            std::string(R"({"step":"idle","wrong_codes":5,"wrong_codes_since":)") + since + "}");
        CHECK_FALSE(s.wrong_codes_since);
    }
    const auto ok = storage::ConversationRepo::decode(
        R"({"step":"idle","wrong_codes":5,"wrong_codes_since":1795000000})");
    CHECK(ok.wrong_codes_since == core::from_unix(1'795'000'000));
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

TEST_CASE("an answer within a minute of the last does not rewrite the account, unless refused") {
    storage::Database db(":memory:");
    storage::ChatAccountRepo accounts(db);
    const auto t0 = core::from_unix(1'790'000'000);
    auto last = [&] {
        return db.handle()
            .execAndGet("SELECT last_inbound_at FROM chat_accounts WHERE id = 1")
            .getInt64();
    };
    auto a = accounts.find_or_create("zalo", "u1", "", t0);
    accounts.touch_inbound(a, t0);
    CHECK(last() == 1'790'000'000);
    a = *accounts.find("zalo", "u1");
    REQUIRE(a.last_inbound == t0);
    accounts.touch_inbound(a, t0 + std::chrono::seconds(59));
    CHECK(last() == 1'790'000'000);  // unchanged: nothing that matters changed
    accounts.touch_inbound(a, t0 + std::chrono::seconds(60));
    CHECK(last() == 1'790'000'060);
    // A platform refused the account since: the next message clears that at once.
    db.handle().exec(
        "UPDATE chat_accounts SET unreachable_reason = 'blocked', "
        "unreachable_at = 1790000061");
    a = *accounts.find("zalo", "u1");
    CHECK(a.unreachable);
    accounts.touch_inbound(a, t0 + std::chrono::seconds(62));
    CHECK(last() == 1'790'000'062);
    CHECK(db.handle()
              .execAndGet("SELECT unreachable_reason IS NULL AND unreachable_at IS NULL FROM "
                          "chat_accounts")
              .getInt() == 1);
}

TEST_CASE(
    "a person's teams are sorted leader roles first, then by code, and the higher role counts") {
    storage::Database db(":memory:");
    test::seed_small_roster(db);
    // Dung is deputy of T1 and leader of T2; make her a member of T1 too (two roles in a team).
    db.handle().exec("INSERT INTO roles (person_id, role, team_id) VALUES (5, 'member', 1)");
    storage::ReportRepo reports(db);
    const auto dung = reports.person_facts(5);
    REQUIRE(dung.teams.size() == 2);
    CHECK(dung.teams[0].code == "T2");
    CHECK(dung.teams[1].code == "T1");
    CHECK(dung.teams[1].role == core::Role::kDeputy);
}

namespace {

/// The encoders as they were written with nlohmann's DOM: the hand-written ones must produce
/// the same bytes (stored states and outbox rows are read back by older and newer builds).
std::string nlohmann_state(const core::ConversationState& s) {
    const storage::StoredStep f = storage::stored_step(s.at);
    nlohmann::json j;
    j["step"] = std::string(core::step_name(f.step));
    if (s.team) j["team"] = *s.team;
    if (!s.period.empty()) j["period"] = s.period;
    j["index"] = s.index;
    nlohmann::json answers = nlohmann::json::object();
    for (const auto& [code, a] : s.answers) {
        nlohmann::json x = nlohmann::json::object();
        if (a.number) x["n"] = *a.number;
        if (!a.text.empty()) x["t"] = a.text;
        if (!a.choice.empty()) x["c"] = a.choice;
        if (a.skipped) x["s"] = true;
        answers[code] = x;
    }
    j["answers"] = std::move(answers);
    if (s.return_to_summary) j["return_to_summary"] = true;
    if (s.revising) j["revising"] = true;
    if (!f.pending_item.empty()) j["pending_item"] = f.pending_item;
    if (f.pending_value != 0) j["pending_value"] = f.pending_value;
    if (!f.pending_category.empty()) j["pending_category"] = f.pending_category;
    if (f.cancel_return != core::Step::kIdle)
        j["cancel_return"] = std::string(core::step_name(f.cancel_return));
    if (!f.team_choices.empty()) j["team_choices"] = f.team_choices;
    if (s.wrong_codes != 0) j["wrong_codes"] = s.wrong_codes;
    if (s.wrong_codes_since) j["wrong_codes_since"] = core::to_unix(*s.wrong_codes_since);
    if (!s.item.empty()) j["item"] = s.item;
    if (s.form_version != 0) j["form_version"] = s.form_version;
    if (s.base_revision != 0) j["base_revision"] = s.base_revision;
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string nlohmann_message(const core::OutboundMessage& m) {
    nlohmann::json j;
    j["text"] = m.text;
    if (!m.buttons.empty()) {
        auto& b = j["buttons"] = nlohmann::json::array();
        for (const auto& q : m.buttons) b.push_back({{"label", q.label}, {"payload", q.payload}});
    }
    if (m.expects_number) j["expects_number"] = true;
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

TEST_CASE("states and outbox messages are written byte for byte as nlohmann writes them") {
    const std::vector<std::string> texts = {
        "",
        "Số người cài VNeID",
        "quote \" backslash \\ slash / tab\t nl\n cr\r bs\b ff\f",
        std::string("nul \0 and \x01\x1f\x7f", sizeof("nul \0 and \x01\x1f\x7f") - 1),
        "s\xf3ng y\xe1u",          // Latin-1, not UTF-8
        "cut \xe1\xbb",            // a sequence cut at the end
        "\xed\xa0\x80 surrogate",  // UTF-16 surrogate encoded in UTF-8
        "emoji 😀 ok",
        "overlong \xc0\xaf \xe0\x80\xaf \xf0\x80\x80\xaf",
        "beyond U+10FFFF \xf4\x90\x80\x80, \xf5\x80\x80\x80",
        "lone continuation \x80 and \xbf",
        "highest \xf4\x8f\xbf\xbf and \xef\xbf\xbf and \xed\x9f\xbf",
    };
    for (const auto& t : texts) {
        INFO(t);
        core::ConversationState s;
        s.at = core::steps::ConfirmingCheck{t, 150};
        s.team = 42;
        s.period = "2026-11";
        s.index = 3;
        s.answers["LH01"].number = -9'000'000'000LL;
        s.answers["KK01"].text = t;
        s.answers["KK01"].choice = t.empty() ? "x" : t;
        s.answers["DX01"].skipped = true;
        s.answers[t.empty() ? "Z" : t].number = 0;
        s.return_to_summary = true;
        s.revising = true;
        s.wrong_codes = -3;
        s.wrong_codes_since = core::from_unix(1'790'000'000);
        s.item = t;
        s.form_version = 4;
        s.base_revision = -2;
        CHECK(storage::ConversationRepo::encode(s) == nlohmann_state(s));
        // Each step's own fields.
        for (const core::StepState& at :
             {core::StepState{core::steps::Asking{t}},
              core::StepState{core::steps::ConfirmingCancel{core::Step::kSummary, t}},
              core::StepState{core::steps::ChoosingTeam{{1, 2, 30}}}}) {
            s.at = at;
            CHECK(storage::ConversationRepo::encode(s) == nlohmann_state(s));
        }
        CHECK(storage::ConversationRepo::encode(core::ConversationState{}) ==
              nlohmann_state(core::ConversationState{}));

        core::OutboundMessage m;
        m.text = t;
        CHECK(storage::OutboxRepo::encode(m) == nlohmann_message(m));
        m.buttons = {{t, "p1"}, {"Có", t}};
        m.expects_number = true;
        CHECK(storage::OutboxRepo::encode(m) == nlohmann_message(m));
    }
}

TEST_CASE("the SAX state reader agrees with the DOM reader on odd stored states") {
    const std::vector<std::string> texts = {
        "",
        "null",
        "[]",
        "[{\"step\":\"summary\"}]",
        "\"summary\"",
        R"({})",
        R"({"step":"summary","team":7,"period":"2026-11","index":3})",
        R"({"step":"asking","team":"7","index":-1,"period":5})",
        R"({"team":7,"team":"x"})",
        R"({"team":"x","team":7})",
        R"({"answers":{"A":{"n":5,"t":"x","c":"y","s":true},"B":5,"C":[1,2],"D":{}}})",
        R"({"answers":{"A":{"n":5,"n":"five"}}})",
        R"({"answers":{"A":{"n":5}},"answers":[1]})",
        R"({"answers":{"A":{"n":5}},"answers":{"B":{"t":"b"}}})",
        R"({"answers":{"A":{"n":1},"A":{"t":"second"}}})",
        R"({"answers":{"A":{"n":{"deep":[1,2,{"n":3}]},"t":["x"],"c":null,"s":1}}})",
        R"({"answers":{"A":{"n":18446744073709551615,"s":false}}})",
        R"({"answers":{"A":{"n":1.5}}})",
        R"({"team_choices":[1,"2",3.5,[4],{"a":5},-6,18446744073709551615]})",
        R"({"team_choices":[1],"team_choices":{"a":1}})",
        R"({"return_to_summary":true,"revising":"yes","return_to_summary":1})",
        R"({"wrong_codes":3,"wrong_codes_since":99999999999999,"pending_value":-5})",
        R"({"wrong_codes_since":1790000000,"cancel_return":"summary","pending_item":"ID01"})",
        R"({"nested":{"step":"summary","answers":{"X":{"n":1}}},"step":"asking"})",
        R"({"step":"summary"} trailing)",
        R"({"step":"summ)",
        "{\"step\":\"s\xff\"}",
        R"({"index":1e3,"team":-0,"pending_value":9223372036854775808})",
        R"({"item":"ID01","form_version":3,"base_revision":1,"item":5,"form_version":"3"})",
        R"({"item":["ID01"],"base_revision":1.5,"form_version":-1})",
    };
    for (const auto& t : texts) {
        INFO(t);
        CHECK(storage::ConversationRepo::decode(t) == test::decode_state_dom(t));
    }
}

TEST_CASE("a state stored before drafts were shared and positions were item codes still loads") {
    // Written by the build before the shared drafts: a position index, the answers in the
    // state, no item code, no form version, no base revision.
    const auto s = storage::ConversationRepo::decode(
        R"({"answers":{"LH01":{"n":7},"HO01":{"n":7}},"index":2,"period":"2026-11",)"
        R"("revising":true,"step":"asking","team":1})");
    CHECK(s.step() == core::Step::kAsking);
    CHECK(s.index == 2);
    CHECK(s.item.empty());
    CHECK(s.form_version == 0);  // "legacy": the conversation takes the index
    CHECK(s.base_revision == 0);
    CHECK(*s.answers.at("LH01").number == 7);
    CHECK(s == test::decode_state_dom(
                   R"({"answers":{"LH01":{"n":7},"HO01":{"n":7}},"index":2,"period":"2026-11",)"
                   R"("revising":true,"step":"asking","team":1})"));
}

TEST_CASE("a team's draft is shared and remembers who gave each answer") {
    storage::Database db(":memory:");
    test::seed_small_roster(db);
    storage::DraftRepo drafts(db);
    CHECK_FALSE(drafts.load(1, "2026-11"));

    core::DraftChange c;
    c.team = 1;
    c.period = "2026-11";
    c.form_version = 3;
    c.answers["LH01"].number = 7;
    c.answers["KK01"].text = "Mất sóng \"4G\"";
    c.answers["KK01"].choice = "network";
    drafts.apply(c, std::nullopt, 3, core::from_unix(1'790'000'000));  // the deputy
    auto d = drafts.load(1, "2026-11");
    REQUIRE(d);
    CHECK(d->base_revision == 0);
    CHECK(d->form_version == 3);
    CHECK(d->answers == c.answers);
    CHECK(d->answered_by.at("LH01") == 3);
    CHECK(d->updated_by_name == "Trần Thị Bình");

    // The leader changes one answer and adds one: the deputy keeps hers.
    c.answers["LH01"].number = 120;
    c.answers["DX01"].skipped = true;
    drafts.apply(c, d, 1, core::from_unix(1'790'000'060));
    d = drafts.load(1, "2026-11");
    REQUIRE(d);
    CHECK(*d->answers.at("LH01").number == 120);
    CHECK(d->answered_by.at("LH01") == 1);
    CHECK(d->answered_by.at("KK01") == 3);
    CHECK(d->answered_by.at("DX01") == 1);
    CHECK(d->updated_by_name == "Nguyễn Văn An");
    CHECK_FALSE(drafts.load(2, "2026-11"));
    CHECK_FALSE(drafts.load(1, "2026-12"));

    c.remove = true;
    drafts.apply(c, d, 1, core::from_unix(1'790'000'120));
    CHECK_FALSE(drafts.load(1, "2026-11"));

    // Unreadable stored answers (a hand edit) are an empty draft, not an exception.
    db.handle().exec(
        "INSERT INTO drafts (team_id, period, form_version, answers, updated_at) "
        "VALUES (1, '2026-10', 1, 'not json', 0)");
    const auto bad = drafts.load(1, "2026-10");
    REQUIRE(bad);
    CHECK(bad->answers.empty());
}

TEST_CASE("a submission begun before another one is refused and writes nothing") {
    storage::Database db(":memory:");
    test::seed_small_roster(db);
    storage::ReportRepo reports(db);
    storage::DraftRepo drafts(db);
    core::Form form;
    form.id = "monthly-report";
    core::SubmitReport r;
    r.team = 1;
    r.period = "2026-11";
    r.base_revision = 0;
    r.answers["LH01"].number = 120;

    core::DraftChange c;
    c.team = 1;
    c.period = "2026-11";
    c.answers = r.answers;
    drafts.apply(c, std::nullopt, 1, core::from_unix(1'790'000'000));
    CHECK(reports.submit(r, form, 1, std::nullopt, core::from_unix(1'790'000'000)) > 0);
    CHECK_FALSE(drafts.load(1, "2026-11"));  // the draft became revision 1

    // The deputy's draft also began at revision 0: refused, nothing written.
    r.answers["LH01"].number = 7;
    CHECK(reports.submit(r, form, 3, std::nullopt, core::from_unix(1'790'000'100)) == 0);
    core::TeamFacts t;
    t.id = 1;
    reports.fill_team_facts(t, core::MonthPeriod{2026, 11});
    CHECK(t.revision == 1);
    CHECK(*t.submitted.at("LH01").number == 120);
    CHECK(t.submitted_by == "Nguyễn Văn An");
    SQLite::Statement n(db.handle(), "SELECT count(*) FROM reports");
    REQUIRE(n.executeStep());
    CHECK(n.getColumn(0).getInt() == 1);

    // Begun at revision 1 (after seeing it), it is revision 2.
    r.base_revision = 1;
    CHECK(reports.submit(r, form, 3, std::nullopt, core::from_unix(1'790'000'200)) > 0);
    reports.fill_team_facts(t, core::MonthPeriod{2026, 11});
    CHECK(t.revision == 2);
    CHECK(t.submitted_by == "Trần Thị Bình");
}

TEST_CASE("a revision after the deadline of an on-time report is marked, a late one's is not") {
    storage::Database db(":memory:");
    test::seed_small_roster(db);
    storage::ReportRepo reports(db);
    core::Form form;
    form.id = "monthly-report";
    core::SubmitReport r;
    r.period = "2026-11";
    r.answers["LH01"].number = 0;
    for (core::TeamId team : {1, 2}) {
        r.team = team;
        r.late = team == 2;  // T1 on time, T2 late
        reports.submit(r, form, 1, std::nullopt, core::from_unix(1'790'000'000));
        r.late = false;  // a revision before the deadline changes nothing
        if (team == 1) reports.submit(r, form, 1, std::nullopt, core::from_unix(1'790'000'050));
        r.late = true;
        r.answers["LH01"].number = 120;
        reports.submit(r, form, 1, std::nullopt, core::from_unix(1'790'000'100));
    }
    core::TeamFacts t1, t2;
    t1.id = 1;
    t2.id = 2;
    reports.fill_team_facts(t1, core::MonthPeriod{2026, 11});
    reports.fill_team_facts(t2, core::MonthPeriod{2026, 11});
    CHECK_FALSE(t1.late);
    CHECK(t1.revised_after_deadline);
    CHECK(t2.late);
    CHECK_FALSE(t2.revised_after_deadline);
}
