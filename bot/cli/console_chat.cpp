#include "bot/cli/console_chat.hpp"

#include <stdexcept>

#include "adapters/console/console_adapter.hpp"
#include "core/phone.hpp"
#include "storage/chat_store.hpp"
#include "storage/invite_repo.hpp"

namespace tcns::bot {

ConsoleChat::ConsoleChat(storage::Database& db, const Templates& templates, const std::string& as,
                         core::Instant now, const std::string& public_url)
    : db_(db), engine_(templates, {}, public_url) {
    const std::string channel(adapters::console::kChannel);
    if (auto phone = core::normalize_phone(as)) {
        const auto found = storage::ReportRepo(db_).person_by_phone(*phone);
        if (!found)
            throw std::invalid_argument("no person with phone " + core::national_phone(*phone) +
                                        " in the roster (see `tcns demo hint`)");
        const core::PersonId person = *found;
        user_id_ = "phone:" + *phone;
        storage::with_transaction(db_, [&] {
            storage::ChatAccountRepo accounts(db_);
            const auto account = accounts.find_or_create(channel, user_id_, "", now);
            if (account.person != person) accounts.link(account.id, person, now);
        });
        return;
    }
    storage::InviteRepo invites(db_);
    if (!invites.find(as))
        throw std::invalid_argument("'" + as +
                                    "' is neither a phone number in the roster nor an invite code");
    opening_code_ = storage::InviteRepo::canonical(as);
    user_id_ = "invite:" + opening_code_;
}

std::vector<core::OutboundMessage> ConsoleChat::apply(core::InboundEvent event, core::Instant now) {
    event.channel = std::string(adapters::console::kChannel);
    event.user_id = user_id_;
    event.event_id =
        "console:" + std::to_string(core::to_unix(now)) + ":" + std::to_string(++counter_);
    event.at = now;
    auto outcome = storage::with_transaction(db_, [&] { return engine_.handle(db_, event, now); });
    if (!outcome.replies.empty()) last_ = outcome.replies.back();
    return std::move(outcome.replies);
}

std::vector<core::OutboundMessage> ConsoleChat::open(core::Instant now) {
    core::InboundEvent e;
    e.kind = core::EventKind::kStarted;
    e.text = opening_code_;
    return apply(std::move(e), now);
}

std::vector<core::OutboundMessage> ConsoleChat::send(const std::string& line, core::Instant now) {
    core::InboundEvent e;
    e.kind = core::EventKind::kText;
    e.text = adapters::console::resolve_input(line, last_);
    return apply(std::move(e), now);
}

std::vector<core::OutboundMessage> ConsoleChat::send_media(const std::string& type,
                                                           core::Instant now) {
    core::InboundEvent e;
    e.kind = core::EventKind::kUnsupported;
    e.media_type = type;
    return apply(std::move(e), now);
}

}  // namespace tcns::bot
