#include "bot/channels/channel_senders.hpp"

#include "adapters/viber/viber_adapter.hpp"
#include "adapters/zalo/zalo_adapter.hpp"
#include "adapters/zalo_bot/zalo_bot_adapter.hpp"

namespace tcns::bot {

SendResult to_send_result(const adapters::SendOutcome& o) {
    SendResult r;
    r.message_id = o.message_id;
    r.reason = std::to_string(o.code) + " " + o.reason;
    r.no_answer = o.no_answer;
    switch (o.kind) {
        case adapters::SendOutcomeKind::kSuccess:
            r.cls = SendClass::kSuccess;
            break;
        case adapters::SendOutcomeKind::kRetryable:
        case adapters::SendOutcomeKind::kTokenExpired:
            r.cls = SendClass::kRetryable;
            break;
        case adapters::SendOutcomeKind::kUnreachable:
            r.cls = SendClass::kUnreachable;
            break;
        case adapters::SendOutcomeKind::kPermanent:
            r.cls = SendClass::kPermanent;
            break;
    }
    return r;
}

SendResult ViberSender::send(const storage::OutboxRow& row) {
    // Rows are split at enqueue time, so this is normally one body; a longer one is sent part
    // by part and stops at the first failure.
    auto bodies =
        adapters::viber::render_send_message(row.recipient, row.message, {name_, avatar_});
    bool plain = row.message.buttons.empty();
    SendResult last;
    for (std::size_t i = 0; i < bodies.size();) {
        const auto r = http_.post(api_base_, "/send_message", {{"X-Viber-Auth-Token", token_}},
                                  bodies[i], "application/json");
        const auto outcome = adapters::viber::classify_send_response(r.status, r.body);
        if (!plain && outcome.kind == adapters::SendOutcomeKind::kPermanent &&
            outcome.code == adapters::viber::kApiVersionNotSupported) {
            // The receiver's client cannot show a keyboard: resend this part once without it,
            // the options in the text, and classify by that answer. The parts before it are
            // the same in the plain rendering (the options only lengthen the end).
            plain = true;
            bodies = adapters::viber::render_send_message(
                row.recipient, adapters::viber::without_keyboard(row.message), {name_, avatar_});
            if (i < bodies.size()) continue;
        }
        last = to_send_result(outcome);
        if (!r.status) last.reason = "transport: " + r.error;
        last.retry_after = r.retry_after;
        if (last.cls != SendClass::kSuccess) return last;
        ++i;
    }
    return last;
}

SendResult ZaloSender::send(const storage::OutboxRow& row) {
    const auto bodies = adapters::zalo::render_cs_message(row.recipient, row.message);
    SendResult last;
    for (const auto& body : bodies) {
        std::string token = tokens_.access_token();
        if (token.empty()) {
            last.cls = SendClass::kRetryable;
            last.reason = "no usable Zalo access token (tcns zalo token set / refresh)";
            return last;
        }
        auto post = [&] {
            return http_.post(api_base_, "/v3.0/oa/message/cs", {{"access_token", token}}, body,
                              "application/json");
        };
        auto r = post();
        auto outcome = adapters::zalo::classify_send_response(r.status, r.body);
        if (outcome.kind == adapters::SendOutcomeKind::kTokenExpired) {
            // Refresh once, retry once (zalo-oa.md §5).
            if (auto fresh = tokens_.refresh(token)) {
                token = *fresh;
                r = post();
                outcome = adapters::zalo::classify_send_response(r.status, r.body);
            }
        }
        last = to_send_result(outcome);
        if (!r.status) last.reason = "transport: " + r.error;
        last.retry_after = r.retry_after;
        if (last.cls != SendClass::kSuccess) return last;
    }
    return last;
}

SendResult ZaloBotSender::send(const storage::OutboxRow& row) {
    const auto bodies = adapters::zalo_bot::render_send_message(row.recipient, row.message);
    const std::string path = adapters::zalo_bot::method_path(token_, "sendMessage");
    SendResult last;
    for (const auto& body : bodies) {
        const auto r = http_.post(api_base_, path, {}, body, "application/json");
        last = to_send_result(adapters::zalo_bot::classify_send_response(r.status, r.body));
        // The transport error names the failure, never the URL (which holds the token).
        if (!r.status) last.reason = "transport: " + r.error;
        last.retry_after = r.retry_after;
        if (last.cls != SendClass::kSuccess) return last;
    }
    return last;
}

}  // namespace tcns::bot
