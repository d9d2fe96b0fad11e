#include "storage/chat_store.hpp"

#include "storage/json_text.hpp"
#include "storage/targets_repo.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>

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
    return a;
}

}  // namespace

// ---- accounts -------------------------------------------------------------------------------

std::optional<ChatAccount> ChatAccountRepo::find(const std::string& channel,
                                                 const std::string& user_id) {
    auto& q = db_.cached(
        "SELECT id, channel, platform_user_id, person_id, subscribed FROM chat_accounts "
        "WHERE channel = ? AND platform_user_id = ?");
    q.bind(1, channel);
    q.bind(2, user_id);
    if (!q.executeStep()) return std::nullopt;
    return read_account(q);
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
    return a;
}

void ChatAccountRepo::touch_inbound(core::AccountId id, core::Instant now) {
    auto& q = db_.cached(
        "UPDATE chat_accounts SET last_inbound_at = ?, unreachable_reason = NULL, "
        "unreachable_at = NULL WHERE id = ?");
    q.bind(1, unix_of(now));
    q.bind(2, std::int64_t{id});
    q.exec();
}

void ChatAccountRepo::link(core::AccountId id, core::PersonId person, core::Instant now) {
    auto& q = db_.cached("UPDATE chat_accounts SET person_id = ?, linked_at = ? WHERE id = ?");
    q.bind(1, std::int64_t{person});
    q.bind(2, unix_of(now));
    q.bind(3, std::int64_t{id});
    q.exec();
}

