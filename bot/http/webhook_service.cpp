#include "bot/http/webhook_service.hpp"

#include "storage/inbox_repo.hpp"
#include "storage/outbox_repo.hpp"

namespace tcns::bot {

namespace {

std::string_view kind_name(core::EventKind k) {
    switch (k) {
        case core::EventKind::kText:
            return "text";
        case core::EventKind::kUnsupported:
            return "unsupported";
        case core::EventKind::kStarted:
            return "started";
        case core::EventKind::kSubscribed:
            return "subscribed";
        case core::EventKind::kUnsubscribed:
            return "unsubscribed";
        case core::EventKind::kSharedPhone:
            return "shared_phone";
        case core::EventKind::kReceipt:
            return "receipt";
    }
    return "other";
}

}  // namespace

ApplyOutcome WebhookService::apply(const std::vector<core::InboundEvent>& events, core::Instant now,
                                   bool reply_in_response) {
    ApplyOutcome out;
    if (events.empty()) return out;
    writes_.run([&](storage::Database& db) { apply_in(db, events, now, reply_in_response, out); },
                WriteQueue::Rerun::kYes);
    return out;
}

void WebhookService::apply_async(std::vector<core::InboundEvent> events, core::Instant now,
                                 bool reply_in_response, ApplyDone done) {
    struct Pending {
        std::vector<core::InboundEvent> events;
        ApplyOutcome out;
    };
    auto p = std::make_shared<Pending>();
    p->events = std::move(events);
    writes_.submit(
        [this, p, now, reply_in_response](storage::Database& db) {
            apply_in(db, p->events, now, reply_in_response, p->out);
        },
        [p, done = std::move(done)](std::exception_ptr e) { done(std::move(p->out), e); },
        WriteQueue::Rerun::kYes);
}

void WebhookService::apply_in(storage::Database& db, const std::vector<core::InboundEvent>& events,
                              core::Instant now, bool reply_in_response, ApplyOutcome& out) {
    // A job that runs again (WriteQueue::Rerun::kYes) starts clean: what it did before is rolled
    // back with the batch, and the handler keeps nothing else (metrics and log lines aside).
    out = ApplyOutcome{};
    storage::InboxRepo inbox(db);
    storage::OutboxRepo outbox(db);
    for (const auto& e : events) {
        const bool recorded = !e.event_id.empty();
        if (recorded && inbox.seen(e.channel, e.event_id)) {
            ++out.duplicates;
            continue;
        }
        if (e.kind == core::EventKind::kReceipt) {
            if (recorded) inbox.record(e.channel, e.event_id, std::string(kind_name(e.kind)), now);
            inbox.record_receipt(e.channel, e.message_id, e.user_id, e.receipt, e.reason,
                                 e.at.time_since_epoch().count() ? e.at : now);
            ++out.receipts;
            continue;
        }
        HandleOutcome h = handler_.handle(db, e, now);
        ++out.applied;
        if (recorded)
            inbox.record(e.channel, e.event_id, std::string(kind_name(e.kind)), now, h.account);
        std::size_t first = 0;
        if (reply_in_response && e.kind == core::EventKind::kStarted && !h.replies.empty() &&
            !out.response_message) {
            out.response_message = h.replies.front();
            first = 1;
        }
        const MessageSplitter* split = nullptr;
        for (const auto& [channel, fn] : splitters_)
            if (channel == e.channel) split = &fn;
        for (std::size_t i = first; i < h.replies.size(); ++i) {
            std::vector<core::OutboundMessage> parts;
            if (split)
                parts = (*split)(h.replies[i]);
            else
                parts = {h.replies[i]};
            for (auto& part : parts) {
                storage::OutboxItem item;
                item.channel = e.channel;
                item.account_id = h.account;
                item.recipient = h.recipient.value_or(e.user_id);
                item.kind = "reply";
                item.message = std::move(part);
                if (outbox.enqueue(item, now)) ++out.queued;
            }
        }
    }
}

}  // namespace tcns::bot
