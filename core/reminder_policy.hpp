#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/org.hpp"
#include "core/period.hpp"
#include "core/time.hpp"

namespace tcns::core {

/// What a scheduled message is for.
enum class DueKind {
    kReminder,    ///< "N days left": to a team that has not reported
    kLateNotice,  ///< the morning after the deadline: to a team that has not reported
    kEscalation,  ///< the morning after the deadline: to the commune's officials, the late teams
    kNotReached,  ///< to the commune's officials: a reminder step reached nobody of a team
};

/// What to do with a channel account whose free-form messaging window is closed.
enum class OutsideWindow {
    kSendAnyway,     ///< send the free-form message (on some platforms a billed message)
    kZnsTemplate,    ///< send a template to the person's phone instead (channels that can)
    kSkipAndReport,  ///< send nothing; tell the commune's officials the person was not reached
};

/// How a due message can go out, decided from the recipient's accounts at `now`.
enum class WindowDecision {
    kOpen,           ///< the window is open: send the free-form message
    kSendAnyway,     ///< closed, and the channel's policy is to send anyway
    kZnsTemplate,    ///< closed: send a template to `phone` (a channel with phone_templates)
    kSkipAndReport,  ///< closed: do not send; report the person to the officials
    kUnreachable,    ///< no usable account at all: nothing to send; report to the officials
};

/// The messaging window rules of one channel. Core knows no channel by name: bot/ passes these
/// in as data (bot/channels/channel_rules.hpp); a channel without a rule has no window.
struct ChannelRule {
    std::string channel;            ///< the channel name accounts carry
    std::chrono::seconds window{};  ///< free-form messages allowed this long after a user's message
    OutsideWindow outside = OutsideWindow::kSkipAndReport;
    /// The platform can reach the person's phone with a pre-approved template (ZNS) when the
    /// window is closed; OutsideWindow::kZnsTemplate is only valid on such a channel.
    bool phone_templates = false;
};

/// Hours of a Vietnam day during which nothing is sent; wraps midnight when from > until.
struct QuietHours {
    int from_hour = 21;
    int until_hour = 7;
};

/// The reminder policy's settings; the defaults follow the plan.
struct ReminderPolicyConfig {
    std::vector<int> days_before{5, 2, 1};  ///< reminder steps, days before the deadline's day
    int send_hour = 8;                      ///< Vietnam hour at which every step is scheduled
    QuietHours quiet;
    bool late_notice = true;  ///< tell the team the morning after the deadline
    bool escalation = true;   ///< tell the commune's officials the morning after the deadline
    /// A late notice or escalation not sent within this long of its scheduled time is dropped.
    std::chrono::seconds late_valid_for{std::chrono::hours(24 * 7)};
    /// Per-channel window rules, given by bot/ (empty here: core names no channel).
    std::vector<ChannelRule> channels;
};

/// One chat account of a person, as the policy needs it.
struct ContactAccount {
    AccountId id = 0;
    std::string channel;
    std::optional<Instant> last_inbound;  ///< when the person last wrote from it
    bool reachable = true;                ///< false once the platform refused it for good
};

/// A person who may receive a message, with their chat accounts.
struct Contact {
    PersonId id = 0;
    std::string name;
    std::string phone;  ///< normalised "84…", for ZNS templates
    std::vector<ContactAccount> accounts;
};

/// The commune (or other unit) whose officials hear about a team's missing report.
struct CommuneContacts {
    UnitId id = 0;
    std::string code;
    std::string name;
    std::vector<Contact> officials;
};

/// A team and its reporting status for the period.
struct TeamReminderStatus {
    TeamId id = 0;
    std::string code;
    std::string name;
    bool submitted = false;
    std::optional<Contact> leader;  ///< nullopt when the team has no leader
    std::vector<Contact> deputies;
    CommuneContacts commune;
};

/// A reminder step scheduled for a deadline: due from `at` until `until` (exclusive).
struct ReminderStep {
    DueKind kind = DueKind::kReminder;
    int days_before = 0;  ///< reminders only
    Instant at;
    Instant until;
};

/// A message the scheduler should put in the outbox now (the outbox refuses a second row with
/// the same `idem_key`, which is what makes re-running the policy safe).
struct DueMessage {
    /// "remind:<team>:<period>:d<N>:<deadline day>:p<person>", "late:<team>:<period>:<deadline
    /// day>:p<person>", "escalate:<unit>:<period>:<deadline day>:p<person>" or
    /// "unreached:<team>:<period>:<deadline day>:p<official>".
    std::string idem_key;
    DueKind kind = DueKind::kReminder;
    PersonId person = 0;
    std::string person_name;
    std::optional<ContactAccount> account;  ///< the chosen account; nullopt when kUnreachable
    std::string phone;                      ///< for kZnsTemplate
    WindowDecision decision = WindowDecision::kOpen;
    /// "reminder.before_deadline", "reminder.late_notice", "reminder.escalation" or
    /// "reminder.not_reached".
    std::string template_key;
    /// Named template parameters. All: name (the recipient), period ("2026-11"), month
    /// ("11/2026"), deadline ("00:00 30/11/2026"), last_day ("29/11/2026"). Reminders and late
    /// notices: team_code, team_name, role ("leader"/"deputy"), leader_unreachable ("1" for
    /// deputies), days_left (reminders). Escalations: unit_code, unit_name, missing_count,
    /// team_count, missing_teams (one name a line). Not reached: team_code, team_name,
    /// unit_code, unit_name, not_reached (one name a line).
    std::map<std::string, std::string> params;
    Instant scheduled_at;  ///< when the step was due
};

/// The steps of a deadline, in time order: one reminder per distinct `days_before` (at
/// `send_hour` Vietnam time on the deadline's day minus N days; each due until the next step, the
/// last until the deadline), then the late notice and escalation (at the first `send_hour` at or
/// after the deadline, due for `late_valid_for`).
std::vector<ReminderStep> reminder_schedule(Instant deadline, const ReminderPolicyConfig& config);

/// The steps due at `now` (none during quiet hours). Empty most of the month: the scheduler can
/// skip loading the teams when it is.
std::vector<ReminderStep> due_steps(Instant now, Instant deadline,
                                    const ReminderPolicyConfig& config);

/// What is wrong with a configuration (hours out of range, send hour inside the quiet hours,
/// offsets outside 1-60 days, empty windows, phone templates on a channel without them); empty
/// when fine.
std::vector<std::string> check_reminder_config(const ReminderPolicyConfig& config);

/// The messages due at `now` for a period with this deadline. Teams that submitted get nothing;
/// a step is due from its time until the next step (a late tick sends the current step, never a
/// superseded one); nothing is due during quiet hours (it waits for the morning). Reminders and
/// late notices go to the leader, and also to the deputies when the leader has no reachable
/// account; escalations go to each official of a commune with late teams. When a reminder step
/// can be sent to nobody of a team (every recipient kSkipAndReport or kUnreachable), the
/// commune's officials get a kNotReached message, once per team and deadline. Sorted by key.
std::vector<DueMessage> due_messages(Instant now, const MonthPeriod& period, Instant deadline,
                                     const std::vector<TeamReminderStatus>& teams,
                                     const ReminderPolicyConfig& config);

/// True when `t` falls in the quiet hours, Vietnam time.
bool in_quiet_hours(Instant t, const QuietHours& quiet);

/// The account a message to this person goes to, and how it can go out.
struct AccountChoice {
    std::optional<ContactAccount> account;
    WindowDecision decision = WindowDecision::kUnreachable;
};

/// Chooses the reachable account where the person last wrote (preferring one whose window is
/// still open) and applies its channel's window rule at `now` (a channel without a rule has no
/// window).
AccountChoice choose_account(const Contact& person, Instant now,
                             const ReminderPolicyConfig& config);

/// The quarterly reminder to officials of one level, and when it is due.
struct QuarterlyReminderConfig {
    std::string level = "district";  ///< "province" under the 2025 two-level structure
    int days_before = 5;             ///< days before the quarterly deadline's day
    int send_hour = 8;
    QuietHours quiet;
};

/// A quarterly reminder that is due: send it to every official of units of `level`.
struct QuarterlyReminderDue {
    std::string level;
    Instant scheduled_at;
    /// "quarterly:<YYYY-Qn>:<level>:<deadline day>"; append ":p<person>" per recipient.
    std::string idem_key_prefix;
};

/// Whether the quarterly reminder for `quarter` is due at `now`: from its scheduled time until
/// the deadline, outside quiet hours. Use default_quarterly_deadline() unless extended.
std::optional<QuarterlyReminderDue> quarterly_reminder_due(Instant now,
                                                           const QuarterPeriod& quarter,
                                                           Instant deadline,
                                                           const QuarterlyReminderConfig& config);

/// "reminder", "late_notice", "escalation", "not_reached".
std::string_view due_kind_name(DueKind k);
/// "open", "send_anyway", "zns_template", "skip_and_report", "unreachable".
std::string_view window_decision_name(WindowDecision d);

}  // namespace tcns::core
