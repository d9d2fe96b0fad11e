#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/form.hpp"
#include "core/org.hpp"
#include "core/period.hpp"
#include "core/reminder_policy.hpp"
#include "core/summary.hpp"
#include "storage/database.hpp"

namespace tcns::storage {

/// An official with the unit they follow.
struct OfficialContact {
    core::UnitId unit = 0;
    std::string unit_code;
    std::string unit_name;
    std::string level;
    core::Contact contact;
};

/// Where a chat account receives messages.
struct AccountAddress {
    std::string channel;
    std::string user_id;  ///< the platform's user id
};

/// A person's chat accounts, oldest first, with what the reminder policy needs of each.
std::vector<core::ContactAccount> contact_accounts(Database& db, core::PersonId person);

/// The scheduler's and the summaries' reads: everything set-based (a handful of queries per
/// call, never one per team), so that a country's 80,000 teams load in well under a second.
class ReminderRepo {
  public:
    explicit ReminderRepo(Database& db) : db_(db) {}

    /// Every team expected for the period (compliance.hpp) with its status, its leader and
    /// deputies, and the officials of its ancestor unit at `commune_level`, each with their chat
    /// accounts. Contacts are loaded only for teams that have not submitted (the others get
    /// nothing).
    std::vector<core::TeamReminderStatus> reminder_inputs(const core::MonthPeriod& period,
                                                          const std::string& commune_level);

    /// Officials with their accounts, of units at `level` (every level when empty).
    std::vector<OfficialContact> officials(const std::string& level = {});

    /// The ancestor-or-self unit of a team at `level` with its officials and their accounts;
    /// nullopt when the team has no such ancestor.
    std::optional<core::CommuneContacts> team_unit_officials(core::TeamId team,
                                                             const std::string& level);

    /// The first unit the person is an official of.
    std::optional<core::UnitId> official_unit(core::PersonId person);
    /// Every unit the person is an official of, in the order of their roles.
    std::vector<core::UnitId> official_units(core::PersonId person);

    /// The channel and platform user id of an account.
    std::optional<AccountAddress> address(core::AccountId account);

    /// The roll-up of a unit's subtree over the months from..to: team counts, missing teams (the
    /// first `max_named` by name), the sum of every enabled count item of `form` with the unit's
    /// target, and the difficulties (the latest `max_difficulties`). nullopt for an unknown unit.
    std::optional<core::UnitSummary> summary(const core::Form& form, core::UnitId unit,
                                             const core::MonthPeriod& from,
                                             const core::MonthPeriod& to,
                                             std::size_t max_named = 10,
                                             std::size_t max_difficulties = 5);

  private:
    Database& db_;
};

}  // namespace tcns::storage
