#include <catch2/catch.hpp>

#include "bot/templates.hpp"
#include "core/conversation.hpp"

using namespace tcns::core;

namespace {

Form tiny_form() {
    Form f;
    f.id = "tiny";
    f.version = 3;
    FormItem a;
    a.code = "LH01";
    a.label = "L";
    a.prompt = "P";
    FormItem b = a;
    b.code = "ID01";
    FormItem k;
    k.code = "KK01";
    k.type = ItemType::kText;
    k.required = false;
    k.choices = {{"network", "Mạng"}, {"other", "Khác"}};
    f.items = {a, b, k};
    f.checks = {{"ID01", CheckKind::kAtMost, "LH01"}};
    return f;
}

/// The words of templates/words.vi.json: commands are data, as in production.
const Words& words() {
    static const Words w = tcns::bot::load_templates(TCNS_SOURCE_DIR "/templates").words;
    return w;
}

Messages keys_as_text() {
    // Each message renders as its key, so tests read which message was chosen.
    std::map<std::string, std::string> m;
    for (auto k : required_message_keys()) m[std::string(k)] = std::string(k);
    return Messages(std::move(m));
}

InboundEvent text(std::string t) {
    InboundEvent e;
    e.kind = EventKind::kText;
    e.channel = "test";
    e.user_id = "u";
    e.text = std::move(t);
    return e;
}

Instant at(const char* s) {
    return *parse_instant(s);
}

struct Fixture {
    Form form = tiny_form();
    Messages messages = keys_as_text();
    ConversationContext ctx{form, messages, words()};
    Fixture() {
        ctx.person = 1;
        ctx.person_name = "An";
        TeamFacts t;
        t.id = 7;
        t.code = "T7";
        t.name = "Tổ 7";
        t.role = Role::kLeader;
        ctx.teams = {t};
        ctx.period = MonthPeriod{2026, 11};
        ctx.deadline = default_monthly_deadline(ctx.period);
    }
    StepResult run(const ConversationState& s, const std::string& t,
                   const char* now = "2026-11-10T09:00") {
        return step(s, text(t), at(now), ctx);
    }
};

}  // namespace

TEST_CASE("a leader's report walks the form and submits with the form's answers") {
    Fixture f;
    auto r = f.run({}, "bc");
    CHECK(r.state.step() == Step::kAsking);
    CHECK(r.replies.back().text.find("question") != std::string::npos);
    CHECK(r.replies.back().expects_number);
    r = f.run(r.state, "10");
    r = f.run(r.state, "5");
    CHECK(r.state.index == 2);
    r = f.run(r.state, "bo qua");
    CHECK(r.state.step() == Step::kSummary);
    r = f.run(r.state, "gui");
    REQUIRE(r.effects.size() == 1);
    const auto& sub = std::get<SubmitReport>(r.effects[0]);
    CHECK(sub.team == 7);
    CHECK(sub.period == "2026-11");
    CHECK(sub.revision == 1);
    CHECK_FALSE(sub.late);
    CHECK(*sub.answers.at("LH01").number == 10);
    CHECK(sub.answers.at("KK01").skipped);
    CHECK(r.state.step() == Step::kIdle);
}

TEST_CASE("a report submitted at the deadline instant is late, one second before is not") {
    Fixture f;
    ConversationState s;
    s.at = steps::Summary{};
    s.team = 7;
    s.period = "2026-11";
    s.answers["LH01"].number = 1;
    s.answers["ID01"].number = 1;
    auto on_time = f.run(s, "gửi", "2026-11-29T23:59:59");
    CHECK_FALSE(std::get<SubmitReport>(on_time.effects.at(0)).late);
    auto late = f.run(s, "gửi", "2026-11-30T00:00");
    CHECK(std::get<SubmitReport>(late.effects.at(0)).late);
}

/// Each step with its fields set as a stale state might hold them (an item, other teams).
StepState at_step(Step st) {
    switch (st) {
        case Step::kChoosingTeam:
            return steps::ChoosingTeam{{7, 99}};
        case Step::kAsking:
            return steps::Asking{};
        case Step::kConfirmingCheck:
            return steps::ConfirmingCheck{"ID01", 0};
        case Step::kSummary:
            return steps::Summary{};
        case Step::kConfirmingCancel:
            return steps::ConfirmingCancel{};
        case Step::kChoosingPeriod:
            return steps::ChoosingPeriod{};
        case Step::kConfirmingValue:
            return steps::ConfirmingValue{"ID01", 0};
        case Step::kConfirmingQuick:
            return steps::ConfirmingQuick{};
        default:
            return steps::Idle{};
    }
}

