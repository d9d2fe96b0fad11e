#include "bot/config.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace tcns::bot {

namespace {

using nlohmann::json;

/// Walks one JSON object, remembering which keys were read, so that unknown keys (usually
/// typos) are reported instead of silently ignored.
class Section {
  public:
    Section(const json& j, std::string path) : j_(j), path_(std::move(path)) {
        if (!j_.is_object()) throw ConfigError(fmt::format("{} must be an object", where()));
    }

    void str(const char* key, std::string& out) {
        if (const json* v = take(key)) {
            if (!v->is_string()) throw type_error(key, "a string");
            out = v->get<std::string>();
        }
    }
    void integer(const char* key, int& out, int lo, int hi) {
        if (const json* v = take(key)) {
            if (!v->is_number_integer()) throw type_error(key, "an integer");
            const auto n = v->get<long long>();
            if (n < lo || n > hi)
                throw ConfigError(
                    fmt::format("{}.{} must be between {} and {}", path_, key, lo, hi));
            out = static_cast<int>(n);
        }
    }
    void size(const char* key, std::size_t& out) {
        int n = static_cast<int>(out);
        integer(key, n, 1, 1 << 30);
        out = static_cast<std::size_t>(n);
    }
    void boolean(const char* key, bool& out) {
        if (const json* v = take(key)) {
            if (!v->is_boolean()) throw type_error(key, "true or false");
            out = v->get<bool>();
        }
    }
    void verify_mode(const char* key, VerifyMode& out) {
        std::string s = out == VerifyMode::kEnforce ? "enforce" : "log-only";
        str(key, s);
        if (s == "enforce")
            out = VerifyMode::kEnforce;
        else if (s == "log-only")
            out = VerifyMode::kLogOnly;
        else
            throw ConfigError(fmt::format("{}.{} must be \"enforce\" or \"log-only\", not \"{}\"",
                                          path_, key, s));
    }
    void strings(const char* key, std::vector<std::string>& out) {
        if (const json* v = take(key)) {
            if (!v->is_array()) throw type_error(key, "an array of strings");
            out.clear();
            for (const auto& e : *v) {
                if (!e.is_string()) throw type_error(key, "an array of strings");
                out.push_back(e.get<std::string>());
            }
        }
    }
    /// A nested section; nullptr-safe: returns nullopt when absent.
    const json* object(const char* key) { return take(key); }

    /// Throws for every key that was not read.
    void finish() const {
        for (auto it = j_.begin(); it != j_.end(); ++it) {
            if (!seen_.count(it.key()))
                throw ConfigError(fmt::format("unknown key \"{}\" in {}", it.key(), where()));
        }
    }

    std::string child(const char* key) const { return path_.empty() ? key : path_ + "." + key; }

  private:
    const json* take(const char* key) {
        auto it = j_.find(key);
        if (it == j_.end()) return nullptr;
        seen_.insert(key);
        return &*it;
    }
    ConfigError type_error(const char* key, const char* what) const {
        return ConfigError(
            fmt::format("{}.{} must be {}", path_.empty() ? "config" : path_, key, what));
    }
    std::string where() const { return path_.empty() ? "the configuration" : "\"" + path_ + "\""; }

