#include <SQLiteCpp/SQLiteCpp.h>
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "storage/invite_repo.hpp"
#include "tests/support/temp_dir.hpp"

using namespace tcns;
using namespace std::chrono_literals;

namespace {
core::PersonId add_person(storage::Database& db, const char* phone) {
    SQLite::Statement q(db.handle(), "INSERT INTO people(phone, full_name) VALUES (?, 'Test')");
    q.bind(1, phone);
    q.exec();
    return db.handle().getLastInsertRowid();
}
}  // namespace

TEST_CASE("an invite code is six unambiguous characters and matches in any case", "[invite]") {
    test::TempDir dir;
    storage::Database db(dir.file("t.db"));
    storage::InviteRepo invites(db);
    const auto p = add_person(db, "84912000001");
    const auto now = core::from_unix(1'800'000'000);
    const std::string code = invites.issue(p, now, 24h * 60);
    REQUIRE(code.size() == 6);
    for (char c : code) CHECK(storage::InviteRepo::kAlphabet.find(c) != std::string_view::npos);
    std::string lower = code;
    for (char& c : lower) c = static_cast<char>(std::tolower(c));
    const auto found = invites.find(" " + lower.substr(0, 3) + "-" + lower.substr(3) + " ");
    REQUIRE(found);
    CHECK(found->person == p);
    CHECK(found->usable(now));
    CHECK_FALSE(found->usable(now + 24h * 61));
}

TEST_CASE("an invite code can be used only once", "[invite]") {
    test::TempDir dir;
    storage::Database db(dir.file("t.db"));
    storage::InviteRepo invites(db);
    const auto p = add_person(db, "84912000001");
    const auto now = core::from_unix(1'800'000'000);
    const std::string code = invites.issue(p, now, 24h);
    db.handle().exec(
        "INSERT INTO chat_accounts(id, channel, platform_user_id, created_at) VALUES (7, 'viber', "
        "'u', 0)");
    CHECK(invites.usable_for(p, now));
    CHECK(invites.consume(code, 7, now));
    CHECK_FALSE(invites.consume(code, 7, now));
    CHECK_FALSE(invites.find(code)->usable(now));
    CHECK_FALSE(invites.usable_for(p, now));
}

TEST_CASE("seeded invite codes are reproducible", "[invite]") {
    test::TempDir dir1, dir2;
    storage::Database a(dir1.file("t.db")), b(dir2.file("t.db"));
    const auto now = core::from_unix(1'800'000'000);
    const auto pa = add_person(a, "84912000001");
    const auto pb = add_person(b, "84912000001");
    CHECK(storage::InviteRepo(a).issue(pa, now, 24h, 42) ==
          storage::InviteRepo(b).issue(pb, now, 24h, 42));
}

TEST_CASE("unseeded codes come from the CSPRNG: six symbols, every symbol about equally likely",
          "[invite]") {
    // 31 symbols, 6,200 codes: each symbol is expected 1,200 times; a generator that favoured
    // some symbols by remainder (256 % 31 = 8: the first 8 symbols would come 9/8 as often, about
    // 1,340 times) or that repeated itself fails here.
    std::map<char, int> seen;
    std::set<std::string> codes;
    for (int i = 0; i < 6200; ++i) {
        const std::string code = storage::InviteRepo::draw_code();
        REQUIRE(code.size() == storage::InviteRepo::kLength);
        codes.insert(code);
        for (char c : code) {
            REQUIRE(storage::InviteRepo::kAlphabet.find(c) != std::string_view::npos);
            ++seen[c];
        }
    }
    CHECK(codes.size() >= 6190);  // 887 million possible codes: a few collisions at most
    REQUIRE(seen.size() == storage::InviteRepo::kAlphabet.size());
    // 6 standard deviations (about 34 each) either side of 1,200.
    for (const auto& [c, n] : seen) {
        INFO("symbol " << c << " drawn " << n << " times");
        CHECK(n > 1000);
        CHECK(n < 1400);
    }
    int first8 = 0;
    for (char c : storage::InviteRepo::kAlphabet.substr(0, 8)) first8 += seen[c];
    CHECK(first8 < 8 * 1260);  // the remainder bias would put them near 8 × 1,340
}
