#include "bot/conversation_engine.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <variant>

#include "bot/metrics.hpp"
#include "core/phone.hpp"
#include "storage/chat_store.hpp"
#include "storage/invite_repo.hpp"
#include "storage/period_repo.hpp"

namespace tcns::bot {

namespace {

/// The roster's answer for a person matched by an invite code or a phone number.
core::InviteCheck person_check(storage::ReportRepo& reports, core::PersonId person) {
    core::InviteCheck c;
    c.status = core::InviteCheck::Status::kValid;
    c.person = person;
    const auto facts = reports.person_facts(person);
    c.person_name = facts.name;
    if (!facts.teams.empty()) c.team_name = facts.teams.front().name;
    return c;
}

}  // namespace

HandleOutcome ConversationEngine::handle(storage::Database& db, const core::InboundEvent& event,
                                         core::Instant now) {
    storage::ChatAccountRepo accounts(db);
    storage::ConversationRepo conversations(db);
    storage::ReportRepo reports(db);
    storage::PeriodRepo periods(db);
    storage::InviteRepo invites(db);

    HandleOutcome out;
    storage::ChatAccount account =
        accounts.find_or_create(event.channel, event.user_id, event.user_name, now);
    out.account = account.id;
    if (event.kind == core::EventKind::kReceipt) return out;
    if (event.kind == core::EventKind::kUnsubscribed) {
        accounts.set_subscribed(account.id, false);
        return out;
    }
    accounts.touch_inbound(account.id, now);
    if (!account.subscribed) accounts.set_subscribed(account.id, true);

    const core::ConversationState state = conversations.load(account.id);
    storage::PersonFacts facts;
    if (account.person) facts = reports.person_facts(*account.person);

    // The period in play: the draft's, else the one "bc" would file now.
    std::optional<core::MonthPeriod> period;
    if (state.step != core::Step::kIdle && !state.period.empty())
        period = core::MonthPeriod::parse(state.period);
    if (!period) {
        const core::MonthPeriod prev = core::MonthPeriod::containing(now).previous();
        bool prev_submitted = true;
        for (const auto& t : facts.teams) {
            if (core::can_file_report(t.role)) {
                prev_submitted = reports.submitted(t.id, prev);
                break;
            }
        }
        period = core::filing_period(now, prev_submitted, periods.deadline(prev));
    }
    for (auto& t : facts.teams) reports.fill_team_facts(t, *period);

    core::ConversationContext ctx{templates_.form, templates_.messages};
    ctx.person = account.person;
    ctx.person_name = facts.name;
    ctx.teams = std::move(facts.teams);
    ctx.official = facts.official;
    ctx.period = *period;
    ctx.deadline = periods.deadline(*period);

    if (!account.person) {
        const bool code_event =
            event.kind == core::EventKind::kText || event.kind == core::EventKind::kStarted;
        if (code_event && core::looks_like_invite_code(event.text)) {
            if (auto inv = invites.find(event.text)) {
                if (inv->used_at) {
                    ctx.invite = core::InviteCheck::with(core::InviteCheck::Status::kUsed);
                } else if (now >= inv->expires_at) {
                    ctx.invite = core::InviteCheck::with(core::InviteCheck::Status::kExpired);
                } else {
                    ctx.invite = person_check(reports, inv->person);
                }
            } else {
                ctx.invite = core::InviteCheck::with(core::InviteCheck::Status::kUnknown);
            }
        }
        if (event.kind == core::EventKind::kSharedPhone) {
            if (auto phone = core::normalize_phone(event.phone)) {
                auto& q = db.cached("SELECT id FROM people WHERE phone = ?");
                q.bind(1, *phone);
                if (q.executeStep())
                    ctx.phone_match = person_check(reports, q.getColumn(0).getInt64());
            }
        }
    }

    core::StepResult result = core::step(state, event, now, ctx);

    std::optional<core::PersonId> person = account.person;
    for (const auto& effect : result.effects) {
        if (const auto* link = std::get_if<core::LinkAccount>(&effect)) {
            if (!link->invite_code.empty() &&
                !invites.consume(link->invite_code, account.id, now)) {
                // Lost a race with another account using the same code in this instant: the
                // transaction is serialised, so this only happens for a used code; refuse.
                result.state = state;
                core::OutboundMessage refused;
                refused.text = templates_.messages.render("link_code_used");
                result.replies = {std::move(refused)};
                break;
            }
            accounts.link(account.id, link->person, now);
            person = link->person;
        } else if (const auto* sub = std::get_if<core::SubmitReport>(&effect)) {
            reports.submit(*sub, templates_.form, person, account.id, now);
            // Counted before the commit: a rolled-back batch (rare) over-counts by one.
            Metrics::instance().add("tcns_reports_submitted_total",
                                    "channel=\"" + event.channel + "\"");
        } else if (const auto* diff = std::get_if<core::RecordDifficulty>(&effect)) {
            reports.record_difficulty(*diff, person, now);
        }
    }
    if (!(result.state == state)) conversations.save(account.id, result.state, now);
    out.replies = std::move(result.replies);
    return out;
}

}  // namespace tcns::bot
