#include "storage/chat_store.hpp"

#include "storage/json_text.hpp"
#include "storage/reminder_repo.hpp"
#include "storage/targets_repo.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <type_traits>
#include <variant>

#include <nlohmann/json.hpp>

namespace tcns::storage {

using nlohmann::json;

namespace {

std::int64_t unix_of(core::Instant t) {
    return core::to_unix(t);
}

ChatAccount read_account(SQLite::Statement& q) {
    ChatAccount a;
    a.id = q.getColumn(0).getInt64();
    a.channel = q.getColumn(1).getString();
    a.user_id = q.getColumn(2).getString();
    if (!q.getColumn(3).isNull()) a.person = q.getColumn(3).getInt64();
    a.subscribed = q.getColumn(4).getInt() != 0;
    if (!q.getColumn(5).isNull()) a.last_inbound = core::from_unix(q.getColumn(5).getInt64());
    a.unreachable = q.getColumn(6).getInt() != 0;
    return a;
}

}  // namespace

// ---- accounts -------------------------------------------------------------------------------

std::optional<ChatAccount> ChatAccountRepo::find(const std::string& channel,
                                                 const std::string& user_id) {
    FactsCache* cache = db_.facts_cache();
    if (cache)
        if (const ChatAccount* a = cache->account(channel, user_id)) return *a;
    auto& q = db_.cached(
        "SELECT id, channel, platform_user_id, person_id, subscribed, last_inbound_at, "
        "unreachable_at IS NOT NULL OR unreachable_reason IS NOT NULL FROM chat_accounts "
        "WHERE channel = ? AND platform_user_id = ?");
    q.bindNoCopy(1, channel);  // see Database::cached
    q.bindNoCopy(2, user_id);
    if (!q.executeStep()) return std::nullopt;
    ChatAccount a = read_account(q);
    if (cache) cache->put_account(a);
    return a;
}

ChatAccount ChatAccountRepo::find_or_create(const std::string& channel, const std::string& user_id,
                                            const std::string& display_name, core::Instant now) {
    if (auto a = find(channel, user_id)) return *a;
    auto& ins = db_.cached(
        "INSERT INTO chat_accounts (channel, platform_user_id, display_name, created_at) "
        "VALUES (?, ?, ?, ?)");
    ins.bind(1, channel);
    ins.bind(2, user_id);
    ins.bind(3, display_name);
    ins.bind(4, unix_of(now));
    ins.exec();
    ChatAccount a;
    a.id = db_.handle().getLastInsertRowid();
    a.channel = channel;
    a.user_id = user_id;
    if (FactsCache* cache = db_.facts_cache()) cache->put_account(a);
    return a;
}

void ChatAccountRepo::touch_inbound(core::AccountId id, core::Instant now) {
    auto& q = db_.cached(
        "UPDATE chat_accounts SET last_inbound_at = ?, unreachable_reason = NULL, "
        "unreachable_at = NULL WHERE id = ?");
    q.bind(1, unix_of(now));
    q.bind(2, std::int64_t{id});
    q.exec();
    if (FactsCache* cache = db_.facts_cache())
        if (ChatAccount* a = cache->account_mut(id)) {
            a->last_inbound = now;
            a->unreachable = false;
        }
}

void ChatAccountRepo::touch_inbound(const ChatAccount& a, core::Instant now) {
    if (!a.unreachable && a.last_inbound && *a.last_inbound <= now &&
        now - *a.last_inbound < std::chrono::minutes(1))
        return;
    touch_inbound(a.id, now);
}

void ChatAccountRepo::link(core::AccountId id, core::PersonId person, core::Instant now) {
    auto& q = db_.cached("UPDATE chat_accounts SET person_id = ?, linked_at = ? WHERE id = ?");
    q.bind(1, std::int64_t{person});
    q.bind(2, unix_of(now));
    q.bind(3, std::int64_t{id});
    q.exec();
    if (FactsCache* cache = db_.facts_cache())
        if (ChatAccount* a = cache->account_mut(id)) a->person = person;
}

void ChatAccountRepo::set_subscribed(core::AccountId id, bool subscribed) {
    auto& q = db_.cached("UPDATE chat_accounts SET subscribed = ? WHERE id = ?");
    q.bind(1, subscribed ? 1 : 0);
    q.bind(2, std::int64_t{id});
    q.exec();
    if (FactsCache* cache = db_.facts_cache())
        if (ChatAccount* a = cache->account_mut(id)) a->subscribed = subscribed;
}

// ---- conversation state -----------------------------------------------------------------------

namespace {

core::Answer answer_from(const json& j) {
    core::Answer a;
    if (j.contains("n") && j["n"].is_number_integer()) a.number = j["n"].get<std::int64_t>();
    if (j.contains("t") && j["t"].is_string()) a.text = j["t"].get<std::string>();
    if (j.contains("c") && j["c"].is_string()) a.choice = j["c"].get<std::string>();
    if (j.contains("s") && j["s"].is_boolean()) a.skipped = j["s"].get<bool>();
    return a;
}

}  // namespace

StoredStep stored_step(const core::StepState& state) {
    StoredStep f;
    f.step = static_cast<core::Step>(state.index());
    std::visit(
        [&](const auto& s) {
            using S = std::decay_t<decltype(s)>;
            if constexpr (std::is_same_v<S, core::steps::ChoosingTeam>) {
                f.team_choices = s.choices;
            } else if constexpr (std::is_same_v<S, core::steps::Asking>) {
                f.pending_category = s.category;
            } else if constexpr (std::is_same_v<S, core::steps::ConfirmingCheck> ||
                                 std::is_same_v<S, core::steps::ConfirmingValue>) {
                f.pending_item = s.item;
                f.pending_value = s.value;
            } else if constexpr (std::is_same_v<S, core::steps::ConfirmingCancel>) {
                f.cancel_return = s.back;
                f.pending_category = s.category;
            }
        },
        state);
    return f;
}

core::StepState step_state(const StoredStep& f) {
    switch (f.step) {
        case core::Step::kIdle:
            return core::steps::Idle{};
        case core::Step::kChoosingTeam:
            return core::steps::ChoosingTeam{f.team_choices};
        case core::Step::kAsking:
            return core::steps::Asking{f.pending_category};
        case core::Step::kConfirmingCheck:
            return core::steps::ConfirmingCheck{f.pending_item, f.pending_value};
        case core::Step::kSummary:
            return core::steps::Summary{};
        case core::Step::kConfirmingCancel:
            return core::steps::ConfirmingCancel{f.cancel_return, f.pending_category};
        case core::Step::kChoosingPeriod:
            return core::steps::ChoosingPeriod{};
        case core::Step::kConfirmingValue:
            return core::steps::ConfirmingValue{f.pending_item, f.pending_value};
        case core::Step::kConfirmingQuick:
            return core::steps::ConfirmingQuick{};
    }
    return core::steps::Idle{};
}

std::string ConversationRepo::encode(const core::ConversationState& s) {
    // Keys in nlohmann's order (sorted), so the text is the one nlohmann would write. Every
    // field that differs from a fresh state is written, whatever the step, so that the state
    // read back is exactly the one saved (a restart resumes exactly where it stopped). Text
    // typed on the console need not be UTF-8: bad bytes are stored as U+FFFD.
    std::string answers = "{";
    for (const auto& [code, a] : s.answers) {
        if (answers.size() > 1) answers.push_back(',');
        append_json_string(answers, code);
        answers.push_back(':');
        JsonObjectWriter aw;
        if (!a.choice.empty()) aw.string("c", a.choice);
        if (a.number) aw.integer("n", *a.number);
        if (a.skipped) aw.boolean("s", true);
        if (!a.text.empty()) aw.string("t", a.text);
        answers += std::move(aw).finish();
    }
    answers.push_back('}');
    const StoredStep f = stored_step(s.at);
    JsonObjectWriter w;
    w.raw("answers", answers);
    if (s.base_revision != 0) w.integer("base_revision", s.base_revision);
    if (f.cancel_return != core::Step::kIdle)
        w.string("cancel_return", core::step_name(f.cancel_return));
    if (s.form_version != 0) w.integer("form_version", s.form_version);
    w.integer("index", static_cast<std::int64_t>(s.index));
    if (!s.item.empty()) w.string("item", s.item);
    if (!f.pending_category.empty()) w.string("pending_category", f.pending_category);
    if (!f.pending_item.empty()) w.string("pending_item", f.pending_item);
    if (f.pending_value != 0) w.integer("pending_value", f.pending_value);
    if (!s.period.empty()) w.string("period", s.period);
    if (s.return_to_summary) w.boolean("return_to_summary", true);
    if (s.revising) w.boolean("revising", true);
    w.string("step", core::step_name(f.step));
    if (s.team) w.integer("team", *s.team);
    if (!f.team_choices.empty()) {
        std::string choices = "[";
        for (auto t : f.team_choices) {
            if (choices.size() > 1) choices.push_back(',');
            choices += std::to_string(t);
        }
        choices.push_back(']');
        w.raw("team_choices", choices);
    }
    if (s.wrong_codes != 0) w.integer("wrong_codes", s.wrong_codes);
    if (s.wrong_codes_since) w.integer("wrong_codes_since", core::to_unix(*s.wrong_codes_since));
    return std::move(w).finish();
}

namespace {

/// Reads a stored state with nlohmann's SAX parser: the same rules as reading it into a DOM
/// and picking fields (a field of the wrong type is left out, the last of duplicate keys wins,
/// text that is not JSON is a fresh state), without a std::map per object.
class StateReader : public nlohmann::json_sax<json> {
  public:
    // Fields as read; the state is built from them at the end, as from a DOM.
    struct Raw {
        std::optional<std::string> step, period, pending_item, pending_category, cancel_return,
            item;
        std::optional<std::int64_t> team, index, pending_value, wrong_codes, wrong_codes_since,
            base_revision, form_version;
        std::optional<bool> return_to_summary, revising;
        core::Answers answers;
        std::vector<std::int64_t> team_choices;
    } raw;
    bool top_is_object = false;

