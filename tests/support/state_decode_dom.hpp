#pragma once

// The conversation-state reader as it was written before the SAX reader: parse into nlohmann's
// DOM, then pick fields. Kept as the reference the SAX reader must agree with, in the unit
// tests and in fuzz_state_decode (differential).
#include <nlohmann/json.hpp>

#include "core/conversation.hpp"
#include "storage/chat_store.hpp"

namespace tcns::test {

inline core::ConversationState decode_state_dom(const std::string& text) {
    using nlohmann::json;
    core::ConversationState s;
    const json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return s;
    auto str = [&](const char* k) {
        return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : std::string();
    };
    auto i64 = [&](const char* k) -> std::optional<std::int64_t> {
        if (j.contains(k) && j[k].is_number_integer()) return j[k].get<std::int64_t>();
        return std::nullopt;
    };
    auto flag = [&](const char* k) {
        return j.contains(k) && j[k].is_boolean() && j[k].get<bool>();
    };
    storage::StoredStep f;
    f.step = core::parse_step(str("step")).value_or(core::Step::kIdle);
    if (auto t = i64("team")) s.team = *t;
    s.period = str("period");
    s.index = static_cast<std::size_t>(i64("index").value_or(0));
    s.item = str("item");
    s.form_version = static_cast<int>(i64("form_version").value_or(0));
    s.base_revision = static_cast<int>(i64("base_revision").value_or(0));
    if (j.contains("answers") && j["answers"].is_object()) {
        for (const auto& [code, x] : j["answers"].items()) {
            core::Answer a;
            if (x.contains("n") && x["n"].is_number_integer())
                a.number = x["n"].get<std::int64_t>();
            if (x.contains("t") && x["t"].is_string()) a.text = x["t"].get<std::string>();
            if (x.contains("c") && x["c"].is_string()) a.choice = x["c"].get<std::string>();
            if (x.contains("s") && x["s"].is_boolean()) a.skipped = x["s"].get<bool>();
            s.answers[code] = a;
        }
    }
    s.return_to_summary = flag("return_to_summary");
    s.revising = flag("revising");
    f.pending_item = str("pending_item");
    f.pending_value = i64("pending_value").value_or(0);
    f.pending_category = str("pending_category");
    f.cancel_return = core::parse_step(str("cancel_return")).value_or(core::Step::kIdle);
    if (j.contains("team_choices") && j["team_choices"].is_array()) {
        for (const auto& t : j["team_choices"])
            if (t.is_number_integer()) f.team_choices.push_back(t.get<std::int64_t>());
    }
    // The step's own fields: those of other steps are not part of the state.
    s.at = storage::step_state(f);
    s.wrong_codes = static_cast<int>(i64("wrong_codes").value_or(0));
    constexpr std::int64_t kYear0 = -62'167'219'200, kYear9999 = 253'402'300'799;
    if (auto t = i64("wrong_codes_since"); t && *t >= kYear0 && *t <= kYear9999)
        s.wrong_codes_since = core::from_unix(*t);
    return s;
}

}  // namespace tcns::test
