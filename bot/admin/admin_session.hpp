#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/time.hpp"

namespace tcns::bot {

/// The admin page's login sessions, in memory (a restart logs everyone out). A session id is
/// 256 random bits from OpenSSL's RAND_bytes, hex-encoded; it lives in an HttpOnly cookie.
/// Thread-safe: the HTTP worker threads share one instance.
class AdminSessions {
  public:
    static constexpr std::chrono::seconds kDefaultTtl{8 * 3600};
    static constexpr std::string_view kCookieName = "tcns_admin";

    explicit AdminSessions(std::chrono::seconds ttl = kDefaultTtl, std::size_t max_sessions = 256)
        : ttl_(ttl), max_sessions_(max_sessions) {}

    /// A new session valid until now + ttl. Throws std::runtime_error when the random generator
    /// fails (no session is better than a guessable one).
    std::string create(core::Instant now);
    /// True when `id` names a session that has not expired; an expired one is forgotten.
    bool valid(std::string_view id, core::Instant now);
    /// Ends a session (logout); unknown ids are ignored.
    void end(std::string_view id);
    std::chrono::seconds ttl() const { return ttl_; }

    /// Failed logins and wrong bearer tokens are throttled per client address (the proxy's
    /// X-Forwarded-For only from a trusted proxy, bot/http/http_server.cpp): after kMaxFailures
    /// within kFailureWindow, that address is refused until the window has passed. Other
    /// addresses are not affected, so a guesser cannot lock the real admin out.
    static constexpr int kMaxFailures = 20;
    static constexpr std::chrono::seconds kFailureWindow{300};
    /// Addresses remembered at most (oldest windows forgotten first): bounded memory.
    static constexpr std::size_t kMaxClients = 10000;
    bool login_allowed(core::Instant now, std::string_view client = {});
    void record_failure(core::Instant now, std::string_view client = {});

  private:
    void purge_expired(core::Instant now);

    std::mutex mutex_;
    std::chrono::seconds ttl_;
    std::size_t max_sessions_;
    std::map<std::string, core::Instant, std::less<>> expiry_;
    struct Failures {
        core::Instant window_start{};
        int count = 0;
    };
    std::map<std::string, Failures, std::less<>> failures_;
};

/// The value of cookie `name` in a Cookie request header ("a=1; tcns_admin=…").
std::optional<std::string> cookie_value(std::string_view cookie_header, std::string_view name);

}  // namespace tcns::bot
