#include "storage/invite_repo.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <openssl/rand.h>

#include <random>

namespace tcns::storage {

namespace {
std::int64_t unix(core::Instant t) {
    return static_cast<std::int64_t>(core::to_unix(t));
}

Invite read_invite(SQLite::Statement& q) {
    Invite i;
    i.code = q.getColumn(0).getString();
    i.person = q.getColumn(1).getInt64();
    i.created_at = core::from_unix(q.getColumn(2).getInt64());
    i.expires_at = core::from_unix(q.getColumn(3).getInt64());
    if (!q.getColumn(4).isNull()) i.used_at = core::from_unix(q.getColumn(4).getInt64());
    if (!q.getColumn(5).isNull()) i.used_by = q.getColumn(5).getInt64();
    return i;
}
}  // namespace

std::string InviteRepo::canonical(std::string_view code) {
    std::string out;
    for (char c : code) {
        if (c == ' ' || c == '-' || c == '\t') continue;
        out.push_back((c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c);
    }
    return out;
}

std::string InviteRepo::draw_code() {
    // Rejection sampling: a byte below the largest multiple of the alphabet's size maps to a
    // symbol by remainder with every symbol equally likely; the rest are drawn again.
    constexpr unsigned kLimit = 256 - 256 % kAlphabet.size();
    std::string code;
    unsigned char bytes[32];
    while (code.size() < kLength) {
        if (RAND_bytes(bytes, sizeof bytes) != 1)
            throw StorageError("the random generator failed: cannot create a code");
        for (unsigned char b : bytes)
            if (b < kLimit && code.size() < kLength)
                code.push_back(kAlphabet[b % kAlphabet.size()]);
    }
    return code;
}

std::string InviteRepo::issue(core::PersonId person, core::Instant now, std::chrono::seconds ttl,
                              std::optional<std::uint64_t> seed) {
    // Seeded only for the demo roster, whose codes are printed in the README and tests.
    std::optional<std::mt19937_64> rng;
    if (seed) rng.emplace(*seed);
    std::uniform_int_distribution<std::size_t> pick(0, kAlphabet.size() - 1);
    SQLite::Statement ins(db_.handle(),
                          "INSERT INTO invite_codes(code, person_id, created_at, expires_at) "
                          "VALUES (?, ?, ?, ?) ON CONFLICT(code) DO NOTHING");
    // 31^6 ≈ 887 million codes: a collision is rare; retry with the next draw when it happens.
    for (int attempt = 0; attempt < 100; ++attempt) {
        std::string code;
        if (rng)
            for (std::size_t i = 0; i < kLength; ++i) code.push_back(kAlphabet[pick(*rng)]);
        else
            code = draw_code();
        ins.reset();
        ins.bind(1, code);
        ins.bind(2, static_cast<std::int64_t>(person));
        ins.bind(3, unix(now));
        ins.bind(4, unix(now + ttl));
        if (ins.exec() == 1) return code;
    }
    throw StorageError("cannot find a free invite code");
}

std::optional<Invite> InviteRepo::usable_for(core::PersonId person, core::Instant now) {
    SQLite::Statement q(db_.handle(),
                        "SELECT code, person_id, created_at, expires_at, used_at, "
                        "used_by_account_id FROM invite_codes WHERE person_id = ? AND used_at IS "
                        "NULL AND expires_at > ? ORDER BY created_at DESC, code LIMIT 1");
    q.bind(1, static_cast<std::int64_t>(person));
    q.bind(2, unix(now));
    if (!q.executeStep()) return std::nullopt;
    return read_invite(q);
}

std::optional<Invite> InviteRepo::find(std::string_view code) {
    SQLite::Statement q(db_.handle(),
                        "SELECT code, person_id, created_at, expires_at, used_at, "
                        "used_by_account_id FROM invite_codes WHERE code = ?");
    q.bind(1, canonical(code));
    if (!q.executeStep()) return std::nullopt;
    return read_invite(q);
}

bool InviteRepo::consume(std::string_view code, core::AccountId account, core::Instant now) {
    SQLite::Statement q(db_.handle(),
                        "UPDATE invite_codes SET used_at = ?, used_by_account_id = ? "
                        "WHERE code = ? AND used_at IS NULL");
    q.bind(1, unix(now));
    q.bind(2, static_cast<std::int64_t>(account));
    q.bind(3, canonical(code));
    return q.exec() == 1;
}

}  // namespace tcns::storage
