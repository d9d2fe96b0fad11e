#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/events.hpp"
#include "core/form.hpp"
#include "core/messages.hpp"
#include "core/org.hpp"
#include "core/period.hpp"
#include "core/time.hpp"
#include "core/words.hpp"

namespace tcns::core {

/// One answer in a draft or a stored report.
struct Answer {
    std::optional<std::int64_t> number;  ///< count items
    std::string text;                    ///< text items
    std::string choice;                  ///< choice items; the category of a text item
    bool skipped = false;                ///< an optional item the leader skipped
    friend bool operator==(const Answer&, const Answer&) = default;
};

/// Answers by item code.
using Answers = std::map<std::string, Answer>;

/// Where a conversation stands.
enum class Step {
    kIdle,              ///< no draft in progress
    kChoosingTeam,      ///< a person in several teams picks the team to report for
    kAsking,            ///< asking form item `index`
    kConfirmingCheck,   ///< a soft check failed: keep the value or correct it
    kSummary,           ///< the draft is complete: send, edit or cancel
    kConfirmingCancel,  ///< "hủy" asked for confirmation
    kChoosingPeriod,    ///< the previous month is missing: "bc" asks which month it files
    kConfirmingValue,   ///< an answer read with a multiplier or a foreign word awaits "Đúng"
    kConfirmingQuick,   ///< a quick report's unusual readings or failed checks await "Đúng"
};

std::string_view step_name(Step s);
std::optional<Step> parse_step(std::string_view s);

/// The steps, one type each, holding only what that step needs. The fields every step of a
/// draft shares (its team, month, position and answers) are in ConversationState. To add a
/// step: a type here, its place in StepState (and Step, in the same order), its handler
/// `on()` in conversation.cpp (std::visit refuses to compile without one), and its fields in
/// storage's encode/decode.
namespace steps {
struct Idle {
    friend bool operator==(const Idle&, const Idle&) = default;
};
/// A person in several teams picks the team to report for.
struct ChoosingTeam {
    std::vector<TeamId> choices;  ///< the teams offered, in order
    friend bool operator==(const ChoosingTeam&, const ChoosingTeam&) = default;
};
/// Asking the form item at the draft's position.
struct Asking {
    std::string category;  ///< a text item's category chosen, its text not yet typed
    friend bool operator==(const Asking&, const Asking&) = default;
};
/// A soft check failed: keep the value or correct it.
struct ConfirmingCheck {
    std::string item;  ///< the item whose value awaits a yes
    std::int64_t value = 0;
    friend bool operator==(const ConfirmingCheck&, const ConfirmingCheck&) = default;
};
/// The draft is complete: send, edit or cancel.
struct Summary {
    friend bool operator==(const Summary&, const Summary&) = default;
};
/// "hủy" asked for confirmation.
struct ConfirmingCancel {
    Step back = Step::kIdle;  ///< where "không" goes back to
    std::string category;     ///< the question's chosen category, when `back` is kAsking
    friend bool operator==(const ConfirmingCancel&, const ConfirmingCancel&) = default;
};
/// The previous month is missing: "bc" asks which month it files (for the state's team).
struct ChoosingPeriod {
    friend bool operator==(const ChoosingPeriod&, const ChoosingPeriod&) = default;
};
/// An answer read with a multiplier or a foreign word awaits "Đúng".
struct ConfirmingValue {
    std::string item;
    std::int64_t value = 0;
    friend bool operator==(const ConfirmingValue&, const ConfirmingValue&) = default;
};
/// A quick report's unusual readings or failed checks await "Đúng".
struct ConfirmingQuick {
    friend bool operator==(const ConfirmingQuick&, const ConfirmingQuick&) = default;
};
}  // namespace steps

/// The step a conversation is at, with that step's own fields; alternatives in Step's order.
using StepState =
    std::variant<steps::Idle, steps::ChoosingTeam, steps::Asking, steps::ConfirmingCheck,
                 steps::Summary, steps::ConfirmingCancel, steps::ChoosingPeriod,
                 steps::ConfirmingValue, steps::ConfirmingQuick>;

/// Everything the conversation remembers between messages. It lives only in the database
/// (serialised by storage), so a restart resumes exactly where the leader stopped.
struct ConversationState {
    StepState at;  ///< the step and what only it needs
    Step step() const { return static_cast<Step>(at.index()); }

