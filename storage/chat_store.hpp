#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/conversation.hpp"
#include "core/org.hpp"
#include "core/reminder_policy.hpp"
#include "core/time.hpp"
#include "storage/database.hpp"
#include "storage/facts_cache.hpp"

namespace tcns::storage {

/// Chat accounts: one per (channel, platform user id).
class ChatAccountRepo {
  public:
    explicit ChatAccountRepo(Database& db) : db_(db) {}
    /// Finds the account or creates an unlinked one.
    ChatAccount find_or_create(const std::string& channel, const std::string& user_id,
                               const std::string& display_name, core::Instant now);
    std::optional<ChatAccount> find(const std::string& channel, const std::string& user_id);
    /// Records an inbound message (opens the platform's free-messaging window).
    void touch_inbound(core::AccountId id, core::Instant now);
    /// The same for an account just read, skipped when it changes nothing that matters: the
    /// person wrote less than a minute ago and the account is reachable (a leader answering
    /// question after question does not rewrite the account's page on every answer).
    void touch_inbound(const ChatAccount& account, core::Instant now);
    void link(core::AccountId id, core::PersonId person, core::Instant now);
    void set_subscribed(core::AccountId id, bool subscribed);

  private:
    Database& db_;
};

/// A step's own fields as the stored JSON names them ("pending_item", "team_choices", …): the
/// format of rows written before the steps had their own types, kept so old rows load and new
/// rows read the same. A field the step does not have is not written and is ignored on read.
struct StoredStep {
    core::Step step = core::Step::kIdle;
    std::string pending_item;
    std::int64_t pending_value = 0;
    std::string pending_category;
    core::Step cancel_return = core::Step::kIdle;
    std::vector<core::TeamId> team_choices;
};
StoredStep stored_step(const core::StepState& s);
core::StepState step_state(const StoredStep& s);

/// Conversation state, one row per account, stored as JSON.
class ConversationRepo {
  public:
    explicit ConversationRepo(Database& db) : db_(db) {}
    /// The stored state, or a fresh one.
    core::ConversationState load(core::AccountId account);
    void save(core::AccountId account, const core::ConversationState& state, core::Instant now);

    static std::string encode(const core::ConversationState& s);
    /// Decodes; an unreadable state (a bug or a hand edit) becomes a fresh state.
    static core::ConversationState decode(const std::string& text);

  private:
    Database& db_;
};

/// The teams' shared drafts, one per (team, period): the leader and the deputies work on the
/// same answers; each person's conversation state only points at it.
class DraftRepo {
  public:
    explicit DraftRepo(Database& db) : db_(db) {}
    std::optional<core::Draft> load(core::TeamId team, const std::string& period);
    /// Saves or removes the draft; answers that differ from `before` (the draft as loaded for
    /// this step) are credited to `person`, the others keep who gave them.
    void apply(const core::DraftChange& change, const std::optional<core::Draft>& before,
               std::optional<core::PersonId> person, core::Instant now);
    void remove(core::TeamId team, const std::string& period);

    static std::string encode_answers(const core::Answers& answers,
                                      const std::map<std::string, core::PersonId>& by);
    /// Decodes; unreadable text (a bug or a hand edit) is an empty draft.
    static void decode_answers(const std::string& text, core::Answers& answers,
                               std::map<std::string, core::PersonId>& by);

  private:
    Database& db_;
};

/// Who a person is for the conversation: name, teams with roles, official or not.

/// Reports: revisions, values, per-period status, difficulties.
class ReportRepo {
  public:
    explicit ReportRepo(Database& db) : db_(db) {}

    PersonFacts person_facts(core::PersonId person);
    /// The person with this normalised phone ("84…"), if the roster has one.
    std::optional<core::PersonId> person_by_phone(const std::string& phone);
    /// Fills last month's values, this period's targets and the latest submission.
    /// On the writer's connection, kept between webhooks (FactsCache).
    void fill_team_facts(core::TeamFacts& team, const core::MonthPeriod& period);
    /// True when the team has submitted the period.
    bool submitted(core::TeamId team, const core::MonthPeriod& period);

    /// Stores a new revision: report row, values, status, and the form's difficulty.
    /// Returns the report id.
    std::int64_t submit(const core::SubmitReport& r, const core::Form& form,
                        std::optional<core::PersonId> person,
                        std::optional<core::AccountId> account, core::Instant now);
    /// The team's leader and deputies other than `except`, with their chat accounts: the ones
    /// told when a report is submitted or revised.
    std::vector<core::Contact> other_filers(core::TeamId team, core::PersonId except);
    /// Stores a difficulty typed in chat.
    std::int64_t record_difficulty(const core::RecordDifficulty& d,
                                   std::optional<core::PersonId> person, core::Instant now);

  private:
    void read_team_facts(core::TeamFacts& team, const core::MonthPeriod& period);
    Database& db_;
};

}  // namespace tcns::storage
