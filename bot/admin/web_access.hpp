#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.hpp"
#include "storage/database.hpp"

namespace tcns::bot {

/// Web access for officials (issue 16): one-time sign-in links asked for in chat, the sessions
/// they open and the audit log, all in SQLite (tables of migration 13). Tokens are 256 random
/// bits, hex-encoded; only their SHA-256 is stored. Every function runs in the caller's
/// transaction (or autocommit) on the given connection.
namespace web {

inline constexpr std::chrono::seconds kLinkTtl{10 * 60};
inline constexpr std::chrono::seconds kIdleTimeout{8 * 3600};
inline constexpr std::chrono::seconds kMaxSessionAge{7 * 24 * 3600};
/// The officials' session cookie (the admin token's login keeps AdminSessions::kCookieName).
inline constexpr std::string_view kCookieName = "tcns_web";

/// 64 hex characters from RAND_bytes; throws std::runtime_error when the generator fails.
std::string random_token();
/// Lowercase hex SHA-256 of `text`.
std::string sha256_hex(std::string_view text);

/// Stores a new link for `person`, scoped to `unit`, valid for kLinkTtl; returns the token.
std::string create_link(storage::Database& db, std::int64_t person, std::int64_t unit,
                        core::Instant now);

/// Who a session belongs to and what it may see.
struct Session {
    std::int64_t id = 0;
    std::int64_t person = 0;
    std::string person_name;
    std::int64_t unit = 0;  ///< the root of the subtree it may see
    std::string unit_code;
    std::string unit_name;
    std::string unit_level;
    core::Instant created_at{};
    core::Instant last_seen_at{};
    core::Instant expires_at{};
    std::optional<core::Instant> revoked_at;
};

enum class RedeemError { kUnknown, kExpired, kUsed };
struct Redeemed {
    std::string token;  ///< the session's token, for the cookie
    Session session;
};
/// Uses a link once: marks it used and opens a session (audited as "sign_in"). Call inside a
/// write transaction so that two clicks cannot both win.
std::optional<Redeemed> redeem_link(storage::Database& db, std::string_view link_token,
                                    core::Instant now, const std::string& client,
                                    RedeemError* error = nullptr);

/// The live session named by a cookie token: not revoked, idle less than kIdleTimeout, younger
/// than kMaxSessionAge. Refreshes last_seen_at (at most once a minute, to spare writes).
std::optional<Session> find_session(storage::Database& db, std::string_view token,
                                    core::Instant now);

/// Sessions, newest first; `live_only` leaves out revoked and expired ones.
std::vector<Session> list_sessions(storage::Database& db, core::Instant now, bool live_only);
/// Revokes; the number of sessions revoked.
int revoke_session(storage::Database& db, std::int64_t id, core::Instant now);
int revoke_person(storage::Database& db, std::int64_t person, core::Instant now);
int revoke_all(storage::Database& db, core::Instant now);

/// One audit row: `actor` is the person's name or "admin-token".
void audit(storage::Database& db, std::optional<std::int64_t> person, const std::string& actor,
           const std::string& action, const std::string& detail, const std::string& client,
           core::Instant now);
struct AuditRow {
    std::int64_t id = 0;
    core::Instant at{};
    std::string actor;
    std::string action;
    std::string detail;
    std::string client;
};
std::vector<AuditRow> audit_list(storage::Database& db, std::size_t limit);

/// True when the unit with `code` is `scope_unit` or below it.
bool unit_in_scope(storage::Database& db, std::int64_t scope_unit, const std::string& code);
/// True when `level` is the scope unit's own level or a level found below it.
bool level_in_scope(storage::Database& db, std::int64_t scope_unit, const std::string& level);
/// The codes of the units of `level` inside the scope.
std::vector<std::string> scope_codes(storage::Database& db, std::int64_t scope_unit,
                                     const std::string& level);

}  // namespace web
}  // namespace tcns::bot
