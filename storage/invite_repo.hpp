#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/org.hpp"
#include "core/time.hpp"
#include "storage/database.hpp"

namespace tcns::storage {

/// A one-time, expiring invite code bound to a person.
struct Invite {
    std::string code;
    core::PersonId person = 0;
    core::Instant created_at{};
    core::Instant expires_at{};
    std::optional<core::Instant> used_at;
    std::optional<core::AccountId> used_by;

    bool usable(core::Instant now) const { return !used_at && now < expires_at; }
};

/// Invite codes: 6 characters from an alphabet without look-alikes (no 0/O, 1/I/L), so that
/// they survive being read aloud or copied from paper. Matching is case-insensitive.
class InviteRepo {
  public:
    explicit InviteRepo(Database& db) : db_(db) {}

    /// Creates a fresh code for a person. `seed` makes codes reproducible (demo data); without it
    /// codes come from OpenSSL's random generator (draw_code).
    std::string issue(core::PersonId person, core::Instant now, std::chrono::seconds ttl,
                      std::optional<std::uint64_t> seed = std::nullopt);
    /// The person's newest usable code, if any.
    std::optional<Invite> usable_for(core::PersonId person, core::Instant now);
    /// Looks a code up (any case, surrounding spaces ignored).
    std::optional<Invite> find(std::string_view code);
    /// Marks a code used by an account. Returns false when it was already used.
    bool consume(std::string_view code, core::AccountId account, core::Instant now);

    /// Upper-cases and strips spaces and dashes: " k7p2-xm " -> "K7P2XM".
    static std::string canonical(std::string_view code);
    static constexpr std::string_view kAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
    static constexpr std::size_t kLength = 6;
    /// A code of kLength symbols of kAlphabet, each equally likely, from OpenSSL's CSPRNG
    /// (RAND_bytes): a code links a chat account to a person or a group to a commune, so seeing
    /// earlier codes must not help guess the next one (a seeded mt19937_64 would). Throws
    /// StorageError when the generator fails. The invite codes and the group codes both use it.
    static std::string draw_code();

  private:
    Database& db_;
};

}  // namespace tcns::storage
