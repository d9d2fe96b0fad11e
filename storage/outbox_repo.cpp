#include "storage/outbox_repo.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <nlohmann/json.hpp>

#include "storage/facts_cache.hpp"
#include "storage/json_text.hpp"

namespace tcns::storage {

std::string OutboxRepo::encode(const core::OutboundMessage& m) {
    // Keys in nlohmann's order (sorted): the text is the one nlohmann would write.
    JsonObjectWriter w;
    if (!m.buttons.empty()) {
        std::string buttons = "[";
        for (const auto& q : m.buttons) {
            if (buttons.size() > 1) buttons.push_back(',');
            JsonObjectWriter b;
            b.string("label", q.label).string("payload", q.payload);
            buttons += std::move(b).finish();
        }
        buttons.push_back(']');
        w.raw("buttons", buttons);
    }
    if (m.expects_number) w.boolean("expects_number", true);
    w.string("text", m.text);
    return std::move(w).finish();
}

core::OutboundMessage OutboxRepo::decode(const std::string& payload) {
    core::OutboundMessage m;
    const auto j = nlohmann::json::parse(payload, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return m;
    m.text = j.value("text", std::string());
    if (auto it = j.find("buttons"); it != j.end() && it->is_array()) {
        for (const auto& b : *it)
            m.buttons.push_back(
                {b.value("label", std::string()), b.value("payload", std::string())});
    }
    m.expects_number = j.value("expects_number", false);
    return m;
}

int outbox_lane(std::string_view kind) {
    return kind == "reply" ? 0 : 1;
}

std::string OutboxRepo::encode_validity(const core::SendValidity& v) {
    nlohmann::json j{{"kind", v.kind}, {"quiet", v.quiet_hours}};
    if (!v.period.empty()) j["period"] = v.period;
    if (!v.team.empty()) j["team"] = v.team;
    if (!v.unit.empty()) j["unit"] = v.unit;
    if (v.deadline) j["deadline"] = core::to_unix(*v.deadline);
    if (v.not_before) j["not_before"] = core::to_unix(*v.not_before);
    if (v.expires_at) j["expires_at"] = core::to_unix(*v.expires_at);
    if (!v.template_key.empty()) {
        j["template"] = v.template_key;
        j["params"] = v.params;
        if (!v.suffix.empty()) j["suffix"] = v.suffix;
    }
    return j.dump();
}

std::optional<core::SendValidity> OutboxRepo::decode_validity(const std::string& text) {
    const auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return std::nullopt;
    core::SendValidity v;
    v.kind = j.value("kind", std::string());
    v.quiet_hours = j.value("quiet", true);
    v.period = j.value("period", std::string());
    v.team = j.value("team", std::string());
    v.unit = j.value("unit", std::string());
    auto instant = [&](const char* key) -> std::optional<core::Instant> {
        if (auto it = j.find(key); it != j.end() && it->is_number_integer())
            return core::from_unix(it->get<std::int64_t>());
        return std::nullopt;
    };
    v.deadline = instant("deadline");
    v.not_before = instant("not_before");
    v.expires_at = instant("expires_at");
    v.template_key = j.value("template", std::string());
    if (auto it = j.find("params"); it != j.end() && it->is_object())
        for (const auto& [k, val] : it->items())
            if (val.is_string()) v.params[k] = val.get<std::string>();
    v.suffix = j.value("suffix", std::string());
    return v;
}

std::optional<std::int64_t> OutboxRepo::enqueue(const OutboxItem& item, core::Instant now) {
    const int lane = outbox_lane(item.kind);
    // A bulk row joins its unit's queue one round after the unit's last pending row; a unit with
    // nothing pending joins the round being sent now. Bulk rows go out by round, so a commune with
    // a thousand reminders does not hold up one with ten. INDEXED BY: without statistics SQLite
    // chose outbox_pending_lane and walked every pending bulk row of the channel for each insert
    // (a national D-1 tick queuing 28,703 reminders took 166 s instead of about 1 s).
    // The conflict target names the partial unique index on idem_key (migration 17): a reply
    // has no key and writes no entry there.
    auto& q = db_.cached(
        "INSERT INTO outbox(idem_key, channel, account_id, recipient, kind, "
        "payload, status, next_attempt_at, created_at, updated_at, lane, fair_key, fair_round, "
        "validity) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', ?7, ?8, ?9, ?10, ?11, "
        "CASE WHEN ?10 = 1 THEN coalesce((SELECT max(fair_round) + 1 FROM outbox INDEXED BY "
        "outbox_pending_fair WHERE channel = "
        "?2 AND fair_key = ?11 AND status = 'pending' AND lane = 1), (SELECT min(fair_round) FROM "
        "outbox WHERE channel = ?2 AND lane = 1 AND status = 'pending'), 0) ELSE 0 END, ?12) "
        "ON CONFLICT(idem_key) WHERE idem_key IS NOT NULL DO NOTHING");
    if (item.idem_key)
        q.bind(1, *item.idem_key);
    else
        q.bind(1);
    q.bindNoCopy(2, item.channel);  // each bound string outlives exec(): see Database::cached
    if (item.account_id)
        q.bind(3, static_cast<std::int64_t>(*item.account_id));
    else
        q.bind(3);
    q.bindNoCopy(4, item.recipient);
    q.bindNoCopy(5, item.kind);
    const std::string payload = encode(item.message);
    q.bindNoCopy(6, payload);
    const auto t = static_cast<std::int64_t>(core::to_unix(item.not_before.value_or(now)));
    const auto n = static_cast<std::int64_t>(core::to_unix(now));
    q.bind(7, t);
    q.bind(8, n);
    q.bind(9, n);
    q.bind(10, lane);
    static const std::string kNoUnit;
    q.bindNoCopy(11, item.validity ? item.validity->unit : kNoUnit);
    if (item.validity)
        q.bind(12, encode_validity(*item.validity));
    else
        q.bind(12);
    if (q.exec() == 0) return std::nullopt;
    const std::int64_t id = db_.handle().getLastInsertRowid();
    if (lane == 0) {
        // A person who writes gets the bulk rows queued before the reply in the reply lane too:
        // order per person is kept, and the reply does not wait for the broadcast behind them.
        // Looked for through outbox_pending_bulk, which holds only pending bulk rows: the
        // UPDATE alone walked every pending row of the person (outbox_pending_recipient), and
        // an UPDATE through outbox_pending_bulk, whose WHERE has the lane it sets, first
        // collects the rows in a temporary table (about 15,000 instructions a reply).
        auto& any = db_.cached(
            "SELECT 1 FROM outbox INDEXED BY outbox_pending_bulk WHERE channel = ?1 AND "
            "recipient = ?2 AND status = 'pending' AND lane = 1 AND id < ?3 LIMIT 1");
        any.bindNoCopy(1, item.channel);
        any.bindNoCopy(2, item.recipient);
        any.bind(3, id);
        const bool bulk = any.executeStep();
        any.reset();
        if (!bulk) return id;
        auto& p = db_.cached(
            "UPDATE outbox SET lane = 0, fair_round = 0 WHERE channel = ?1 AND recipient = ?2 "
            "AND status = 'pending' AND lane = 1 AND id < ?3");
        p.bind(1, item.channel);
        p.bind(2, item.recipient);
        p.bind(3, id);
        p.exec();
    }
    return id;
}

namespace {

OutboxRow read_row(SQLite::Statement& q, const std::string& channel) {
    OutboxRow r;
    r.id = q.getColumn(0).getInt64();
    if (!q.getColumn(1).isNull()) r.account_id = q.getColumn(1).getInt64();
    r.channel = channel;
    r.recipient = q.getColumn(2).getString();
    r.kind = q.getColumn(3).getString();
    r.message = OutboxRepo::decode(q.getColumn(4).getString());
    r.attempts = q.getColumn(5).getInt();
    r.created_at = core::from_unix(q.getColumn(6).getInt64());
    r.lane = q.getColumn(7).getInt();
    if (!q.getColumn(8).isNull())
        r.validity = OutboxRepo::decode_validity(q.getColumn(8).getString());
    r.no_answer_attempts = q.getColumn(9).getInt();
    return r;
}

}  // namespace

std::vector<OutboxRow> OutboxRepo::due(const std::string& channel, core::Instant now, int limit) {
    auto& q = db_.cached(
        "SELECT o.id, o.account_id, o.recipient, o.kind, o.payload, o.attempts, o.created_at, "
        "o.lane, o.validity, o.no_answer_attempts "
        "FROM outbox o WHERE o.status = 'pending' AND o.channel = ?1 AND o.next_attempt_at <= ?2 "
        "AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.status = 'pending' AND p.channel = ?1 "
        "AND p.recipient = o.recipient AND p.id < o.id) ORDER BY o.id LIMIT ?3");
    q.bind(1, channel);
    q.bind(2, static_cast<std::int64_t>(core::to_unix(now)));
    q.bind(3, limit);
    std::vector<OutboxRow> out;
    while (q.executeStep()) out.push_back(read_row(q, channel));
    return out;
}

std::vector<OutboxRow> OutboxRepo::due_lane(const std::string& channel, int lane, core::Instant now,
                                            int limit, bool probe) {
    auto& q = db_.cached(
        "SELECT o.id, o.account_id, o.recipient, o.kind, o.payload, o.attempts, o.created_at, "
        "o.lane, o.validity, o.no_answer_attempts "
        "FROM outbox o WHERE o.status = 'pending' AND o.channel = ?1 AND o.lane = ?4 "
        "AND (o.next_attempt_at <= ?2 OR (?5 AND o.attempts > 0)) "
        "AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.status = 'pending' AND p.channel = ?1 "
        "AND p.recipient = o.recipient AND p.id < o.id) ORDER BY o.fair_round, o.id LIMIT ?3");
    q.bind(1, channel);
    q.bind(2, static_cast<std::int64_t>(core::to_unix(now)));
    q.bind(3, limit);
    q.bind(4, lane);
    q.bind(5, probe ? 1 : 0);
    std::vector<OutboxRow> out;
    while (q.executeStep()) out.push_back(read_row(q, channel));
    return out;
}

void OutboxRepo::defer(std::int64_t id, core::Instant until, core::Instant now) {
    auto& q = db_.cached(
        "UPDATE outbox SET next_attempt_at = ?1, updated_at = ?2 WHERE id = ?3 AND status = "
        "'pending'");
    q.bind(1, static_cast<std::int64_t>(core::to_unix(until)));
    q.bind(2, static_cast<std::int64_t>(core::to_unix(now)));
    q.bind(3, id);
    q.exec();
}

void OutboxRepo::clear_backoff(const std::string& channel, core::Instant now) {
    auto& q = db_.cached(
        "UPDATE outbox SET next_attempt_at = ?2 WHERE channel = ?1 AND status = 'pending' AND "
        "attempts > 0 AND next_attempt_at > ?2");
    q.bind(1, channel);
    q.bind(2, static_cast<std::int64_t>(core::to_unix(now)));
    q.exec();
}

std::int64_t OutboxRepo::dead_letters() {
    auto& q = db_.cached(
        "SELECT count(*) FROM outbox WHERE status = 'dead' OR status = 'unreachable' OR "
        "status = 'uncertain'");
    const std::int64_t n = q.executeStep() ? q.getColumn(0).getInt64() : 0;
    q.reset();
    return n;
}

namespace {

/// The WHERE clause of an operator filter; `t` qualifies the outbox's columns ("o." or "").
std::string filter_sql(const OutboxFilter& f, const std::string& t) {
    std::string w = "WHERE (";
    for (std::size_t i = 0; i < f.statuses.size(); ++i)
        w += (i ? " OR " : "") + t + "status = ?" + std::to_string(10 + i);
    if (f.statuses.empty()) w += "1";
    w += ")";
    if (f.id) w += " AND " + t + "id = ?1";
    if (f.person)
        w += " AND (" + t +
             "account_id IN (SELECT id FROM chat_accounts WHERE person_id = ?2) OR " + t +
             "recipient = (SELECT phone FROM people WHERE id = ?2))";
    if (f.channel) w += " AND " + t + "channel = ?3";
    if (f.created_before) w += " AND " + t + "created_at < ?4";
    if (f.group_chat) w += " AND " + t + "recipient = ?6 AND " + t + "account_id IS NULL";
    return w;
}

void bind_filter(SQLite::Statement& q, const OutboxFilter& f) {
    if (f.id) q.bind(1, *f.id);
    if (f.person) q.bind(2, static_cast<std::int64_t>(*f.person));
    if (f.channel) q.bind(3, *f.channel);
    if (f.created_before) q.bind(4, static_cast<std::int64_t>(core::to_unix(*f.created_before)));
    if (f.group_chat) q.bind(6, *f.group_chat);
    for (std::size_t i = 0; i < f.statuses.size(); ++i)
        q.bind(static_cast<int>(10 + i), f.statuses[i]);
}

}  // namespace

std::vector<OutboxListing> OutboxRepo::list(const OutboxFilter& f) {
    SQLite::Statement q(db_.handle(),
                        "SELECT o.id, o.channel, o.recipient, a.person_id, o.kind, o.status, "
                        "o.attempts, o.created_at, o.updated_at, ifnull(o.error, ''), o.payload "
                        "FROM outbox o LEFT JOIN chat_accounts a ON a.id = o.account_id " +
                            filter_sql(f, "o.") + " ORDER BY o.id LIMIT " +
                            std::to_string(f.limit));
    bind_filter(q, f);
    std::vector<OutboxListing> out;
    while (q.executeStep()) {
        OutboxListing l;
        l.id = q.getColumn(0).getInt64();
        l.channel = q.getColumn(1).getString();
        l.recipient = q.getColumn(2).getString();
        if (!q.getColumn(3).isNull()) l.person = q.getColumn(3).getInt64();
        l.kind = q.getColumn(4).getString();
        l.status = q.getColumn(5).getString();
        l.attempts = q.getColumn(6).getInt();
        l.created_at = core::from_unix(q.getColumn(7).getInt64());
        l.updated_at = core::from_unix(q.getColumn(8).getInt64());
        l.error = q.getColumn(9).getString();
        l.text = decode(q.getColumn(10).getString()).text;
        out.push_back(std::move(l));
    }
    return out;
}

std::int64_t OutboxRepo::retry(const OutboxFilter& f, core::Instant now) {
    // A retried row keeps its id: it goes before the person's later pending messages, as it
    // would have at first.
    SQLite::Statement q(
        db_.handle(),
        "UPDATE outbox SET status = 'pending', attempts = 0, no_answer_attempts = 0, "
        "next_attempt_at = ?5, updated_at = ?5, error = NULL " +
            filter_sql(f, ""));
    bind_filter(q, f);
    q.bind(5, static_cast<std::int64_t>(core::to_unix(now)));
    return q.exec();
}

std::int64_t OutboxRepo::drop(const OutboxFilter& f, core::Instant now) {
    SQLite::Statement q(
        db_.handle(),
        "UPDATE outbox SET status = 'dropped', updated_at = ?5, error = 'dropped by operator' " +
            filter_sql(f, ""));
    bind_filter(q, f);
    q.bind(5, static_cast<std::int64_t>(core::to_unix(now)));
    return q.exec();
}

void OutboxRepo::mark_sent(std::int64_t id, const std::string& platform_message_id,
                           core::Instant now) {
    auto& q = db_.cached(
        "UPDATE outbox SET status = 'sent', sent_at = ?1, updated_at = ?1, attempts = attempts + "
        "1, "
        "platform_message_id = ?2, error = NULL WHERE id = ?3");
    q.bind(1, static_cast<std::int64_t>(core::to_unix(now)));
    q.bind(2, platform_message_id);
    q.bind(3, id);
    q.exec();
}

void OutboxRepo::mark_retry(std::int64_t id, int attempts, core::Instant next,
                            const std::string& error, core::Instant now, bool no_answer) {
    auto& q = db_.cached(
        "UPDATE outbox SET attempts = ?1, next_attempt_at = ?2, error = ?3, updated_at = ?4, "
        "no_answer_attempts = no_answer_attempts + ?6 WHERE id = ?5");
    q.bind(1, attempts);
    q.bind(2, static_cast<std::int64_t>(core::to_unix(next)));
    q.bind(3, error);
    q.bind(4, static_cast<std::int64_t>(core::to_unix(now)));
    q.bind(5, id);
    q.bind(6, no_answer ? 1 : 0);
    q.exec();
}

void OutboxRepo::mark_final(std::int64_t id, std::string_view status, const std::string& reason,
                            core::Instant now) {
    auto& q = db_.cached(
        "UPDATE outbox SET status = ?1, error = ?2, updated_at = ?3, attempts = attempts + 1 "
        "WHERE id = ?4");
    q.bind(1, std::string(status));
    q.bind(2, reason);
    q.bind(3, static_cast<std::int64_t>(core::to_unix(now)));
    q.bind(4, id);
    q.exec();
    if (status == "unreachable") {
        auto& a = db_.cached(
            "UPDATE chat_accounts SET unreachable_reason = ?1, unreachable_at = ?2 WHERE id = "
            "(SELECT account_id FROM outbox WHERE id = ?3)");
        a.bind(1, reason);
        a.bind(2, static_cast<std::int64_t>(core::to_unix(now)));
        a.bind(3, id);
        a.exec();
        // On the writer's connection (the dispatcher has its own), its cached accounts.
        if (FactsCache* cache = db_.facts_cache()) cache->drop_accounts();
    }
}

bool OutboxRepo::pending_as_read(std::int64_t id, const std::string& channel,
                                 core::Instant created_at, int attempts) {
    auto& q = db_.cached(
        "SELECT 1 FROM outbox WHERE id = ?1 AND channel = ?2 AND created_at = ?3 AND attempts = ?4 "
        "AND status = 'pending'");
    q.bind(1, id);
    q.bind(2, channel);
    q.bind(3, static_cast<std::int64_t>(core::to_unix(created_at)));
    q.bind(4, attempts);
    const bool found = q.executeStep();
    q.reset();
    return found;
}

std::pair<std::int64_t, std::int64_t> OutboxRepo::depth_and_oldest_age(core::Instant now) {
    auto& q = db_.cached("SELECT count(*), min(created_at) FROM outbox WHERE status = 'pending'");
    if (!q.executeStep()) return {0, 0};
    const std::int64_t n = q.getColumn(0).getInt64();
    const std::int64_t age =
        q.getColumn(1).isNull() ? 0 : core::to_unix(now) - q.getColumn(1).getInt64();
    return {n, age};
}

std::optional<core::Instant> OutboxRepo::next_due(const std::string& channel) {
    // Only rows at the head of their recipient's queue can be sent: a later row that is already
    // due waits behind an earlier one that backs off (counting it made the dispatcher poll
    // every 10 ms during an outage).
    auto& q = db_.cached(
        "SELECT min(o.next_attempt_at) FROM outbox o WHERE o.status = 'pending' AND o.channel = "
        "?1 AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.status = 'pending' AND p.channel = ?1 "
        "AND p.recipient = o.recipient AND p.id < o.id)");
    q.bind(1, channel);
    if (!q.executeStep() || q.getColumn(0).isNull()) return std::nullopt;
    return core::from_unix(q.getColumn(0).getInt64());
}

}  // namespace tcns::storage