    bool null() override { return scalar(Value{}); }
    bool boolean(bool v) override { return scalar(Value{Value::kBool, v}); }
    bool number_integer(number_integer_t v) override {
        return scalar(Value{Value::kInt, false, v});
    }
    bool number_unsigned(number_unsigned_t v) override {
        return scalar(Value{Value::kInt, false, static_cast<std::int64_t>(v)});
    }
    bool number_float(number_float_t, const string_t&) override { return scalar(Value{}); }
    bool string(string_t& v) override { return scalar(Value{Value::kString, false, 0, &v}); }
    bool binary(binary_t&) override { return scalar(Value{}); }
    bool start_object(std::size_t) override { return open(true); }
    bool start_array(std::size_t) override { return open(false); }
    bool end_object() override { return close(); }
    bool end_array() override { return close(); }
    bool key(string_t& k) override {
        stack_.back().key = k;
        return true;
    }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
        return false;
    }

  private:
    enum class Frame { kTop, kAnswers, kAnswer, kChoices, kOther };
    struct Level {
        Frame frame;
        std::string key;
    };
    struct Value {
        enum Type { kOther, kBool, kInt, kString } type = kOther;
        bool b = false;
        std::int64_t i = 0;
        std::string* s = nullptr;
    };

    template <class T>
    static void set(std::optional<T>& field, bool ok, T value) {
        if (ok)
            field = std::move(value);
        else
            field.reset();
    }

