#include "bot/admin/web_access.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <SQLiteCpp/SQLiteCpp.h>
#include <stdexcept>

namespace tcns::bot::web {

namespace {

std::string hex(const unsigned char* bytes, std::size_t n) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(2 * n);
    for (std::size_t i = 0; i < n; ++i) {
        out.push_back(kHex[bytes[i] >> 4]);
        out.push_back(kHex[bytes[i] & 15]);
    }
    return out;
}

std::int64_t unix(core::Instant t) {
    return core::to_unix(t);
}

constexpr const char* kSessionColumns =
    "SELECT s.id, s.person_id, p.full_name, s.unit_id, u.code, u.name, u.level, s.created_at, "
    "s.last_seen_at, s.expires_at, s.revoked_at FROM web_sessions s "
    "JOIN people p ON p.id = s.person_id JOIN units u ON u.id = s.unit_id ";

Session read_session(SQLite::Statement& q) {
    Session s;
    s.id = q.getColumn(0).getInt64();
    s.person = q.getColumn(1).getInt64();
    s.person_name = q.getColumn(2).getString();
    s.unit = q.getColumn(3).getInt64();
    s.unit_code = q.getColumn(4).getString();
    s.unit_name = q.getColumn(5).getString();
    s.unit_level = q.getColumn(6).getString();
    s.created_at = core::from_unix(q.getColumn(7).getInt64());
    s.last_seen_at = core::from_unix(q.getColumn(8).getInt64());
    s.expires_at = core::from_unix(q.getColumn(9).getInt64());
    if (!q.getColumn(10).isNull()) s.revoked_at = core::from_unix(q.getColumn(10).getInt64());
    return s;
}

bool live(const Session& s, core::Instant now) {
    return !s.revoked_at && now < s.expires_at && now - s.last_seen_at < kIdleTimeout;
}

/// The subtree of `scope_unit` (itself included), as a recursive CTE prefix.
constexpr const char* kSubtree =
    "WITH RECURSIVE sub(id) AS (SELECT ? UNION ALL SELECT u.id FROM units u JOIN sub ON "
    "u.parent_id = sub.id) ";

}  // namespace

std::string random_token() {
    unsigned char bytes[32];
    if (RAND_bytes(bytes, sizeof bytes) != 1)
        throw std::runtime_error("RAND_bytes failed: cannot create a sign-in token");
    return hex(bytes, sizeof bytes);
}

std::string sha256_hex(std::string_view text) {
    unsigned char out[32];
    unsigned int size = 0;
    if (EVP_Digest(text.data(), text.size(), out, &size, EVP_sha256(), nullptr) != 1 || size != 32)
        throw std::runtime_error("SHA-256 failed");
    return hex(out, sizeof out);
}

std::string create_link(storage::Database& db, std::int64_t person, std::int64_t unit,
                        core::Instant now) {
    const std::string token = random_token();
    // Old links are kept only as long as they can matter (a used or expired one is dead).
    SQLite::Statement purge(db.handle(), "DELETE FROM web_links WHERE expires_at < ?");
    purge.bind(1, unix(now) - 86400);
    purge.exec();
    SQLite::Statement ins(db.handle(),
                          "INSERT INTO web_links(token_hash, person_id, unit_id, created_at, "
                          "expires_at) VALUES (?, ?, ?, ?, ?)");
    ins.bind(1, sha256_hex(token));
    ins.bind(2, person);
    ins.bind(3, unit);
    ins.bind(4, unix(now));
    ins.bind(5, unix(now + kLinkTtl));
    ins.exec();
    return token;
}

std::optional<Redeemed> redeem_link(storage::Database& db, std::string_view link_token,
                                    core::Instant now, const std::string& client,
                                    RedeemError* error) {
    const auto fail = [&](RedeemError e) -> std::optional<Redeemed> {
        if (error) *error = e;
        return std::nullopt;
    };
    if (link_token.size() != 64) return fail(RedeemError::kUnknown);
    const std::string hash = sha256_hex(link_token);
    SQLite::Statement q(db.handle(),
                        "SELECT person_id, unit_id, expires_at, used_at FROM web_links "
                        "WHERE token_hash = ?");
    q.bind(1, hash);
    if (!q.executeStep()) return fail(RedeemError::kUnknown);
    const std::int64_t person = q.getColumn(0).getInt64();
    const std::int64_t unit = q.getColumn(1).getInt64();
    const std::int64_t expires = q.getColumn(2).getInt64();
    const bool used = !q.getColumn(3).isNull();
    q.reset();
    if (used) return fail(RedeemError::kUsed);
    if (unix(now) >= expires) return fail(RedeemError::kExpired);
    SQLite::Statement mark(db.handle(),
                           "UPDATE web_links SET used_at = ? WHERE token_hash = ? AND used_at IS "
                           "NULL");
    mark.bind(1, unix(now));
    mark.bind(2, hash);
    if (mark.exec() != 1) return fail(RedeemError::kUsed);

    Redeemed r;
    r.token = random_token();
    SQLite::Statement ins(db.handle(),
                          "INSERT INTO web_sessions(token_hash, person_id, unit_id, created_at, "
                          "last_seen_at, expires_at, client) VALUES (?, ?, ?, ?, ?, ?, ?)");
    ins.bind(1, sha256_hex(r.token));
    ins.bind(2, person);
    ins.bind(3, unit);
    ins.bind(4, unix(now));
    ins.bind(5, unix(now));
    ins.bind(6, unix(now + kMaxSessionAge));
    ins.bind(7, client);
    ins.exec();
    const std::int64_t id = db.handle().getLastInsertRowid();
    SQLite::Statement s(db.handle(), std::string(kSessionColumns) + "WHERE s.id = ?");
    s.bind(1, id);
    if (!s.executeStep()) throw std::runtime_error("the new session vanished");
    r.session = read_session(s);
    audit(db, person, r.session.person_name, "sign_in",
          "session " + std::to_string(id) + ", unit " + r.session.unit_code, client, now);
    return r;
}

