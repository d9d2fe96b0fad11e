// core::step driven by a whole dialogue: the input is split into lines, each line one event, the
// state carried from one to the next as the engine does (through its stored JSON form).
//
// A line is a text event unless it starts with a byte 0x01..0x06, which makes it an unsupported
// message, a chat opening (the rest is the deep-link context), a subscription, an
// unsubscription, a shared phone (the rest is the number) or a receipt. An input whose first line
// is "#unlinked" starts from an account not yet linked: six-character lines are then looked up as
// invite codes (valid, unknown, expired or used according to their last byte) and a LinkAccount
// effect links the account to the leader for the rest of the dialogue.
//
// Invariants checked: every text event gets a reply; a draft's position is inside the form; a
// submitted report is for the leader's team and the context's period; when every line is valid
// UTF-8 (as it always is from the webhooks, whose JSON parser refuses anything else) every reply
// is valid UTF-8 and the state survives storage's encode/decode unchanged.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

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

core::Messages keys_as_text() {
    std::map<std::string, std::string> m;
    for (auto k : core::required_message_keys()) m[std::string(k)] = std::string(k);
    return core::Messages(std::move(m));
}

core::TeamFacts leader_team() {
    core::TeamFacts t;
    t.id = 7;
    t.code = "T7";
    t.name = "Tổ CNS Ấp 1";
    t.unit_name = "Ấp 1";
    t.role = core::Role::kLeader;
    t.last_values = {{"LH01", 120}, {"ID01", 30}};
    t.targets = {{"LH01", 100}};
    return t;
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
    bool linked = true;
    if (!lines.empty() && lines.front() == "#unlinked") {
        linked = false;
        lines.erase(lines.begin());
    }
    bool all_utf8 = true;
    for (auto l : lines) all_utf8 = all_utf8 && core::is_valid_utf8(l);

    // Two days before the deadline, an hour per message: long dialogues cross it.
    core::Instant now = *core::parse_instant("2026-11-28T09:00");
    core::ConversationState state;
    for (auto line : lines) {
        core::ConversationContext ctx(form, messages);
        ctx.period = core::MonthPeriod{2026, 11};
        ctx.deadline = core::default_monthly_deadline(ctx.period);
        if (linked) {
            ctx.person = 1;
            ctx.person_name = "Nguyễn Văn An";
            ctx.teams = {leader_team()};
        }
        const core::InboundEvent ev = event_of(line);
        if (!linked && ev.kind == core::EventKind::kText && core::looks_like_invite_code(ev.text))
            ctx.invite = invite_for(ev.text);
        if (!linked && ev.kind == core::EventKind::kSharedPhone && !ev.phone.empty())
            ctx.phone_match = invite_for(ev.phone);

        const core::StepResult r = core::step(state, ev, now, ctx);

        if (ev.kind == core::EventKind::kText)
            fuzz::check(!r.replies.empty(), "every text event gets a reply");
        if (r.state.step == core::Step::kAsking)
            fuzz::check(r.state.index < enabled, "a question is one of the enabled items");
        if (r.state.step == core::Step::kAsking || r.state.step == core::Step::kSummary ||
            r.state.step == core::Step::kConfirmingCheck)
            fuzz::check(r.state.team == 7, "a draft belongs to the leader's team");
        for (const auto& effect : r.effects) {
            if (const auto* s = std::get_if<core::SubmitReport>(&effect)) {
                fuzz::check(linked && s->team == 7 && s->period == "2026-11",
                            "a report is for the leader's team and period");
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