TEST_CASE("every state answers every kind of input without crashing") {
    Fixture f;
    const char* inputs[] = {
        "",   "bc", "gui", "sua", "sua 99",      "huy",      "co",  "khong",  "quay lai", "bo qua",
        "tt", "?",  "1",   "-1",  "99999999999", "\xff\xfe", "kk:", "bc 1 2", "xin chao", "T7"};
    for (Step st :
         {Step::kIdle, Step::kChoosingTeam, Step::kAsking, Step::kConfirmingCheck, Step::kSummary,
          Step::kConfirmingCancel, Step::kConfirmingValue, Step::kConfirmingQuick}) {
        for (const char* in : inputs) {
            ConversationState s;
            s.at = at_step(st);
            s.team = 7;
            s.period = "2026-11";
            s.index = 5;  // out of range on purpose: a stale state from an older form
            INFO(step_name(st) << " / " << in);
            const auto r = f.run(s, in);
            CHECK_FALSE(r.replies.empty());
        }
    }
    InboundEvent sticker;
    sticker.kind = EventKind::kUnsupported;
    CHECK_FALSE(step({}, sticker, at("2026-11-10T09:00"), f.ctx).replies.empty());
    InboundEvent receipt;
    receipt.kind = EventKind::kReceipt;
    CHECK(step({}, receipt, at("2026-11-10T09:00"), f.ctx).replies.empty());
}

TEST_CASE("an unknown account is asked for its code and throttled after five wrong codes") {
    Fixture f;
    f.ctx.person.reset();
    f.ctx.teams.clear();
    f.ctx.invite = InviteCheck::with(InviteCheck::Status::kUnknown);
    ConversationState s;
    for (int i = 0; i < 5; ++i) {
        auto r = f.run(s, "ABC234", "2026-11-10T09:00");
        // The fifth wrong code says to wait, never "0 tries left".
        CHECK(r.replies.back().text == (i < 4 ? "link_code_unknown" : "link_code_unknown_last"));
        s = r.state;
    }
    f.ctx.invite = InviteCheck::with(InviteCheck::Status::kValid);
    f.ctx.invite->person = 9;
    auto blocked = f.run(s, "GOOD22", "2026-11-10T09:30");
    CHECK(blocked.replies.back().text == "link_wait");
    CHECK(blocked.effects.empty());
    auto later = f.run(s, "GOOD22", "2026-11-10T10:01");
    REQUIRE(later.effects.size() == 1);
    CHECK(std::get<LinkAccount>(later.effects[0]).person == 9);
    CHECK(f.run({}, "xin chao").replies.back().text == "link_ask_code");
}

TEST_CASE("invite codes are recognised as six letters or digits, spaces and dashes ignored") {
    CHECK(looks_like_invite_code("K7M2QX"));
    CHECK(looks_like_invite_code(" k7m-2qx "));
    CHECK(looks_like_invite_code("ABCDEF"));
    CHECK_FALSE(looks_like_invite_code("xin chào"));
    CHECK_FALSE(looks_like_invite_code("hello"));
    CHECK_FALSE(looks_like_invite_code("K7M2QX9"));
}

TEST_CASE("the filing period is the previous month only while its extension runs") {
    const Instant dec1 = at("2026-12-01T08:00");
    CHECK(filing_period(dec1, false, default_monthly_deadline({2026, 11})).str() == "2026-12");
    CHECK(filing_period(dec1, false, at("2026-12-03T00:00")).str() == "2026-11");
    CHECK(filing_period(dec1, true, at("2026-12-03T00:00")).str() == "2026-12");
}

TEST_CASE("free-text difficulties are sorted into categories by keywords") {
    CHECK(classify_difficulty("Mất sóng 4G ở tổ 5", words()) == "network");
    CHECK(classify_difficulty("nhieu cu gia khong biet dung", words()) == "elderly");
    CHECK(classify_difficulty("Người dân chưa xác thực được VNeID", words()) == "vneid");
    CHECK(classify_difficulty("điện thoại cục gạch", words()) == "devices");
    CHECK(classify_difficulty("thiếu kinh phí", words()) == "other");
}

namespace {

bool said(const StepResult& r, std::string_view key) {
    for (const auto& m : r.replies)
        if (m.text.find(key) != std::string::npos) return true;
    return false;
}

}  // namespace

TEST_CASE("a state stored with a position index resumes at that question and then by code") {
    Fixture f;
    // As the build before item codes stored it: index 1 (ID01), no item, no form version.
    ConversationState old;
    old.at = steps::Asking{};
    old.team = 7;
    old.period = "2026-11";
    old.index = 1;
    old.answers["LH01"].number = 10;
    auto r = f.run(old, "5");
    CHECK(r.state.answers.at("ID01").number == 5);
    CHECK(r.state.form_version == 3);
    CHECK(r.state.item == "KK01");
    REQUIRE(r.draft);  // the team's shared draft is written from it
    CHECK(r.draft->answers == r.state.answers);
    CHECK(r.draft->base_revision == 0);
}