    // The draft in progress, shared by every step that works on one.
    std::optional<TeamId> team;  ///< the team of the draft (kChoosingPeriod: the team asked for)
    std::string period;          ///< "YYYY-MM" of the draft
    /// Legacy position among the form's enabled items: states written before `item` existed
    /// are read with it; `item` is the position since (an index goes wrong when the form
    /// changes under an open draft).
    std::size_t index = 0;
    std::string item;       ///< the item asked (empty: at the summary)
    int form_version = 0;   ///< the form version the position and answers refer to (0: legacy)
    int base_revision = 0;  ///< the team's report revision the draft started from (0: none)
    Answers answers;        ///< the draft as this person last saw it (the team's draft is shared)
    bool return_to_summary = false;  ///< the current question came from "sửa"
    bool revising = false;           ///< the draft revises a submitted report

    // The account, whatever the step.
    int wrong_codes = 0;  ///< invite codes refused in the current hour
    std::optional<Instant> wrong_codes_since;
    friend bool operator==(const ConversationState&, const ConversationState&) = default;
};

/// A team's draft for a period, shared by its leader and deputies; each person's conversation
/// points at it.
struct Draft {
    int base_revision = 0;  ///< the report revision it started from (0: a first report)
    int form_version = 0;
    Answers answers;
    std::map<std::string, PersonId> answered_by;  ///< who gave each answer
    std::string updated_by_name;                  ///< who changed it last
    friend bool operator==(const Draft&, const Draft&) = default;
};

/// What the conversation knows about one team of the person, for the period in play.
struct TeamFacts {
    TeamId id = 0;
    std::string code;
    std::string name;
    std::string unit_name;  ///< the hamlet / neighbourhood
    Role role = Role::kMember;
    std::map<std::string, std::int64_t> last_values;  ///< previous period's submitted counts
    std::map<std::string, std::int64_t> targets;      ///< this period's targets by item
    int revision = 0;                                 ///< 0: not submitted this period
    std::optional<Instant> submitted_at;              ///< the latest revision's time
    bool late = false;                                ///< the first submission was late
    Answers submitted;                                ///< the latest revision's values
    std::string submitted_by;                         ///< who submitted the latest revision
    bool revised_after_deadline = false;  ///< on time at first, revised after the deadline
    std::optional<Draft> draft;           ///< the team's open draft for the period
};

/// The previous month while a team has not submitted it and its late window is open: "bc"
/// asks which month it files, "tt" shows both.
struct MissedMonth {
    MonthPeriod period;
    Instant deadline{};
    std::vector<TeamFacts> teams;  ///< the person's teams' facts for that month
};

/// The result of looking up an invite code (or a shared phone number) in the roster.
struct InviteCheck {
    enum class Status { kValid, kUnknown, kExpired, kUsed };
    Status status = Status::kUnknown;
    PersonId person = 0;
    std::string person_name;
    std::string team_name;     ///< or the unit, for officials
    std::optional<Role> role;  ///< the role on that team; empty for an official without one
    bool official = false;     ///< the person is an official of some unit