    const json& j_;
    std::string path_;
    std::set<std::string> seen_;
};

core::OutsideWindow parse_outside(const std::string& s, const std::string& where) {
    if (s == "send_anyway") return core::OutsideWindow::kSendAnyway;
    if (s == "zns_template") return core::OutsideWindow::kZnsTemplate;
    if (s == "skip_and_report") return core::OutsideWindow::kSkipAndReport;
    throw ConfigError(fmt::format(
        "{} must be \"send_anyway\", \"zns_template\" or \"skip_and_report\", not \"{}\"", where,
        s));
}

/// The "scheduler" section; the policy's defaults stay for every key left out.
void parse_scheduler(const json& j, SchedulerConfig& c) {
    Section sec(j, "scheduler");
    sec.boolean("enabled", c.enabled);
    sec.integer("tick_seconds", c.tick_seconds, 1, 3600);
    sec.integer("rescan_minutes", c.rescan_minutes, 0, 24 * 60);
    sec.integer("inbox_retention_days", c.inbox_retention_days, 1, 3650);
    if (const json* days = sec.object("reminder_days")) {
        if (!days->is_array())
            throw ConfigError("scheduler.reminder_days must be an array of integers");
        c.policy.days_before.clear();
        for (const auto& d : *days) {
            if (!d.is_number_integer())
                throw ConfigError("scheduler.reminder_days must be an array of integers");
            c.policy.days_before.push_back(d.get<int>());
        }
    }
    sec.integer("send_hour", c.policy.send_hour, 0, 23);
    if (const json* q = sec.object("quiet_hours")) {
        Section quiet(*q, "scheduler.quiet_hours");
        quiet.integer("from", c.policy.quiet.from_hour, 0, 23);
        quiet.integer("until", c.policy.quiet.until_hour, 0, 23);
        quiet.finish();
    }
    sec.boolean("late_notice", c.policy.late_notice);
    sec.boolean("escalation", c.policy.escalation);
    int late_hours = static_cast<int>(
        std::chrono::duration_cast<std::chrono::hours>(c.policy.late_valid_for).count());
    sec.integer("late_valid_hours", late_hours, 1, 24 * 60);
    c.policy.late_valid_for = std::chrono::hours(late_hours);
    sec.str("commune_level", c.commune_level);
    sec.boolean("summaries", c.summaries);
    int max_named = static_cast<int>(c.max_named);
    sec.integer("max_named", max_named, 1, 200);
    c.max_named = static_cast<std::size_t>(max_named);
    if (const json* q = sec.object("quarterly")) {
        Section quarterly(*q, "scheduler.quarterly");
        quarterly.boolean("enabled", c.quarterly);
        quarterly.str("level", c.quarterly_rule.level);
        quarterly.integer("days_before", c.quarterly_rule.days_before, 0, 60);
        quarterly.str("province_level", c.province_level);
        quarterly.finish();
    }
    if (const json* channels = sec.object("channels")) {
        if (!channels->is_object()) throw ConfigError("scheduler.channels must be an object");
        for (auto it = channels->begin(); it != channels->end(); ++it) {
            const std::string path = "scheduler.channels." + it.key();
            core::ChannelRule* rule = nullptr;
            for (auto& r : c.policy.channels)
                if (r.channel == it.key()) rule = &r;
            if (!rule) {
                c.policy.channels.push_back({it.key(), std::chrono::hours(24), {}});
                rule = &c.policy.channels.back();
            }
            Section ch(*it, path);
            int hours = static_cast<int>(
                std::chrono::duration_cast<std::chrono::hours>(rule->window).count());
            ch.integer("window_hours", hours, 1, 24 * 60);
            rule->window = std::chrono::hours(hours);
            std::string outside = rule->outside == core::OutsideWindow::kSendAnyway ? "send_anyway"
                                  : rule->outside == core::OutsideWindow::kZnsTemplate
                                      ? "zns_template"
                                      : "skip_and_report";
            ch.str("outside_window", outside);
            rule->outside = parse_outside(outside, path + ".outside_window");
            ch.finish();
        }
    }
    sec.finish();
    // The quarterly reminder keeps the monthly send hour and quiet hours.
    c.quarterly_rule.send_hour = c.policy.send_hour;
    c.quarterly_rule.quiet = c.policy.quiet;
    const auto problems = core::check_reminder_config(c.policy);
    if (!problems.empty()) throw ConfigError("scheduler: " + problems.front());
}

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v ? std::string(v) : std::string();
}

}  // namespace

Secrets secrets_from_env() {
    Secrets s;
    s.viber_token = env("TCNS_VIBER_TOKEN");
    s.zalo_app_id = env("TCNS_ZALO_APP_ID");
    s.zalo_oa_secret = env("TCNS_ZALO_OA_SECRET");
    s.zalo_app_secret = env("TCNS_ZALO_APP_SECRET");
    s.zalo_bot_token = env("TCNS_ZALO_BOT_TOKEN");
    s.zalo_bot_secret = env("TCNS_ZALO_BOT_SECRET");
    s.admin_token = env("TCNS_ADMIN_TOKEN");
    return s;
}

