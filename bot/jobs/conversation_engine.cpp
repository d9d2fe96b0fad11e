#include "bot/jobs/conversation_engine.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>

#include <optional>
#include <variant>
#include <vector>

#include "bot/admin/web_access.hpp"
#include "bot/jobs/group_chat.hpp"
#include "bot/jobs/notify.hpp"
#include "bot/jobs/scheduler.hpp"
#include "bot/metrics.hpp"
#include "core/phone.hpp"
#include "core/summary.hpp"
#include "storage/chat_store.hpp"
#include "storage/invite_repo.hpp"
#include "storage/period_repo.hpp"
#include "storage/reminder_repo.hpp"

namespace tcns::bot {

namespace {

/// The roster's answer for a person matched by an invite code or a phone number.
core::InviteCheck person_check(storage::Database& db, storage::ReportRepo& reports,
                               core::PersonId person) {
    core::InviteCheck c;
    c.status = core::InviteCheck::Status::kValid;
    c.person = person;
    const auto facts = reports.person_facts(person);
    c.person_name = facts.name;
    if (!facts.teams.empty()) {
        c.team_name = facts.teams.front().name;
        c.role = facts.teams.front().role;
    } else if (facts.official) {
        // An official has a unit, not a team: the link confirmation names the unit (issue 15:
        // it read "… liên kết với ." before).
        SQLite::Statement q(db.handle(),
                            "SELECT u.name FROM roles r JOIN units u ON u.id = r.unit_id "
                            "WHERE r.person_id = ? AND r.role = 'official' ORDER BY r.unit_id "
                            "LIMIT 1");
        q.bind(1, static_cast<std::int64_t>(person));
        if (q.executeStep()) c.team_name = q.getColumn(0).getString();
    }
    c.official = facts.official;
    return c;
}

/// What an official reads about a new difficulty.
struct DifficultyFacts {
    std::int64_t id = 0;
    core::TeamId team = 0;
    std::string period;
    std::string category;
    std::string text;
};

/// Sends a new difficulty at once to every official of the team's commune (DESIGN.md: officials
/// handle difficulties promptly, not at month end); in quiet hours it waits for the morning.
void alert_officials(storage::Database& db, const Templates& templates,
                     const SchedulerConfig& config, const core::ConversationContext& ctx,
                     const DifficultyFacts& d, const std::string& reporter, core::Instant now) {
    storage::ReminderRepo repo(db);
    const auto unit = repo.team_unit_officials(d.team, config.commune_level);
    if (!unit) return;
    std::string team_name, hamlet;
    for (const auto& t : ctx.teams) {
        if (t.id != d.team) continue;
        team_name = t.name;
        hamlet = t.unit_name;
    }
    std::string category = d.category;
    for (const auto& item : templates.form.items)
        for (const auto& c : item.choices)
            if (item.type == core::ItemType::kText && c.code == d.category) category = c.label;
    const auto period = core::MonthPeriod::parse(d.period);
    const std::string month =
        period ? fmt::format("{:02}/{:04}", period->month, period->year) : d.period;
    for (const core::Contact& official : unit->officials) {
        Notice n;
        n.idem_key = fmt::format("difficulty:{}:p{}", d.id, official.id);
        n.kind = "difficulty";
        n.person = official.id;
        n.phone = official.phone;
        const auto choice = core::choose_account(official, now, config.policy);
        n.account = choice.account;
        n.decision = choice.decision;
        n.text = templates.messages.render("difficulty.alert", {{"name", official.name},
                                                                {"team", team_name},
                                                                {"hamlet", hamlet},
                                                                {"commune", unit->name},
                                                                {"month", month},
                                                                {"category", category},
                                                                {"text", d.text},
                                                                {"person", reporter}});
        n.not_before = after_quiet_hours(now, config.policy.quiet);
        enqueue_notice(db, n, now);
    }
    // The commune's linked groups read the same alert (issue 17).
    Notice g;
    g.kind = "difficulty";
    g.text = templates.messages.render("difficulty.alert", {{"team", team_name},
                                                            {"hamlet", hamlet},
                                                            {"commune", unit->name},
                                                            {"month", month},
                                                            {"category", category},
                                                            {"text", d.text},
                                                            {"person", reporter}});
    g.not_before = after_quiet_hours(now, config.policy.quiet);
    notify_unit_groups(db, unit->id, fmt::format("difficulty:{}", d.id), g, now);
}

/// Tells the team's other filers (leader <-> deputies) that a report was submitted or revised.
void tell_other_filers(storage::Database& db, const Templates& templates,
                       const SchedulerConfig& config, const core::ConversationContext& ctx,
                       const core::SubmitReport& sub, int revision, core::PersonId person,
                       const std::string& reporter, core::Instant now) {
    std::string team_name;
    for (const auto& t : ctx.teams)
        if (t.id == sub.team) team_name = t.name;
    if (ctx.missed)
        for (const auto& t : ctx.missed->teams)
            if (t.id == sub.team) team_name = t.name;
    const auto period = core::MonthPeriod::parse(sub.period);
    const std::string month =
        period ? fmt::format("{:02}/{:04}", period->month, period->year) : sub.period;
    for (const core::Contact& other : storage::ReportRepo(db).other_filers(sub.team, person)) {
        // A filer who never linked a chat account cannot read it, and nobody is to be told
        // that a courtesy message could not go out: no row at all.
        if (other.accounts.empty()) continue;
        Notice n;
        n.idem_key = fmt::format("filed:{}:{}:r{}:p{}", sub.team, sub.period, revision, other.id);
        n.kind = "report_filed";
        n.person = other.id;
        n.phone = other.phone;
        const auto choice = core::choose_account(other, now, config.policy);
        n.account = choice.account;
        n.decision = choice.decision;
        n.text = templates.messages.render(revision == 1 ? "filed.submitted" : "filed.revised",
                                           {{"person", reporter},
                                            {"month", month},
                                            {"team", team_name},
                                            {"revision", std::to_string(revision)},
                                            {"time", core::format_vietnam_short(now)}});
        n.not_before = after_quiet_hours(now, config.policy.quiet);
        enqueue_notice(db, n, now);
    }
}

/// `first`, then the other units `person` is an official of: an official of several units (a
/// concurrent post) gets one roll-up, or one sign-in link, per unit.
std::vector<core::UnitId> first_then_other_units(storage::Database& db, core::UnitId first,
                                                 std::optional<core::PersonId> person) {
    std::vector<core::UnitId> units{first};
    if (person)
        for (const core::UnitId u : storage::ReminderRepo(db).official_units(*person))
            if (u != first) units.push_back(u);
    return units;
}

}  // namespace

HandleOutcome ConversationEngine::handle(storage::Database& db, const core::InboundEvent& event,
                                         core::Instant now) {
    storage::ChatAccountRepo accounts(db);
    storage::ConversationRepo conversations(db);
    storage::ReportRepo reports(db);
    storage::PeriodRepo periods(db);
    storage::InviteRepo invites(db);

    // A group chat is not a person's conversation: nothing is filed from it.
    if (!event.group_id.empty()) return handle_group_event(db, templates_, alerts_, event, now);

    HandleOutcome out;
    storage::ChatAccount account =
        accounts.find_or_create(event.channel, event.user_id, event.user_name, now);
    out.account = account.id;
    if (event.kind == core::EventKind::kReceipt) return out;
    if (event.kind == core::EventKind::kUnsubscribed) {
        accounts.set_subscribed(account.id, false);
        return out;
    }
    accounts.touch_inbound(account, now);
    if (!account.subscribed) accounts.set_subscribed(account.id, true);

    const core::ConversationState state = conversations.load(account.id);
    storage::PersonFacts facts;
    if (account.person) facts = reports.person_facts(*account.person);

    // The period in play: the draft's, else the one "bc" would file now.
    std::optional<core::MonthPeriod> period;
    if (state.step() != core::Step::kIdle && !state.period.empty())
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

    // The month boundary: from the first of a month until the previous month's late window
    // closes (its late notices stop), a team that has not filed it is asked which month "bc"
    // files, and "tt" shows both.
    std::optional<core::MissedMonth> missed;
    const core::MonthPeriod current = core::MonthPeriod::containing(now);
    if (*period == current && account.person) {
        const core::MonthPeriod prev = current.previous();
        const core::Instant prev_deadline = periods.deadline(prev);
        const core::Instant window_end =
            morning_after(prev_deadline, alerts_.policy.send_hour) + alerts_.policy.late_valid_for;
        if (now >= prev_deadline && now < window_end) {
            core::MissedMonth m{prev, prev_deadline, {}};
            for (const auto& t : facts.teams) {
                // A team that filed it needs nothing more (one indexed lookup, the common case).
                if (!core::can_file_report(t.role) || reports.submitted(t.id, prev)) continue;
                core::TeamFacts f;
                f.id = t.id;
                f.code = t.code;
                f.name = t.name;
                f.unit_name = t.unit_name;
                f.role = t.role;
                reports.fill_team_facts(f, prev);
                m.teams.push_back(std::move(f));
            }
            if (!m.teams.empty()) missed = std::move(m);
        }
    }

    core::ConversationContext ctx{templates_.form, templates_.messages, templates_.words};
    ctx.person = account.person;
    ctx.person_name = facts.name;
    ctx.teams = std::move(facts.teams);
    ctx.official = facts.official;
    if (facts.official)
        ctx.official_unit = storage::ReminderRepo(db).official_unit(*account.person);
    ctx.period = *period;
    ctx.deadline = periods.deadline(*period);
    ctx.missed = std::move(missed);

    if (!account.person) {
        const bool code_event =
            event.kind == core::EventKind::kText || event.kind == core::EventKind::kStarted;
        const auto code = code_event ? core::find_invite_code(event.text) : std::nullopt;
        if (code) {
            if (auto inv = invites.find(*code)) {
                if (inv->used_at) {
                    ctx.invite = core::InviteCheck::with(core::InviteCheck::Status::kUsed);
                } else if (now >= inv->expires_at) {
                    ctx.invite = core::InviteCheck::with(core::InviteCheck::Status::kExpired);
                } else {
                    ctx.invite = person_check(db, reports, inv->person);
                }
            } else {
                ctx.invite = core::InviteCheck::with(core::InviteCheck::Status::kUnknown);
            }
        }
        if (event.kind == core::EventKind::kSharedPhone) {
            if (auto phone = core::normalize_phone(event.phone))
                if (auto person = reports.person_by_phone(*phone))
                    ctx.phone_match = person_check(db, reports, *person);
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
            const std::int64_t report =
                reports.submit(*sub, templates_.form, person, account.id, now);
            if (report == 0) {
                // The head moved under the draft, which the conversation checked in this same
                // transaction: a bug. Nothing is written; the person is told to look again.
                result.state = state;
                core::OutboundMessage again;
                again.text = templates_.messages.render("not_understood");
                result.replies = {std::move(again)};
                result.draft.reset();
                break;
            }
            if (person)
                tell_other_filers(db, templates_, alerts_, ctx, *sub, sub->revision, *person,
                                  facts.name, now);
            // Counted before the commit: a rolled-back batch (rare) over-counts by one, and so
            // does a batch run again after another of its webhooks threw (WriteQueue::Rerun).
            Metrics::instance().add("tcns_reports_submitted_total",
                                    "channel=\"" + event.channel + "\"");
            // A difficulty in the form alerts the officials when it is new: a revision that
            // keeps the same text does not alert them again.
            const core::Answers* before = nullptr;
            for (const auto& t : ctx.teams)
                if (t.id == sub->team && t.revision > 0) before = &t.submitted;
            auto& q = db.cached(
                "SELECT d.id, d.category, d.text FROM difficulties d WHERE d.report_id = ? AND "
                "d.source = 'form' ORDER BY d.id");
            q.bind(1, report);
            std::vector<DifficultyFacts> fresh;
            while (q.executeStep()) {
                DifficultyFacts d{q.getColumn(0).getInt64(), sub->team, sub->period,
                                  q.getColumn(1).getString(), q.getColumn(2).getString()};
                bool seen = false;
                if (before)
                    for (const auto& [code, a] : *before) seen = seen || a.text == d.text;
                if (!seen) fresh.push_back(std::move(d));
            }
            for (const auto& d : fresh)
                alert_officials(db, templates_, alerts_, ctx, d, facts.name, now);
        } else if (const auto* diff = std::get_if<core::RecordDifficulty>(&effect)) {
            const std::int64_t id = reports.record_difficulty(*diff, person, now);
            alert_officials(db, templates_, alerts_, ctx,
                            {id, diff->team, diff->period, diff->category, diff->text}, facts.name,
                            now);
        } else if (const auto* req = std::get_if<core::RequestSummary>(&effect)) {
            const auto period = core::MonthPeriod::parse(req->period);
            // One roll-up per unit, the asked one first.
            for (const core::UnitId unit : first_then_other_units(db, req->unit, person)) {
                const auto summary =
                    period ? storage::ReminderRepo(db).summary(
                                 templates_.form, unit, *period, *period,
                                 req->kind == core::SummaryKind::kMissing ? std::size_t{30}
                                                                          : alerts_.max_named)
                           : std::nullopt;
                core::OutboundMessage reply;
                if (!summary) {
                    if (unit != req->unit) continue;
                    reply.text = templates_.messages.render("summary.not_official");
                } else if (req->kind == core::SummaryKind::kMissing) {
                    reply.text = core::render_missing(*summary, templates_.messages) +
                                 page_link_line(templates_.messages, public_url_,
                                                summary->unit_code, *period);
                } else {
                    reply.text =
                        core::render_summary(*summary, templates_.messages, alerts_.max_named) +
                        "\n" + templates_.messages.render("summary.other_period_hint") +
                        page_link_line(templates_.messages, public_url_, summary->unit_code,
                                       *period);
                }
                result.replies.push_back(std::move(reply));
            }
        } else if (const auto* web_req = std::get_if<core::RequestSignInLink>(&effect)) {
            if (public_url_.empty()) {
                core::OutboundMessage reply;
                reply.text = templates_.messages.render("web.not_configured");
                result.replies.push_back(std::move(reply));
                continue;
            }
            // A session sees one unit's subtree: one link per unit, the first unit's first.
            for (const core::UnitId unit :
                 first_then_other_units(db, web_req->unit, web_req->person)) {
                // The token is stored (as its hash) in this transaction: a rolled-back step
                // leaves no usable link behind, and the reply is only sent after the commit.
                const std::string token = web::create_link(db, web_req->person, unit, now);
                std::string unit_code;
                std::string unit_name;
                auto& q = db.cached("SELECT code, name FROM units WHERE id = ?");
                q.bind(1, std::int64_t{unit});
                if (q.executeStep()) {
                    unit_code = q.getColumn(0).getString();
                    unit_name = q.getColumn(1).getString();
                }
                q.reset();
                web::audit(db, web_req->person, facts.name, "link_requested",
                           "channel " + event.channel + ", unit " + unit_code, "", now);
                core::OutboundMessage reply;
                reply.text = templates_.messages.render(
                    "web.link", {{"unit_name", unit_name},
                                 {"minutes", std::to_string(web::kLinkTtl.count() / 60)},
                                 {"url", public_url_ + "/login/" + token}});
                result.replies.push_back(std::move(reply));
            }
        }
    }
    if (result.draft) {
        // The shared draft as it was loaded for this step (credits who changed what).
        std::optional<core::Draft> before;
        auto find = [&](const std::vector<core::TeamFacts>& teams) {
            for (const auto& t : teams)
                if (t.id == result.draft->team && t.draft) before = t.draft;
        };
        if (ctx.missed && ctx.missed->period.str() == result.draft->period)
            find(ctx.missed->teams);
        else
            find(ctx.teams);
        storage::DraftRepo(db).apply(*result.draft, before, person, now);
    }
    if (!(result.state == state)) conversations.save(account.id, result.state, now);
    out.replies = std::move(result.replies);
    return out;
}

}  // namespace tcns::bot
