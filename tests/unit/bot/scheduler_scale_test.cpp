// The scheduler at the country's scale: 80,000 teams. Hidden (run it by its tag):
//   tcns_unit_tests "[.scale]"
#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <iostream>

#include "bot/jobs/scheduler.hpp"
#include "bot/templates.hpp"
#include "storage/reminder_repo.hpp"
#include "tests/support/temp_dir.hpp"

using namespace tcns;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

/// 3,300 communes of 24 hamlets (79,200 teams), a leader and a deputy per team (70% of the
/// leaders on Zalo, window open), two officials per commune, half the teams reported.
void seed_country(storage::Database& db) {
    storage::WriteTransaction tx(db);
    auto& h = db.handle();
    h.exec("INSERT INTO units (id, code, name, level) VALUES (1, 'P', 'Tỉnh', 'province')");
    SQLite::Statement unit(
        h, "INSERT INTO units (id, code, name, level, parent_id) VALUES (?, ?, ?, ?, ?)");
    SQLite::Statement team(h, "INSERT INTO teams (id, code, unit_id, name) VALUES (?, ?, ?, ?)");
    SQLite::Statement person(h, "INSERT INTO people (id, phone, full_name) VALUES (?, ?, ?)");
    SQLite::Statement role(
        h, "INSERT INTO roles (person_id, role, team_id, unit_id) VALUES (?, ?, ?, ?)");
    SQLite::Statement account(h,
                              "INSERT INTO chat_accounts (channel, platform_user_id, person_id, "
                              "created_at, last_inbound_at) VALUES ('zalo', ?, ?, 0, ?)");
    SQLite::Statement report(h,
                             "INSERT INTO reports (id, team_id, period, revision, form_id, "
                             "form_version, submitted_at) VALUES (?, ?, '2026-11', 1, 'f', 1, 0)");
    SQLite::Statement status(h, "INSERT INTO report_status VALUES (?, '2026-11', 0, 0, ?, 1, 0)");
    const std::int64_t last_inbound = 1795000000;  // 2026-11-18: the Zalo window is open
    std::int64_t unit_id = 2, team_id = 1, person_id = 1;
    auto add_person = [&](const std::string& name) {
        person.reset();
        person.bind(1, person_id);
        person.bind(2, "849" + std::to_string(10000000 + person_id));
        person.bind(3, name);
        person.exec();
        return person_id++;
    };
    for (int c = 0; c < 3300; ++c) {
        const std::int64_t commune = unit_id++;
        unit.reset();
        unit.bind(1, commune);
        unit.bind(2, "C" + std::to_string(c));
        unit.bind(3, "Xã " + std::to_string(c));
        unit.bind(4, "commune");
        unit.bind(5, std::int64_t{1});
        unit.exec();
        for (int o = 0; o < 2; ++o) {
            const auto p = add_person("Cán bộ");
            role.reset();
            role.bind(1, p);
            role.bind(2, "official");
            role.bind(3);
            role.bind(4, commune);
            role.exec();
        }
        for (int hm = 0; hm < 24; ++hm) {
            const std::int64_t hamlet = unit_id++;
            unit.reset();
            unit.bind(1, hamlet);
            unit.bind(2, "C" + std::to_string(c) + "-" + std::to_string(hm));
            unit.bind(3, "Ấp " + std::to_string(hm));
            unit.bind(4, "hamlet");
            unit.bind(5, commune);
            unit.exec();
            const std::int64_t t = team_id++;
            team.reset();
            team.bind(1, t);
            team.bind(2, "T" + std::to_string(t));
            team.bind(3, hamlet);
            team.bind(4, "Tổ CNS Ấp " + std::to_string(hm));
            team.exec();
            for (const char* r : {"leader", "deputy"}) {
                const auto p = add_person("Tổ viên");
                role.reset();
                role.bind(1, p);
                role.bind(2, r);
                role.bind(3, t);
                role.bind(4);
                role.exec();
                if (std::string(r) == "leader" && t % 10 < 7) {
                    account.reset();
                    account.bind(1, "z" + std::to_string(p));
                    account.bind(2, p);
                    account.bind(3, last_inbound);
                    account.exec();
                }
            }
            if (t % 2 == 0) {
                report.reset();
                report.bind(1, t);
                report.bind(2, t);
                report.exec();
                status.reset();
                status.bind(1, t);
                status.bind(2, t);
                status.exec();
            }
        }
    }
    tx.commit();
}

}  // namespace

TEST_CASE("80,000 teams: the scheduler's inputs load and a reminder step is queued in time",
          "[.scale]") {
    test::TempDir dir;
    storage::Database db(dir.file("country.db"));
    seed_country(db);
    const bot::Templates templates = bot::load_templates(TCNS_SOURCE_DIR "/templates");

    auto t0 = std::chrono::steady_clock::now();
    const auto teams = storage::ReminderRepo(db).reminder_inputs({2026, 11}, "commune");
    const double load = seconds_since(t0);
    REQUIRE(teams.size() == 79200);

    const core::Instant now = *core::parse_instant("2026-11-25T08:00");
    bot::SchedulerConfig config;
    config.rescan_minutes = 0;
    t0 = std::chrono::steady_clock::now();
    const auto due = core::due_messages(now, {2026, 11}, core::default_monthly_deadline({2026, 11}),
                                        teams, config.policy);
    const double policy = seconds_since(t0);

    bot::Scheduler scheduler(templates, config);
    const auto first = scheduler.tick(db, now);
    const auto again = scheduler.tick(db, now + std::chrono::minutes(1));
    std::cout << "80k teams: inputs " << load << " s, policy " << policy << " s (" << due.size()
              << " messages), first tick " << first.seconds << " s (" << first.queued << " queued, "
              << first.recorded << " recorded), next tick " << again.seconds << " s ("
              << again.existing << " existing)\n";
    CHECK(load < 2.0);
    CHECK(again.queued + again.recorded == 0);
}