Config parse_config(const std::string& text, const std::string& origin) {
    json j;
    try {
        j = json::parse(text);
    } catch (const json::parse_error& e) {
        // nlohmann reports a byte offset; an operator editing the file in nano needs the line
        // and the column (counted in characters, not UTF-8 bytes).
        const std::size_t at = std::min<std::size_t>(e.byte == 0 ? 0 : e.byte - 1, text.size());
        std::size_t line = 1, column = 1;
        for (std::size_t i = 0; i < at; ++i) {
            const auto c = static_cast<unsigned char>(text[i]);
            if (c == '\n') {
                ++line;
                column = 1;
            } else if ((c & 0xC0) != 0x80) {
                ++column;
            }
        }
        std::string what = e.what();
        // "[json.exception.parse_error.101] parse error at line 3, column 5: syntax error
        // while parsing object - ..." : keep the part after the position.
        if (auto p = what.find(": "); p != std::string::npos) what = what.substr(p + 2);
        throw ConfigError(fmt::format("{} is not valid JSON: line {}, column {}: {}", origin, line,
                                      column, what));
    }
    Config c;
    Section root(j, "");
    root.str("database", c.database);
    root.str("templates_dir", c.templates_dir);
    root.str("log_level", c.log_level);
    root.str("public_url", c.public_url);
    if (const json* s = root.object("server")) {
        Section sec(*s, "server");
        sec.str("listen", c.server.listen);
        sec.integer("port", c.server.port, 0, 65535);  // 0: any free port (tests)
        sec.integer("io_threads", c.server.io_threads, 1, 64);
        sec.integer("threads", c.server.threads, 1, 256);
        sec.size("max_body_bytes", c.server.max_body_bytes);
        sec.size("max_form_bytes", c.server.max_form_bytes);
        sec.size("max_header_bytes", c.server.max_header_bytes);
        sec.size("max_header_fields", c.server.max_header_fields);
        sec.integer("read_timeout_s", c.server.read_timeout_s, 1, 600);
        sec.integer("idle_timeout_s", c.server.idle_timeout_s, 1, 3600);
        sec.integer("write_timeout_s", c.server.write_timeout_s, 1, 600);
        sec.size("max_connections", c.server.max_connections);
        sec.strings("trusted_proxies", c.server.trusted_proxies);
        sec.finish();
    }
    if (const json* s = root.object("viber")) {
        Section sec(*s, "viber");
        sec.boolean("enabled", c.viber.enabled);
        sec.str("api_base", c.viber.api_base);
        sec.verify_mode("verify", c.viber.verify);
        sec.str("sender_name", c.viber.sender_name);
        sec.str("sender_avatar", c.viber.sender_avatar);
        sec.integer("rate_per_second", c.viber.rate_per_second, 1, 1000);
        sec.finish();
    }
    if (const json* s = root.object("zalo")) {
        Section sec(*s, "zalo");
        sec.boolean("enabled", c.zalo.enabled);
        sec.str("api_base", c.zalo.api_base);
        sec.str("oauth_base", c.zalo.oauth_base);
        sec.verify_mode("verify", c.zalo.verify);
        sec.str("site_verification", c.zalo.site_verification);
        sec.integer("rate_per_second", c.zalo.rate_per_second, 1, 1000);
        sec.integer("timestamp_window_s", c.zalo.timestamp_window_s, 60, 3650 * 24 * 3600);
        sec.finish();
    }
    if (const json* s = root.object("zalo_bot")) {
        Section sec(*s, "zalo_bot");
        sec.boolean("enabled", c.zalo_bot.enabled);
        sec.str("api_base", c.zalo_bot.api_base);
        sec.verify_mode("verify", c.zalo_bot.verify);
        sec.integer("rate_per_second", c.zalo_bot.rate_per_second, 1, 1000);
        sec.finish();
    }
    if (const json* s = root.object("scheduler")) parse_scheduler(*s, c.scheduler);
    if (const json* s = root.object("health")) {
        Section sec(*s, "health");
        sec.integer("min_free_disk_mb", c.health.min_free_disk_mb, 0, 1 << 24);
        sec.integer("outbox_stuck_seconds", c.health.outbox_stuck_seconds, 10, 30 * 86400);
        sec.finish();
    }
    if (const json* s = root.object("outbox")) {
        Section sec(*s, "outbox");
        sec.integer("give_up_hours", c.outbox.give_up_hours, 1, 24 * 60);
        sec.integer("max_backoff_minutes", c.outbox.max_backoff_minutes, 1, 24 * 60);
        sec.str("journal_dir", c.outbox.journal_dir);
        sec.finish();
    }
    root.finish();
    static const std::set<std::string> kLevels = {"debug", "info", "warn", "error"};
    if (!kLevels.count(c.log_level))
        throw ConfigError(fmt::format("log_level must be one of debug, info, warn, error"));
    while (!c.public_url.empty() && c.public_url.back() == '/') c.public_url.pop_back();
    c.scheduler.public_url = c.public_url;  // the summaries' links to the web page
    if (!c.public_url.empty()) {
        // Sign-in links are built as public_url + "/login/<token>": an origin (and an optional
        // path prefix), nothing a link could be confused by.
        const bool https = c.public_url.rfind("https://", 0) == 0;
        const bool http = c.public_url.rfind("http://", 0) == 0;
        const std::size_t host_at = https ? 8 : 7;
        if ((!https && !http) || c.public_url.size() <= host_at ||
            c.public_url.find_first_of("?#@ \t\r\n\"'<>") != std::string::npos)
            throw ConfigError(fmt::format(
                "public_url must be an http:// or https:// address without query, fragment, "
                "user name or spaces, such as https://tcns.example.gov.vn (got '{}')",
                c.public_url));
    }
    return c;
}