    /// A value (scalar, or an object or array when `v` is kOther) for the top-level `key`.
    void top_field(const std::string& key, const Value& v) {
        const bool str = v.type == Value::kString, num = v.type == Value::kInt,
                   flag = v.type == Value::kBool;
        const std::string text = str ? *v.s : std::string();
        if (key == "step")
            set(raw.step, str, text);
        else if (key == "period")
            set(raw.period, str, text);
        else if (key == "pending_item")
            set(raw.pending_item, str, text);
        else if (key == "pending_category")
            set(raw.pending_category, str, text);
        else if (key == "cancel_return")
            set(raw.cancel_return, str, text);
        else if (key == "item")
            set(raw.item, str, text);
        else if (key == "base_revision")
            set(raw.base_revision, num, v.i);
        else if (key == "form_version")
            set(raw.form_version, num, v.i);
        else if (key == "team")
            set(raw.team, num, v.i);
        else if (key == "index")
            set(raw.index, num, v.i);
        else if (key == "pending_value")
            set(raw.pending_value, num, v.i);
        else if (key == "wrong_codes")
            set(raw.wrong_codes, num, v.i);
        else if (key == "wrong_codes_since")
            set(raw.wrong_codes_since, num, v.i);
        else if (key == "return_to_summary")
            set(raw.return_to_summary, flag, v.b);
        else if (key == "revising")
            set(raw.revising, flag, v.b);
        else if (key == "answers")
            raw.answers.clear();
        else if (key == "team_choices")
            raw.team_choices.clear();
    }

    void answer_field(core::Answer& a, const std::string& key, const Value& v) {
        if (key == "n") {
            if (v.type == Value::kInt)
                a.number = v.i;
            else
                a.number.reset();
        } else if (key == "t") {
            a.text = v.type == Value::kString ? *v.s : std::string();
        } else if (key == "c") {
            a.choice = v.type == Value::kString ? *v.s : std::string();
        } else if (key == "s") {
            a.skipped = v.type == Value::kBool && v.b;
        }
    }

