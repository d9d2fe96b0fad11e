#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "core/demo_roster.hpp"
#include "core/phone.hpp"

using namespace tcns::core;

namespace {
UnitRecord unit(std::string code, std::string name, std::string type, std::string parent,
                std::string level) {
    UnitRecord u;
    u.code = std::move(code);
    u.name = std::move(name);
    u.type = std::move(type);
    u.parent_code = std::move(parent);
    u.level = std::move(level);
    return u;
}

std::vector<UnitRecord> small_tree() {
    return {unit("75", "Tỉnh Đồng Nai", "Tỉnh", "", "province"),
            unit("731", "Thành phố Biên Hòa", "Thành phố", "75", "district"),
            unit("25993", "Phường Trảng Dài", "Phường", "731", "commune"),
            unit("26380", "Xã Long Hưng", "Xã", "731", "commune"),
            unit("26479", "Thị trấn Hiệp Phước", "Thị trấn", "731", "commune")};
}
}  // namespace

TEST_CASE("hamlets are Ấp under a Xã and Khu phố under a Phường or Thị trấn", "[demo]") {
    const auto hamlets = generate_demo_hamlets(small_tree(), 1);
    std::map<std::string, int> per_commune;
    for (const auto& h : hamlets) {
        ++per_commune[h.parent_code];
        CHECK(h.level == "hamlet");
        if (h.parent_code == "26380") {
            CHECK(h.name.rfind("Ấp ", 0) == 0);
        } else {
            CHECK(h.name.rfind("Khu phố ", 0) == 0);
        }
    }
    CHECK(per_commune.size() == 3);
    CHECK(per_commune["26380"] >= 5);
    CHECK(per_commune["26380"] <= 9);
    CHECK(per_commune["25993"] >= 3);
    CHECK(hamlets.front().code == "25993-01");
    CHECK(hamlets.front().name == "Khu phố 1");
}

TEST_CASE("a commune that already has real hamlets gets none generated", "[demo]") {
    auto units = small_tree();
    units.push_back(unit("26380-A01", "Ấp Bến Gỗ", "Ấp", "26380", "hamlet"));
    for (const auto& h : generate_demo_hamlets(units, 1)) CHECK(h.parent_code != "26380");
}

TEST_CASE("the demo roster is the same for the same seed and has unique phones", "[demo]") {
    const auto a = generate_demo_roster(small_tree(), {}, 5);
    const auto b = generate_demo_roster(small_tree(), {}, 5);
    REQUIRE(a.people.size() == b.people.size());
    std::set<std::string> phones;
    for (std::size_t i = 0; i < a.people.size(); ++i) {
        CHECK(a.people[i].phone == b.people[i].phone);
        CHECK(a.people[i].full_name == b.people[i].full_name);
        CHECK(normalize_phone(a.people[i].phone) == a.people[i].phone);
        phones.insert(a.people[i].phone);
    }
    CHECK(phones.size() == a.people.size());
    CHECK(a.teams.size() == a.hamlets.size());
    CHECK(a.people.front().phone == kDemoLeaderPhone);
    CHECK(a.people.front().roles.at(0).role == Role::kLeader);
    CHECK(a.people.front().roles.at(0).team_code == a.teams.front().code);
    // Officials: two per province, district and commune.
    int officials = 0;
    for (const auto& p : a.people)
        if (p.roles.at(0).role == Role::kOfficial) ++officials;
    CHECK(officials == 2 * 5);
}

TEST_CASE("demo phones avoid numbers real people hold", "[demo]") {
    const std::set<std::string> taken{std::string(kDemoLeaderPhone)};
    const auto roster = generate_demo_roster(small_tree(), taken, 5);
    for (const auto& p : roster.people) CHECK(taken.count(p.phone) == 0);
    DemoPhones phones({"84961234567"}, 1);
    CHECK(phones.number("x", "84961234567") != "84961234567");
    CHECK(phones.number("y") != phones.number("y"));
}
