#include <unistd.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "bot/cli/cli.hpp"
#include "bot/jobs/outcome_journal.hpp"
#include "storage/backup.hpp"
#include "storage/database.hpp"
#include "tests/support/cli.hpp"
#include "tests/support/temp_dir.hpp"

using tcns::test::CliResult;
using tcns::test::tcns_cli;
using namespace tcns;

namespace {

void clear_secrets() {
    for (const char* name :
         {"TCNS_VIBER_TOKEN", "TCNS_ZALO_APP_ID", "TCNS_ZALO_OA_SECRET", "TCNS_ZALO_APP_SECRET",
          "TCNS_ADMIN_TOKEN", "TCNS_TEMPLATES", "TCNS_DB", "TCNS_CONFIG"})
        ::unsetenv(name);
}

/// A temporary directory with a config file; both `check-config` and `serve` are run on it.
struct Setup {
    test::TempDir dir;
    std::string config;
    std::string db;
    explicit Setup(const std::string& json)
        : config(dir.file("config.json")), db(dir.file("t.db")) {
        clear_secrets();
        std::ofstream(config, std::ios::binary) << json;
    }
    CliResult run(const std::string& command) {
        return tcns_cli({"--db", db, "--config", config, command});
    }
};

/// `check-config` and `serve` both refuse with exit code 3 and the same message.
void both_refuse(Setup& s, const std::string& message) {
    for (const char* command : {"check-config", "serve"}) {
        INFO(command);
        const auto r = s.run(command);
        CHECK(r.rc == 3);
        CHECK(r.err.find("configuration error") != std::string::npos);
        CHECK(r.err.find(message) != std::string::npos);
        CHECK(r.out.find("listening") == std::string::npos);
    }
}

}  // namespace

TEST_CASE("check-config names the outcome journal and the outcomes waiting in it", "[startup]") {
    test::TempDir journal;
    Setup s(R"({"outbox": {"journal_dir": ")" + journal.path().string() + R"("}})");
    auto r = s.run("check-config");
    INFO(r.out << r.err);
    REQUIRE(r.rc == 0);
    CHECK(r.out.find("outcome journal: " + journal.path().string() + " (writable") !=
          std::string::npos);
    CHECK(r.out.find("waiting") == std::string::npos);

    bot::JournalEntry e;
    e.id = 7;
    e.channel = "viber";
    e.created_at = 1'700'000'000;
    e.at = 1'700'000'100;
    e.result = "success";
    e.message_id = "m-7";
    REQUIRE(bot::OutcomeJournal(journal.path().string(), s.db).append(e));
    r = s.run("check-config");
    REQUIRE(r.rc == 0);
    CHECK(r.out.find("outcome journal: 1 send outcome(s) waiting") != std::string::npos);
}

TEST_CASE("check-config accepts the sample production config with its secrets set", "[startup]") {
    Setup s("");
    ::setenv("TCNS_VIBER_TOKEN", "x", 1);
    ::setenv("TCNS_ZALO_APP_ID", "1", 1);
    ::setenv("TCNS_ZALO_OA_SECRET", "y", 1);
    const auto r = tcns_cli(
        {"--db", s.db, "--config", TCNS_SOURCE_DIR "/deploy/config.sample.json", "check-config"});
    clear_secrets();
    INFO(r.err);
    CHECK(r.rc == 0);
    CHECK(r.out.find("configuration OK") != std::string::npos);
}

TEST_CASE("an unknown config key stops check-config and serve", "[startup]") {
    Setup s(R"({"server": {"prot": 8080}})");
    both_refuse(s, "unknown key \"prot\"");
}

TEST_CASE("viber enabled without TCNS_VIBER_TOKEN stops check-config and serve", "[startup]") {
    Setup s(R"({"viber": {"enabled": true}})");
    both_refuse(s, "TCNS_VIBER_TOKEN");
    ::setenv("TCNS_VIBER_TOKEN", "token", 1);
    const auto r = s.run("check-config");
    clear_secrets();
    CHECK(r.rc == 0);
    CHECK(r.out.find("token") == std::string::npos);  // the secret is never printed
}

