// core::step driven by a whole dialogue: the input is split into lines, each line one event, the
// state carried from one to the next as the engine does (through its stored JSON form).
//
// A line is a text event unless it starts with a byte 0x01..0x06, which makes it an unsupported
// message, a chat opening (the rest is the deep-link context), a subscription, an
// unsubscription, a shared phone (the rest is the number) or a receipt. A first line starting
// with '#' sets up the context instead; the person leads team 7 unless it says otherwise:
//   "unlinked"   the account is not linked yet: six-character lines are looked up as invite codes
//                (valid, unknown, expired or used according to their last byte) and a LinkAccount
//                effect links it for the rest of the dialogue;
//   "two-teams"  the person is also deputy of team 8 and member of team 9 (picks a team);
//   "submitted"  team 7 has already submitted the period (the report is a revision).
//
// Invariants checked: every text event gets a reply; a draft's position is inside the form; a
// draft and a submitted report are for a team the person may file for, and the context's
// period, with the next revision number; when every line is valid
// UTF-8 (as it always is from the webhooks, whose JSON parser refuses anything else) every reply
// is valid UTF-8 and the state survives storage's encode/decode unchanged.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "bot/templates.hpp"
#include "core/conversation.hpp"
#include "core/utf8.hpp"
#include "storage/chat_store.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace tcns;

namespace {

core::Form small_form() {
    core::Form f;
    f.id = "fuzz";
    f.version = 1;
    core::FormItem count;
    count.label = "Lượt hỗ trợ";
    count.prompt = "Bao nhiêu lượt?";
    count.unit = "lượt";
    core::FormItem a = count;
    a.code = "LH01";
    core::FormItem b = count;
    b.code = "ID01";
    b.unit = "người";
    core::FormItem optional_count = count;
    optional_count.code = "HD01";
    optional_count.required = false;
    optional_count.max = 500;
    core::FormItem off = count;
    off.code = "XX01";
    off.enabled = false;
    core::FormItem choice;
    choice.code = "MH01";
    choice.label = "Mô hình";
    choice.prompt = "Mô hình nào?";
    choice.type = core::ItemType::kChoice;
    choice.choices = {{"yes", "Có"}, {"no", "Không"}};
    core::FormItem text;
    text.code = "KK01";
    text.label = "Khó khăn";
    text.prompt = "Khó khăn gì?";
    text.type = core::ItemType::kText;
    text.required = false;
    text.max_length = 20;
    text.choices = {{"network", "Sóng yếu"}, {"devices", "Thiếu thiết bị"}, {"other", "Khác"}};
    f.items = {a, b, optional_count, off, choice, text};
    f.checks = {{"ID01", core::CheckKind::kAtMost, "LH01"},
                {"HD01", core::CheckKind::kAtLeastWhenPositive, "ID01"}};
    return f;
}

/// The words of templates/words.vi.json: the conversation's commands are data.
const core::Words& words() {
    static const core::Words w = bot::load_templates(TCNS_SOURCE_DIR "/templates").words;
    return w;
}

core::Messages keys_as_text() {
    std::map<std::string, std::string> m;
    for (auto k : core::required_message_keys()) m[std::string(k)] = std::string(k);
    return core::Messages(std::move(m));
}

struct Setup {
    bool linked = true;
    bool two_teams = false;
    bool submitted = false;
};

std::vector<core::TeamFacts> teams_of(const Setup& setup) {
    core::TeamFacts t;
    t.id = 7;
    t.code = "T7";
    t.name = "Tổ CNS Ấp 1";
    t.unit_name = "Ấp 1";
    t.role = core::Role::kLeader;
    t.last_values = {{"LH01", 120}, {"ID01", 30}};
    t.targets = {{"LH01", 100}};
    if (setup.submitted) {
        t.revision = 1;
        t.submitted_at = *core::parse_instant("2026-11-20T10:00");
        t.submitted["LH01"].number = 90;
        t.submitted["ID01"].number = 20;
        t.submitted["KK01"].skipped = true;
    }
    std::vector<core::TeamFacts> teams{t};
    if (setup.two_teams) {
        core::TeamFacts d;
        d.id = 8;
        d.code = "T8";
        d.name = "Tổ CNS Ấp 2";
        d.role = core::Role::kDeputy;
        teams.push_back(d);
        d.id = 9;
        d.code = "T9";
        d.name = "Tổ CNS Ấp 3";
        d.role = core::Role::kMember;
        teams.push_back(d);
    }
    return teams;
}

bool may_file(std::optional<core::TeamId> team, const Setup& setup) {
    return team == 7 || (setup.two_teams && team == 8);
}

core::InboundEvent event_of(std::string_view line) {
    core::InboundEvent e;
    e.channel = "fuzz";
    e.user_id = "u1";
    const unsigned char first = line.empty() ? 0 : static_cast<unsigned char>(line.front());
    if (first >= 0x01 && first <= 0x06) {
        line.remove_prefix(1);
        switch (first) {
            case 0x01:
                e.kind = core::EventKind::kUnsupported;
                e.media_type = "sticker";
                break;
            case 0x02:
                e.kind = core::EventKind::kStarted;
                e.text = std::string(line);
                break;
            case 0x03:
                e.kind = core::EventKind::kSubscribed;
                break;
            case 0x04:
                e.kind = core::EventKind::kUnsubscribed;
                break;
            case 0x05:
                e.kind = core::EventKind::kSharedPhone;
                e.phone = std::string(line);
                break;
            default:
                e.kind = core::EventKind::kReceipt;
                e.receipt = "seen";
                e.message_id = std::string(line);
                break;
        }
    } else {
        e.kind = core::EventKind::kText;
        e.text = std::string(line);
    }
    return e;
}

core::InviteCheck invite_for(std::string_view code) {
    const auto last = static_cast<unsigned char>(code.back());
    auto c = core::InviteCheck::with(static_cast<core::InviteCheck::Status>(last % 4));
    if (c.status == core::InviteCheck::Status::kValid) {
        c.person = 1;
        c.person_name = "Nguyễn Văn An";
        c.team_name = "Tổ CNS Ấp 1";
    }
    return c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const core::Form form = small_form();
    static const core::Messages messages = keys_as_text();
    static const std::size_t enabled = form.enabled_items().size();

    std::string_view input(reinterpret_cast<const char*>(data), size);
    std::vector<std::string_view> lines;
    while (!input.empty() && lines.size() < 64) {
        const auto nl = input.find('\n');
        lines.push_back(input.substr(0, nl));
        input = nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);
    }
    Setup setup;
    if (!lines.empty() && lines.front().starts_with('#')) {
        const std::string_view h = lines.front();
        setup.linked = h.find("unlinked") == std::string_view::npos;
        setup.two_teams = h.find("two-teams") != std::string_view::npos;
        setup.submitted = h.find("submitted") != std::string_view::npos;
        lines.erase(lines.begin());
    }
    bool& linked = setup.linked;
    const std::vector<core::TeamFacts> teams = teams_of(setup);
    bool all_utf8 = true;
    for (auto l : lines) all_utf8 = all_utf8 && core::is_valid_utf8(l);

