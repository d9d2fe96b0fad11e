#include "bot/jobs/group_chat.hpp"

#include "bot/log.hpp"
#include "core/group_chat.hpp"
#include "core/summary.hpp"
#include "storage/chat_store.hpp"
#include "storage/group_repo.hpp"
#include "storage/reminder_repo.hpp"

namespace tcns::bot {

namespace {

/// The answer to "liên kết nhóm <code>".
std::string link_group(storage::Database& db, const core::Messages& m,
                       const core::InboundEvent& event, const std::string& code,
                       core::Instant now) {
    if (code.empty()) return m.render("group.link_no_code");
    // Only a person the bot knows may try codes: a stranger in the group learns nothing about
    // them (and cannot guess codes).
    const auto account = storage::ChatAccountRepo(db).find(event.channel, event.user_id);
    if (!account || !account->person) return m.render("group.link_not_linked");
    storage::GroupRepo groups(db);
    const auto invite = groups.find_invite(code);
    if (!invite) return m.render("group.link_code_unknown");
    if (invite->used_at) return m.render("group.link_code_used");
    if (now >= invite->expires_at) return m.render("group.link_code_expired");
    if (!groups.is_official_of(*account->person, invite->unit))
        return m.render("group.link_not_official", {{"unit", invite->unit_name}});
    const storage::ChatGroup g =
        groups.link(event.channel, event.group_id, invite->unit, account->person, now);
    // The transaction is serialised: a code used in between is refused by the update.
    if (!groups.consume_invite(code, g.id, now)) return m.render("group.link_code_used");
    log::info("group.linked", {{"channel", event.channel},
                               {"group", g.id},
                               {"unit", g.unit_code},
                               {"person", static_cast<std::int64_t>(*account->person)}});
    return m.render("group.linked", {{"unit", g.unit_name}});
}

}  // namespace

HandleOutcome handle_group_event(storage::Database& db, const Templates& templates,
                                 const SchedulerConfig& config, const core::InboundEvent& event,
                                 core::Instant now) {
    HandleOutcome out;
    out.recipient = event.group_id;
    if (event.kind != core::EventKind::kText) return out;
    const core::GroupCommand cmd = core::classify_group_text(event.text, templates.words);
    if (cmd.kind == core::GroupCommandKind::kNone) return out;
    const core::Messages& m = templates.messages;
    auto say = [&](std::string text) {
        core::OutboundMessage msg;
        msg.text = std::move(text);
        out.replies.push_back(std::move(msg));
    };
    if (cmd.kind == core::GroupCommandKind::kLink) {
        say(link_group(db, m, event, cmd.arg, now));
        return out;
    }
    const auto group = storage::GroupRepo(db).find(event.channel, event.group_id);
    if (!group) return out;  // an unlinked group: quiet
    if (cmd.kind == core::GroupCommandKind::kPrivateOnly) {
        say(m.render("group.private_only"));
        return out;
    }
    const auto period = core::group_summary_period(cmd.arg, now);
    if (!period) {
        say(m.render("summary.bad_period", {{"input", cmd.arg}}));
        return out;
    }
    const bool missing = cmd.kind == core::GroupCommandKind::kMissing;
    // What the unit's officials get for the same words, without the web page's link (the group
    // has members who cannot sign in).
    const auto summary =
        storage::ReminderRepo(db).summary(templates.form, group->unit, *period, *period,
                                          missing ? std::size_t{30} : config.max_named);
    if (!summary) return out;
    say(missing ? core::render_missing(*summary, m)
                : core::render_summary(*summary, m, config.max_named));
    return out;
}

void notify_unit_groups(storage::Database& db, core::UnitId unit, const std::string& key_base,
                        const Notice& like, core::Instant now) {
    for (const storage::ChatGroup& g : storage::GroupRepo(db).of_unit(unit)) {
        Notice n = like;
        n.idem_key = core::group_notice_key(key_base, g.id);
        n.person = 0;
        n.account.reset();
        n.phone.clear();
        n.group = GroupDestination{g.channel, g.chat_id};
        n.decision = core::WindowDecision::kOpen;
        enqueue_notice(db, n, now);
    }
}

}  // namespace tcns::bot