TEST_CASE("zalo enabled without its app id and OA secret stops check-config and serve",
          "[startup]") {
    Setup s(R"({"zalo": {"enabled": true}})");
    both_refuse(s, "TCNS_ZALO_APP_ID");
    ::setenv("TCNS_ZALO_APP_ID", "123", 1);
    both_refuse(s, "TCNS_ZALO_OA_SECRET");
    ::setenv("TCNS_ZALO_OA_SECRET", "secret", 1);
    // Without the app secret the OA token cannot be refreshed: check-config refuses (issue
    // 18), serve starts and warns (webhooks still verify and replies go out for a day).
    const auto r = s.run("check-config");
    CHECK(r.rc == 3);
    CHECK(r.err.find("TCNS_ZALO_APP_SECRET") != std::string::npos);
    ::setenv("TCNS_ZALO_APP_SECRET", "app-secret", 1);
    CHECK(s.run("check-config").rc == 0);
    clear_secrets();
}

TEST_CASE("a templates directory without the templates stops check-config and serve", "[startup]") {
    Setup s("");
    std::ofstream(s.config) << R"({"templates_dir": ")" + s.dir.file("nowhere") + R"("})";
    both_refuse(s, "has no messages.vi.json");
}

TEST_CASE("a malformed form definition stops check-config and serve", "[startup]") {
    Setup s("");
    const std::string templates = s.dir.file("templates");
    std::filesystem::copy(TCNS_SOURCE_DIR "/templates", templates,
                          std::filesystem::copy_options::recursive);
    std::ofstream(templates + "/forms/monthly-report.json", std::ios::trunc)
        << R"({"id": "monthly-report", "version": 1, "items": [)";
    std::ofstream(s.config) << R"({"templates_dir": ")" + templates + R"("})";
    both_refuse(s, "monthly-report.json");
}

TEST_CASE("a messages file that misses a key the conversation needs stops check-config and serve",
          "[startup]") {
    Setup s("");
    const std::string templates = s.dir.file("templates");
    std::filesystem::copy(TCNS_SOURCE_DIR "/templates", templates,
                          std::filesystem::copy_options::recursive);
    std::ofstream(templates + "/messages.vi.json", std::ios::trunc) << R"({"receipt": "x"})";
    std::ofstream(s.config) << R"({"templates_dir": ")" + templates + R"("})";
    both_refuse(s, "missing message keys");
}

TEST_CASE("an unreadable template file stops check-config and serve", "[startup]") {
    if (::geteuid() == 0) {
        WARN("running as root: file permissions cannot make a file unreadable; not checked");
        return;
    }
    Setup s("");
    const std::string templates = s.dir.file("templates");
    std::filesystem::copy(TCNS_SOURCE_DIR "/templates", templates,
                          std::filesystem::copy_options::recursive);
    std::filesystem::permissions(templates + "/forms/monthly-report.json",
                                 std::filesystem::perms::none);
    std::ofstream(s.config) << R"({"templates_dir": ")" + templates + R"("})";
    both_refuse(s, "cannot read");
}

TEST_CASE("a database directory that does not exist stops check-config and serve", "[startup]") {
    Setup s("{}");
    s.db = s.dir.file("missing/dir/t.db");
    both_refuse(s, "does not exist");
    CHECK_FALSE(std::filesystem::exists(s.dir.file("missing")));
}

