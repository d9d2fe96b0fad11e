#include <SQLiteCpp/SQLiteCpp.h>
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "core/roster_import.hpp"
#include "storage/invite_repo.hpp"
#include "storage/roster_repo.hpp"
#include "tests/support/temp_dir.hpp"

using namespace tcns;
using namespace std::chrono_literals;

namespace {

std::string sample(const std::string& name) {
    std::ifstream f(std::string(TCNS_SAMPLES_DIR) + "/" + name, std::ios::binary);
    REQUIRE(f);
    std::ostringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

std::string errors_of(const std::vector<core::LineError>& errors) {
    std::string out;
    for (const auto& e : errors) out += "line " + std::to_string(e.line) + ": " + e.reason + "\n";
    return out;
}

storage::ImportCounts import_units(storage::Database& db, const std::string& text) {
    storage::RosterRepo roster(db);
    storage::WriteTransaction tx(db);
    const auto plan = core::plan_units_import(text, roster);
    INFO(errors_of(plan.errors));
    REQUIRE(plan.ok());
    const auto counts = roster.upsert_units(plan.records);
    tx.commit();
    return counts;
}

storage::ImportCounts import_teams(storage::Database& db, const std::string& text) {
    storage::RosterRepo roster(db);
    storage::WriteTransaction tx(db);
    const auto plan = core::plan_teams_import(text, roster);
    INFO(errors_of(plan.errors));
    REQUIRE(plan.ok());
    const auto counts = roster.upsert_teams(plan.records);
    tx.commit();
    return counts;
}

storage::ImportCounts import_people(storage::Database& db, const std::string& text) {
    storage::RosterRepo roster(db);
    storage::WriteTransaction tx(db);
    const auto plan = core::plan_people_import(text, roster);
    INFO(errors_of(plan.errors));
    REQUIRE(plan.ok());
    const auto counts = roster.upsert_people(plan.records);
    tx.commit();
    return counts;
}

/// Every row of a query, one line per row: compares database contents.
std::string dump(storage::Database& db, const std::string& sql) {
    SQLite::Statement q(db.handle(), sql);
    std::string out;
    while (q.executeStep()) {
        for (int i = 0; i < q.getColumnCount(); ++i)
            out += (i ? "|" : "") + (q.getColumn(i).isNull() ? "NULL" : q.getColumn(i).getString());
        out += "\n";
    }
    return out;
}

const std::string kUnitsDump =
    "SELECT u.id, u.code, u.name, u.type, u.level, p.code, u.valid_from, u.valid_to, s.code, "
    "u.generated FROM units u LEFT JOIN units p ON p.id = u.parent_id "
    "LEFT JOIN units s ON s.id = u.successor_id ORDER BY u.code";

const std::string kRolesDump =
    "SELECT p.phone, p.full_name, p.occupation, r.role, ifnull(t.code, ''), ifnull(u.code, ''), "
    "r.title FROM people p LEFT JOIN roles r ON r.person_id = p.id "
    "LEFT JOIN teams t ON t.id = r.team_id LEFT JOIN units u ON u.id = r.unit_id "
    "ORDER BY p.phone, r.role, t.code, u.code";

int count(storage::Database& db, const std::string& sql) {
    return db.handle().execAndGet(sql).getInt();
}

void load_sample_roster(storage::Database& db) {
    import_units(db, sample("dong-nai-units-2025-03.csv"));
    import_units(db, sample("sample-hamlets.csv"));
    import_teams(db, sample("sample-teams.csv"));
}

}  // namespace

TEST_CASE(
    "the Đồng Nai units file imports as it is: 171 units, 1 province, 11 districts, 159 "
    "communes",
    "[roster]") {
    test::TempDir dir;
    storage::Database db(dir.file("t.db"));
    const auto counts = import_units(db, sample("dong-nai-units-2025-03.csv"));
    CHECK(counts.added == 171);
    CHECK(counts.total() == 171);
    CHECK(count(db, "SELECT count(*) FROM units WHERE level = 'province'") == 1);
    CHECK(count(db, "SELECT count(*) FROM units WHERE level = 'district'") == 11);
    CHECK(count(db, "SELECT count(*) FROM units WHERE level = 'commune'") == 159);
    CHECK(count(db, "SELECT count(*) FROM units WHERE parent_id IS NULL") == 1);
    // Every commune hangs under a district, every district under the province.
    CHECK(count(db,
                "SELECT count(*) FROM units c JOIN units d ON d.id = c.parent_id "
                "WHERE c.level = 'commune' AND d.level = 'district'") == 159);
    const auto unit = storage::RosterRepo(db).unit("26380");
    REQUIRE(unit);
    CHECK(unit->name == "Xã Long Hưng");
    CHECK(unit->parent_code == "731");
}

TEST_CASE("re-importing the same units file changes nothing", "[roster]") {
    test::TempDir dir;
    storage::Database db(dir.file("t.db"));
    import_units(db, sample("dong-nai-units-2025-03.csv"));
    const std::string before = dump(db, kUnitsDump);
    const auto again = import_units(db, sample("dong-nai-units-2025-03.csv"));
    CHECK(again.added == 0);
    CHECK(again.updated == 0);
    CHECK(again.unchanged == 171);
    CHECK(dump(db, kUnitsDump) == before);
}

TEST_CASE("a changed units file updates the rows it names, by code", "[roster]") {
    test::TempDir dir;
    storage::Database db(dir.file("t.db"));
    import_units(db, sample("dong-nai-units-2025-03.csv"));
    const auto id_before = storage::RosterRepo(db).unit("26380")->id;
    const auto counts = import_units(db,
                                     "code,name,type,parent_code,level\n"
                                     "26380,Xã Long Hưng mới,Xã,732,commune\n"
                                     "731,Thành phố Biên Hòa,Thành phố,75,district\n"
                                     "99999,Xã Mới,Xã,731,commune\n");
    CHECK(counts.added == 1);
    CHECK(counts.updated == 1);
    CHECK(counts.unchanged == 1);
    const auto unit = storage::RosterRepo(db).unit("26380");
    CHECK(unit->id == id_before);
    CHECK(unit->name == "Xã Long Hưng mới");
    CHECK(unit->parent_code == "732");
    CHECK(count(db, "SELECT count(*) FROM units") == 172);
}

TEST_CASE("the Excel copy (semicolons, BOM, CRLF) imports exactly as the comma version",
          "[roster]") {
    const std::string excel = sample("dong-nai-units-2025-03-excel.csv");
    REQUIRE(excel.rfind("\xEF\xBB\xBF", 0) == 0);
    REQUIRE(excel.find(";") != std::string::npos);
    REQUIRE(excel.find("\r\n") != std::string::npos);
    test::TempDir dir;
    storage::Database comma_db(dir.file("comma.db"));
    storage::Database excel_db(dir.file("excel.db"));
    import_units(comma_db, sample("dong-nai-units-2025-03.csv"));
    const auto counts = import_units(excel_db, excel);
    CHECK(counts.added == 171);
    CHECK(dump(excel_db, kUnitsDump) == dump(comma_db, kUnitsDump));
    CHECK(import_units(excel_db, sample("dong-nai-units-2025-03.csv")).unchanged == 171);

    for (auto* db : {&comma_db, &excel_db}) {
        import_units(*db, sample("sample-hamlets.csv"));
        import_teams(*db, sample("sample-teams.csv"));
    }
    import_people(comma_db, sample("sample-people.csv"));
    import_people(excel_db, sample("sample-people-excel.csv"));
    CHECK(dump(excel_db, kRolesDump) == dump(comma_db, kRolesDump));
    CHECK(import_people(excel_db, sample("sample-people.csv")).unchanged == 11);
}

TEST_CASE("optional unit columns are stored, and kept when a later file lacks them", "[roster]") {
    test::TempDir dir;
    storage::Database db(dir.file("t.db"));
    import_units(db, sample("dong-nai-units-2025-03.csv"));
    import_units(db, sample("sample-hamlets.csv"));
    const std::string with_successor =
        "SELECT u.valid_to, s.code FROM units u JOIN units s ON s.id = u.successor_id "
        "WHERE u.code = '26041-KP02'";
    CHECK(dump(db, with_successor) == "2024-12-31|26041-KP01\n");
    const auto counts = import_units(db,
                                     "code,name,type,parent_code,level\n"
                                     "26041-KP02,Khu phố 2,Khu phố,26041,hamlet\n");
    CHECK(counts.unchanged == 1);
    CHECK(dump(db, with_successor) == "2024-12-31|26041-KP01\n");
}

TEST_CASE("teams are upserted by code", "[roster]") {
    test::TempDir dir;
    storage::Database db(dir.file("t.db"));
    import_units(db, sample("dong-nai-units-2025-03.csv"));
    import_units(db, sample("sample-hamlets.csv"));
    CHECK(import_teams(db, sample("sample-teams.csv")).added == 3);
    CHECK(import_teams(db, sample("sample-teams.csv")).unchanged == 3);
    CHECK(dump(db, "SELECT decision_no, decision_date FROM teams WHERE code = 'TCNS-26380-A01'") ==
          "125/QĐ-UBND|2022-06-15\n");
    const auto counts = import_teams(db,
                                     "code,name,unit_code\n"
                                     "TCNS-26380-A01,Tổ CNSCĐ Ấp 1,26380-A01\n");
    CHECK(counts.updated == 1);
    const auto team = storage::RosterRepo(db).team("TCNS-26380-A01");
    CHECK(team->name == "Tổ CNSCĐ Ấp 1");
    // The decision columns were not in that file: kept.
    CHECK(dump(db, "SELECT decision_no FROM teams WHERE code = 'TCNS-26380-A01'") ==
          "125/QĐ-UBND\n");
}

TEST_CASE("people's roles are replaced by the file, people absent from it are untouched",
          "[roster]") {
    test::TempDir dir;
    storage::Database db(dir.file("t.db"));
    load_sample_roster(db);
    CHECK(import_people(db, sample("sample-people.csv")).added == 11);
    CHECK(count(db, "SELECT count(*) FROM roles") == 12);
    auto tam = storage::RosterRepo(db).person("84900000103");
    REQUIRE(tam);
    CHECK(tam->roles.size() == 2);

    // Tâm is now only a member of A02; Hùng hands the leadership of A01 to Mai, who was deputy.
    const auto counts = import_people(db,
                                      "phone,full_name,role,team_code,unit_code\n"
                                      "0900000103,Lê Văn Tâm,member,TCNS-26380-A02,\n"
                                      "0900000102,Trần Thị Mai,leader,TCNS-26380-A01,\n"
                                      "0900000101,Nguyễn Văn Hùng,member,TCNS-26380-A01,\n");
    CHECK(counts.updated == 3);
    tam = storage::RosterRepo(db).person("84900000103");
    REQUIRE(tam->roles.size() == 1);
    CHECK(tam->roles[0].role == core::Role::kMember);
    CHECK(tam->roles[0].team_code == "TCNS-26380-A02");
    CHECK(tam->occupation == "Công an viên");  // no occupation column: kept
    CHECK(storage::RosterRepo(db).team_leaders("TCNS-26380-A01") ==
          std::vector<std::string>{"84900000102"});
    // Everyone else is as before.
    CHECK(count(db, "SELECT count(*) FROM people") == 11);
    CHECK(storage::RosterRepo(db).person("84900000105")->roles.at(0).role == core::Role::kLeader);
    CHECK(count(db, "SELECT count(*) FROM roles") == 11);
}

TEST_CASE("the database refuses a second leader for a team", "[roster]") {
    test::TempDir dir;
    storage::Database db(dir.file("t.db"));
    load_sample_roster(db);
    import_people(db, sample("sample-people.csv"));
    CHECK_THROWS(db.handle().exec(
        "INSERT INTO roles(person_id, role, team_id) SELECT p.id, 'leader', t.id FROM people p, "
        "teams t WHERE p.phone = '84900000106' AND t.code = 'TCNS-26380-A01'"));
}

TEST_CASE("invite codes go to people without a usable code or a linked account, once", "[roster]") {
    test::TempDir dir;
    storage::Database db(dir.file("t.db"));
    load_sample_roster(db);
    import_people(db, sample("sample-people.csv"));
    storage::RosterRepo roster(db);
    const auto now = core::from_unix(1'800'000'000);
    const std::vector<std::string> phones = {"84900000101", "84900000102", "84900000103"};
    CHECK(roster.issue_missing_invites(phones, now, 24h * 60) == 3);
    CHECK(roster.issue_missing_invites(phones, now, 24h * 60) == 0);

    // Mai used hers and is linked; Tâm's expired.
    storage::InviteRepo invites(db);
    const auto mai = roster.person("84900000102")->id;
    db.handle().exec(
        "INSERT INTO chat_accounts(id, channel, platform_user_id, person_id, created_at) "
        "VALUES (1, 'viber', 'u1', " +
        std::to_string(mai) + ", 0)");
    CHECK(invites.consume(invites.usable_for(mai, now)->code, 1, now));
    const auto later = now + 24h * 61;
    CHECK(roster.issue_missing_invites(phones, later, 24h * 60) == 2);  // Hùng and Tâm
    CHECK_FALSE(invites.usable_for(mai, later));
    CHECK(invites.usable_for(roster.person("84900000103")->id, later));
}
