#include <SQLiteCpp/SQLiteCpp.h>
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "bot/cli/cli.hpp"
#include "storage/database.hpp"
#include "storage/targets_repo.hpp"
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

/// A database with the Đồng Nai units, the sample hamlets and the sample teams.
std::string roster_db(const test::TempDir& dir) {
    const std::string db = dir.file("t.db");
    for (const auto& [what, file] :
         std::vector<std::pair<std::string, std::string>>{{"units", "dong-nai-units-2025-03.csv"},
                                                          {"units", "sample-hamlets.csv"},
                                                          {"teams", "sample-teams.csv"}}) {
        const auto r = tcns_cli({"--db", db, "import", what, samples(file)});
        INFO(file << ": " << r.err);
        REQUIRE(r.rc == 0);
    }
    return db;
}

std::optional<std::int64_t> target(const std::string& db_path, core::TargetOwner owner,
                                   const std::string& code, const std::string& item,
                                   const std::string& period) {
    storage::Database db(db_path);
    return storage::TargetsRepo(db).value(owner, code, item, period);
}

int target_count(const std::string& db_path) {
    storage::Database db(db_path);
    return storage::TargetsRepo(db).count();
}

}  // namespace

TEST_CASE("the sample targets import, then change nothing on a second run", "[targets-cli]") {
    test::TempDir dir;
    const std::string db = roster_db(dir);
    const auto first = tcns_cli({"--db", db, "import", "targets", samples("sample-targets.csv")});
    INFO(first.err);
    REQUIRE(first.rc == 0);
    CHECK(first.out.find("9 targets: 9 added, 0 updated, 0 unchanged") != std::string::npos);
    CHECK(first.err.find("note: ignored column 'note'") != std::string::npos);
    CHECK(target(db, core::TargetOwner::kUnit, "75", "LH01", "2025") == 12000);
    CHECK(target(db, core::TargetOwner::kUnit, "75", "ID01", "2025") == 350000);
    CHECK(target(db, core::TargetOwner::kUnit, "26041", "ID01", "2025-03") == 250);
    CHECK(target(db, core::TargetOwner::kTeam, "TCNS-26380-A01", "LH01", "2025-03") == 40);
    CHECK_FALSE(target(db, core::TargetOwner::kTeam, "75", "LH01", "2025"));

    const auto second = tcns_cli({"--db", db, "import", "targets", samples("sample-targets.csv")});
    CHECK(second.rc == 0);
    CHECK(second.out.find("9 targets: 0 added, 0 updated, 9 unchanged") != std::string::npos);
    CHECK(target_count(db) == 9);
}

TEST_CASE("re-importing a target with a new value updates it by key", "[targets-cli]") {
    test::TempDir dir;
    const std::string db = roster_db(dir);
    REQUIRE(tcns_cli({"--db", db, "import", "targets", samples("sample-targets.csv")}).rc == 0);
    const std::string file = dir.file("targets.csv");
    write_file(file,
               "\xEF\xBB\xBF"
               "code;item_code;period;value\r\n"
               "75;LH01;2025;15.000\r\n"
               "731;LH01;2025;4000\r\n"
               "75;LH01;2026;1\r\n");
    const auto r = tcns_cli({"--db", db, "import", "targets", file});
    INFO(r.err);
    REQUIRE(r.rc == 0);
    CHECK(r.out.find("3 targets: 1 added, 1 updated, 1 unchanged") != std::string::npos);
    CHECK(target(db, core::TargetOwner::kUnit, "75", "LH01", "2025") == 15000);
    CHECK(target(db, core::TargetOwner::kUnit, "75", "LH01", "2026") == 1);
    CHECK(target_count(db) == 10);  // targets not in the file are kept
}

TEST_CASE("a targets file with bad lines imports nothing and prints every bad line",
          "[targets-cli]") {
    test::TempDir dir;
    const std::string db = roster_db(dir);
    const std::string file = dir.file("targets.csv");
    write_file(file,
               "code,item_code,period,value\n"
               "75,LH01,2025,100\n"
               "XX,LH01,2025,100\n"
               "731,LH1,2025,100\n"
               "731,LH01,2025-00,100\n"
               "731,ID01,2025,abc\n"
               "75,LH01,2025,200\n"
               "26380,LH01,2025\n");
    const auto r = tcns_cli({"--db", db, "import", "targets", file});
    CHECK(r.rc == 1);
    CHECK(r.err.find("line 3: unknown unit or team code 'XX'") != std::string::npos);
    CHECK(r.err.find("line 4: bad item_code 'LH1'") != std::string::npos);
    CHECK(r.err.find("line 5: bad period '2025-00'") != std::string::npos);
    CHECK(r.err.find("line 6: bad value 'abc'") != std::string::npos);
    CHECK(r.err.find("line 7: duplicate target for '75' LH01 2025 (first on line 2)") !=
          std::string::npos);
    CHECK(r.err.find("line 8: 3 columns, the header has 4") != std::string::npos);
    CHECK(r.err.find("6 bad lines; nothing imported") != std::string::npos);
    CHECK(r.out.empty());
    CHECK(target_count(db) == 0);
}
