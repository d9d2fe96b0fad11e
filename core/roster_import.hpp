#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/import_plan.hpp"
#include "core/org.hpp"
#include "core/time.hpp"

namespace tcns::core {

/// A unit row of `units.csv`, validated.
struct UnitRecord {
    std::size_t line = 0;
    std::string code;
    std::string name;
    std::string type;
    std::string level;
    std::string parent_code;  ///< "" for a root
    std::optional<Date> valid_from;
    std::optional<Date> valid_to;
    std::string successor_code;  ///< "" when none
    /// Whether the file has the optional columns; when it does not, stored values are kept.
    bool validity_given = false;  ///< valid_from or valid_to
    bool successor_given = false;
};

/// A team row of `teams.csv`, validated.
struct TeamRecord {
    std::size_t line = 0;
    std::string code;
    std::string name;
    std::string unit_code;
    std::string decision_no;
    std::optional<Date> decision_date;
    bool decision_given = false;  ///< the file has decision_no or decision_date
};

/// One role a person holds according to one row of `people.csv`.
struct RoleRecord {
    std::size_t line = 0;
    Role role = Role::kMember;
    std::string team_code;  ///< leader / deputy / member
    std::string unit_code;  ///< official
    std::string title;
};

/// A person of `people.csv` with every role the file gives them (rows sharing a phone).
struct PersonRecord {
    std::size_t line = 0;  ///< the person's first row
    std::string phone;     ///< normalised "84…"
    std::string full_name;
    std::string occupation;
    bool occupation_given = false;  ///< the file has the column; else the stored one is kept
    std::vector<RoleRecord> roles;
};

/// What validation needs to know about the roster already stored.
class RosterLookup {
  public:
    virtual ~RosterLookup() = default;
    /// The parent code of a stored unit ("" for a root); nullopt when no unit has this code.
    virtual std::optional<std::string> unit_parent(std::string_view code) = 0;
    /// The unit code of a stored team; nullopt when no team has this code.
    virtual std::optional<std::string> team_unit(std::string_view code) = 0;
    /// Normalised phones of the people stored as leaders of a team.
    virtual std::vector<std::string> team_leaders(std::string_view team_code) = 0;
};

/// Checks a units file (`code,name,type,parent_code,level` + optional
/// `valid_from,valid_to,successor_code`). Parents and successors may come later in the file or
/// be stored already; duplicate codes and parent cycles are errors.
ImportPlan<UnitRecord> plan_units_import(std::string_view csv_text, RosterLookup& stored);

/// Checks a teams file (`code,name,unit_code` + optional `decision_no,decision_date`). Units must
/// be stored already.
ImportPlan<TeamRecord> plan_teams_import(std::string_view csv_text, RosterLookup& stored);

/// Checks a people file (`phone,full_name,role,team_code,unit_code` + optional
/// `occupation,title`). Rows sharing a phone give one person several roles; a team has at most
/// one leader, counting stored leaders who are not in the file.
ImportPlan<PersonRecord> plan_people_import(std::string_view csv_text, RosterLookup& stored);

/// A role as admins write it: leader / deputy / member / official, or in Vietnamese, with or
/// without diacritics: tổ trưởng, tổ phó, thành viên, cán bộ.
std::optional<Role> parse_role_name(std::string_view s);

/// A phone as it comes out of Excel: what normalize_phone accepts, plus a 9-digit mobile number
/// whose leading 0 Excel dropped ("912345678" -> "84912345678").
std::optional<std::string> normalize_import_phone(std::string_view s);

}  // namespace tcns::core