std::optional<Session> find_session(storage::Database& db, std::string_view token,
                                    core::Instant now) {
    if (token.size() != 64) return std::nullopt;
    SQLite::Statement q(db.handle(), std::string(kSessionColumns) + "WHERE s.token_hash = ?");
    q.bind(1, sha256_hex(token));
    if (!q.executeStep()) return std::nullopt;
    Session s = read_session(q);
    q.reset();
    if (!live(s, now)) return std::nullopt;
    if (now - s.last_seen_at >= std::chrono::seconds(60)) {
        SQLite::Statement touch(db.handle(),
                                "UPDATE web_sessions SET last_seen_at = ? WHERE id = ?");
        touch.bind(1, unix(now));
        touch.bind(2, s.id);
        touch.exec();
        s.last_seen_at = now;
    }
    return s;
}

std::vector<Session> list_sessions(storage::Database& db, core::Instant now, bool live_only) {
    SQLite::Statement q(db.handle(), std::string(kSessionColumns) + "ORDER BY s.id DESC");
    std::vector<Session> out;
    while (q.executeStep()) {
        Session s = read_session(q);
        if (!live_only || live(s, now)) out.push_back(std::move(s));
    }
    return out;
}

int revoke_session(storage::Database& db, std::int64_t id, core::Instant now) {
    SQLite::Statement q(
        db.handle(), "UPDATE web_sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL");
    q.bind(1, unix(now));
    q.bind(2, id);
    return q.exec();
}

int revoke_person(storage::Database& db, std::int64_t person, core::Instant now) {
    SQLite::Statement q(db.handle(),
                        "UPDATE web_sessions SET revoked_at = ? WHERE person_id = ? AND "
                        "revoked_at IS NULL");
    q.bind(1, unix(now));
    q.bind(2, person);
    return q.exec();
}

int revoke_all(storage::Database& db, core::Instant now) {
    SQLite::Statement q(db.handle(),
                        "UPDATE web_sessions SET revoked_at = ? WHERE revoked_at IS NULL");
    q.bind(1, unix(now));
    return q.exec();
}

void audit(storage::Database& db, std::optional<std::int64_t> person, const std::string& actor,
           const std::string& action, const std::string& detail, const std::string& client,
           core::Instant now) {
    SQLite::Statement q(db.handle(),
                        "INSERT INTO audit_log(at, person_id, actor, action, detail, client) "
                        "VALUES (?, ?, ?, ?, ?, ?)");
    q.bind(1, unix(now));
    if (person)
        q.bind(2, *person);
    else
        q.bind(2);
    q.bind(3, actor);
    q.bind(4, action);
    q.bind(5, detail);
    q.bind(6, client);
    q.exec();
}

std::vector<AuditRow> audit_list(storage::Database& db, std::size_t limit) {
    SQLite::Statement q(db.handle(),
                        "SELECT id, at, actor, action, detail, client FROM audit_log "
                        "ORDER BY id DESC LIMIT ?");
    q.bind(1, static_cast<std::int64_t>(limit));
    std::vector<AuditRow> out;
    while (q.executeStep())
        out.push_back({q.getColumn(0).getInt64(), core::from_unix(q.getColumn(1).getInt64()),
                       q.getColumn(2).getString(), q.getColumn(3).getString(),
                       q.getColumn(4).getString(), q.getColumn(5).getString()});
    return out;
}

bool unit_in_scope(storage::Database& db, std::int64_t scope_unit, const std::string& code) {
    SQLite::Statement q(db.handle(), std::string(kSubtree) +
                                         "SELECT 1 FROM sub JOIN units u ON u.id = sub.id "
                                         "WHERE u.code = ? LIMIT 1");
    q.bind(1, scope_unit);
    q.bind(2, code);
    return q.executeStep();
}

bool level_in_scope(storage::Database& db, std::int64_t scope_unit, const std::string& level) {
    SQLite::Statement q(db.handle(), std::string(kSubtree) +
                                         "SELECT 1 FROM sub JOIN units u ON u.id = sub.id "
                                         "WHERE u.level = ? LIMIT 1");
    q.bind(1, scope_unit);
    q.bind(2, level);
    return q.executeStep();
}

std::vector<std::string> scope_codes(storage::Database& db, std::int64_t scope_unit,
                                     const std::string& level) {
    SQLite::Statement q(db.handle(), std::string(kSubtree) +
                                         "SELECT u.code FROM sub JOIN units u ON u.id = sub.id "
                                         "WHERE u.level = ?");
    q.bind(1, scope_unit);
    q.bind(2, level);
    std::vector<std::string> out;
    while (q.executeStep()) out.push_back(q.getColumn(0).getString());
    return out;
}

}  // namespace tcns::bot::web