    bool scalar(const Value& v) {
        if (stack_.empty()) return true;  // a top-level scalar: not a state
        Level& l = stack_.back();
        switch (l.frame) {
            case Frame::kTop:
                top_field(l.key, v);
                break;
            case Frame::kAnswers:
                raw.answers[l.key] = core::Answer{};  // a code with a non-object: an empty answer
                break;
            case Frame::kAnswer:
                answer_field(raw.answers[stack_[stack_.size() - 2].key], l.key, v);
                break;
            case Frame::kChoices:
                if (v.type == Value::kInt) raw.team_choices.push_back(v.i);
                break;
            case Frame::kOther:
                break;
        }
        return true;
    }

    bool open(bool object) {
        Frame f = Frame::kOther;
        if (stack_.empty()) {
            top_is_object = object;
            f = object ? Frame::kTop : Frame::kOther;
        } else {
            Level& l = stack_.back();
            if (l.frame == Frame::kTop) {
                top_field(l.key, Value{});  // resets the field; containers below refill it
                if (l.key == "answers" && object) f = Frame::kAnswers;
                if (l.key == "team_choices" && !object) f = Frame::kChoices;
            } else if (l.frame == Frame::kAnswers) {
                raw.answers[l.key] = core::Answer{};
                if (object) f = Frame::kAnswer;
            } else if (l.frame == Frame::kAnswer) {
                answer_field(raw.answers[stack_[stack_.size() - 2].key], l.key, Value{});
            }
        }
        stack_.push_back({f, {}});
        return true;
    }

    bool close() {
        stack_.pop_back();
        return true;
    }

    std::vector<Level> stack_;
};

}  // namespace

core::ConversationState ConversationRepo::decode(const std::string& text) {
    core::ConversationState s;
    StateReader r;
    if (!json::sax_parse(text, &r) || !r.top_is_object) return s;
    StateReader::Raw& raw = r.raw;
    StoredStep f;
    f.step = core::parse_step(raw.step.value_or("")).value_or(core::Step::kIdle);
    if (raw.team) s.team = *raw.team;
    s.period = raw.period.value_or("");
    s.index = static_cast<std::size_t>(raw.index.value_or(0));
    s.item = raw.item.value_or("");
    s.form_version = static_cast<int>(raw.form_version.value_or(0));
    s.base_revision = static_cast<int>(raw.base_revision.value_or(0));
    s.answers = std::move(raw.answers);
    s.return_to_summary = raw.return_to_summary.value_or(false);
    s.revising = raw.revising.value_or(false);
    f.pending_item = raw.pending_item.value_or("");
    f.pending_value = raw.pending_value.value_or(0);
    f.pending_category = raw.pending_category.value_or("");
    f.cancel_return = core::parse_step(raw.cancel_return.value_or("")).value_or(core::Step::kIdle);
    f.team_choices = std::move(raw.team_choices);
    s.at = step_state(f);
    s.wrong_codes = static_cast<int>(raw.wrong_codes.value_or(0));
    // The conversation adds and subtracts an hour: an instant beyond the years 0..9999 (only a
    // hand edit could store one) would overflow, so it is dropped like any unreadable field.
    constexpr std::int64_t kYear0 = -62'167'219'200, kYear9999 = 253'402'300'799;
    if (auto t = raw.wrong_codes_since; t && *t >= kYear0 && *t <= kYear9999)
        s.wrong_codes_since = core::from_unix(*t);
    return s;
}

namespace {
/// True when text written by append_json_string holds U+FFFD, which also stands for bytes that
/// were not UTF-8: the writer's cached copy must then be what reads back, not what was given.
bool has_replacement_char(const std::string& stored) {
    return stored.find("\xEF\xBF\xBD") != std::string::npos;
}
}  // namespace

core::ConversationState ConversationRepo::load(core::AccountId account) {
    FactsCache* cache = db_.facts_cache();
    if (cache)
        if (const core::ConversationState* known = cache->state(account)) return *known;
    auto& q = db_.cached("SELECT state FROM conversations WHERE account_id = ?");
    q.bind(1, std::int64_t{account});
    core::ConversationState s;
    if (q.executeStep()) s = decode(q.getColumn(0).getString());
    q.reset();
    if (cache) cache->put_state(account, s);
    return s;
}

void ConversationRepo::save(core::AccountId account, const core::ConversationState& state,
                            core::Instant now) {
    const std::string text = encode(state);
    auto& q = db_.cached(
        "INSERT INTO conversations (account_id, state, updated_at) VALUES (?, ?, ?) "
        "ON CONFLICT (account_id) DO UPDATE SET state = excluded.state, "
        "updated_at = excluded.updated_at");
    q.bind(1, std::int64_t{account});
    q.bindNoCopy(2, text);
    q.bind(3, unix_of(now));
    q.exec();
    if (FactsCache* cache = db_.facts_cache()) {
        // decode(encode(s)) == s (tested and fuzzed), except for text that was not UTF-8,
        // stored as U+FFFD: such a state is cached as it reads back.
        cache->put_state(account, has_replacement_char(text) ? decode(text) : state);
    }
}

