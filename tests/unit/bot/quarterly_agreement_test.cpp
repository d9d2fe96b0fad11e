// The quarterly roll-up a district official exports and the quarterly chat message the bot sends
// the same day count the same months and the same teams (storage/compliance.hpp).
#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>

#include <sstream>

#include "bot/jobs/scheduler.hpp"
#include "bot/templates.hpp"
#include "core/csv.hpp"
#include "core/summary.hpp"
#include "storage/exports.hpp"
#include "storage/outbox_repo.hpp"
#include "tests/support/admin_fixture.hpp"
#include "tests/support/export_fixture.hpp"
#include "tests/support/temp_dir.hpp"

using namespace tcns;

namespace {

core::Instant vn(const std::string& text) {
    const auto t = core::parse_instant(text);
    REQUIRE(t);
    return *t;
}

std::string message(storage::Database& db, const std::string& key) {
    SQLite::Statement q(db.handle(), "SELECT payload FROM outbox WHERE idem_key = ?");
    q.bind(1, key);
    REQUIRE(q.executeStep());
    return storage::OutboxRepo::decode(q.getColumn(0).getString()).text;
}

}  // namespace

TEST_CASE("the quarterly export and the quarterly chat message agree on the same day",
          "[quarterly-agreement]") {
    test::TempDir dir;
    storage::Database db(dir.file("q.db"));
    test::seed_admin_fixture(db);
    // Every team founded in 2025 except T03, imported in November 2026. An official of Thành phố
    // Biên Hòa (731) on the console. November: T01 on time, T04 late (first filed 30/11 09:00).
    // December, still open on the 10th: T02 has already reported.
    db.handle().exec(R"sql(
UPDATE teams SET decision_date = '2025-03-01';
UPDATE teams SET decision_date = NULL, imported_on = '2026-11-02' WHERE code = 'T03';
INSERT INTO people(id, phone, full_name) VALUES (9, '84912000009', 'Đỗ Thị Huyện');
INSERT INTO roles(person_id, role, team_id, unit_id, title) VALUES (9, 'official', NULL, 2, '');
INSERT INTO chat_accounts(channel, platform_user_id, person_id, created_at, linked_at,
                          last_inbound_at) VALUES ('console', 'c-9', 9, 1790000000, 1790000000,
                          1790000000);
INSERT INTO reports(id, team_id, period, revision, form_id, form_version, submitted_at, late)
VALUES (20, 1, '2026-11', 1, 'monthly-report', 1, 1795136400, 0),
       (21, 4, '2026-11', 1, 'monthly-report', 1, 1795998000, 1),
       (22, 2, '2026-12', 1, 'monthly-report', 1, 1796900000, 0);
INSERT INTO report_status(team_id, period, first_submitted_at, last_submitted_at,
                          latest_report_id, revision, late) VALUES
  (1, '2026-11', 1795136400, 1795136400, 20, 1, 0),
  (4, '2026-11', 1795998000, 1795998000, 21, 1, 1),
  (2, '2026-12', 1796900000, 1796900000, 22, 1, 0);
)sql");

    const core::Instant day = vn("2026-12-10T08:00");
    const bot::Templates templates = bot::load_templates(TCNS_SOURCE_DIR "/templates");
    bot::SchedulerConfig config;
    config.rescan_minutes = 0;
    config.summaries = false;
    config.policy.late_notice = false;
    config.policy.escalation = false;
    bot::Scheduler(templates, config).tick(db, day);
    const std::string text = message(db, "quarterly:2026-Q4:district:2026-12-15:p9");

    // `tcns export rollup --quarter 2026-Q4 --level district --unit 731` on the same day.
    storage::ExportRequest r;
    r.from = core::MonthPeriod{2026, 10};
    r.to = core::MonthPeriod{2026, 12};
    r.unit = "731";
    r.level = "district";
    r.now = day;
    std::ostringstream os;
    core::CsvWriter w(os, core::CsvWriterOptions{',', false, false});
    REQUIRE(storage::write_export(db, storage::ExportKind::kRollup, templates.form, r,
                                  storage::ExportLabels(), w));
    const auto doc = core::parse_csv(os.str());
    REQUIRE(doc.records.size() == 2);
    std::map<std::string, std::string> row;
    for (std::size_t i = 0; i < doc.records[0].fields.size(); ++i)
        row[doc.records[0].fields[i]] = doc.records[1].fields.at(i);

    // October and November (December is open): 4 teams in October (T03 not yet imported), 5 in
    // November; October 4 submitted, November 2.
    CHECK(row.at("period_from") == "2026-10");
    CHECK(row.at("period_to") == "2026-11");
    CHECK(row.at("expected") == "9");
    CHECK(row.at("submitted") == "6");
    CHECK(row.at("missing") == "3");
    CHECK(row.at("submitted_rate") == "66.7");
    CHECK(text.find("10/2026 – 11/2026") != std::string::npos);
    CHECK(text.find("Đã nộp " + row.at("submitted") + "/" + row.at("expected") +
                    " báo cáo (66,7%)") != std::string::npos);
    CHECK(text.find("còn thiếu " + row.at("missing") + " báo cáo") != std::string::npos);
    // The teams missing at least one month, named with their commune: T02, T03 and T05 (each
    // November): three teams, three team-months here.
    CHECK(text.find("Tổ còn thiếu báo cáo (3 tổ):") != std::string::npos);
    CHECK(text.find("Tổ CNS Ấp 2 (B) (Xã Long Hưng)") != std::string::npos);
    CHECK(text.find("hạn chót: hết ngày 14/12/2026") != std::string::npos);

    // With --month-to-date both would count December too; the export says so in its columns.
    r.month_to_date = true;
    std::ostringstream all;
    core::CsvWriter w2(all, core::CsvWriterOptions{',', false, false});
    REQUIRE(storage::write_export(db, storage::ExportKind::kRollup, templates.form, r,
                                  storage::ExportLabels(), w2));
    const auto mtd = core::parse_csv(all.str());
    REQUIRE(mtd.records.size() == 2);
    CHECK(all.str().find(",2026-10,2026-12,5,14,7,") != std::string::npos);
}
