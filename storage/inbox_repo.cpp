#include "storage/inbox_repo.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

namespace tcns::storage {

bool InboxRepo::seen(const std::string& channel, const std::string& event_id) {
    auto& q = db_.cached("SELECT 1 FROM inbox WHERE channel = ? AND event_id = ?");
    q.bindNoCopy(1, channel);  // see Database::cached
    q.bindNoCopy(2, event_id);
    return q.executeStep();
}

std::size_t InboxRepo::prune(core::Instant before, std::size_t limit) {
    // No index on received_at: this runs at most once an hour (bot/jobs/scheduler.cpp), and one
    // scan of the inbox then costs less than an index updated by every webhook.
    SQLite::Statement q(db_.handle(),
                        "DELETE FROM inbox WHERE (channel, event_id) IN (SELECT channel, event_id "
                        "FROM inbox WHERE received_at < ? LIMIT ?)");
    q.bind(1, static_cast<std::int64_t>(core::to_unix(before)));
    q.bind(2, static_cast<std::int64_t>(limit));
    return static_cast<std::size_t>(q.exec());
}

bool InboxRepo::record(const std::string& channel, const std::string& event_id,
                       const std::string& kind, core::Instant now,
                       std::optional<core::AccountId> account) {
    auto& q = db_.cached(
        "INSERT INTO inbox (channel, event_id, received_at, kind, account_id) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (channel, event_id) DO NOTHING");
    q.bindNoCopy(1, channel);
    q.bindNoCopy(2, event_id);
    q.bind(3, static_cast<std::int64_t>(core::to_unix(now)));
    q.bindNoCopy(4, kind);
    if (account)
        q.bind(5, std::int64_t{*account});
    else
        q.bind(5);
    return q.exec() == 1;
}

void InboxRepo::record_receipt(const std::string& channel, const std::string& message_id,
                               const std::string& user_id, const std::string& status,
                               const std::string& reason, core::Instant at) {
    auto& q = db_.cached(
        "INSERT INTO delivery_events (channel, message_id, user_id, status, reason, at) "
        "VALUES (?, ?, ?, ?, ?, ?)");
    q.bind(1, channel);
    q.bind(2, message_id);
    q.bind(3, user_id);
    q.bind(4, status);
    if (reason.empty())
        q.bind(5);
    else
        q.bind(5, reason);
    q.bind(6, static_cast<std::int64_t>(core::to_unix(at)));
    q.exec();
}

}  // namespace tcns::storage
