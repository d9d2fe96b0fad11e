// tcns viber set-webhook|info, tcns zalo token set|refresh|status, tcns zalo-bot set-webhook|info.
#include <fmt/format.h>

#include <chrono>
#include <istream>
#include <nlohmann/json.hpp>
#include <ostream>

#include "adapters/viber/viber_adapter.hpp"
#include "adapters/zalo_bot/zalo_bot_adapter.hpp"
#include "bot/channels/http_client.hpp"
#include "bot/channels/zalo_tokens.hpp"
#include "bot/cli/commands.hpp"
#include "bot/clock.hpp"
#include "bot/config.hpp"
#include "core/utf8.hpp"
#include "storage/database.hpp"
#include "storage/zalo_token_repo.hpp"

namespace tcns::bot {

namespace {

ZaloTokenManager::Options zalo_options(const Config& c) {
    ZaloTokenManager::Options o;
    o.oauth_base = c.zalo.oauth_base;
    o.app_id = c.secrets.zalo_app_id;
    o.app_secret = c.secrets.zalo_app_secret;
    return o;
}

}  // namespace

int cmd_viber(CommandContext& ctx) {
    Args args(ctx.args);
    const std::string what = args.positional("set-webhook URL | info");
    const Config config = load_config(ctx.global);
    if (config.secrets.viber_token.empty()) {
        ctx.err << "tcns: TCNS_VIBER_TOKEN is not set\n";
        return 1;
    }
    HttpClient http;
    const Headers auth = {{"X-Viber-Auth-Token", config.secrets.viber_token}};
    if (what == "set-webhook") {
        const std::string url = args.positional("the public HTTPS URL of /webhook/viber");
        args.done();
        // Viber calls the URL at once to check it: the server must already be running behind
        // the reverse proxy.
        const auto r =
            http.post(config.viber.api_base, "/set_webhook", auth,
                      adapters::viber::render_set_webhook(url, std::nullopt), "application/json");
        if (!r.status) {
            ctx.err << "tcns: Viber API unreachable: " << r.error << "\n";
            return 1;
        }
        auto parsed = adapters::viber::parse_set_webhook_response(r.body);
        if (!parsed) {
            ctx.err << fmt::format("tcns: Viber refused the webhook (status {}: {})\n",
                                   parsed.error().status, parsed.error().message);
            return 1;
        }
        std::string events;
        for (const auto& e : *parsed) events += (events.empty() ? "" : ", ") + e;
        ctx.out << fmt::format("webhook set to {}\nevent types: {}\n", url, events);
        return 0;
    }
    if (what == "info") {
        args.done();
        const auto r =
            http.post(config.viber.api_base, "/get_account_info", auth, "{}", "application/json");
        if (!r.status) {
            ctx.err << "tcns: Viber API unreachable: " << r.error << "\n";
            return 1;
        }
        const auto j = nlohmann::json::parse(r.body, nullptr, false);
        if (j.is_discarded() || !j.is_object() || j.value("status", -1) != 0) {
            ctx.err << "tcns: Viber answered: "
                    << (j.is_object() ? j.value("status_message", "?") : std::string("unreadable"))
                    << "\n";
            return 1;
        }
        ctx.out << fmt::format("name: {}\nuri: {}\nwebhook: {}\nsubscribers: {}\n",
                               j.value("name", ""), j.value("uri", ""), j.value("webhook", ""),
                               j.value("subscribers_count", 0));
        return 0;
    }
    throw UsageError("viber set-webhook URL | viber info");
}

int cmd_zalo(CommandContext& ctx) {
    Args args(ctx.args);
    const std::string group = args.positional("token");
    if (group != "token") throw UsageError("zalo token set|refresh|status");
    const std::string what = args.positional("set | refresh | status");
    const Config config = load_config(ctx.global);
    storage::Database db(config.database);
    storage::ZaloTokenRepo repo(db);
    const core::Instant now = wall_now();
    if (what == "set") {
        auto access = args.option("access-token");
        auto refresh = args.option("refresh-token");
        const auto expires = args.option("expires-in");
        args.done();
        // Tokens on the command line end up in shell history and `ps`: read them from standard
        // input unless given.
        std::string line;
        if (!access && std::getline(ctx.in, line)) access = std::string(line);
        if (!refresh && std::getline(ctx.in, line)) refresh = std::string(line);
        storage::ZaloTokens t;
        t.access_token = std::string(core::trim(access.value_or("")));
        t.refresh_token = std::string(core::trim(refresh.value_or("")));
        long long secs = 90000;
        if (expires) {
            try {
                secs = std::stoll(*expires);
            } catch (const std::exception&) {
                throw UsageError("--expires-in wants seconds");
            }
        }
        t.access_expires_at = now + std::chrono::seconds(secs);
        t.refresh_expires_at = now + std::chrono::hours(24 * 90);
        t.updated_at = now;
        if (t.access_token.empty() || t.refresh_token.empty()) {
            ctx.err << "tcns: give the access token and the refresh token (one per line on "
                       "standard input, or --access-token/--refresh-token)\n";
            return 1;
        }
        storage::with_transaction(db, [&] { repo.save(t); });
        ctx.out << fmt::format("Zalo token pair stored; access token valid until {}\n",
                               core::format_vietnam_short(t.access_expires_at));
        return 0;
    }
    if (what == "refresh") {
        args.done();
        HttpClient http;
        auto r = refresh_zalo_tokens(db, zalo_options(config), http, now);
        if (!r) {
            ctx.err << "tcns: refresh failed, the stored pair is unchanged: " << r.error() << "\n";
            return 1;
        }
        ctx.out << fmt::format("refreshed; access token valid until {}\n",
                               core::format_vietnam_short(r->access_expires_at));
        return 0;
    }
    if (what == "status") {
        args.done();
        const auto t = repo.load();
        if (!t) {
            ctx.out << "no Zalo token pair stored (tcns zalo token set)\n";
            return 1;
        }
        ctx.out << fmt::format(
            "access token valid until {}{}\nrefresh token valid until about {}\nlast update {}\n",
            core::format_vietnam_short(t->access_expires_at),
            now >= t->access_expires_at ? " (EXPIRED)" : "",
            core::format_vietnam_short(t->refresh_expires_at),
            core::format_vietnam_short(t->updated_at));
        return 0;
    }
    throw UsageError("zalo token set|refresh|status");
}

namespace {

constexpr const char* kZaloBotUsage =
    "zalo-bot set-webhook URL   register URL (https://…/webhook/zalo-bot) with the secret from "
    "TCNS_ZALO_BOT_SECRET\n"
    "zalo-bot info              the bot account (getMe), whether it can join groups, and the "
    "webhook\n";

}  // namespace

int cmd_zalo_bot(CommandContext& ctx) {
    if (!ctx.args.empty() && (ctx.args.front() == "--help" || ctx.args.front() == "-h")) {
        ctx.out << "usage: tcns " << kZaloBotUsage;
        return 0;
    }
    Args args(ctx.args);
    const std::string what = args.positional("set-webhook URL | info");
    const Config config = load_config(ctx.global);
    if (config.secrets.zalo_bot_token.empty()) {
        ctx.err << "tcns: TCNS_ZALO_BOT_TOKEN is not set\n";
        return 1;
    }
    namespace zb = adapters::zalo_bot;
    HttpClient http;
    // The token is in every path: errors below print the API's description, never the URL.
    const auto call = [&](std::string_view method, const std::string& body) {
        return http.post(config.zalo_bot.api_base,
                         zb::method_path(config.secrets.zalo_bot_token, method), {}, body,
                         "application/json");
    };
    const auto failed = [&](const HttpResult& r, std::string_view method) {
        if (!r.status) {
            ctx.err << "tcns: Zalo Bot API unreachable: " << r.error << "\n";
            return true;
        }
        auto parsed = zb::parse_api_response(r.body);
        if (parsed) return false;
        ctx.err << fmt::format("tcns: Zalo Bot {} failed (HTTP {}, error {}: {})\n", method,
                               *r.status, parsed.error().code, parsed.error().description);
        return true;
    };
    if (what == "set-webhook") {
        const std::string url = args.positional("the public HTTPS URL of /webhook/zalo-bot");
        args.done();
        const std::string& secret = config.secrets.zalo_bot_secret;
        if (secret.size() < zb::kMinSecretChars || secret.size() > zb::kMaxSecretChars) {
            ctx.err << "tcns: TCNS_ZALO_BOT_SECRET must be 8 to 256 characters long\n";
            return 1;
        }
        if (url.rfind("https://", 0) != 0)
            ctx.err << "tcns: warning: the platform expects an HTTPS URL\n";
        const auto r = call("setWebhook", zb::render_set_webhook(url, secret));
        if (failed(r, "setWebhook")) return 1;
        ctx.out << fmt::format("webhook set to {}\n", url);
        return 0;
    }
    if (what == "info") {
        args.done();
        const auto me = call("getMe", "{}");
        if (failed(me, "getMe")) return 1;
        const auto info = zb::parse_get_me(me.body);
        if (!info) {
            ctx.err << "tcns: Zalo Bot getMe answer unreadable\n";
            return 1;
        }
        // Groups are possible only where the platform says so; unknown is shown as unknown.
        const std::string groups = !info->can_join_groups ? "unknown (not in the answer)"
                                   : *info->can_join_groups
                                       ? "yes (add it to the commune's group, then link the "
                                         "group with a code from `tcns invites group`)"
                                       : "no (this bot cannot be added to a group: commune "
                                         "groups cannot be linked; everything else works)";
        ctx.out << fmt::format("id: {}\nname: {}\ntype: {}\ncan join groups: {}\n", info->id,
                               info->account_name, info->account_type, groups);
        const auto wh = call("getWebhookInfo", "{}");
        if (wh.status) {
            if (auto p = zb::parse_api_response(wh.body)) {
                const auto j = nlohmann::json::parse(*p, nullptr, false);
                const std::string url = j.is_object() && j.contains("url") && j["url"].is_string()
                                            ? j["url"].get<std::string>()
                                            : std::string("(none)");
                ctx.out << "webhook: " << url << "\n";
                return 0;
            }
        }
        ctx.out << "webhook: unknown (getWebhookInfo failed)\n";
        return 0;
    }
    throw UsageError("zalo-bot set-webhook URL | zalo-bot info");
}

}  // namespace tcns::bot
