#pragma once

#include <optional>
#include <string>

#include "core/time.hpp"
#include "storage/database.hpp"

namespace tcns::storage {

/// The Zalo OA token pair. Zalo rotates the refresh token on every refresh and the old one
/// stops working, so the new pair is committed the moment it arrives (DESIGN.md, Storage).
struct ZaloTokens {
    std::string access_token;
    std::string refresh_token;
    core::Instant access_expires_at{};
    core::Instant refresh_expires_at{};
    core::Instant updated_at{};
};

class ZaloTokenRepo {
  public:
    explicit ZaloTokenRepo(Database& db) : db_(db) {}
    std::optional<ZaloTokens> load();
    /// Replaces the pair; refuses (returns false) an empty token so that a bad answer can
    /// never overwrite a good pair.
    bool save(const ZaloTokens& t);

  private:
    Database& db_;
};

}  // namespace tcns::storage