// ---- shared drafts ---------------------------------------------------------------------------

std::string DraftRepo::encode_answers(const core::Answers& answers,
                                      const std::map<std::string, core::PersonId>& by) {
    std::string out = "{";
    for (const auto& [code, a] : answers) {
        if (out.size() > 1) out.push_back(',');
        append_json_string(out, code);
        out.push_back(':');
        JsonObjectWriter aw;
        if (auto it = by.find(code); it != by.end()) aw.integer("by", it->second);
        if (!a.choice.empty()) aw.string("c", a.choice);
        if (a.number) aw.integer("n", *a.number);
        if (a.skipped) aw.boolean("s", true);
        if (!a.text.empty()) aw.string("t", a.text);
        out += std::move(aw).finish();
    }
    out.push_back('}');
    return out;
}

void DraftRepo::decode_answers(const std::string& text, core::Answers& answers,
                               std::map<std::string, core::PersonId>& by) {
    const json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return;
    for (const auto& [code, x] : j.items()) {
        if (!x.is_object()) continue;
        answers[code] = answer_from(x);
        if (x.contains("by") && x["by"].is_number_integer()) by[code] = x["by"].get<std::int64_t>();
    }
}

std::optional<core::Draft> DraftRepo::load(core::TeamId team, const std::string& period) {
    auto& q = db_.cached(
        "SELECT d.base_revision, d.form_version, d.answers, p.full_name FROM drafts d "
        "LEFT JOIN people p ON p.id = d.updated_by WHERE d.team_id = ? AND d.period = ?");
    q.bind(1, std::int64_t{team});
    q.bind(2, period);
    std::optional<core::Draft> d;
    if (q.executeStep()) {
        d.emplace();
        d->base_revision = q.getColumn(0).getInt();
        d->form_version = q.getColumn(1).getInt();
        decode_answers(q.getColumn(2).getString(), d->answers, d->answered_by);
        if (!q.getColumn(3).isNull()) d->updated_by_name = q.getColumn(3).getString();
    }
    q.reset();
    return d;
}

void DraftRepo::remove(core::TeamId team, const std::string& period) {
    auto& q = db_.cached("DELETE FROM drafts WHERE team_id = ? AND period = ?");
    q.bind(1, std::int64_t{team});
    q.bind(2, period);
    q.exec();
    if (FactsCache* cache = db_.facts_cache())
        if (core::TeamFacts* t = cache->team_mut(team, period)) t->draft.reset();
}

void DraftRepo::apply(const core::DraftChange& c, const std::optional<core::Draft>& before,
                      std::optional<core::PersonId> person, core::Instant now) {
    if (c.remove) return remove(c.team, c.period);
    std::map<std::string, core::PersonId> by;
    for (const auto& [code, a] : c.answers) {
        if (before && before->base_revision == c.base_revision) {
            const auto old = before->answers.find(code);
            const auto who = before->answered_by.find(code);
            if (old != before->answers.end() && old->second == a) {
                if (who != before->answered_by.end()) by[code] = who->second;
                continue;
            }
        }
        if (person) by[code] = *person;
    }
    const std::string answers = encode_answers(c.answers, by);
    auto bind = [&](SQLite::Statement& q) {
        q.bind(1, std::int64_t{c.team});
        q.bindNoCopy(2, c.period);
        q.bind(3, c.base_revision);
        q.bind(4, c.form_version);
        q.bindNoCopy(5, answers);
        if (person)
            q.bind(6, std::int64_t{*person});
        else
            q.bind(6);
        q.bind(7, unix_of(now));
    };
    bool done = false;
    if (before) {
        // The draft exists (loaded in this transaction) and the same person usually changed
        // it last: an UPDATE that leaves updated_by alone skips the foreign key check on
        // people, which SQLite makes whenever a statement sets a child key, changed or not.
        auto& same = db_.cached(
            "UPDATE drafts SET base_revision = ?3, form_version = ?4, answers = ?5, "
            "updated_at = ?7 WHERE team_id = ?1 AND period = ?2 AND updated_by IS ?6");
        bind(same);
        done = same.exec() != 0;
    }
    if (!done) {
        auto& q = db_.cached(
            "INSERT INTO drafts (team_id, period, base_revision, form_version, answers, "
            "updated_by, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (team_id, "
            "period) DO UPDATE SET base_revision = excluded.base_revision, form_version = "
            "excluded.form_version, answers = excluded.answers, updated_by = "
            "excluded.updated_by, updated_at = excluded.updated_at");
        bind(q);
        q.exec();
    }
    // The writer's cached team facts get the draft as load() would now read it.
    if (FactsCache* cache = db_.facts_cache()) {
        core::TeamFacts* t = cache->team_mut(c.team, c.period);
        if (!t) return;
        const PersonFacts* who = person ? cache->person(*person) : nullptr;
        if (person && !who) {
            cache->drop_team(c.team, c.period);  // the name load() would join is not at hand
            return;
        }
        core::Draft d;
        d.base_revision = c.base_revision;
        d.form_version = c.form_version;
        d.answers = c.answers;
        d.answered_by = std::move(by);
        if (who) d.updated_by_name = who->name;
        if (has_replacement_char(answers)) {
            // Text that was not UTF-8 is stored as U+FFFD: read back as stored.
            d.answers.clear();
            d.answered_by.clear();
            decode_answers(answers, d.answers, d.answered_by);
        }
        t->draft = std::move(d);
    }
}

