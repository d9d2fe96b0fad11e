#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/org.hpp"
#include "core/roster_import.hpp"
#include "core/time.hpp"
#include "storage/database.hpp"

namespace tcns::storage {

/// What an upsert did, row by row.
struct ImportCounts {
    int added = 0;
    int updated = 0;
    int unchanged = 0;
    int total() const { return added + updated + unchanged; }
};

/// A unit as stored, with the codes of its parent and successor.
struct StoredUnit {
    core::UnitId id = 0;
    std::string code;
    std::string name;
    std::string type;
    std::string level;
    std::string parent_code;  ///< "" for a root
    bool generated = false;
};

/// A team as stored.
struct StoredTeam {
    core::TeamId id = 0;
    std::string code;
    std::string name;
    std::string unit_code;
    bool generated = false;
};

/// One role of a stored person, with the codes and names needed to show it.
struct StoredRole {
    core::Role role = core::Role::kMember;
    std::string team_code;  ///< team roles
    std::string team_name;
    std::string unit_code;  ///< the official's unit, or the team's unit
    std::string unit_name;
    std::string title;
};

/// A person as stored, with their roles.
struct StoredPerson {
    core::PersonId id = 0;
    std::string phone;
    std::string full_name;
    std::string occupation;
    bool generated = false;
    std::vector<StoredRole> roles;
};

/// The org roster: units, teams, people and their roles. Writes expect the caller to hold a
/// WriteTransaction (an import is all-or-nothing). Also the stored side of core::RosterLookup.
class RosterRepo : public core::RosterLookup {
  public:
    explicit RosterRepo(Database& db);
    ~RosterRepo() override;

    std::optional<std::string> unit_parent(std::string_view code) override;
    std::optional<std::string> team_unit(std::string_view code) override;
    std::vector<std::string> team_leaders(std::string_view team_code) override;

    /// Inserts or updates units by code (parents and successors resolved after all rows exist).
    ImportCounts upsert_units(const std::vector<core::UnitRecord>& units, bool generated = false);
    /// Inserts or updates teams by code.
    /// `imported_on` is recorded on teams this call creates (never changed later): without a
    /// decision date, a team is expected to report from that month on (compliance.hpp).
    ImportCounts upsert_teams(const std::vector<core::TeamRecord>& teams, bool generated = false,
                              std::optional<core::Date> imported_on = std::nullopt);
    /// Inserts or updates people by phone and replaces all the roles of each of them with the
    /// record's; people not given are untouched.
    ImportCounts upsert_people(const std::vector<core::PersonRecord>& people,
                               bool generated = false);
    /// Gives an invite code to each of these people (by phone) who has neither a usable code nor
    /// a linked chat account. With a seed, codes are reproducible. Returns how many were issued.
    int issue_missing_invites(const std::vector<std::string>& phones, core::Instant now,
                              std::chrono::seconds ttl,
                              std::optional<std::uint64_t> seed = std::nullopt);

    /// Every unit, parents before children (by id).
    std::vector<StoredUnit> units();
    std::optional<StoredUnit> unit(std::string_view code);
    std::optional<StoredTeam> team(std::string_view code);
    /// The phones of people not made up by the demo generator.
    std::vector<std::string> real_phones();
    std::optional<StoredPerson> person(std::string_view phone);
    /// The first team the demo generator made (lowest id), if any.
    std::optional<StoredTeam> first_generated_team();
    /// Phones of a unit's officials, in the order they were added.
    std::vector<std::string> official_phones(std::string_view unit_code);
    /// Row counts of units, teams and people, optionally only the generated ones.
    int count_units(std::optional<bool> generated = std::nullopt);
    int count_teams(std::optional<bool> generated = std::nullopt);
    int count_people(std::optional<bool> generated = std::nullopt);

  private:
    struct Statements;
    Database& db_;
    std::unique_ptr<Statements> st_;
};

}  // namespace tcns::storage
