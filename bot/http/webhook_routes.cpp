#include "bot/http/webhook_routes.hpp"

#include <chrono>

#include "bot/channels/channel_registry.hpp"
#include "bot/clock.hpp"
#include "bot/log.hpp"
#include "bot/metrics.hpp"

namespace tcns::bot {

namespace {

void count(const std::string& channel, const std::string& outcome) {
    Metrics::instance().add("tcns_webhooks_total",
                            "channel=\"" + channel + "\",outcome=\"" + outcome + "\"");
}

}  // namespace

PreparedWebhook prepare_webhook(const std::string& channel, const std::string& raw_body,
                                const std::string& signature, const Config& config,
                                core::Instant now) {
    PreparedWebhook p;
    const ChannelSpec* spec = find_channel(channel);
    if (spec == nullptr || spec->verify == nullptr || spec->parse == nullptr) {
        p.response.emplace();
        p.response->status = 404;
        p.response->body = R"({"error":"unknown channel"})";
        p.response->outcome = "unknown_channel";
        return p;
    }
    p.viber = spec->reply_in_response;
    p.render_response = spec->render_response;
    const VerifyMode mode = spec->verify_mode(config);
    // Verified before anything reads the body's fields (the Zalo Bot secret does not need it).
    const adapters::VerifyResult v = spec->verify(raw_body, signature, config);
    if (v == adapters::VerifyResult::kMalformedBody) {
        // Not JSON: the Zalo signature covers a field of the body, so nothing can be checked;
        // the request is malformed (400), not forged.
        p.response.emplace();
        p.response->status = 400;
        p.response->body = R"({"error":"malformed webhook"})";
        p.response->outcome = "malformed_json";
        return p;
    }
    if (v != adapters::VerifyResult::kOk) {
        Metrics::instance().add(
            "tcns_webhook_signature_failures_total",
            "channel=\"" + channel + "\",reason=\"" + std::string(adapters::to_string(v)) + "\"");
        if (mode == VerifyMode::kEnforce) {
            p.response.emplace();
            p.response->status = 403;
            p.response->body = R"({"error":"bad signature"})";
            p.response->outcome = "bad_signature";
            return p;
        }
        // Log-only mode for the first days of a roll-out (config `verify: "log-only"`).
        log::warn("webhook.signature_ignored",
                  {{"channel", channel}, {"result", std::string(adapters::to_string(v))}});
    }
    auto parsed = spec->parse(raw_body);
    if (!parsed) {
        p.response.emplace();
        p.response->status = 400;
        p.response->body = R"({"error":"malformed webhook"})";
        p.response->outcome = std::string(adapters::to_string(parsed.error()));
        return p;
    }
    p.events = std::move(parsed->events);
    if (p.events.empty()) {
        p.response.emplace();
        p.response->outcome = "ignored";
        return p;
    }
    if (spec->timestamp_window) {
        // Replay window on Zalo's signed timestamp: an old (or unreadable) one is refused.
        const auto window = std::chrono::seconds(config.zalo.timestamp_window_s);
        for (const auto& e : p.events) {
            if (e.at.time_since_epoch().count() != 0 && e.at >= now - window &&
                e.at <= now + window)
                continue;
            p.events.clear();
            p.response.emplace();
            p.response->status = 400;
            p.response->body = R"({"error":"timestamp outside the accepted window"})";
            p.response->outcome = "stale_timestamp";
            return p;
        }
    }
    for (auto& e : p.events) {
        if (e.at.time_since_epoch().count() == 0) e.at = now;
    }
    return p;
}

WebhookResponse finish_webhook(const ApplyOutcome& applied, const Config& config,
                               ResponseRenderer render) {
    WebhookResponse out;
    out.outcome = applied.applied > 0 ? "ok" : applied.receipts > 0 ? "receipt" : "duplicate";
    // Only a channel whose registry entry renders a response body asks for one.
    if (applied.response_message && render != nullptr)
        out.body = render(*applied.response_message, config);
    return out;
}

WebhookResponse store_failed_webhook(const std::string& channel, const std::string& error) {
    log::error("webhook.store_failed", {{"channel", channel}, {"error", error}});
    WebhookResponse w;
    w.status = 500;
    w.body = R"({"error":"temporarily unavailable"})";
    w.outcome = "error";
    return w;
}

void record_webhook(const std::string& channel, const WebhookResponse& w, double secs) {
    count(channel, w.outcome);
    Metrics::instance().observe("tcns_webhook_duration_seconds", "channel=\"" + channel + "\"",
                                secs);
    // The request line (method, path, status, latency) is the one info line per request; this
    // adds the outcome, at debug, or at warn when the webhook was refused.
    const auto level = w.status == 200 ? log::Level::kDebug : log::Level::kWarn;
    if (!log::enabled(level)) return;
    log::write(level, "webhook",
               {{"channel", channel},
                {"outcome", w.outcome},
                {"status", w.status},
                {"latency_ms", secs * 1000}});
}

WebhookResponse handle_webhook(const std::string& channel, const std::string& raw_body,
                               const std::string& signature, const Config& config,
                               WebhookService& service, core::Instant now) {
    PreparedWebhook p = prepare_webhook(channel, raw_body, signature, config, now);
    if (p.response) return *p.response;
    const ApplyOutcome applied = service.apply(p.events, now, /*reply_in_response=*/p.viber);
    return finish_webhook(applied, config, p.render_response);
}

HttpResponse webhook_http_response(const WebhookResponse& w) {
    HttpResponse res;
    res.status = w.status;
    res.set_content(w.body, "application/json; charset=utf-8");
    return res;
}

void handle_webhook_async(const std::string& channel, const HttpRequest& req, const Config& config,
                          WebhookService& service, const std::function<void()>& on_queued,
                          Responder respond) {
    const auto started = std::chrono::steady_clock::now();
    const auto finish = [channel, started, respond, on_queued](const WebhookResponse& w) {
        record_webhook(
            channel, w,
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
        respond(webhook_http_response(w));
        if (w.outcome == "ok" && on_queued) on_queued();
    };
    const ChannelSpec* spec = find_channel(channel);
    std::string signature =
        spec != nullptr ? req.header(std::string(spec->signature_header)) : std::string();
    // Viber has been seen to put the signature in a `sig` query parameter instead
    // (viber.md §3, unverified): accept it only when the header is absent.
    if (signature.empty() && spec != nullptr && !spec->signature_param.empty())
        signature = req.param(std::string(spec->signature_param));
    const auto now = wall_now();
    PreparedWebhook p;
    try {
        p = prepare_webhook(channel, req.body, signature, config, now);
    } catch (const std::exception& e) {
        return finish(store_failed_webhook(channel, e.what()));
    }
    if (p.response) return finish(*p.response);
    // The network thread goes on with other connections; the answer leaves from the writer
    // thread once the group commit holding these events is on disk.
    try {
        service.apply_async(std::move(p.events), now, p.viber,
                            [finish, channel, &config, render = p.render_response](
                                ApplyOutcome o, std::exception_ptr e) {
                                if (!e) return finish(finish_webhook(o, config, render));
                                std::string what = "unknown error";
                                try {
                                    std::rethrow_exception(e);
                                } catch (const std::exception& x) {
                                    what = x.what();
                                } catch (...) {
                                }
                                finish(store_failed_webhook(channel, what));
                            });
    } catch (const std::exception& e) {  // the write queue is stopping
        finish(store_failed_webhook(channel, e.what()));
    }
}

}  // namespace tcns::bot