// ---- reports ----------------------------------------------------------------------------------

std::optional<core::PersonId> ReportRepo::person_by_phone(const std::string& phone) {
    auto& q = db_.cached("SELECT id FROM people WHERE phone = ?");
    q.bind(1, phone);
    std::optional<core::PersonId> id;
    if (q.executeStep()) id = q.getColumn(0).getInt64();
    q.reset();
    return id;
}

PersonFacts ReportRepo::person_facts(core::PersonId person) {
    FactsCache* cache = db_.facts_cache();
    if (cache)
        if (const PersonFacts* known = cache->person(person)) return *known;
    PersonFacts f;
    auto rank = [](core::Role r) {
        return r == core::Role::kLeader ? 0 : r == core::Role::kDeputy ? 1 : 2;
    };
    // One query for the name and every role (this runs for every webhook).
    auto& q = db_.cached(
        "SELECT p.full_name, r.role, t.id, t.code, t.name, u.name, t.active FROM people p "
        "LEFT JOIN roles r ON r.person_id = p.id LEFT JOIN teams t ON t.id = r.team_id "
        "LEFT JOIN units u ON u.id = t.unit_id WHERE p.id = ?");
    q.bind(1, std::int64_t{person});
    while (q.executeStep()) {
        f.name = q.getColumn(0).getString();
        if (q.getColumn(1).isNull()) continue;  // no role at all
        const std::string role = q.getColumn(1).getString();
        if (role == "official") f.official = true;
        if (q.getColumn(2).isNull() || q.getColumn(6).getInt() != 1 || q.getColumn(5).isNull())
            continue;  // not a team role, or the team is inactive
        core::TeamFacts t;
        t.role = core::parse_role(role).value_or(core::Role::kMember);
        t.id = q.getColumn(2).getInt64();
        t.code = q.getColumn(3).getString();
        t.name = q.getColumn(4).getString();
        t.unit_name = q.getColumn(5).getString();
        bool dup = false;
        for (auto& e : f.teams) {
            if (e.id != t.id) continue;
            dup = true;  // two roles in one team: the higher one counts
            if (rank(t.role) < rank(e.role)) e.role = t.role;
        }
        if (!dup) f.teams.push_back(std::move(t));
    }
    // Leader roles first, then deputy, then the rest, each by team code (sorted here: an ORDER
    // BY built a temporary b-tree on every webhook).
    std::stable_sort(f.teams.begin(), f.teams.end(), [&](const auto& a, const auto& b) {
        return std::pair(rank(a.role), a.code) < std::pair(rank(b.role), b.code);
    });
    if (cache) cache->put_person(person, f);
    return f;
}

namespace {

/// Values of one report into an Answers map.
core::Answers load_values(Database& db, std::int64_t report_id) {
    core::Answers out;
    auto& q = db.cached(
        "SELECT item_code, value_int, value_text, choice FROM report_values WHERE report_id = ?");
    q.bind(1, report_id);
    while (q.executeStep()) {
        core::Answer a;
        if (!q.getColumn(1).isNull()) a.number = q.getColumn(1).getInt64();
        if (!q.getColumn(2).isNull()) a.text = q.getColumn(2).getString();
        if (!q.getColumn(3).isNull()) a.choice = q.getColumn(3).getString();
        a.skipped = !a.number && a.text.empty() && a.choice.empty();
        out[q.getColumn(0).getString()] = std::move(a);
    }
    return out;
}

}  // namespace

