#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <sstream>

#include "bot/cli/cli.hpp"
#include "storage/database.hpp"
#include "storage/group_repo.hpp"
#include "storage/outbox_repo.hpp"
#include "tests/support/cli.hpp"
#include "tests/support/temp_dir.hpp"

using tcns::test::CliResult;
using tcns::test::tcns_cli;
using namespace tcns;

namespace {

std::string invite_of(const std::string& db_path, const std::string& phone) {
    storage::Database db(db_path);
    SQLite::Statement q(db.handle(),
                        "SELECT i.code FROM invite_codes i JOIN people p ON p.id = i.person_id "
                        "WHERE p.phone = ?");
    q.bind(1, phone);
    return q.executeStep() ? q.getColumn(0).getString() : "";
}

/// The sample roster: commune 26380 with hamlets Ấp 1 and Ấp 2, one team each.
std::string sample_db(const test::TempDir& dir) {
    const std::string db = dir.file("t.db");
    const std::string samples = TCNS_SAMPLES_DIR;
    for (const auto& [what, file] :
         std::vector<std::pair<std::string, std::string>>{{"units", "dong-nai-units-2025-03.csv"},
                                                          {"units", "sample-hamlets.csv"},
                                                          {"teams", "sample-teams.csv"},
                                                          {"people", "sample-people.csv"}}) {
        const auto r = tcns_cli({"--db", db, "import", what, samples + "/" + file});
        INFO(file << ": " << r.err);
        REQUIRE(r.rc == 0);
    }
    return db;
}

}  // namespace

TEST_CASE(
    "invites print lists each leader and deputy of a commune with their code and a Viber "
    "link",
    "[invites]") {
    test::TempDir dir;
    const std::string db = sample_db(dir);
    const auto r =
        tcns_cli({"--db", db, "invites", "print", "--unit", "26380", "--viber-uri", "tcnsbot"});
    INFO(r.err);
    REQUIRE(r.rc == 0);
    const std::string hung = invite_of(db, "84900000101");
    REQUIRE(hung.size() == 6);
    CHECK(r.out.find("Ấp 1 (26380-A01)") != std::string::npos);
    CHECK(r.out.find("Tổ trưởng  Nguyễn Văn Hùng – 0900000101 – mã " + hung) != std::string::npos);
    CHECK(r.out.find("viber://pa?chatURI=tcnsbot&context=" + hung) != std::string::npos);
    CHECK(r.out.find("Tổ phó     Trần Thị Mai") != std::string::npos);
    CHECK(r.out.find("Phạm Thị Hoa") == std::string::npos);  // members are not listed
    CHECK(r.out.find("Khu phố") == std::string::npos);       // another commune
}

TEST_CASE("invites print --csv writes one row per leader or deputy for Excel", "[invites]") {
    test::TempDir dir;
    const std::string db = sample_db(dir);
    const auto r = tcns_cli({"--db", db, "invites", "print", "--unit", "26380-A01", "--csv"});
    REQUIRE(r.rc == 0);
    CHECK(r.out.rfind("\xEF\xBB\xBFunit_code,unit_name,team_code", 0) == 0);
    CHECK(r.out.find("\"leader\",\"Nguyễn Văn Hùng\",\"0900000101\",\"" +
                     invite_of(db, "84900000101") + "\"") != std::string::npos);
    std::size_t lines = 0;
    for (char c : r.out) lines += c == '\n';
    CHECK(lines == 3);  // header, leader, deputy
}

TEST_CASE("invites print refuses an unknown unit", "[invites]") {
    test::TempDir dir;
    const std::string db = sample_db(dir);
    const auto r = tcns_cli({"--db", db, "invites", "print", "--unit", "NOPE"});
    CHECK(r.rc == 1);
    CHECK(r.err.find("no unit with code 'NOPE'") != std::string::npos);
    CHECK(tcns_cli({"--db", db, "invites", "print"}).rc == 2);
}

