#include "core/roster_import.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "core/csv.hpp"
#include "core/phone.hpp"
#include "core/utf8.hpp"
#include "core/vietnamese.hpp"

namespace tcns::core {

namespace {

// Column indices of each file, in the order of the tables below.
enum UnitCol { kUCode, kUName, kUType, kUParent, kULevel, kUFrom, kUTo, kUSuccessor };
constexpr CsvColumn kUnitColumns[] = {
    {"code", true, "mã|mã đơn vị|mã đv|mã số"},
    {"name", true, "tên|tên đơn vị"},
    {"type", true, "loại|loại đơn vị|cấp"},
    {"parent_code", true, "parent|mã cha|mã đơn vị cha|mã cấp trên|mã đơn vị cấp trên"},
    {"level", true, "cấp độ|tầng"},
    {"valid_from", false, "hiệu lực từ|từ ngày"},
    {"valid_to", false, "hiệu lực đến|đến ngày"},
    {"successor_code", false, "successor|mã kế thừa|mã đơn vị kế thừa|sáp nhập vào"},
};

enum TeamCol { kTCode, kTName, kTUnit, kTDecisionNo, kTDecisionDate };
constexpr CsvColumn kTeamColumns[] = {
    {"code", true, "mã|mã tổ"},
    {"name", true, "tên|tên tổ"},
    {"unit_code", true, "unit|mã đơn vị|mã đv"},
    {"decision_no", false, "decision number|số quyết định|số qđ|quyết định số"},
    {"decision_date", false, "ngày quyết định|ngày qđ|ngày ban hành"},
};

enum PersonCol { kPPhone, kPName, kPRole, kPTeam, kPUnit, kPOccupation, kPTitle };
constexpr CsvColumn kPersonColumns[] = {
    {"phone", true, "điện thoại|số điện thoại|sđt|đt|mobile"},
    {"full_name", true, "name|họ tên|họ và tên|tên"},
    {"role", true, "vai trò"},
    {"team_code", true, "team|mã tổ"},
    {"unit_code", true, "unit|mã đơn vị|mã đv"},
    {"occupation", false, "nghề nghiệp|công việc"},
    {"title", false, "chức vụ|chức danh"},
};

}  // namespace

std::optional<Role> parse_role_name(std::string_view s) {
    const std::string k = fold_vietnamese(s);
    if (k == "leader" || k == "to truong" || k == "truong to") return Role::kLeader;
    if (k == "deputy" || k == "to pho" || k == "pho to" || k == "pho to truong")
        return Role::kDeputy;
    if (k == "member" || k == "thanh vien" || k == "to vien") return Role::kMember;
    if (k == "official" || k == "can bo" || k == "can bo phu trach" || k == "cong chuc" ||
        k == "lanh dao")
        return Role::kOfficial;
    return std::nullopt;
}

std::optional<std::string> normalize_import_phone(std::string_view s) {
    s = trim(s);
    if (auto p = normalize_phone(s)) return p;
    // Excel stores "0912345678" typed into a number cell as 912345678.
    if (s.size() == 9 &&
        std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
        std::string_view("35789").find(s[0]) != std::string_view::npos)
        return normalize_phone("0" + std::string(s));
    return std::nullopt;
}

ImportPlan<UnitRecord> plan_units_import(std::string_view csv_text, RosterLookup& stored) {
    const CsvTable table = read_csv_table(csv_text, kUnitColumns);
    ImportPlan<UnitRecord> plan;
    plan.add_table(table);

    std::map<std::string, std::size_t> first_line;  // every code in the file, good row or not
    for (const CsvRow& row : table.rows) {
        RowCheck check(plan.errors, row.line);
        UnitRecord u;
        u.line = row.line;
        u.code = row[kUCode];
        u.name = row[kUName];
        u.type = row[kUType];
        u.level = row[kULevel];
        u.parent_code = row[kUParent];
        u.successor_code = row[kUSuccessor];
        u.validity_given = table.present[kUFrom] || table.present[kUTo];
        u.successor_given = table.present[kUSuccessor];
        if (check.require(row, kUCode, "code")) {
            check.check_code(u.code, "code");
            auto [it, fresh] = first_line.emplace(u.code, row.line);
            if (!fresh)
                check.fail(
                    fmt::format("duplicate code '{}' (first on line {})", u.code, it->second));
        }
        check.require(row, kUName, "name");
        check.require(row, kULevel, "level");
        u.valid_from = check.date(row, kUFrom, "valid_from");
        u.valid_to = check.date(row, kUTo, "valid_to");
        if (u.valid_from && u.valid_to && *u.valid_to < *u.valid_from)
            check.fail(fmt::format("valid_to {} is before valid_from {}", format_date(*u.valid_to),
                                   format_date(*u.valid_from)));
        if (!u.code.empty() && u.parent_code == u.code)
            check.fail("a unit cannot be its own parent");
        if (!u.code.empty() && u.successor_code == u.code)
            check.fail("a unit cannot be its own successor");
        if (check.ok()) plan.records.push_back(std::move(u));
    }

    // References, now that every code of the file is known.
    std::map<std::string, const UnitRecord*> by_code;
    for (const auto& u : plan.records) by_code.emplace(u.code, &u);
    auto known = [&](const std::string& code) {
        return first_line.count(code) > 0 || stored.unit_parent(code).has_value();
    };
    // The parent a unit will have after the import; nullopt when unknown.
    auto parent_of = [&](const std::string& code) -> std::optional<std::string> {
        if (auto it = by_code.find(code); it != by_code.end()) return it->second->parent_code;
        if (first_line.count(code)) return std::nullopt;  // a bad row: already reported
        return stored.unit_parent(code);
    };
    for (const auto& u : plan.records) {
        if (!u.parent_code.empty() && u.parent_code != u.code && !known(u.parent_code))
            plan.errors.push_back({u.line, fmt::format("unknown parent code '{}'", u.parent_code)});
        if (!u.successor_code.empty() && u.successor_code != u.code && !known(u.successor_code))
            plan.errors.push_back(
                {u.line, fmt::format("unknown successor code '{}'", u.successor_code)});
        // Walk up from the parent; coming back to this unit is a cycle.
        std::vector<std::string> path{u.code};
        std::set<std::string> seen{u.code};
        std::optional<std::string> cur;
        if (u.parent_code != u.code) cur = u.parent_code;
        while (cur && !cur->empty()) {
            path.push_back(*cur);
            if (*cur == u.code) {
                std::string chain;
                for (std::size_t i = 0; i < path.size(); ++i) chain += (i ? " → " : "") + path[i];
                plan.errors.push_back({u.line, fmt::format("cycle in parents: {}", chain)});
                break;
            }
            if (!seen.insert(*cur).second) break;  // a cycle above this unit, reported there
            cur = parent_of(*cur);
        }
    }
    plan.finish();
    return plan;
}

ImportPlan<TeamRecord> plan_teams_import(std::string_view csv_text, RosterLookup& stored) {
    const CsvTable table = read_csv_table(csv_text, kTeamColumns);
    ImportPlan<TeamRecord> plan;
    plan.add_table(table);
    std::map<std::string, std::size_t> first_line;
    for (const CsvRow& row : table.rows) {
        RowCheck check(plan.errors, row.line);
        TeamRecord t;
        t.line = row.line;
        t.code = row[kTCode];
        t.name = row[kTName];
        t.unit_code = row[kTUnit];
        t.decision_no = row[kTDecisionNo];
        t.decision_given = table.present[kTDecisionNo] || table.present[kTDecisionDate];
        if (check.require(row, kTCode, "code")) {
            check.check_code(t.code, "code");
            auto [it, fresh] = first_line.emplace(t.code, row.line);
            if (!fresh)
                check.fail(
                    fmt::format("duplicate code '{}' (first on line {})", t.code, it->second));
        }
        check.require(row, kTName, "name");
        if (check.require(row, kTUnit, "unit_code") && !stored.unit_parent(t.unit_code))
            check.fail(fmt::format("unknown unit '{}' (import units first)", t.unit_code));
        t.decision_date = check.date(row, kTDecisionDate, "decision_date");
        if (check.ok()) plan.records.push_back(std::move(t));
    }
    plan.finish();
    return plan;
}

ImportPlan<PersonRecord> plan_people_import(std::string_view csv_text, RosterLookup& stored) {
    const CsvTable table = read_csv_table(csv_text, kPersonColumns);
    ImportPlan<PersonRecord> plan;
    plan.add_table(table);

    struct FirstSeen {
        std::size_t line;
        std::string name;
        std::string occupation;
        std::size_t occupation_line;
    };
    std::map<std::string, FirstSeen> people;          // phone -> first row naming them
    std::map<std::string, std::size_t> person_index;  // phone -> index in plan.records
    std::map<std::string, std::size_t> role_place;    // phone|T:team or phone|U:unit -> line
    std::map<std::string, std::pair<std::string, std::size_t>> leader_of;  // team -> phone, line
    std::set<std::string> file_phones;

    for (const CsvRow& row : table.rows) {
        RowCheck check(plan.errors, row.line);
        std::optional<std::string> phone;
        if (check.require(row, kPPhone, "phone")) {
            phone = normalize_import_phone(row[kPPhone]);
            if (!phone) check.fail(fmt::format("bad phone number '{}'", row[kPPhone]));
        }
        if (phone) file_phones.insert(*phone);
        const bool named = check.require(row, kPName, "full_name");
        std::optional<Role> role;
        if (check.require(row, kPRole, "role")) {
            role = parse_role_name(row[kPRole]);
            if (!role)
                check.fail(fmt::format(
                    "unknown role '{}' (leader, deputy, member, official or tổ trưởng, tổ phó, "
                    "thành viên, cán bộ)",
                    row[kPRole]));
        }
        RoleRecord r;
        r.line = row.line;
        r.title = row[kPTitle];
        bool placed = false;  // the role's team or unit is known
        if (role && *role != Role::kOfficial) {
            r.role = *role;
            r.team_code = row[kPTeam];
            if (r.team_code.empty()) {
                check.fail(
                    fmt::format("empty team_code (a {} belongs to a team)", role_name(*role)));
            } else if (auto unit = stored.team_unit(r.team_code); !unit) {
                check.fail(fmt::format("unknown team '{}' (import teams first)", r.team_code));
            } else if (!row[kPUnit].empty() && row[kPUnit] != *unit) {
                check.fail(fmt::format("team '{}' belongs to unit '{}', not '{}'", r.team_code,
                                       *unit, row[kPUnit]));
            } else {
                placed = true;
            }
        } else if (role) {
            r.role = Role::kOfficial;
            r.unit_code = row[kPUnit];
            if (!row[kPTeam].empty()) {
                check.fail("an official belongs to a unit: leave team_code empty");
            } else if (r.unit_code.empty()) {
                check.fail("empty unit_code (an official belongs to a unit)");
            } else if (!stored.unit_parent(r.unit_code)) {
                check.fail(fmt::format("unknown unit '{}' (import units first)", r.unit_code));
            } else {
                placed = true;
            }
        }

        if (phone && named) {
            const std::string& occupation = row[kPOccupation];
            auto [it, fresh] =
                people.emplace(*phone, FirstSeen{row.line, row[kPName], occupation, row.line});
            if (!fresh) {
                FirstSeen& first = it->second;
                if (first.name != row[kPName])
                    check.fail(fmt::format("phone {} is '{}' on line {}, here '{}'", row[kPPhone],
                                           first.name, first.line, row[kPName]));
                if (!occupation.empty()) {
                    if (first.occupation.empty()) {
                        first.occupation = occupation;
                        first.occupation_line = row.line;
                    } else if (first.occupation != occupation) {
                        check.fail(fmt::format("occupation '{}' differs from '{}' on line {}",
                                               occupation, first.occupation,
                                               first.occupation_line));
                    }
                }
            }
        }
        if (phone && placed) {
            const std::string key =
                *phone + (r.role == Role::kOfficial ? "|U:" + r.unit_code : "|T:" + r.team_code);
            auto [it, fresh] = role_place.emplace(key, row.line);
            if (!fresh)
                check.fail(fmt::format("this person already has a role in {} '{}' (line {})",
                                       r.role == Role::kOfficial ? "unit" : "team",
                                       r.role == Role::kOfficial ? r.unit_code : r.team_code,
                                       it->second));
            if (fresh && r.role == Role::kLeader) {
                auto [lit, first_leader] =
                    leader_of.emplace(r.team_code, std::make_pair(*phone, row.line));
                if (!first_leader)
                    check.fail(fmt::format("team '{}' has a second leader (first on line {})",
                                           r.team_code, lit->second.second));
            }
        }
        if (!check.ok()) continue;
        auto [pit, fresh] = person_index.emplace(*phone, plan.records.size());
        if (fresh) {
            PersonRecord p;
            p.line = row.line;
            p.phone = *phone;
            p.full_name = row[kPName];
            p.occupation_given = table.present[kPOccupation];
            plan.records.push_back(std::move(p));
        }
        PersonRecord& p = plan.records[pit->second];
        if (p.occupation.empty()) p.occupation = row[kPOccupation];
        p.roles.push_back(std::move(r));
    }

    // A stored leader who is not in the file keeps the role: a second leader would be wrong.
    for (const auto& [team, leader] : leader_of) {
        for (const std::string& current : stored.team_leaders(team)) {
            if (current == leader.first || file_phones.count(current)) continue;
            plan.errors.push_back(
                {leader.second, fmt::format("team '{}' already has a leader ({}, not in this file)",
                                            team, national_phone(current))});
        }
    }
    plan.finish();
    return plan;
}

}  // namespace tcns::core
