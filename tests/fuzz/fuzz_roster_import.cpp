// plan_units_import / plan_teams_import / plan_people_import on any bytes, against a small
// in-memory roster: never crash; a plan is either records or errors, never both.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/roster_import.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace tcns;

namespace {

/// The stored roster: a province, a district with two communes, one team with a leader.
class MemoryRoster : public core::RosterLookup {
  public:
    std::optional<std::string> unit_parent(std::string_view code) override {
        auto it = units_.find(std::string(code));
        if (it == units_.end()) return std::nullopt;
        return it->second;
    }
    std::optional<std::string> team_unit(std::string_view code) override {
        auto it = teams_.find(std::string(code));
        if (it == teams_.end()) return std::nullopt;
        return it->second;
    }
    std::vector<std::string> team_leaders(std::string_view code) override {
        auto it = leaders_.find(std::string(code));
        return it == leaders_.end() ? std::vector<std::string>{} : it->second;
    }

  private:
    std::map<std::string, std::string> units_{
        {"75", ""}, {"731", "75"}, {"26041", "731"}, {"26044", "731"}, {"26041-01", "26041"}};
    std::map<std::string, std::string> teams_{{"T-26041-01", "26041-01"}, {"T-26044", "26044"}};
    std::map<std::string, std::vector<std::string>> leaders_{{"T-26041-01", {"84912000001"}}};
};

template <class Plan>
void check_plan(const Plan& plan) {
    fuzz::check(plan.ok() || plan.records.empty(), "a plan with errors has no records");
    std::size_t last = 0;
    for (const auto& e : plan.errors) {
        fuzz::check(e.line >= last, "errors are sorted by line");
        fuzz::check(!e.reason.empty(), "an error has a reason");
        last = e.line;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    MemoryRoster roster;
    check_plan(core::plan_units_import(text, roster));
    check_plan(core::plan_teams_import(text, roster));
    const auto people = core::plan_people_import(text, roster);
    check_plan(people);
    for (const auto& p : people.records) {
        fuzz::check(p.phone.rfind("84", 0) == 0, "an imported phone is normalised to 84...");
        fuzz::check(!p.roles.empty(), "an imported person has a role");
    }
    return 0;
}
