#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "bot/cli/cli.hpp"
#include "bot/http/health.hpp"
#include "bot/jobs/scheduler_config.hpp"

namespace tcns::bot {

/// A configuration problem: unknown key, wrong type, missing secret. main exits non-zero.
class ConfigError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// A database that cannot serve without an operator: not an SQLite file, corrupt, or written
/// by a newer tcns. main exits with kExitDatabase; systemd does not restart it.
class DatabaseError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// Exit codes of `tcns` (deploy/README.md; tcns.service's RestartPreventExitStatus= lists the
/// permanent ones: restarting cannot fix them).
inline constexpr int kExitFailure = 1;   ///< anything else (a busy port, I/O): systemd retries
inline constexpr int kExitUsage = 2;     ///< bad command line (permanent)
inline constexpr int kExitConfig = 3;    ///< configuration, secrets, templates (permanent)
inline constexpr int kExitDatabase = 4;  ///< database unusable (permanent)

/// The one HTTP server's limits (bot/http/http_server.hpp), set here once.
struct ServerConfig {
    std::string listen = "127.0.0.1";  ///< TLS ends at the reverse proxy
    int port = 8080;
    int io_threads = 2;  ///< network threads (sockets, parsing, webhook verification)
    int threads = 4;     ///< handler pool: admin pages, health, export set-up
    std::size_t max_body_bytes = 64 * 1024;   ///< webhooks, Content-Length or chunked alike
    std::size_t max_form_bytes = 8 * 1024;    ///< admin forms (login, logout)
    std::size_t max_header_bytes = 8 * 1024;  ///< request line and headers (431 beyond)
    std::size_t max_header_fields = 64;       ///< header lines (431 beyond)
    int read_timeout_s = 5;   ///< a whole request, head and body, from its first byte (408)
    int idle_timeout_s = 5;   ///< a keep-alive connection with no request
    int write_timeout_s = 5;  ///< each write of an answer (a stalled reader is dropped)
    std::size_t max_connections = 1024;
    /// Peers whose X-Forwarded-For names the client: the reverse proxy (deploy/nginx).
    std::vector<std::string> trusted_proxies = {"127.0.0.1", "::1"};
};

/// How a channel treats a webhook whose signature does not verify.
enum class VerifyMode { kEnforce, kLogOnly };

struct ViberConfig {
    bool enabled = false;
    std::string api_base = "https://chatapi.viber.com/pa";
    VerifyMode verify = VerifyMode::kEnforce;
    std::string sender_name = "Tổ CNS";
    std::string sender_avatar;
    int rate_per_second = 20;  ///< sends per second (no documented limit: conservative)
};

struct ZaloConfig {
    bool enabled = false;
    std::string api_base = "https://openapi.zalo.me";
    std::string oauth_base = "https://oauth.zaloapp.com";
    VerifyMode verify = VerifyMode::kEnforce;
    /// Content of the <meta name="zalo-platform-site-verification"> tag served at GET /.
    std::string site_verification;
    int rate_per_second = 50;  ///< sends per second (Zalo: about 4,000 requests/min per app)
    /// A webhook whose signed `timestamp` is further than this from now is refused (replay):
    /// wide enough for Zalo's retries.
    int timestamp_window_s = 24 * 3600;
};

/// Zalo Bot Platform (shared/channels/zalo-bot.md): no OA needed; the bot token is in the API
/// path and the webhook carries a shared secret header.
struct ZaloBotConfig {
    bool enabled = false;
    std::string api_base = "https://bot-api.zaloplatforms.com";
    VerifyMode verify = VerifyMode::kEnforce;
    int rate_per_second = 20;  ///< sends per second (limits undocumented [C]: conservative)
};

/// Secrets: only from the environment (or the systemd EnvironmentFile), never from the config
/// file, never logged.
struct Secrets {
    std::string viber_token;      ///< TCNS_VIBER_TOKEN
    std::string zalo_app_id;      ///< TCNS_ZALO_APP_ID
    std::string zalo_oa_secret;   ///< TCNS_ZALO_OA_SECRET (webhook signature key)
    std::string zalo_app_secret;  ///< TCNS_ZALO_APP_SECRET (OAuth secret_key)
    std::string zalo_bot_token;   ///< TCNS_ZALO_BOT_TOKEN (in the API path: never logged)
    std::string zalo_bot_secret;  ///< TCNS_ZALO_BOT_SECRET (X-Bot-Api-Secret-Token)
    std::string admin_token;      ///< TCNS_ADMIN_TOKEN (admin surface disabled when empty)
};

/// The "outbox" section: how long the dispatcher keeps trying.
struct OutboxConfig {
    /// A message that keeps failing for a transport reason (timeouts, 5xx, 429, connection
    /// errors) is retried this long before it becomes a dead letter (`tcns outbox retry`).
    int give_up_hours = 72;
    int max_backoff_minutes = 15;  ///< a failing row's retries are at most this far apart
    /// Where send outcomes the database refuses (disk full, read-only) are journaled until they
    /// can be recorded: a directory on another filesystem than the database's. Empty: the
    /// default, default_journal_dir() (/run/tcns under systemd).
    std::string journal_dir;
};

struct Config {
    std::string database;       ///< path of the SQLite file
    std::string templates_dir;  ///< forms and messages; empty: search the standard places
    std::string log_level = "info";
    /// Where officials reach the web pages ("https://tcns.example.gov.vn", no trailing '/'):
    /// the base of the sign-in links sent in chat. Empty: web access is not configured.
    std::string public_url;
    ServerConfig server;
    ViberConfig viber;
    ZaloConfig zalo;
    ZaloBotConfig zalo_bot;
    SchedulerConfig scheduler;
    HealthConfig health;
    OutboxConfig outbox;
    Secrets secrets;
};

/// Parses a JSON config text strictly: unknown keys and wrong types are errors.
Config parse_config(const std::string& json_text, const std::string& origin);

/// Loads the config named by the global options (built-in defaults when none), reads secrets
/// from the environment, resolves the database path (--db > TCNS_DB > config > "tcns.db") and
/// validates the whole. Throws ConfigError with a clear message.
Config load_config(const GlobalOptions& global);

/// Reads the secrets from the environment.
Secrets secrets_from_env();

}  // namespace tcns::bot