TEST_CASE("a database directory that is not writable stops check-config and serve", "[startup]") {
    if (::geteuid() == 0) {
        WARN("running as root: every directory is writable; not checked");
        return;
    }
    Setup s("{}");
    std::filesystem::create_directories(s.dir.file("ro"));
    s.db = s.dir.file("ro/t.db");
    std::filesystem::permissions(
        s.dir.file("ro"), std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
    both_refuse(s, "is not writable");
    std::filesystem::permissions(s.dir.file("ro"), std::filesystem::perms::owner_all);
}

TEST_CASE("tcns backup and tcns restore round-trip through the command line", "[startup]") {
    Setup s("{}");
    { storage::Database db(s.db); }
    const auto b = tcns_cli({"--db", s.db, "backup", s.dir.file("backups/b.db")});
    INFO(b.err);
    CHECK(b.rc == 0);
    CHECK(b.out.find("integrity ok") != std::string::npos);
    const auto r = tcns_cli({"--db", s.db, "restore", s.dir.file("backups/b.db")});
    INFO(r.err);
    CHECK(r.rc == 0);
    CHECK(r.out.find("before-restore-") != std::string::npos);
}

TEST_CASE("tcns restore refuses while a server holds the database", "[startup]") {
    Setup s("{}");
    { storage::Database db(s.db); }
    REQUIRE(tcns_cli({"--db", s.db, "backup", s.dir.file("b.db")}).rc == 0);
    const auto lock = storage::ServeLock::try_acquire(s.db);
    REQUIRE(lock);
    const auto r = tcns_cli({"--db", s.db, "restore", s.dir.file("b.db")});
    CHECK(r.rc == 1);
    CHECK(r.err.find("a server is running") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(s.db + ".before-restore-"));
    const auto serve = tcns_cli({"--db", s.db, "serve", "--port", "0"});
    CHECK(serve.rc == 1);
    CHECK(serve.err.find("another tcns server is running") != std::string::npos);
}

TEST_CASE("an invalid JSON config is reported with its line and column", "[startup]") {
    Setup s("{\n  \"server\": {\n    \"port\": 8080,\n  }\n}\n");
    both_refuse(s, "is not valid JSON: line 4, column 3");
}

TEST_CASE("a database file that is not SQLite stops check-config and serve with exit 4",
          "[startup]") {
    Setup s("{}");
    std::ofstream(s.db, std::ios::binary) << "this is a spreadsheet, not a database\n";
    for (const char* command : {"check-config", "serve"}) {
        INFO(command);
        const auto r = s.run(command);
        CHECK(r.rc == 4);
        CHECK(r.err.find("not an SQLite database") != std::string::npos);
        CHECK(r.err.find("permanent error (exit 4)") != std::string::npos);
        CHECK(r.out.find("listening") == std::string::npos);
    }
}

TEST_CASE("a database of a newer tcns stops check-config and serve with exit 4", "[startup]") {
    Setup s("{}");
    {
        storage::Database db(s.db);
        db.handle().exec("INSERT INTO schema_migrations(version, name) VALUES (999, 'future')");
    }
    for (const char* command : {"check-config", "serve"}) {
        INFO(command);
        const auto r = s.run(command);
        CHECK(r.rc == 4);
        CHECK(r.err.find("schema version 999") != std::string::npos);
    }
}

TEST_CASE("check-config runs quick_check on the database and refuses a damaged one", "[startup]") {
    Setup s("{}");
    {
        storage::Database db(s.db);
        db.handle().exec("CREATE TABLE filler(x TEXT)");
        for (int i = 0; i < 200; ++i)
            db.handle().exec("INSERT INTO filler VALUES (hex(randomblob(200)))");
        db.handle().exec("PRAGMA wal_checkpoint(TRUNCATE)");
    }
    auto ok = s.run("check-config");
    INFO(ok.err);
    CHECK(ok.rc == 0);
    CHECK(ok.out.find("quick_check ok") != std::string::npos);
    {
        // Garbage over the pages after the schema's: the header stays valid.
        std::fstream f(s.db, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(8 * 4096);
        const std::string junk(4 * 4096, '\x5a');
        f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
    }
    const auto bad = s.run("check-config");
    INFO(bad.out << bad.err);
    CHECK(bad.rc == 4);
    CHECK(bad.err.find("damaged") != std::string::npos);
}

TEST_CASE("a configuration error names itself as permanent for the journal", "[startup]") {
    Setup s(R"({"log_level": "loud"})");
    const auto r = s.run("serve");
    CHECK(r.rc == 3);
    CHECK(r.err.find("permanent error (exit 3)") != std::string::npos);
}

TEST_CASE("check-config and serve refuse an admin token shorter than 32 characters", "[startup]") {
    Setup s("{}");
    ::setenv("TCNS_ADMIN_TOKEN", "a", 1);
    both_refuse(s, "TCNS_ADMIN_TOKEN is shorter than 32 characters");
    ::setenv("TCNS_ADMIN_TOKEN", std::string(31, 'x').c_str(), 1);
    both_refuse(s, "TCNS_ADMIN_TOKEN is shorter than 32 characters");
    ::setenv("TCNS_ADMIN_TOKEN", std::string(32, 'x').c_str(), 1);
    const auto r = s.run("check-config");
    CHECK(r.rc == 0);
    clear_secrets();
}