Config load_config(const GlobalOptions& global) {
    Config c;
    if (!global.config_path.empty()) {
        std::ifstream f(global.config_path, std::ios::binary);
        if (!f) throw ConfigError(fmt::format("cannot read config file '{}'", global.config_path));
        std::stringstream ss;
        ss << f.rdbuf();
        c = parse_config(ss.str(), fmt::format("config file '{}'", global.config_path));
    }
    c.secrets = secrets_from_env();
    if (!global.db_path.empty()) c.database = global.db_path;
    if (c.database.empty()) c.database = "tcns.db";
    // A short admin token could be guessed (throttling only slows guessing down).
    if (!c.secrets.admin_token.empty() && c.secrets.admin_token.size() < 32)
        throw ConfigError(
            "TCNS_ADMIN_TOKEN is shorter than 32 characters: use `openssl rand -hex 32`");
    if (c.viber.enabled && c.secrets.viber_token.empty())
        throw ConfigError("viber is enabled but TCNS_VIBER_TOKEN is not set");
    if (c.zalo.enabled && (c.secrets.zalo_app_id.empty() || c.secrets.zalo_oa_secret.empty()))
        throw ConfigError(
            "zalo is enabled but TCNS_ZALO_APP_ID and TCNS_ZALO_OA_SECRET are not both set");
    if (c.zalo_bot.enabled) {
        if (c.secrets.zalo_bot_token.empty() || c.secrets.zalo_bot_secret.empty())
            throw ConfigError(
                "zalo_bot is enabled but TCNS_ZALO_BOT_TOKEN and TCNS_ZALO_BOT_SECRET are not both "
                "set");
        // setWebhook takes a secret_token of 8-256 characters (zalo-bot.md §2).
        const auto n = c.secrets.zalo_bot_secret.size();
        if (n < 8 || n > 256)
            throw ConfigError("TCNS_ZALO_BOT_SECRET must be 8 to 256 characters long");
    }
    return c;
}

}  // namespace tcns::bot