    // Two days before the deadline, an hour per message: long dialogues cross it.
    core::Instant now = *core::parse_instant("2026-11-28T09:00");
    core::ConversationState state;
    for (auto line : lines) {
        core::ConversationContext ctx(form, messages, words());
        ctx.period = core::MonthPeriod{2026, 11};
        ctx.deadline = core::default_monthly_deadline(ctx.period);
        if (linked) {
            ctx.person = 1;
            ctx.person_name = "Nguyễn Văn An";
            ctx.teams = teams;
        }
        const core::InboundEvent ev = event_of(line);
        if (!linked && ev.kind == core::EventKind::kText)
            if (const auto code = core::find_invite_code(ev.text)) ctx.invite = invite_for(*code);
        if (!linked && ev.kind == core::EventKind::kSharedPhone && !ev.phone.empty())
            ctx.phone_match = invite_for(ev.phone);

        const core::StepResult r = core::step(state, ev, now, ctx);

        if (ev.kind == core::EventKind::kText)
            fuzz::check(!r.replies.empty(), "every text event gets a reply");
        if (r.state.step() == core::Step::kAsking)
            fuzz::check(r.state.index < enabled, "a question is one of the enabled items");
        if (r.state.step() == core::Step::kAsking || r.state.step() == core::Step::kSummary ||
            r.state.step() == core::Step::kConfirmingCheck ||
            r.state.step() == core::Step::kConfirmingValue ||
            r.state.step() == core::Step::kConfirmingQuick)
            fuzz::check(may_file(r.state.team, setup), "a draft is for a team the person files");
        for (const auto& effect : r.effects) {
            if (const auto* s = std::get_if<core::SubmitReport>(&effect)) {
                fuzz::check(linked && may_file(s->team, setup) && s->period == "2026-11",
                            "a report is for a team the person files and the period");
                const int before = setup.submitted && s->team == 7 ? 1 : 0;
                fuzz::check(s->revision == before + 1, "a report is the next revision");
            }
            if (std::holds_alternative<core::LinkAccount>(effect)) {
                fuzz::check(!linked, "only an unlinked account is linked");
                linked = true;
            }
        }
        // The engine stores the state between messages: encoding must not throw, and (when the
        // text is UTF-8, as JSON can only carry UTF-8) what it reads back must be the same.
        const std::string encoded = storage::ConversationRepo::encode(r.state);
        if (all_utf8) {
            for (const auto& m : r.replies) {
                fuzz::check(core::is_valid_utf8(m.text), "replies are valid UTF-8");
                for (const auto& b : m.buttons)
                    fuzz::check(core::is_valid_utf8(b.label) && core::is_valid_utf8(b.payload),
                                "buttons are valid UTF-8");
            }
            const auto stored = storage::ConversationRepo::decode(encoded);
            fuzz::check(stored == r.state, "the state survives encode/decode");
            state = stored;
        } else {
            state = r.state;
        }
        now += std::chrono::hours{1};
    }
    return 0;
}
