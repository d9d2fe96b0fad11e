#include "storage/group_repo.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>

#include "tests/support/small_roster.hpp"
#include "tests/support/temp_dir.hpp"

using namespace tcns;
using namespace std::chrono_literals;

TEST_CASE("a group code is found in any case, used once, and tied to its unit", "[groups]") {
    test::TempDir dir;
    storage::Database db(dir.file("t.db"));
    test::seed_small_roster(db);
    storage::GroupRepo groups(db);
    const auto now = core::from_unix(1'800'000'000);
    const std::string code = groups.issue_invite(2, now, 24h * 30);
    REQUIRE(code.size() == 6);
    std::string lower = code;
    for (char& c : lower) c = static_cast<char>(std::tolower(c));
    const auto found = groups.find_invite(" " + lower.substr(0, 3) + "-" + lower.substr(3));
    REQUIRE(found);
    CHECK(found->unit == 2);
    CHECK(found->unit_name == "Xã An Bình");
    CHECK(found->expires_at == now + 24h * 30);
    CHECK_FALSE(found->used_at);
    CHECK_FALSE(groups.find_invite("ZZZZZZ"));

    const auto g = groups.link("zalo-bot", "grp-1", found->unit, core::PersonId{2}, now);
    CHECK(groups.consume_invite(lower, g.id, now));
    CHECK_FALSE(groups.consume_invite(code, g.id, now));
    CHECK(groups.find_invite(code)->used_at);
}

TEST_CASE("a group chat is one row per channel and chat id, and linking again moves it",
          "[groups]") {
    test::TempDir dir;
    storage::Database db(dir.file("t.db"));
    test::seed_small_roster(db);
    storage::GroupRepo groups(db);
    const auto now = core::from_unix(1'800'000'000);
    const auto a = groups.link("zalo-bot", "grp-1", 2, core::PersonId{2}, now);
    CHECK(a.unit_code == "C");
    // The same chat id on another channel is another group.
    const auto b = groups.link("other", "grp-1", 2, std::nullopt, now);
    CHECK(b.id != a.id);
    const auto moved = groups.link("zalo-bot", "grp-1", 1, core::PersonId{2}, now + 1h);
    CHECK(moved.id == a.id);
    CHECK(moved.unit_code == "P");
    CHECK(groups.of_unit(1).size() == 1);
    CHECK(groups.of_unit(2).size() == 1);
    CHECK(groups.all().size() == 2);
    CHECK_FALSE(groups.find("zalo-bot", "grp-2"));
}

TEST_CASE("only an official role on the unit itself counts for linking its group", "[groups]") {
    test::TempDir dir;
    storage::Database db(dir.file("t.db"));
    test::seed_small_roster(db);
    storage::GroupRepo groups(db);
    CHECK(groups.is_official_of(2, 2));        // Võ Văn Em, official of Xã An Bình
    CHECK_FALSE(groups.is_official_of(2, 1));  // not of the province above it
    CHECK_FALSE(groups.is_official_of(1, 2));  // a team leader
}
