#include "core/org.hpp"

namespace tcns::core {

std::string_view role_name(Role r) {
    switch (r) {
        case Role::kLeader:
            return "leader";
        case Role::kDeputy:
            return "deputy";
        case Role::kMember:
            return "member";
        case Role::kOfficial:
            return "official";
    }
    return "member";
}

std::optional<Role> parse_role(std::string_view s) {
    if (s == "leader") return Role::kLeader;
    if (s == "deputy") return Role::kDeputy;
    if (s == "member") return Role::kMember;
    if (s == "official") return Role::kOfficial;
    return std::nullopt;
}

}  // namespace tcns::core
