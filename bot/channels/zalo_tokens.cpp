#include "bot/channels/zalo_tokens.hpp"

#include "adapters/zalo/zalo_adapter.hpp"
#include "bot/clock.hpp"
#include "bot/log.hpp"

namespace tcns::bot {

core::Expected<storage::ZaloTokens, std::string> refresh_zalo_tokens(
    storage::Database& db, const ZaloTokenManager::Options& options, HttpClient& http,
    core::Instant now) {
    storage::ZaloTokenRepo repo(db);
    const auto current = repo.load();
    if (!current)
        return core::unexpected(std::string("no token pair stored (tcns zalo token set)"));
    const auto r =
        http.post(options.oauth_base, "/v4/oa/access_token", {{"secret_key", options.app_secret}},
                  adapters::zalo::render_refresh_form(current->refresh_token, options.app_id),
                  "application/x-www-form-urlencoded");
    if (!r.status) return core::unexpected("oauth unreachable: " + r.error);
    if (*r.status != 200) return core::unexpected("oauth HTTP " + std::to_string(*r.status));
    auto pair = adapters::zalo::parse_token_response(r.body);
    if (!pair) return core::unexpected("oauth refused: " + pair.error().reason);
    storage::ZaloTokens t;
    t.access_token = pair->access_token;
    t.refresh_token = pair->refresh_token;
    t.access_expires_at = now + std::chrono::seconds(pair->expires_in_seconds);
    t.refresh_expires_at = now + options.refresh_token_lifetime;
    t.updated_at = now;
    // Commit before use: the old refresh token is already dead on Zalo's side.
    storage::with_transaction(db, [&] { repo.save(t); });
    return t;
}

ZaloTokenManager::ZaloTokenManager(const std::string& db_path, Options options, HttpClient& http,
                                   Clock clock)
    : options_(std::move(options)), http_(http), clock_(std::move(clock)) {
    storage::Database::Options o;
    o.migrate = false;
    db_ = std::make_unique<storage::Database>(db_path, o);
}

core::Instant ZaloTokenManager::now() const {
    if (clock_) return clock_();
    return wall_now();
}

std::string ZaloTokenManager::access_token() {
    std::lock_guard lock(mu_);
    storage::ZaloTokenRepo repo(*db_);
    auto t = repo.load();
    if (!t) return {};
    if (t->access_expires_at - now() > options_.refresh_margin) return t->access_token;
    auto fresh = refresh_locked();
    if (fresh) return *fresh;
    // The refresh failed: the old token may still have a few hours; use it until it expires.
    return now() < t->access_expires_at ? t->access_token : std::string();
}

core::Expected<std::string, std::string> ZaloTokenManager::refresh(
    const std::string& failed_token) {
    std::lock_guard lock(mu_);
    if (!failed_token.empty()) {
        storage::ZaloTokenRepo repo(*db_);
        if (auto t = repo.load(); t && t->access_token != failed_token) return t->access_token;
    }
    return refresh_locked();
}

core::Expected<std::string, std::string> ZaloTokenManager::refresh_locked() {
    auto r = refresh_zalo_tokens(*db_, options_, http_, now());
    if (!r) {
        log::error("zalo.token_refresh_failed", {{"reason", r.error()}});
        return core::unexpected(r.error());
    }
    log::info("zalo.token_refreshed", {{"expires_at", core::format_utc(r->access_expires_at)}});
    return r->access_token;
}

}  // namespace tcns::bot
