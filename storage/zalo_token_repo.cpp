#include "storage/zalo_token_repo.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

namespace tcns::storage {

std::optional<ZaloTokens> ZaloTokenRepo::load() {
    SQLite::Statement q(
        db_.handle(),
        "SELECT access_token, refresh_token, access_expires_at, refresh_expires_at, "
        "updated_at FROM zalo_tokens WHERE id = 1");
    if (!q.executeStep()) return std::nullopt;
    ZaloTokens t;
    t.access_token = q.getColumn(0).getString();
    t.refresh_token = q.getColumn(1).getString();
    t.access_expires_at = core::from_unix(q.getColumn(2).getInt64());
    t.refresh_expires_at = core::from_unix(q.getColumn(3).getInt64());
    t.updated_at = core::from_unix(q.getColumn(4).getInt64());
    return t;
}

bool ZaloTokenRepo::save(const ZaloTokens& t) {
    if (t.access_token.empty() || t.refresh_token.empty()) return false;
    SQLite::Statement q(db_.handle(),
                        "INSERT INTO zalo_tokens (id, access_token, refresh_token, "
                        "access_expires_at, refresh_expires_at, updated_at) "
                        "VALUES (1, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
                        "access_token = excluded.access_token, refresh_token = "
                        "excluded.refresh_token, access_expires_at = excluded.access_expires_at, "
                        "refresh_expires_at = excluded.refresh_expires_at, updated_at = "
                        "excluded.updated_at");
    q.bind(1, t.access_token);
    q.bind(2, t.refresh_token);
    q.bind(3, static_cast<std::int64_t>(core::to_unix(t.access_expires_at)));
    q.bind(4, static_cast<std::int64_t>(core::to_unix(t.refresh_expires_at)));
    q.bind(5, static_cast<std::int64_t>(core::to_unix(t.updated_at)));
    q.exec();
    return true;
}

}  // namespace tcns::storage