TEST_CASE("invites group issues a one-time group code for a unit, stored for linking",
          "[invites]") {
    test::TempDir dir;
    const std::string db = sample_db(dir);
    const auto r = tcns_cli({"--db", db, "invites", "group", "--unit", "26380", "--days", "7"});
    INFO(r.err);
    REQUIRE(r.rc == 0);
    // The message comes from templates (group.invite_issued) and ends with what to type.
    const auto at = r.out.rfind("liên kết nhóm ");
    REQUIRE(at != std::string::npos);
    const std::string code = r.out.substr(at + std::string("liên kết nhóm ").size(), 6);
    storage::Database d(db);
    SQLite::Statement q(d.handle(),
                        "SELECT u.code, g.expires_at - g.created_at, g.used_at IS NULL FROM "
                        "group_invites g JOIN units u ON u.id = g.unit_id WHERE g.code = ?");
    q.bind(1, code);
    REQUIRE(q.executeStep());
    CHECK(q.getColumn(0).getString() == "26380");
    CHECK(q.getColumn(1).getInt64() == 7 * 24 * 3600);
    CHECK(q.getColumn(2).getInt() == 1);
    // It is not a personal invite code.
    SQLite::Statement p(d.handle(), "SELECT count(*) FROM invite_codes WHERE code = ?");
    p.bind(1, code);
    REQUIRE(p.executeStep());
    CHECK(p.getColumn(0).getInt() == 0);

    const auto unknown = tcns_cli({"--db", db, "invites", "group", "--unit", "NOPE"});
    CHECK(unknown.rc == 1);
    CHECK(unknown.err.find("no unit with code 'NOPE'") != std::string::npos);
    CHECK(tcns_cli({"--db", db, "invites", "group"}).rc == 2);
    CHECK(tcns_cli({"--db", db, "invites", "group", "--unit", "26380", "--days", "0"}).rc == 2);
    // Not a whole number: refused with the range message, nothing issued.
    for (const char* bad : {"30x", "7.5", "", "1e2", "366"}) {
        const auto r2 =
            tcns_cli({"--db", db, "invites", "group", "--unit", "26380", "--days", bad});
        INFO(bad);
        CHECK(r2.rc == 2);
        CHECK(r2.err.find("--days must be a number from 1 to 365") != std::string::npos);
    }
    SQLite::Statement n(d.handle(), "SELECT count(*) FROM group_invites");
    REQUIRE(n.executeStep());
    CHECK(n.getColumn(0).getInt() == 1);
}

TEST_CASE("invites groups lists the linked group chats, and unlink stops a group's messages",
          "[invites]") {
    test::TempDir dir;
    const std::string db = sample_db(dir);
    CHECK(tcns_cli({"--db", db, "invites", "groups"}).out == "no linked group chats\n");
    std::int64_t group = 0;
    {
        storage::Database d(db);
        SQLite::Statement u(d.handle(), "SELECT id FROM units WHERE code = '26380'");
        REQUIRE(u.executeStep());
        const core::UnitId unit = u.getColumn(0).getInt64();
        const core::Instant now = core::from_unix(1'780'000'000);
        storage::with_transaction(d, [&] {
            group = storage::GroupRepo(d).link("zalo-bot", "grp-1", unit, std::nullopt, now).id;
            storage::OutboxRepo out(d);
            for (const char* key : {"summary:26380:2026-05:g", "difficulty:1:g"}) {
                storage::OutboxItem item;
                item.channel = "zalo-bot";
                item.recipient = "grp-1";
                item.kind = "summary";
                item.message.text = "x";
                item.idem_key = key;
                REQUIRE(out.enqueue(item, now));
            }
            // A person's row with the same recipient text is not the group's.
            storage::OutboxItem mine;
            mine.channel = "viber";
            mine.recipient = "grp-1";
            mine.message.text = "y";
            REQUIRE(out.enqueue(mine, now));
        });
    }
    const auto listed = tcns_cli({"--db", db, "invites", "groups"});
    CHECK(listed.out.find(fmt::format("group {}: zalo-bot chat grp-1 -> unit 26380", group)) !=
          std::string::npos);

    const auto r = tcns_cli({"--db", db, "invites", "unlink", "--group", std::to_string(group)});
    INFO(r.err);
    REQUIRE(r.rc == 0);
    CHECK(r.out.find("2 queued message(s) dropped") != std::string::npos);
    {
        storage::Database d(db);
        SQLite::Statement q(d.handle(), "SELECT channel, status FROM outbox ORDER BY id");
        std::vector<std::string> rows;
        while (q.executeStep())
            rows.push_back(q.getColumn(0).getString() + " " + q.getColumn(1).getString());
        CHECK(rows ==
              std::vector<std::string>{"zalo-bot dropped", "zalo-bot dropped", "viber pending"});
        CHECK(storage::GroupRepo(d).all().empty());
    }
    CHECK(tcns_cli({"--db", db, "invites", "groups"}).out == "no linked group chats\n");
    const auto again =
        tcns_cli({"--db", db, "invites", "unlink", "--group", std::to_string(group)});
    CHECK(again.rc == 1);
    CHECK(again.err.find("no linked group") != std::string::npos);
    CHECK(tcns_cli({"--db", db, "invites", "unlink"}).rc == 2);
    CHECK(tcns_cli({"--db", db, "invites", "unlink", "--group", "3x"}).rc == 2);
}
