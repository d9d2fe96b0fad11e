#include "storage/outbox_repo.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <nlohmann/json.hpp>

namespace tcns::storage {

std::string OutboxRepo::encode(const core::OutboundMessage& m) {
    nlohmann::json j;
    j["text"] = m.text;
    if (!m.buttons.empty()) {
        auto& b = j["buttons"] = nlohmann::json::array();
        for (const auto& q : m.buttons) b.push_back({{"label", q.label}, {"payload", q.payload}});
    }
    if (m.expects_number) j["expects_number"] = true;
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
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
    SQLite::Statement q(db_.handle(),
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

}  // namespace tcns::storage