TEST_CASE("a draft begun before a submission is never submitted over it unseen") {
    Fixture f;
    auto r = f.run({}, "bc");
    r = f.run(r.state, "7");
    CHECK(r.state.base_revision == 0);
    // Meanwhile the other filer submitted revision 1.
    f.ctx.teams[0].revision = 1;
    f.ctx.teams[0].submitted_at = at("2026-11-10T10:00");
    f.ctx.teams[0].submitted_by = "Bình";
    f.ctx.teams[0].submitted["LH01"].number = 120;
    f.ctx.teams[0].submitted["ID01"].number = 40;
    r = f.run(r.state, "3");  // the open question is still answered in the person's own view
    CHECK_FALSE(r.draft);     // but the stale view is not written over the team's draft
    r = f.run(r.state, "khong");
    CHECK(r.state.step() == Step::kSummary);
    r = f.run(r.state, "gui");
    CHECK(said(r, "conflict_submitted"));
    CHECK(said(r, "conflict_line"));
    CHECK(said(r, "summary_revision_of"));
    CHECK(r.effects.empty());
    CHECK(r.state.base_revision == 1);
    CHECK(r.state.revising);
    r = f.run(r.state, "gui");  // seen: confirmed again
    REQUIRE(r.effects.size() == 1);
    const auto& sub = std::get<SubmitReport>(r.effects[0]);
    CHECK(sub.revision == 2);
    CHECK(sub.base_revision == 1);
    CHECK(*sub.answers.at("LH01").number == 7);
}

TEST_CASE("the team's draft is continued by the other filer and changes are shown before sending") {
    Fixture f;
    Draft d;
    d.form_version = 3;
    d.answers["LH01"].number = 7;
    d.updated_by_name = "Bình";
    f.ctx.teams[0].draft = d;
    // What the engine does with the step's draft change: the team's draft for the next step.
    auto run = [&](const ConversationState& st, const std::string& t) {
        auto r = f.run(st, t);
        if (r.draft) f.ctx.teams[0].draft->answers = r.draft->answers;
        return r;
    };
    auto r = run({}, "bc");
    CHECK(said(r, "report_resume_shared"));
    CHECK(r.state.answers.at("LH01").number == 7);
    CHECK(r.state.item == "ID01");  // the first unanswered question
    r = run(r.state, "5");
    r = run(r.state, "khong");
    REQUIRE(r.state.step() == Step::kSummary);
    // The other filer changes LH01 while this person looks at the summary.
    f.ctx.teams[0].draft->answers["LH01"].number = 9;
    r = run(r.state, "gui");
    CHECK(said(r, "draft_changed_by_other"));
    CHECK(r.effects.empty());
    r = run(r.state, "gui");
    INFO(r.replies.back().text);
    REQUIRE(r.effects.size() == 1);
    CHECK(*std::get<SubmitReport>(r.effects[0]).answers.at("LH01").number == 9);
}

TEST_CASE("a form change under an open draft reopens it at the summary without its old items") {
    Fixture f;
    auto r = f.run({}, "bc");
    r = f.run(r.state, "10");
    r = f.run(r.state, "5");
    CHECK(r.state.item == "KK01");
    f.form.items[1].enabled = false;  // ID01
    f.form.version = 4;
    r = f.run(r.state, "mất sóng");
    CHECK(said(r, "form_changed"));
    CHECK(r.state.step() == Step::kSummary);
    CHECK(r.state.form_version == 4);
    CHECK(r.state.answers.count("ID01") == 0);
    CHECK(r.state.answers.count("KK01") == 0);  // the typed text was not filed anywhere
    REQUIRE(r.draft);
    CHECK(r.draft->form_version == 4);
}

TEST_CASE("at the month boundary bc asks which month, and the missed month files late") {
    Fixture f;
    f.ctx.period = MonthPeriod{2026, 12};
    f.ctx.deadline = default_monthly_deadline(f.ctx.period);
    MissedMonth m;
    m.period = MonthPeriod{2026, 11};
    m.deadline = default_monthly_deadline(m.period);
    m.teams = f.ctx.teams;
    f.ctx.missed = m;
    auto r = f.run({}, "bc", "2026-12-02T09:00");
    CHECK(r.state.step() == Step::kChoosingPeriod);
    CHECK(said(r, "choose_period"));
    REQUIRE(r.replies.back().buttons.size() == 2);
    // A count typed too early is not a month.
    auto early = f.run(r.state, "11", "2026-12-02T09:00");
    CHECK(early.state.step() == Step::kChoosingPeriod);
    r = f.run(r.state, "1", "2026-12-02T09:00");
    CHECK(r.state.period == "2026-11");
    CHECK(r.state.step() == Step::kAsking);
    auto t = f.run({}, "tt", "2026-12-02T09:00");
    CHECK(said(t, "status_missed"));
    CHECK(said(t, "status_not_submitted"));
    auto direct = f.run({}, "bc tháng 11/2026", "2026-12-02T09:00");
    CHECK(direct.state.period == "2026-11");
    auto current = f.run({}, "bc thang 12", "2026-12-02T09:00");
    CHECK(current.state.period == "2026-12");
    auto other = f.run({}, "bc thang 9", "2026-12-02T09:00");
    CHECK(said(other, "month_not_open"));
}
