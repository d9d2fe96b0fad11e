#include "bot/jobs/notify.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include "bot/channels/channel_registry.hpp"
#include "core/phone.hpp"
#include "storage/outbox_repo.hpp"
#include "storage/reminder_repo.hpp"

namespace tcns::bot {

namespace {

// Percent-encodes all but RFC 3986's unreserved characters (a unit code is an import's text).
std::string url_component(std::string_view text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (const unsigned char c : text) {
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 15];
        }
    }
    return out;
}

}  // namespace

std::string unit_page_url(const std::string& public_url, const std::string& unit_code,
                          const core::MonthPeriod& month, std::string_view span) {
    if (public_url.empty()) return {};
    // The drill-down page of issue 16 (bot/admin/web_page.hpp: /admin/area?unit=&period=&span=).
    std::string url =
        public_url + "/admin/area?unit=" + url_component(unit_code) + "&period=" + month.str();
    if (span != "month") url += "&span=" + url_component(span);
    return url;
}

std::string page_link_line(const core::Messages& m, const std::string& public_url,
                           const std::string& unit_code, const core::MonthPeriod& month,
                           std::string_view span) {
    const std::string url = unit_page_url(public_url, unit_code, month, span);
    if (url.empty()) return {};
    return "\n" + m.render("summary.page_link", {{"url", url}});
}

bool notice_exists(storage::Database& db, const std::string& idem_key) {
    auto& q = db.cached("SELECT 1 FROM outbox WHERE idem_key = ?");
    q.bind(1, idem_key);
    const bool found = q.executeStep();
    // A statement left on a row holds a read snapshot, and this connection's next BEGIN
    // IMMEDIATE would fail once another connection has written.
    q.reset();
    return found;
}

NoticeOutcome enqueue_notice(storage::Database& db, const Notice& n, core::Instant now) {
    storage::OutboxRepo outbox(db);
    storage::OutboxItem item;
    item.idem_key = n.idem_key;
    item.kind = n.kind;
    item.message.text = n.text;
    item.not_before = n.not_before;
    item.validity = n.validity;
    if (n.group) {
        // A group has no account and no window tracked; the outbox addresses it by chat id.
        item.channel = n.group->channel;
        item.recipient = n.group->chat_id;
        return outbox.enqueue(item, now) ? NoticeOutcome::kQueued : NoticeOutcome::kDuplicate;
    }
    std::optional<storage::AccountAddress> address;
    if (n.account) address = storage::ReminderRepo(db).address(n.account->id);
    switch (n.decision) {
        case core::WindowDecision::kOpen:
        case core::WindowDecision::kSendAnyway:
            if (address) {
                item.channel = address->channel;
                item.account_id = n.account->id;
                item.recipient = address->user_id;
                return outbox.enqueue(item, now) ? NoticeOutcome::kQueued
                                                 : NoticeOutcome::kDuplicate;
            }
            break;
        case core::WindowDecision::kZnsTemplate:
            // The channel whose window rule reaches phones with templates (registry data).
            item.channel = phone_template_channel() != nullptr
                               ? std::string(phone_template_channel()->name)
                               : std::string("none");
            item.kind = "zns";
            if (n.account) item.account_id = n.account->id;
            item.recipient = n.phone;
            return outbox.enqueue(item, now) ? NoticeOutcome::kQueued : NoticeOutcome::kDuplicate;
        case core::WindowDecision::kSkipAndReport:
        case core::WindowDecision::kUnreachable:
            break;
    }
    // Not sendable: keep the decision on record and spend the key.
    item.channel = address ? address->channel : "none";
    if (address) {
        item.account_id = n.account->id;
        item.recipient = address->user_id;
    }
    const auto id = outbox.enqueue(item, now);
    if (!id) return NoticeOutcome::kDuplicate;
    outbox.mark_final(*id, "skipped",
                      n.decision == core::WindowDecision::kSkipAndReport ? "window closed"
                                                                         : "no reachable account",
                      now);
    return NoticeOutcome::kRecorded;
}

std::optional<core::Instant> after_quiet_hours(core::Instant now, const core::QuietHours& quiet) {
    if (!core::in_quiet_hours(now, quiet)) return std::nullopt;
    const core::LocalDateTime local = core::to_vietnam(now);
    core::Date day = local.date;
    if (local.hour >= quiet.until_hour) day = core::add_days(day, 1);
    return core::from_vietnam(core::LocalDateTime{day, quiet.until_hour, 0, 0});
}

std::string masked_recipient(storage::Database& db, const Notice& n) {
    if (n.group) {
        const std::string& c = n.group->chat_id;
        return n.group->channel + ":group:" + (c.size() > 4 ? "…" + c.substr(c.size() - 4) : c);
    }
    if (n.decision == core::WindowDecision::kZnsTemplate) return core::mask_phone(n.phone);
    if (!n.phone.empty()) return core::mask_phone(n.phone);
    if (n.account) {
        if (auto a = storage::ReminderRepo(db).address(n.account->id)) {
            const std::string& u = a->user_id;
            return a->channel + ":" + (u.size() > 4 ? "…" + u.substr(u.size() - 4) : u);
        }
    }
    return "-";
}

}  // namespace tcns::bot