void ReportRepo::fill_team_facts(core::TeamFacts& team, const core::MonthPeriod& period) {
    FactsCache* cache = db_.facts_cache();
    const std::string key = period.str();
    if (cache) {
        if (const core::TeamFacts* known = cache->team(team.id, key)) {
            team.last_values = known->last_values;
            team.targets = known->targets;
            team.revision = known->revision;
            team.submitted_at = known->submitted_at;
            team.late = known->late;
            team.submitted = known->submitted;
            team.submitted_by = known->submitted_by;
            team.revised_after_deadline = known->revised_after_deadline;
            team.draft = known->draft;
            return;
        }
    }
    read_team_facts(team, period);
    if (cache) cache->put_team(team.id, key, team);
}

void ReportRepo::read_team_facts(core::TeamFacts& team, const core::MonthPeriod& period) {
    auto& s = db_.cached(
        "SELECT s.latest_report_id, s.revision, s.last_submitted_at, s.late, "
        "s.revised_after_deadline, p.full_name FROM report_status s "
        "LEFT JOIN reports r ON r.id = s.latest_report_id "
        "LEFT JOIN people p ON p.id = r.submitted_by WHERE s.team_id = ? AND s.period = ?");
    std::optional<std::int64_t> latest;
    s.bind(1, std::int64_t{team.id});
    s.bind(2, period.str());
    if (s.executeStep()) {
        latest = s.getColumn(0).getInt64();
        team.revision = s.getColumn(1).getInt();
        team.submitted_at = core::from_unix(s.getColumn(2).getInt64());
        team.late = s.getColumn(3).getInt() != 0;
        team.revised_after_deadline = s.getColumn(4).getInt() != 0;
        if (!s.getColumn(5).isNull()) team.submitted_by = s.getColumn(5).getString();
    }
    s.reset();
    if (latest) team.submitted = load_values(db_, *latest);

    auto& p = db_.cached(
        "SELECT v.item_code, v.value_int FROM report_status s "
        "JOIN report_values v ON v.report_id = s.latest_report_id "
        "WHERE s.team_id = ? AND s.period = ? AND v.value_int IS NOT NULL");
    p.bind(1, std::int64_t{team.id});
    p.bind(2, period.previous().str());
    while (p.executeStep())
        team.last_values[p.getColumn(0).getString()] = p.getColumn(1).getInt64();

    // Targets: the team's own for the month, or its yearly target pro rata (targets_over).
    team.targets = targets_over(db_, core::TargetOwner::kTeam, team.id, period, period);
    team.draft = DraftRepo(db_).load(team.id, period.str());
}

bool ReportRepo::submitted(core::TeamId team, const core::MonthPeriod& period) {
    auto& q = db_.cached("SELECT 1 FROM report_status WHERE team_id = ? AND period = ?");
    q.bind(1, std::int64_t{team});
    q.bind(2, period.str());
    return q.executeStep();
}

