#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/roster_import.hpp"

namespace tcns::core {

/// The demo team leader (first team of the first commune) and the demo official (the first
/// official of that commune), unless real people already hold these numbers.
inline constexpr std::string_view kDemoLeaderPhone = "84912000001";
inline constexpr std::string_view kDemoOfficialPhone = "84912000002";

/// Hands out unique, plausible Vietnamese mobile numbers ("84" + a carrier prefix + 7 digits)
/// derived from a stable key, so that a person keeps their number when the roster around them
/// changes. Never returns a number in `taken` or one it returned before.
class DemoPhones {
  public:
    DemoPhones(std::set<std::string> taken, std::uint64_t seed);
    /// The number for a key ("T-25993-01/leader"); `wanted` first when it is still free.
    std::string number(std::string_view key, std::string_view wanted = {});

  private:
    std::set<std::string> used_;
    std::uint64_t seed_;
};

/// A generated demo roster on top of the real units: hamlets, teams, team people, officials.
struct DemoRoster {
    std::vector<UnitRecord> hamlets;
    std::vector<TeamRecord> teams;
    std::vector<PersonRecord> people;  ///< team leaders, deputies, members, then officials
};

/// Hamlets under every commune (level "commune") that has no real child unit yet: "Ấp N" under
/// a Xã, "Khu phố N" under a Phường or Thị trấn, level "hamlet", codes "<commune>-NN".
std::vector<UnitRecord> generate_demo_hamlets(const std::vector<UnitRecord>& units,
                                              std::uint64_t seed);
/// One team per hamlet: "T-<hamlet code>", with a plausible establishing decision.
std::vector<TeamRecord> generate_demo_teams(const std::vector<UnitRecord>& hamlets,
                                            std::uint64_t seed);
/// Per team a leader, a deputy and 2–3 members with generated names and occupations; the first
/// team's leader gets kDemoLeaderPhone.
std::vector<PersonRecord> generate_demo_team_people(const std::vector<TeamRecord>& teams,
                                                    const std::vector<UnitRecord>& hamlets,
                                                    DemoPhones& phones, std::uint64_t seed);
/// Two officials with titles for the province, each district and each commune; the first
/// official of `first_commune` gets kDemoOfficialPhone.
std::vector<PersonRecord> generate_demo_officials(const std::vector<UnitRecord>& units,
                                                  std::string_view first_commune,
                                                  DemoPhones& phones, std::uint64_t seed);

/// The whole demo roster for the real units (`units`, parents before children) when the phones in
/// `taken` belong to real people. Deterministic: same input, same roster.
DemoRoster generate_demo_roster(const std::vector<UnitRecord>& units,
                                const std::set<std::string>& taken, std::uint64_t seed);

/// A generated Vietnamese full name ("Nguyễn Thị Thu Hà"), deterministic for a key.
std::string demo_full_name(std::string_view key, std::uint64_t seed);

}  // namespace tcns::core