void ChatAccountRepo::set_subscribed(core::AccountId id, bool subscribed) {
    auto& q = db_.cached("UPDATE chat_accounts SET subscribed = ? WHERE id = ?");
    q.bind(1, subscribed ? 1 : 0);
    q.bind(2, std::int64_t{id});
    q.exec();
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
    JsonObjectWriter w;
    w.raw("answers", answers);
    if (s.cancel_return != core::Step::kIdle)
        w.string("cancel_return", core::step_name(s.cancel_return));
    w.integer("index", static_cast<std::int64_t>(s.index));
    if (!s.pending_category.empty()) w.string("pending_category", s.pending_category);
    if (!s.pending_item.empty()) w.string("pending_item", s.pending_item);
    if (s.pending_value != 0) w.integer("pending_value", s.pending_value);
    if (!s.period.empty()) w.string("period", s.period);
    if (s.return_to_summary) w.boolean("return_to_summary", true);
    if (s.revising) w.boolean("revising", true);
    w.string("step", core::step_name(s.step));
    if (s.team) w.integer("team", *s.team);
    if (!s.team_choices.empty()) {
        std::string choices = "[";
        for (auto t : s.team_choices) {
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

core::ConversationState ConversationRepo::decode(const std::string& text) {
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
    s.step = core::parse_step(str("step")).value_or(core::Step::kIdle);
    if (auto t = i64("team")) s.team = *t;
    s.period = str("period");
    s.index = static_cast<std::size_t>(i64("index").value_or(0));
    if (j.contains("answers") && j["answers"].is_object()) {
        for (const auto& [code, a] : j["answers"].items()) s.answers[code] = answer_from(a);
    }
    // Not j.value(): it throws when the stored value is not a boolean, and decode never throws.
    auto flag = [&](const char* k) {
        return j.contains(k) && j[k].is_boolean() && j[k].get<bool>();
    };
    s.return_to_summary = flag("return_to_summary");
    s.revising = flag("revising");
    s.pending_item = str("pending_item");
    s.pending_value = i64("pending_value").value_or(0);
    s.pending_category = str("pending_category");
    s.cancel_return = core::parse_step(str("cancel_return")).value_or(core::Step::kIdle);
    if (j.contains("team_choices") && j["team_choices"].is_array()) {
        for (const auto& t : j["team_choices"])
            if (t.is_number_integer()) s.team_choices.push_back(t.get<std::int64_t>());
    }
    s.wrong_codes = static_cast<int>(i64("wrong_codes").value_or(0));
    // The conversation adds and subtracts an hour: an instant beyond the years 0..9999 (only a
    // hand edit could store one) would overflow, so it is dropped like any unreadable field.
    constexpr std::int64_t kYear0 = -62'167'219'200, kYear9999 = 253'402'300'799;
    if (auto t = i64("wrong_codes_since"); t && *t >= kYear0 && *t <= kYear9999)
        s.wrong_codes_since = core::from_unix(*t);
    return s;
}

core::ConversationState ConversationRepo::load(core::AccountId account) {
    auto& q = db_.cached("SELECT state FROM conversations WHERE account_id = ?");
    q.bind(1, std::int64_t{account});
    if (!q.executeStep()) return {};
    return decode(q.getColumn(0).getString());
}

void ConversationRepo::save(core::AccountId account, const core::ConversationState& state,
                            core::Instant now) {
    auto& q = db_.cached(
        "INSERT INTO conversations (account_id, state, updated_at) VALUES (?, ?, ?) "
        "ON CONFLICT (account_id) DO UPDATE SET state = excluded.state, "
        "updated_at = excluded.updated_at");
    q.bind(1, std::int64_t{account});
    q.bind(2, encode(state));
    q.bind(3, unix_of(now));
    q.exec();
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
    PersonFacts f;
    {
        auto& q = db_.cached("SELECT full_name FROM people WHERE id = ?");
        q.bind(1, std::int64_t{person});
        if (q.executeStep()) f.name = q.getColumn(0).getString();
    }
    auto rank = [](core::Role r) {
        return r == core::Role::kLeader ? 0 : r == core::Role::kDeputy ? 1 : 2;
    };
    auto& q = db_.cached(
        "SELECT r.role, t.id, t.code, t.name, u.name FROM roles r "
        "JOIN teams t ON t.id = r.team_id JOIN units u ON u.id = t.unit_id "
        "WHERE r.person_id = ? AND t.active = 1");
    q.bind(1, std::int64_t{person});
    while (q.executeStep()) {
        core::TeamFacts t;
        t.role = core::parse_role(q.getColumn(0).getString()).value_or(core::Role::kMember);
        t.id = q.getColumn(1).getInt64();
        t.code = q.getColumn(2).getString();
        t.name = q.getColumn(3).getString();
        t.unit_name = q.getColumn(4).getString();
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
    auto& o = db_.cached("SELECT 1 FROM roles WHERE person_id = ? AND role = 'official' LIMIT 1");
    o.bind(1, std::int64_t{person});
    f.official = o.executeStep();
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
    auto& s = db_.cached(
        "SELECT latest_report_id, revision, last_submitted_at, late FROM report_status "
        "WHERE team_id = ? AND period = ?");
    std::optional<std::int64_t> latest;
    s.bind(1, std::int64_t{team.id});
    s.bind(2, period.str());
    if (s.executeStep()) {
        latest = s.getColumn(0).getInt64();
        team.revision = s.getColumn(1).getInt();
        team.submitted_at = core::from_unix(s.getColumn(2).getInt64());
        team.late = s.getColumn(3).getInt() != 0;
    }
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
    }
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
        "INSERT INTO report_values (report_id, item_code, value_int, value_text, choice) "
        "VALUES (?, ?, ?, ?, ?)");
    for (const auto& [code, a] : r.answers) {
        v.reset();
        v.clearBindings();
        v.bind(1, id);
        v.bind(2, code);
        if (a.number) v.bind(3, std::int64_t{*a.number});
        if (!a.text.empty()) v.bind(4, a.text);
        if (!a.choice.empty()) v.bind(5, a.choice);
        v.exec();
    }

    // The period's status: the first submission decides on-time or late; later revisions
    // only move the latest pointer.
    auto& st = db_.cached(
        "INSERT INTO report_status (team_id, period, first_submitted_at, last_submitted_at, "
        "latest_report_id, revision, late) VALUES (?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (team_id, period) DO UPDATE SET last_submitted_at = "
        "excluded.last_submitted_at, "
        "latest_report_id = excluded.latest_report_id, revision = excluded.revision");
    st.bind(1, std::int64_t{r.team});
    st.bind(2, r.period);
    st.bind(3, unix_of(now));
    st.bind(4, unix_of(now));
    st.bind(5, id);
    st.bind(6, revision);
    st.bind(7, r.late ? 1 : 0);
    st.exec();

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
