#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.hpp"
#include "storage/database.hpp"

namespace tcns::storage {

/// One line of the printable invite list: a team leader or deputy and the code they send to
/// the bot to link their chat account.
struct InviteSheetRow {
    std::string unit_code;  ///< the team's unit (usually a hamlet)
    std::string unit_name;
    std::string team_code;
    std::string team_name;
    std::string role;  ///< "leader" or "deputy"
    std::string full_name;
    std::string phone;                     ///< stored form, 84…
    std::string code;                      ///< newest usable invite code; "" when none
    std::optional<core::Instant> expires;  ///< when `code` expires
    bool linked = false;                   ///< already has a chat account
};

/// Leaders and deputies of the active teams in the subtree of `unit_code` (the unit itself
/// and every unit below it), ordered by unit, team and role. nullopt when the unit is unknown.
std::optional<std::vector<InviteSheetRow>> invite_sheet(Database& db, std::string_view unit_code,
                                                        core::Instant now);

}  // namespace tcns::storage
