#include "storage/outbox_repo.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <nlohmann/json.hpp>

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

std::optional<std::int64_t> OutboxRepo::enqueue(const OutboxItem& item, core::Instant now) {
    auto& q = db_.cached(
        "INSERT INTO outbox(idem_key, channel, account_id, recipient, kind, "
        "payload, status, next_attempt_at, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?) "
        "ON CONFLICT(idem_key) DO NOTHING");
    if (item.idem_key)
        q.bind(1, *item.idem_key);
    else
        q.bind(1);
    q.bind(2, item.channel);
    if (item.account_id)
        q.bind(3, static_cast<std::int64_t>(*item.account_id));
    else
        q.bind(3);
    q.bind(4, item.recipient);
    q.bind(5, item.kind);
    q.bind(6, encode(item.message));
    const auto t = static_cast<std::int64_t>(core::to_unix(item.not_before.value_or(now)));
    const auto n = static_cast<std::int64_t>(core::to_unix(now));
    q.bind(7, t);
    q.bind(8, n);
    q.bind(9, n);
    if (q.exec() == 0) return std::nullopt;
    return db_.handle().getLastInsertRowid();
}

std::vector<OutboxRow> OutboxRepo::due(const std::string& channel, core::Instant now, int limit) {
    auto& q = db_.cached(
        "SELECT o.id, o.account_id, o.recipient, o.kind, o.payload, o.attempts, o.created_at "
        "FROM outbox o WHERE o.status = 'pending' AND o.channel = ?1 AND o.next_attempt_at <= ?2 "
        "AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.status = 'pending' AND p.channel = ?1 "
        "AND p.recipient = o.recipient AND p.id < o.id) ORDER BY o.id LIMIT ?3");
    q.bind(1, channel);
    q.bind(2, static_cast<std::int64_t>(core::to_unix(now)));
    q.bind(3, limit);
    std::vector<OutboxRow> out;
    while (q.executeStep()) {
        OutboxRow r;
        r.id = q.getColumn(0).getInt64();
        if (!q.getColumn(1).isNull()) r.account_id = q.getColumn(1).getInt64();
        r.channel = channel;
        r.recipient = q.getColumn(2).getString();
        r.kind = q.getColumn(3).getString();
        r.message = decode(q.getColumn(4).getString());
        r.attempts = q.getColumn(5).getInt();
        r.created_at = core::from_unix(q.getColumn(6).getInt64());
        out.push_back(std::move(r));
    }
    return out;
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
                            const std::string& error, core::Instant now) {
    auto& q = db_.cached(
        "UPDATE outbox SET attempts = ?1, next_attempt_at = ?2, error = ?3, updated_at = ?4 "
        "WHERE id = ?5");
    q.bind(1, attempts);
    q.bind(2, static_cast<std::int64_t>(core::to_unix(next)));
    q.bind(3, error);
    q.bind(4, static_cast<std::int64_t>(core::to_unix(now)));
    q.bind(5, id);
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
    }
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