    static InviteCheck with(Status s) {
        InviteCheck c;
        c.status = s;
        return c;
    }
};

/// Read-only facts the engine loads before a step; the step itself does no I/O.
struct ConversationContext {
    ConversationContext(const Form& f, const Messages& m, const Words& w)
        : form(f), messages(m), words(w) {}
    const Form& form;
    const Messages& messages;
    const Words& words;              ///< every command word and synonym (templates/words.vi.json)
    std::optional<PersonId> person;  ///< the linked person; empty for an unknown account
    std::string person_name;
    std::vector<TeamFacts> teams;            ///< every team the person belongs to
    bool official = false;                   ///< the person is an official of some unit
    std::optional<UnitId> official_unit;     ///< the unit whose roll-up "tổng hợp" shows
    MonthPeriod period;                      ///< the draft's period, else the period "bc" files
    Instant deadline{};                      ///< that period's effective deadline
    std::optional<InviteCheck> invite;       ///< the text looked up as an invite code
    std::optional<InviteCheck> phone_match;  ///< kSharedPhone: the roster match
    std::optional<MissedMonth> missed;       ///< see MissedMonth
};

/// Effect: link the chat account to a person (consuming the invite code when one was used).
struct LinkAccount {
    PersonId person = 0;
    std::string invite_code;  ///< empty when linked by a shared phone number
};

/// Effect: store a report revision (and the form's difficulty and proposal items).
struct SubmitReport {
    TeamId team = 0;
    std::string period;
    int revision = 1;
    /// The head revision the draft started from; when set, storage refuses the revision if the
    /// head has moved (a second guard behind the conversation's own check).
    std::optional<int> base_revision;
    bool late = false;
    Answers answers;
    std::map<std::string, PersonId> answered_by;  ///< who gave each answer (leader or deputy)
};

/// Effect: record a difficulty typed with "khó khăn: …".
struct RecordDifficulty {
    TeamId team = 0;
    std::string period;
    std::string category;
    std::string text;
};

/// What an official asked for in chat.
enum class SummaryKind {
    kRollup,   ///< "tổng hợp": the roll-up of the unit's subtree
    kMissing,  ///< "chưa nộp": the teams that have not reported
};

/// Effect: answer with a roll-up of `unit`'s subtree for `period`; the engine computes the text
/// (it needs the database) and appends it to the replies.
struct RequestSummary {
    UnitId unit = 0;
    std::string period;  ///< "YYYY-MM"
    SummaryKind kind = SummaryKind::kRollup;
};

/// Effect: an official asked for a web sign-in link ("web", "đăng nhập"); the engine creates
/// the one-time token in the same transaction and answers with the link.
struct RequestSignInLink {
    PersonId person = 0;
    UnitId unit = 0;  ///< the subtree the web session may see
};

using Effect =
    std::variant<LinkAccount, SubmitReport, RecordDifficulty, RequestSummary, RequestSignInLink>;

/// What becomes of the team's shared draft after a step.
struct DraftChange {
    TeamId team = 0;
    std::string period;
    bool remove = false;  ///< cancelled (a submission removes it in storage)
    int base_revision = 0;
    int form_version = 0;
    Answers answers;
};

struct StepResult {
    ConversationState state;
    std::vector<OutboundMessage> replies;
    std::vector<Effect> effects;
    std::optional<DraftChange> draft;
};

/// The pure conversation: (state, event, now, context) → (new state, replies, effects).
StepResult step(const ConversationState& state, const InboundEvent& event, Instant now,
                const ConversationContext& ctx);

/// True when a message from an unlinked account looks like an invite code, so the engine
/// looks it up before calling step().
bool looks_like_invite_code(std::string_view text);

/// The invite code in a message: the whole message when it looks like one, else one word of
/// six letters and digits holding a digit or written in capitals ("Mã của tôi là GGKRS5").
std::optional<std::string> find_invite_code(std::string_view text);

/// The period a "bc" files at `now`: the previous month while it is unsubmitted and its
/// (extended) deadline has not passed, else the current month.
MonthPeriod filing_period(Instant now, bool previous_submitted,
                          std::optional<Instant> previous_deadline);

/// Sorts a free-text difficulty into one of the form's categories by the keywords of the
/// words file's "difficulty_category.*" lists ("sóng", "điện thoại", "VNeID", "người già"),
/// the first list that matches; "other" when none does.
std::string classify_difficulty(std::string_view text, const Words& words);

/// Soft-check failures of a set of answers, as (item, other) code pairs.
std::vector<std::pair<std::string, std::string>> failed_checks(const Form& form,
                                                               const Answers& answers);

}  // namespace tcns::core
