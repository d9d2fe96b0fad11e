#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tcns::core {

using UnitId = std::int64_t;
using TeamId = std::int64_t;
using PersonId = std::int64_t;
using AccountId = std::int64_t;

/// An administrative unit; units form a tree of any depth, each with a named level
/// ("province", "district", "commune", "hamlet", …).
struct Unit {
    UnitId id = 0;
    std::string code;
    std::string name;
    std::string type;   ///< "Tỉnh", "Huyện", "Xã", "Ấp", …
    std::string level;  ///< the level name
    std::optional<UnitId> parent;
};

/// A community digital technology team, hanging off a unit.
struct Team {
    TeamId id = 0;
    std::string code;
    std::string name;
    UnitId unit = 0;
};

enum class Role { kLeader, kDeputy, kMember, kOfficial };

std::string_view role_name(Role r);
std::optional<Role> parse_role(std::string_view s);

/// True for the roles allowed to file a team's report.
inline bool can_file_report(Role r) {
    return r == Role::kLeader || r == Role::kDeputy;
}

struct Person {
    PersonId id = 0;
    std::string full_name;
    std::string phone;  ///< normalised "84…"
    std::string occupation;
};

/// One role a person holds: on a team (leader / deputy / member) or on a unit (official).
struct Membership {
    Role role = Role::kMember;
    std::optional<TeamId> team;
    std::optional<UnitId> unit;
    std::string title;  ///< officials: "Phó Chủ tịch UBND xã", …
};

}  // namespace tcns::core
