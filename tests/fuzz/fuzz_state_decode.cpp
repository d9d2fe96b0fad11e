// storage::ConversationRepo::decode on any bytes (the stored state is read back from SQLite,
// where a bug or a hand edit may have left anything): it never throws, what it returns is
// canonical (encode then decode gives it back), it is what the former DOM reader read, and the
// conversation can take the next message from it.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "bot/templates.hpp"
#include "core/conversation.hpp"
#include "storage/chat_store.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "tests/support/state_decode_dom.hpp"

using namespace tcns;

namespace {

core::Form small_form() {
    core::Form f;
    f.id = "fuzz";
    core::FormItem a;
    a.code = "LH01";
    a.label = "L";
    a.prompt = "P";
    core::FormItem b = a;
    b.code = "ID01";
    core::FormItem k;
    k.code = "KK01";
    k.type = core::ItemType::kText;
    k.required = false;
    k.choices = {{"network", "Mạng"}, {"other", "Khác"}};
    f.items = {a, b, k};
    f.checks = {{"ID01", core::CheckKind::kAtMost, "LH01"}};
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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const core::Form form = small_form();
    static const core::Messages messages = keys_as_text();

    const std::string text(reinterpret_cast<const char*>(data), size);
    // Anything decode throws reaches libFuzzer as an uncaught exception: a crash.
    const core::ConversationState state = storage::ConversationRepo::decode(text);
    // Differential: the SAX reader reads what the DOM reader it replaced read.
    fuzz::check(state == test::decode_state_dom(text), "the SAX and DOM readers agree");
    const std::string encoded = storage::ConversationRepo::encode(state);
    fuzz::check(storage::ConversationRepo::decode(encoded) == state,
                "a decoded state survives encode/decode");

    // The engine hands the decoded state to the conversation with the next message; a linked
    // leader's and an unlinked account's.
    const core::Instant now = *core::parse_instant("2026-11-20T09:00");
    for (bool linked : {true, false}) {
        core::ConversationContext ctx(form, messages, words());
        ctx.period = core::MonthPeriod{2026, 11};
        ctx.deadline = core::default_monthly_deadline(ctx.period);
        if (linked) {
            ctx.person = 1;
            ctx.person_name = "An";
            core::TeamFacts t;
            t.id = 7;
            t.code = "T7";
            t.name = "Tổ 7";
            t.role = core::Role::kLeader;
            ctx.teams = {t};
        }
        for (const char* line : {"12", "gui", "ABC123"}) {
            core::InboundEvent ev;
            ev.channel = "fuzz";
            ev.user_id = "u1";
            ev.text = line;
            const auto r = core::step(state, ev, now, ctx);
            fuzz::check(!r.replies.empty(), "a text event gets a reply");
        }
    }
    return 0;
}