std::int64_t ReportRepo::submit(const core::SubmitReport& r, const core::Form& form,
                                std::optional<core::PersonId> person,
                                std::optional<core::AccountId> account, core::Instant now) {
    // The revision number comes from the database, not the conversation: two deputies
    // submitting at once still get distinct revisions.
    int revision = 1;
    {
        auto& q = db_.cached(
            "SELECT ifnull(max(revision), 0) + 1 FROM reports WHERE team_id = ? AND period = ?");
        q.bind(1, std::int64_t{r.team});
        q.bind(2, r.period);
        if (q.executeStep()) revision = q.getColumn(0).getInt();
        q.reset();
    }
    // The revision counter: a draft begun before another submission never replaces it.
    if (r.base_revision && *r.base_revision != revision - 1) return 0;
    auto& ins = db_.cached(
        "INSERT INTO reports (team_id, period, revision, form_id, form_version, submitted_at, "
        "submitted_by, account_id, late) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    ins.bind(1, std::int64_t{r.team});
    ins.bind(2, r.period);
    ins.bind(3, revision);
    ins.bind(4, form.id);
    ins.bind(5, form.version);
    ins.bind(6, unix_of(now));
    if (person) ins.bind(7, std::int64_t{*person});
    if (account) ins.bind(8, std::int64_t{*account});
    ins.bind(9, r.late ? 1 : 0);
    ins.exec();
    const std::int64_t id = db_.handle().getLastInsertRowid();

    auto& v = db_.cached(
        "INSERT INTO report_values (report_id, item_code, value_int, value_text, choice, "
        "answered_by) VALUES (?, ?, ?, ?, ?, ?)");
    for (const auto& [code, a] : r.answers) {
        v.reset();
        v.clearBindings();
        v.bind(1, id);
        v.bind(2, code);
        if (a.number) v.bind(3, std::int64_t{*a.number});
        if (!a.text.empty()) v.bind(4, a.text);
        if (!a.choice.empty()) v.bind(5, a.choice);
        if (auto by = r.answered_by.find(code); by != r.answered_by.end())
            v.bind(6, std::int64_t{by->second});
        v.exec();
    }

    // The period's status: the first submission decides on-time or late; later revisions
    // only move the latest pointer.
    auto& st = db_.cached(
        "INSERT INTO report_status (team_id, period, first_submitted_at, last_submitted_at, "
        "latest_report_id, revision, late) VALUES (?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (team_id, period) DO UPDATE SET last_submitted_at = "
        "excluded.last_submitted_at, "
        "latest_report_id = excluded.latest_report_id, revision = excluded.revision, "
        "revised_after_deadline = revised_after_deadline OR (excluded.late AND NOT late)");
    st.bind(1, std::int64_t{r.team});
    st.bind(2, r.period);
    st.bind(3, unix_of(now));
    st.bind(4, unix_of(now));
    st.bind(5, id);
    st.bind(6, revision);
    st.bind(7, r.late ? 1 : 0);
    st.exec();

    // The draft became this revision.
    DraftRepo(db_).remove(r.team, r.period);
    // The writer's cached facts of this period (its submission) and of the next (last
    // month's values) are read again.
    if (FactsCache* cache = db_.facts_cache()) {
        cache->drop_team(r.team, r.period);
        if (const auto p = core::MonthPeriod::parse(r.period))
            cache->drop_team(r.team, p->next().str());
    }

    // Difficulties typed into the form (text items with categories) become difficulty rows,
    // so officials see them with the ones sent by "khó khăn: …". A revision replaces the
    // form's difficulty of the earlier revision.
    auto& del =
        db_.cached("DELETE FROM difficulties WHERE team_id = ? AND period = ? AND source = 'form'");
    del.bind(1, std::int64_t{r.team});
    del.bind(2, r.period);
    del.exec();
    for (const auto& item : form.items) {
        if (item.type != core::ItemType::kText || item.choices.empty()) continue;
        const auto it = r.answers.find(item.code);
        if (it == r.answers.end() || it->second.text.empty()) continue;
        auto& d = db_.cached(
            "INSERT INTO difficulties (team_id, period, category, text, source, report_id, "
            "person_id, created_at) VALUES (?, ?, ?, ?, 'form', ?, ?, ?)");
        d.bind(1, std::int64_t{r.team});
        d.bind(2, r.period);
        d.bind(3, it->second.choice);
        d.bind(4, it->second.text);
        d.bind(5, id);
        if (person) d.bind(6, std::int64_t{*person});
        d.bind(7, unix_of(now));
        d.exec();
    }
    return id;
}

std::vector<core::Contact> ReportRepo::other_filers(core::TeamId team, core::PersonId except) {
    std::vector<core::Contact> out;
    auto& q = db_.cached(
        "SELECT DISTINCT p.id, p.full_name, p.phone FROM roles r JOIN people p ON p.id = "
        "r.person_id WHERE r.team_id = ? AND (r.role = 'leader' OR r.role = 'deputy') AND "
        "p.id <> ? ORDER BY p.id");
    q.bind(1, std::int64_t{team});
    q.bind(2, std::int64_t{except});
    while (q.executeStep()) {
        core::Contact c;
        c.id = q.getColumn(0).getInt64();
        c.name = q.getColumn(1).getString();
        c.phone = q.getColumn(2).getString();
        out.push_back(std::move(c));
    }
    q.reset();
    for (auto& c : out) c.accounts = contact_accounts(db_, c.id);
    return out;
}

std::int64_t ReportRepo::record_difficulty(const core::RecordDifficulty& d,
                                           std::optional<core::PersonId> person,
                                           core::Instant now) {
    auto& q = db_.cached(
        "INSERT INTO difficulties (team_id, period, category, text, source, person_id, "
        "created_at) VALUES (?, ?, ?, ?, 'chat', ?, ?)");
    q.bind(1, std::int64_t{d.team});
    q.bind(2, d.period);
    q.bind(3, d.category);
    q.bind(4, d.text);
    if (person) q.bind(5, std::int64_t{*person});
    q.bind(6, unix_of(now));
    q.exec();
    return db_.handle().getLastInsertRowid();
}

}  // namespace tcns::storage
