#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "bot/config.hpp"
#include "bot/http/http_server.hpp"
#include "bot/http/http_types.hpp"
#include "bot/http/webhook_service.hpp"
#include "core/time.hpp"

namespace tcns::bot {

/// An HTTP answer to a webhook, decided without the HTTP library.
struct WebhookResponse {
    int status = 200;
    std::string body = "{}";
    std::string outcome;  ///< for logs and metrics: ok, duplicate, bad_signature, malformed, …
};

/// The whole webhook path for one channel ("viber" or "zalo"): verify the signature on the raw
/// body (403 and nothing stored when it fails, unless the channel is in log-only mode), parse
/// (400 when malformed), apply durably (200 only after the commit; 500 when storing failed,
/// so the platform retries). Unknown events get 200 and are ignored.
WebhookResponse handle_webhook(const std::string& channel, const std::string& raw_body,
                               const std::string& signature, const Config& config,
                               WebhookService& service, core::Instant now);

/// The part of handle_webhook before the commit: verify and parse. Either `response` is the
/// final answer (refused, malformed, nothing to store), or `events` are to be applied.
/// Renders the first reply into the webhook's HTTP response body (the registry's
/// ChannelSpec::render_response).
using ResponseRenderer = std::string (*)(const core::OutboundMessage&, const Config&);

struct PreparedWebhook {
    std::optional<WebhookResponse> response;
    std::vector<core::InboundEvent> events;
    /// The channel answers its first reply in the HTTP response (Viber's welcome).
    bool viber = false;
    ResponseRenderer render_response = nullptr;
};
PreparedWebhook prepare_webhook(const std::string& channel, const std::string& raw_body,
                                const std::string& signature, const Config& config,
                                core::Instant now);
/// The answer once the events were applied (committed).
WebhookResponse finish_webhook(const ApplyOutcome& applied, const Config& config,
                               ResponseRenderer render = nullptr);
/// The answer when storing failed: 500, so that the platform delivers the webhook again.
WebhookResponse store_failed_webhook(const std::string& channel, const std::string& error);
/// Metrics and the debug/warn log line of one answered webhook.
void record_webhook(const std::string& channel, const WebhookResponse& w, double seconds);

/// The HTTP answer of a webhook.
HttpResponse webhook_http_response(const WebhookResponse& w);

/// POST /webhook/<channel> ("viber" or "zalo"): verifies and parses on the calling thread, then
/// hands the events to the write queue without waiting; `respond` runs from the writer thread
/// once they are committed, then `on_queued` (it wakes the dispatcher).
void handle_webhook_async(const std::string& channel, const HttpRequest& req, const Config& config,
                          WebhookService& service, const std::function<void()>& on_queued,
                          Responder respond);

}  // namespace tcns::bot
