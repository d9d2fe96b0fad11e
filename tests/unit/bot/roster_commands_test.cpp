#include <SQLiteCpp/SQLiteCpp.h>
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "bot/cli/cli.hpp"
#include "core/demo_roster.hpp"
#include "storage/database.hpp"
#include "storage/invite_repo.hpp"
#include "storage/roster_repo.hpp"
#include "tests/support/cli.hpp"
#include "tests/support/temp_dir.hpp"

using tcns::test::CliResult;
using tcns::test::tcns_cli;
using namespace tcns;

namespace {

std::string samples(const std::string& name) {
    return std::string(TCNS_SAMPLES_DIR) + "/" + name;
}

void write_file(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

int count(const std::string& db_path, const std::string& sql) {
    storage::Database db(db_path);
    return db.handle().execAndGet(sql).getInt();
}

std::string dump(const std::string& db_path, const std::string& sql) {
    storage::Database db(db_path);
    SQLite::Statement q(db.handle(), sql);
    std::string out;
    while (q.executeStep()) {
        for (int i = 0; i < q.getColumnCount(); ++i)
            out += (i ? "|" : "") + (q.getColumn(i).isNull() ? "NULL" : q.getColumn(i).getString());
        out += "\n";
    }
    return out;
}

const std::string kRosterDump =
    "SELECT 'unit', code, name, type, level, ifnull(parent_id, ''), generated FROM units "
    "UNION ALL SELECT 'team', code, name, unit_id, decision_no, decision_date, generated FROM "
    "teams "
    "UNION ALL SELECT 'person', phone, full_name, occupation, generated, '', '' FROM people "
    "UNION ALL SELECT 'role', person_id, role, ifnull(team_id, ''), ifnull(unit_id, ''), title, '' "
    "FROM roles ORDER BY 1, 2, 3, 4, 5";

}  // namespace

TEST_CASE("tcns import units reports 171 units, then 171 unchanged on a second run",
          "[roster-cli]") {
    test::TempDir dir;
    const std::string db = dir.file("t.db");
    const auto first =
        tcns_cli({"--db", db, "import", "units", samples("dong-nai-units-2025-03.csv")});
    INFO(first.err);
    CHECK(first.rc == 0);
    CHECK(first.out.find("171 units: 171 added, 0 updated, 0 unchanged") != std::string::npos);
    const auto second =
        tcns_cli({"--db", db, "import", "units", samples("dong-nai-units-2025-03-excel.csv")});
    CHECK(second.rc == 0);
    CHECK(second.out.find("171 units: 0 added, 0 updated, 171 unchanged") != std::string::npos);
}

TEST_CASE("a units file with bad lines imports nothing and prints every bad line", "[roster-cli]") {
    test::TempDir dir;
    const std::string db = dir.file("t.db");
    const std::string file = dir.file("units.csv");
    write_file(file,
               "code,name,type,parent_code,level\n"
               "75,Tỉnh Đồng Nai,Tỉnh,,province\n"
               "731,Biên Hòa,Thành phố,75,district\n"
               "1,Xã A,Xã,999,commune\n"
               "731,Biên Hòa 2,Thành phố,75,district\n"
               "2,Xã B,Xã,731\n");
    const auto r = tcns_cli({"--db", db, "import", "units", file});
    CHECK(r.rc == 1);
    CHECK(r.err.find("line 4: unknown parent code '999'\n") != std::string::npos);
    CHECK(r.err.find("line 5: duplicate code '731' (first on line 3)\n") != std::string::npos);
    CHECK(r.err.find("line 6: 4 columns, the header has 5") != std::string::npos);
    CHECK(r.err.find("3 bad lines; nothing imported") != std::string::npos);
    CHECK(r.out.empty());
    CHECK(count(db, "SELECT count(*) FROM units") == 0);
}

TEST_CASE("a people file with one bad line leaves the stored roster as it was", "[roster-cli]") {
    test::TempDir dir;
    const std::string db = dir.file("t.db");
    for (const auto& [what, file] :
         std::vector<std::pair<std::string, std::string>>{{"units", "dong-nai-units-2025-03.csv"},
                                                          {"units", "sample-hamlets.csv"},
                                                          {"teams", "sample-teams.csv"},
                                                          {"people", "sample-people.csv"}}) {
        const auto r = tcns_cli({"--db", db, "import", what, samples(file)});
        INFO(file << ": " << r.err);
        REQUIRE(r.rc == 0);
    }
    const std::string before = dump(db, kRosterDump);
    const std::string file = dir.file("people.csv");
    write_file(file,
               "phone,full_name,role,team_code,unit_code\n"
               "0900000101,Nguyễn Văn Hùng,member,TCNS-26380-A02,\n"
               "0900000199,Người Mới,leader,TCNS-26380-A01,\n"
               "09OO000200,Số Sai,member,TCNS-26380-A01,\n");
    const auto r = tcns_cli({"--db", db, "import", "people", file});
    CHECK(r.rc == 1);
    CHECK(r.err.find("line 4: bad phone number '09OO000200'\n") != std::string::npos);
    CHECK(r.err.find("line 3") == std::string::npos);  // Hùng hands over in the same file
    CHECK(r.err.find("1 bad line; nothing imported") != std::string::npos);
    CHECK(dump(db, kRosterDump) == before);
    CHECK(count(db, "SELECT count(*) FROM invite_codes") == 11);
}

TEST_CASE("importing people prints counts and issues invite codes for the configured days",
          "[roster-cli]") {
    test::TempDir dir;
    const std::string db = dir.file("t.db");
    tcns_cli({"--db", db, "import", "units", samples("dong-nai-units-2025-03.csv")});
    tcns_cli({"--db", db, "import", "units", samples("sample-hamlets.csv")});
    tcns_cli({"--db", db, "import", "teams", samples("sample-teams.csv")});
    const auto r = tcns_cli(
        {"--db", db, "import", "people", samples("sample-people.csv"), "--invite-days", "30"});
    INFO(r.err);
    REQUIRE(r.rc == 0);
    CHECK(r.out.find("11 people (12 roles): 11 added, 0 updated, 0 unchanged") !=
          std::string::npos);
    CHECK(r.out.find("invite codes: 11 issued (valid 30 days)") != std::string::npos);
    CHECK(
        count(db, "SELECT count(*) FROM invite_codes WHERE expires_at - created_at = 30 * 86400") ==
        11);
    const auto again = tcns_cli({"--db", db, "import", "people", samples("sample-people.csv")});
    CHECK(again.out.find("0 added, 0 updated, 11 unchanged") != std::string::npos);
    CHECK(again.out.find("invite codes: 0 issued") != std::string::npos);

    CHECK(tcns_cli({"--db", db, "import", "people", samples("sample-people.csv"), "--invite-days",
                    "soon"})
              .rc == 2);
    CHECK(tcns_cli({"--db", db, "import", "things", "x.csv"}).rc == 2);
    CHECK(tcns_cli({"--db", db, "import", "units", dir.file("missing.csv")}).rc == 1);
}

TEST_CASE("demo seed builds about a thousand staffed teams under every commune, once",
          "[roster-cli][demo]") {
    test::TempDir dir;
    const std::string db = dir.file("t.db");
    REQUIRE(tcns_cli({"--db", db, "import", "units", samples("dong-nai-units-2025-03.csv")}).rc ==
            0);
    const auto seeded = tcns_cli({"--db", db, "demo", "seed"});
    INFO(seeded.err);
    REQUIRE(seeded.rc == 0);

    const int teams = count(db, "SELECT count(*) FROM teams WHERE generated = 1");
    CHECK(teams >= 900);
    CHECK(teams <= 1100);
    CHECK(count(db, "SELECT count(*) FROM units WHERE level = 'hamlet' AND generated = 1") ==
          teams);
    // Every commune has hamlets, named after its type.
    CHECK(count(db,
                "SELECT count(*) FROM units c WHERE c.level = 'commune' AND NOT EXISTS "
                "(SELECT 1 FROM units h WHERE h.parent_id = c.id)") == 0);
    CHECK(count(db,
                "SELECT count(*) FROM units h JOIN units c ON c.id = h.parent_id "
                "WHERE h.generated = 1 AND NOT ((c.type = 'Xã' AND h.name LIKE 'Ấp %') OR "
                "(c.type IN ('Phường', 'Thị trấn') AND h.name LIKE 'Khu phố %'))") == 0);
    // Per team: one leader, one deputy, two or three members.
    CHECK(count(db,
                "SELECT count(*) FROM teams t WHERE "
                "(SELECT count(*) FROM roles r WHERE r.team_id = t.id AND r.role = 'leader') <> 1 "
                "OR (SELECT count(*) FROM roles r WHERE r.team_id = t.id AND r.role = 'deputy') "
                "<> 1 OR (SELECT count(*) FROM roles r WHERE r.team_id = t.id AND r.role = "
                "'member') NOT BETWEEN 2 AND 3") == 0);
    // Two officials with titles for the province, each district and each commune.
    CHECK(count(db, "SELECT count(*) FROM roles WHERE role = 'official' AND title <> ''") ==
          2 * 171);
    // An invite code for every person; phones unique and well-formed.
    CHECK(count(db,
                "SELECT count(*) FROM people p WHERE NOT EXISTS "
                "(SELECT 1 FROM invite_codes i WHERE i.person_id = p.id)") == 0);
    CHECK(count(db,
                "SELECT count(*) FROM people WHERE phone NOT GLOB '84[35789][0-9]*' OR "
                "length(phone) <> 11") == 0);

    // The demo leader leads the first team of the first commune.
    storage::Database handle(db);
    storage::RosterRepo roster(handle);
    const auto leader = roster.person(core::kDemoLeaderPhone);
    REQUIRE(leader);
    REQUIRE(leader->roles.size() == 1);
    CHECK(leader->roles[0].role == core::Role::kLeader);
    CHECK(leader->roles[0].team_code == "T-25993-01");
    CHECK(leader->roles[0].unit_name == "Khu phố 1");
    const auto official = roster.person(core::kDemoOfficialPhone);
    REQUIRE(official);
    CHECK(official->roles.at(0).unit_code == "25993");
    CHECK(official->roles.at(0).title == "Phó Chủ tịch UBND phường");

    const std::string before = dump(db, kRosterDump);
    const int invites = count(db, "SELECT count(*) FROM invite_codes");
    const auto again = tcns_cli({"--db", db, "demo", "seed"});
    CHECK(again.rc == 0);
    CHECK(again.out.find("teams " + std::to_string(teams) + " (0 added, 0 updated, " +
                         std::to_string(teams) + " unchanged)") != std::string::npos);
    CHECK(again.out.find("invite codes: 0 issued") != std::string::npos);
    CHECK(dump(db, kRosterDump) == before);
    CHECK(count(db, "SELECT count(*) FROM invite_codes") == invites);
}

TEST_CASE("demo seed is deterministic and refuses to run without units", "[roster-cli][demo]") {
    test::TempDir dir;
    const std::string a = dir.file("a.db"), b = dir.file("b.db");
    CHECK(tcns_cli({"--db", a, "demo", "seed"}).rc == 1);
    for (const auto& db : {a, b}) {
        tcns_cli({"--db", db, "import", "units", samples("dong-nai-units-2025-03.csv")});
        REQUIRE(tcns_cli({"--db", db, "demo", "seed", "--seed", "7"}).rc == 0);
    }
    CHECK(dump(a, kRosterDump) == dump(b, kRosterDump));
    const std::string codes =
        "SELECT p.phone, i.code FROM invite_codes i JOIN people p ON p.id = i.person_id "
        "ORDER BY p.phone";
    CHECK(dump(a, codes) == dump(b, codes));
}

TEST_CASE("demo hint names the leader and an official with their codes and the chat command",
          "[roster-cli][demo]") {
    test::TempDir dir;
    const std::string db = dir.file("t.db");
    CHECK(tcns_cli({"--db", db, "demo", "hint"}).rc == 1);
    tcns_cli({"--db", db, "import", "units", samples("dong-nai-units-2025-03.csv")});
    tcns_cli({"--db", db, "demo", "seed"});
    const auto r = tcns_cli({"--db", db, "demo", "hint"});
    INFO(r.err);
    REQUIRE(r.rc == 0);
    storage::Database handle(db);
    storage::RosterRepo roster(handle);
    const auto leader = roster.person(core::kDemoLeaderPhone);
    const auto code = storage::InviteRepo(handle).usable_for(
        leader->id,
        std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()));
    REQUIRE(code);
    CHECK(r.out.find(leader->full_name + ", phone 0912000001") != std::string::npos);
    CHECK(r.out.find("Khu phố 1, Phường Trảng Dài, Thành phố Biên Hòa") != std::string::npos);
    CHECK(r.out.find(code->code) != std::string::npos);
    CHECK(r.out.find("Phó Chủ tịch UBND phường, Phường Trảng Dài") != std::string::npos);
    CHECK(r.out.find("chat --as 0912000001") != std::string::npos);
    CHECK(r.out.find("chat --as 0912000002") != std::string::npos);
}
