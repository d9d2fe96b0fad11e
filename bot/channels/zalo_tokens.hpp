#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "bot/channels/http_client.hpp"
#include "core/expected.hpp"
#include "core/time.hpp"
#include "storage/database.hpp"
#include "storage/zalo_token_repo.hpp"

namespace tcns::bot {

/// Keeps the Zalo OA access token fresh (zalo-oa.md §5): the pair lives in SQLite; a refresh
/// is single-flight within the process, re-reads the stored pair first (another caller may have
/// refreshed already), commits the new pair before anyone uses it, and never replaces a good
/// pair with a failed or empty answer. The refresh token is single-use: losing the new one
/// means a new admin consent, hence commit-before-use.
class ZaloTokenManager {
  public:
    using Clock = std::function<core::Instant()>;
    struct Options {
        std::string oauth_base = "https://oauth.zaloapp.com";
        std::string app_id;
        std::string app_secret;  ///< the OAuth App Secret Key (not the OA webhook key)
        /// Refresh when the access token has less than this left (25 h tokens → at ~20 h).
        std::chrono::seconds refresh_margin{std::chrono::hours(5)};
        /// Refresh tokens live about 3 months.
        std::chrono::seconds refresh_token_lifetime{std::chrono::hours(24 * 90)};
    };

    ZaloTokenManager(const std::string& db_path, Options options, HttpClient& http,
                     Clock clock = {});

    /// A usable access token, refreshed first when it is close to expiry. Empty when no pair
    /// has been stored (`tcns zalo token set`) or the refresh failed and the old one expired.
    std::string access_token();
    /// Refreshes now. `failed_token`: the access token the platform just refused; when the
    /// stored one already differs, another thread refreshed and that one is returned.
    core::Expected<std::string, std::string> refresh(const std::string& failed_token = "");

  private:
    core::Instant now() const;
    core::Expected<std::string, std::string> refresh_locked();

    Options options_;
    HttpClient& http_;
    Clock clock_;
    std::mutex mu_;
    std::unique_ptr<storage::Database> db_;
};

/// Refreshes a stored pair once through the OAuth endpoint and commits the result; used by
/// the manager and by `tcns zalo token refresh`.
core::Expected<storage::ZaloTokens, std::string> refresh_zalo_tokens(
    storage::Database& db, const ZaloTokenManager::Options& options, HttpClient& http,
    core::Instant now);

}  // namespace tcns::bot
