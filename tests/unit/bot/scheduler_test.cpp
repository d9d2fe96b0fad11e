// The scheduler on a simulated clock: the real policy, SQLite and outbox, the small roster.
#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>
#include <sstream>

#include "bot/cli/cli.hpp"
#include "bot/cli/console_chat.hpp"
#include "bot/cli/simulation.hpp"
#include "bot/config.hpp"
#include "bot/jobs/scheduler.hpp"
#include "bot/templates.hpp"
#include "storage/chat_store.hpp"
#include "storage/inbox_repo.hpp"
#include "storage/outbox_repo.hpp"
#include "storage/period_repo.hpp"
#include "storage/reminder_repo.hpp"
#include "tests/support/small_roster.hpp"
#include "tests/support/temp_dir.hpp"

using namespace tcns;

namespace {

core::Instant at(const std::string& vietnam_time) {
    const auto t = core::parse_instant(vietnam_time);
    REQUIRE(t);
    return *t;
}

struct Row {
    std::string key, kind, channel, recipient, status, text;
    core::Instant created{}, next{};
};

struct World {
    World() : templates(bot::load_templates(TCNS_SOURCE_DIR "/templates")) {
        path = dir.file("t.db");
        db = std::make_unique<storage::Database>(path);
        test::seed_small_roster(*db);
        config.rescan_minutes = 0;
    }

    core::AccountId account(core::PersonId person, const std::string& channel,
                            core::Instant last_inbound) {
        SQLite::Statement q(db->handle(),
                            "INSERT INTO chat_accounts (channel, platform_user_id, person_id, "
                            "created_at, linked_at, last_inbound_at) VALUES (?, ?, ?, ?, ?, ?)");
        q.bind(1, channel);
        q.bind(2, channel + "-user-" + std::to_string(person));
        q.bind(3, std::int64_t{person});
        q.bind(4, core::to_unix(last_inbound));
        q.bind(5, core::to_unix(last_inbound));
        q.bind(6, core::to_unix(last_inbound));
        q.exec();
        return db->handle().getLastInsertRowid();
    }

    /// Console accounts (no window) for the leaders, the deputy and the official.
    void console_accounts() {
        for (core::PersonId p : {1, 2, 3, 5}) account(p, "console", at("2026-11-01T09:00"));
    }

    void submit(core::TeamId team, const std::string& period, core::Instant when,
                std::map<std::string, std::int64_t> values = {}, bool late = false) {
        core::SubmitReport r;
        r.team = team;
        r.period = period;
        r.late = late;
        for (const auto& [code, v] : values) r.answers[code].number = v;
        storage::with_transaction(*db, [&] {
            storage::ReportRepo(*db).submit(r, templates.form, std::nullopt, std::nullopt, when);
        });
    }

    std::vector<Row> rows(const std::string& where = "1") {
        SQLite::Statement q(db->handle(),
                            "SELECT idem_key, kind, channel, recipient, status, payload, "
                            "created_at, next_attempt_at FROM outbox WHERE " +
                                where + " ORDER BY idem_key");
        std::vector<Row> out;
        while (q.executeStep()) {
            Row r;
            r.key = q.getColumn(0).isNull() ? "" : q.getColumn(0).getString();
            r.kind = q.getColumn(1).getString();
            r.channel = q.getColumn(2).getString();
            r.recipient = q.getColumn(3).getString();
            r.status = q.getColumn(4).getString();
            r.text = storage::OutboxRepo::decode(q.getColumn(5).getString()).text;
            r.created = core::from_unix(q.getColumn(6).getInt64());
            r.next = core::from_unix(q.getColumn(7).getInt64());
            out.push_back(std::move(r));
        }
        return out;
    }

    std::optional<Row> row(const std::string& key) {
        auto r = rows("idem_key = '" + key + "'");
        if (r.empty()) return std::nullopt;
        return r.front();
    }

    std::size_t count(const std::string& key_like) {
        return rows("idem_key LIKE '" + key_like + "'").size();
    }

    /// Ticks a scheduler each hour from `from` to `to` (inclusive).
    void run_hours(bot::Scheduler& s, core::Instant from, core::Instant to) {
        for (core::Instant t = from; t <= to; t += std::chrono::hours(1)) s.tick(*db, t);
    }

    test::TempDir dir;
    std::string path;
    std::unique_ptr<storage::Database> db;
    bot::Templates templates;
    bot::SchedulerConfig config;
};

}  // namespace

TEST_CASE("a month on a simulated clock reminds only the teams that have not reported") {
    World w;
    w.console_accounts();
    bot::Scheduler s(w.templates, w.config);
    w.run_hours(s, at("2026-11-20T00:00"), at("2026-11-26T10:00"));
    w.submit(1, "2026-11", at("2026-11-26T10:30"));  // T1 reports after the first reminder
    w.run_hours(s, at("2026-11-26T11:00"), at("2026-12-01T12:00"));

    // T1: the five-day reminder only; T2 every step and the late notice.
    CHECK(w.row("remind:T1:2026-11:d5:2026-11-30:p1"));
    CHECK(w.count("remind:T1:2026-11:d2:%") == 0);
    CHECK(w.count("remind:T1:2026-11:d1:%") == 0);
    CHECK(w.count("late:T1:2026-11:%") == 0);
    CHECK(w.count("remind:T2:2026-11:%") == 3);
    CHECK(w.row("late:T2:2026-11:2026-11-30:p5"));
    // The late notice leads straight into the missing month ("bc" alone may ask which month).
    CHECK(w.row("late:T2:2026-11:2026-11-30:p5")->text.find("bc tháng 11/2026") !=
          std::string::npos);
    // The leader was reachable: the deputy (Bình, p3) got nothing.
    CHECK(w.count("%:p3") == 0);

    const auto r = w.row("remind:T2:2026-11:d2:2026-11-30:p5");
    REQUIRE(r);
    CHECK(r->status == "pending");
    CHECK(r->channel == "console");
    CHECK(r->recipient == "console-user-5");
    CHECK(r->text.find("Tổ CNS Ấp 2") != std::string::npos);
    CHECK(r->text.find("11/2026") != std::string::npos);
    CHECK(r->text.find("29/11/2026") != std::string::npos);
    CHECK(r->text.find("còn 2 ngày") != std::string::npos);
    CHECK(r->text.find("gõ bc để báo cáo") != std::string::npos);
    CHECK(core::to_vietnam(r->created).hour == 8);

    // Nothing was written in the quiet hours.
    for (const Row& row : w.rows()) {
        INFO(row.key);
        CHECK_FALSE(core::in_quiet_hours(row.created, w.config.policy.quiet));
    }
}

TEST_CASE("the escalation names the missing teams to the commune's officials") {
    World w;
    w.console_accounts();
    w.submit(1, "2026-11", at("2026-11-20T10:00"));
    bot::Scheduler s(w.templates, w.config);
    s.tick(*w.db, at("2026-11-30T07:00"));
    CHECK(w.count("escalate:%") == 0);
    s.tick(*w.db, at("2026-11-30T08:00"));
    const auto e = w.row("escalate:C:2026-11:2026-11-30:p2");
    REQUIRE(e);
    CHECK(e->kind == "escalation");
    CHECK(e->text.find("Võ Văn Em") != std::string::npos);
    CHECK(e->text.find("Xã An Bình còn 1/2 tổ") != std::string::npos);
    CHECK(e->text.find("• Tổ CNS Ấp 2") != std::string::npos);
    CHECK(e->text.find("Tổ CNS Ấp 1") == std::string::npos);
    // The same morning the official gets the commune's roll-up.
    const auto summary = w.row("summary:C:2026-11:p2");
    REQUIRE(summary);
    CHECK(summary->text.find("TỔNG HỢP BÁO CÁO Xã An Bình — tháng 11/2026") != std::string::npos);
    CHECK(summary->text.find("Đã nộp 1/2 báo cáo (50,0%)") != std::string::npos);
}

TEST_CASE("a restarted scheduler or a second one on the same database sends nothing twice") {
    World w;
    w.console_accounts();
    const core::Instant eight = at("2026-11-25T08:00");
    {
        bot::Scheduler before_crash(w.templates, w.config);
        before_crash.tick(*w.db, at("2026-11-25T07:59"));
        CHECK(w.rows().empty());
        before_crash.tick(*w.db, eight);
    }
    const std::size_t after_first = w.rows().size();
    CHECK(w.count("remind:%:d5:%") == 2);

    // A new process (new Scheduler, new connection) and a second server at the same instant.
    storage::Database other(w.path);
    bot::Scheduler restarted(w.templates, w.config);
    bot::Scheduler second(w.templates, w.config);
    restarted.tick(other, eight);
    second.tick(*w.db, eight);
    restarted.tick(other, eight + std::chrono::minutes(1));
    second.tick(*w.db, eight + std::chrono::hours(3));
    CHECK(w.rows().size() == after_first);
    CHECK(w.count("remind:T1:2026-11:d5:2026-11-30:p1") == 1);
}

TEST_CASE("killing and restarting the CLI around a reminder time queues each reminder once") {
    World w;
    w.console_accounts();
    w.db.reset();  // the CLI opens the file itself
    auto run = [&](const std::string& when) {
        std::vector<std::string> args = {"tcns", "--db", w.path, "remind", "--at", when};
        std::vector<const char*> argv;
        for (auto& a : args) argv.push_back(a.c_str());
        std::istringstream in;
        std::ostringstream out, err;
        const int rc = bot::run_cli(static_cast<int>(argv.size()), argv.data(), in, out, err);
        INFO(err.str());
        CHECK(rc == 0);
        return out.str();
    };
    run("2026-11-25T08:00");
    run("2026-11-25T08:00");
    const std::string third = run("2026-11-25T08:01");
    CHECK(third.find("0 new") != std::string::npos);
    w.db = std::make_unique<storage::Database>(w.path);
    CHECK(w.count("remind:%") == 2);
}

TEST_CASE("a dry run prints who would get what and writes nothing") {
    World w;
    w.console_accounts();
    bot::Scheduler s(w.templates, w.config);
    const auto r = s.tick(*w.db, at("2026-11-25T08:00"), true);
    CHECK(r.notices.size() == 2);
    CHECK(w.rows().empty());
    for (const auto& p : r.notices) {
        CHECK_FALSE(p.outcome);
        CHECK(p.template_key == "reminder.before_deadline");
        CHECK(p.recipient.find("******") != std::string::npos);  // a masked phone number
    }
}

TEST_CASE("an extended deadline moves the reminders") {
    World w;
    w.console_accounts();
    storage::PeriodRepo(*w.db).set_extension(core::MonthPeriod{2026, 11}, at("2026-12-05T00:00"),
                                             at("2026-11-20T00:00"));
    bot::Scheduler s(w.templates, w.config);
    s.tick(*w.db, at("2026-11-25T08:00"));
    CHECK(w.rows().empty());
    s.tick(*w.db, at("2026-11-30T08:00"));
    CHECK(w.count("late:%:2026-11:%") == 0);
    CHECK(w.count("escalate:%:2026-11:%") == 0);
    CHECK(w.row("remind:T1:2026-11:d5:2026-12-05:p1"));
    const auto r = w.row("remind:T2:2026-11:d5:2026-12-05:p5");
    REQUIRE(r);
    CHECK(r->text.find("04/12/2026") != std::string::npos);
    s.tick(*w.db, at("2026-12-05T08:00"));
    CHECK(w.row("late:T2:2026-11:2026-12-05:p5"));
}

TEST_CASE("each window policy decides how a reminder goes out") {
    World w;
    // An wrote on Zalo ten days ago: the 7-day window is closed.
    const core::Instant ten_days_ago = at("2026-11-15T08:00");
    w.account(1, "zalo", ten_days_ago);
    w.account(5, "console", ten_days_ago);
    w.account(2, "console", ten_days_ago);
    auto zalo_rule = [&](core::OutsideWindow o) {
        for (auto& r : w.config.policy.channels)
            if (r.channel == "zalo") r.outside = o;
    };

    SECTION("send anyway: a pending row on Zalo") {
        zalo_rule(core::OutsideWindow::kSendAnyway);
        bot::Scheduler(w.templates, w.config).tick(*w.db, at("2026-11-25T08:00"));
        const auto r = w.row("remind:T1:2026-11:d5:2026-11-30:p1");
        REQUIRE(r);
        CHECK(r->channel == "zalo");
        CHECK(r->status == "pending");
        CHECK(w.count("unreached:%") == 0);
    }
    SECTION("ZNS template: a row to the phone number") {
        zalo_rule(core::OutsideWindow::kZnsTemplate);
        bot::Scheduler(w.templates, w.config).tick(*w.db, at("2026-11-25T08:00"));
        const auto r = w.row("remind:T1:2026-11:d5:2026-11-30:p1");
        REQUIRE(r);
        CHECK(r->channel == "zalo");
        CHECK(r->kind == "zns");
        CHECK(r->recipient == "84912000001");
        CHECK(w.count("unreached:%") == 0);
    }
    SECTION("skip and report: recorded, not sent, and the commune's official is told") {
        zalo_rule(core::OutsideWindow::kSkipAndReport);
        bot::Scheduler(w.templates, w.config).tick(*w.db, at("2026-11-25T08:00"));
        const auto r = w.row("remind:T1:2026-11:d5:2026-11-30:p1");
        REQUIRE(r);
        CHECK(r->status == "skipped");
        // One digest a day for the official, with the leader's name and phone to call.
        const auto u = w.row("unreached:2026-11:2026-11-30:2026-11-25:p2");
        REQUIRE(u);
        CHECK(u->status == "pending");
        CHECK(u->text.find("Tổ CNS Ấp 1 — tổ trưởng Nguyễn Văn An, ĐT 0912000001") !=
              std::string::npos);
        CHECK(u->text.find("hạn chót: hết ngày 29/11/2026") != std::string::npos);
        CHECK(w.count("unreached:%") == 1);
    }
    SECTION("no account at all: the deputies are tried, then the official is told") {
        SQLite::Statement(w.db->handle(), "DELETE FROM chat_accounts WHERE person_id = 1").exec();
        bot::Scheduler(w.templates, w.config).tick(*w.db, at("2026-11-25T08:00"));
        CHECK(w.row("remind:T1:2026-11:d5:2026-11-30:p1")->status == "skipped");
        // Dung (p5) is T1's deputy too and has a console account.
        const auto d = w.row("remind:T1:2026-11:d5:2026-11-30:p5");
        REQUIRE(d);
        CHECK(d->status == "pending");
        CHECK(d->text.find("tổ phó") != std::string::npos);
        CHECK(w.count("unreached:%") == 0);
    }
}

TEST_CASE("summary arithmetic for the small tree matches the hand count") {
    World w;
    // T1 on time, T2 late; a unit target on the commune for LH01 (34) and a yearly one for HO01
    // (1,200 a year: 100 for one month).
    w.submit(1, "2026-11", at("2026-11-20T10:00"), {{"LH01", 10}, {"HO01", 4}, {"ID01", 0}});
    w.submit(2, "2026-11", at("2026-11-30T10:00"), {{"LH01", 7}, {"HO01", 21}}, true);
    w.submit(1, "2026-10", at("2026-10-20T10:00"), {{"LH01", 1000}});  // another month
    w.db->handle().exec(
        "INSERT INTO targets (unit_id, item_code, period, value) VALUES (2, 'LH01', '2026-11', 34),"
        " (2, 'HO01', '2026', 1200);"
        "INSERT INTO difficulties (team_id, period, category, text, source, created_at) VALUES "
        "(2, '2026-11', 'network', 'mất sóng ở cuối ấp', 'chat', 1795000000);");
    storage::ReminderRepo repo(*w.db);
    const core::MonthPeriod nov{2026, 11};
    const auto s = repo.summary(w.templates.form, 2, nov, nov);
    REQUIRE(s);
    CHECK(s->teams == 2);
    CHECK(s->expected == 2);
    CHECK(s->submitted == 2);
    CHECK(s->on_time == 1);
    CHECK(s->late == 1);
    CHECK(s->missing == 0);
    CHECK(s->difficulty_count == 1);
    std::map<std::string, core::ItemTotal> items;
    for (const auto& i : s->items) items[i.code] = i;
    CHECK(items.at("LH01").total == 17);
    CHECK(items.at("LH01").target == 34);
    CHECK(items.at("HO01").total == 25);
    CHECK(items.at("HO01").target == 100);
    CHECK(items.at("ID01").total == 0);
    CHECK_FALSE(items.at("ID01").target);
    CHECK(items.count("DV03") == 0);  // disabled in the form
    const std::string text = core::render_summary(*s, w.templates.messages);
    CHECK(text.find("Đã nộp 2/2 báo cáo (100,0%): đúng hạn 1, trễ hạn 1; còn thiếu 0 báo cáo") !=
          std::string::npos);
    CHECK(text.find("17/34") != std::string::npos);
    CHECK(text.find("đạt 50,0% chỉ tiêu") != std::string::npos);
    CHECK(text.find("25/100") != std::string::npos);
    CHECK(text.find("đạt 25,0% chỉ tiêu") != std::string::npos);
    CHECK(text.find("Tổ CNS Ấp 2 (Ấp 2) — Mạng, sóng yếu: mất sóng ở cuối ấp") !=
          std::string::npos);

    // Two months from the province: 4 team-months expected, 3 submitted, T2 missing October.
    const auto q = repo.summary(w.templates.form, 1, core::MonthPeriod{2026, 10}, nov);
    REQUIRE(q);
    CHECK(q->expected == 4);
    CHECK(q->submitted == 3);
    CHECK(q->missing == 1);
    CHECK(q->missing_teams == 1);
    // From the province a team is named with its commune (hamlet names repeat).
    CHECK(q->missing_names == std::vector<std::string>{"Tổ CNS Ấp 2 (Xã An Bình)"});
    for (const auto& i : q->items)
        if (i.code == "LH01") CHECK(i.total == 1017);
    // A hamlet's subtree holds one team.
    const auto h = repo.summary(w.templates.form, 4, nov, nov);
    REQUIRE(h);
    CHECK(h->teams == 1);
    CHECK(h->late == 1);
}

TEST_CASE("a summary names ten missing teams and counts the rest") {
    core::UnitSummary s;
    s.unit_name = "Xã X";
    s.period_label = "11/2026";
    s.teams = 14;
    s.expected = 14;
    s.missing = 12;
    s.missing_teams = 12;
    for (int i = 1; i <= 12; ++i) s.missing_names.push_back("Tổ " + std::to_string(i));
    const bot::Templates t = bot::load_templates(TCNS_SOURCE_DIR "/templates");
    const std::string text = core::render_summary(s, t.messages, 10);
    CHECK(text.find("• Tổ 10") != std::string::npos);
    CHECK(text.find("• Tổ 11") == std::string::npos);
    CHECK(text.find("… và 2 tổ khác.") != std::string::npos);
    CHECK(core::render_missing(s, t.messages, 30).find("• Tổ 12") != std::string::npos);
}

TEST_CASE("the quarterly reminder reaches the configured level before the 15th") {
    World w;
    w.console_accounts();
    // A province official too.
    w.db->handle().exec(
        "INSERT INTO people (id, phone, full_name) VALUES (6, '84912000006', 'Đỗ Văn Sở');"
        "INSERT INTO roles (person_id, role, unit_id, title) VALUES (6, 'official', 1, 'Sở');");
    w.account(6, "console", at("2026-12-01T09:00"));
    w.submit(1, "2026-10", at("2026-10-20T10:00"), {{"LH01", 5}});
    w.submit(1, "2026-11", at("2026-11-20T10:00"), {{"LH01", 6}});
    w.config.quarterly_rule.level = "commune";  // the small tree has no districts
    w.config.summaries = false;
    w.config.policy.late_notice = false;
    w.config.policy.escalation = false;
    bot::Scheduler s(w.templates, w.config);
    s.tick(*w.db, at("2026-12-09T08:00"));
    CHECK(w.count("quarterly:%") == 0);
    s.tick(*w.db, at("2026-12-10T07:00"));  // quiet until 07:00, but not yet 08:00
    CHECK(w.count("quarterly:%") == 0);
    s.tick(*w.db, at("2026-12-10T08:00"));
    const auto c = w.row("quarterly:2026-Q4:commune:2026-12-15:p2");
    REQUIRE(c);
    CHECK(c->text.find("quý 4/2026 của Xã An Bình") != std::string::npos);
    CHECK(c->text.find("hạn chót: hết ngày 14/12/2026") != std::string::npos);
    CHECK(c->text.find("10/2026 – 11/2026") != std::string::npos);
    CHECK(c->text.find("Đã nộp 2/4 báo cáo") != std::string::npos);
    const auto p = w.row("quarterly:2026-Q4:province:2026-12-15:p6");
    REQUIRE(p);
    CHECK(p->text.find("toàn tỉnh") != std::string::npos);
    s.tick(*w.db, at("2026-12-14T10:00"));
    CHECK(w.count("quarterly:%") == 2);
    s.tick(*w.db, at("2026-12-15T08:00"));  // the deadline has passed
    CHECK(w.count("quarterly:%") == 2);
}

TEST_CASE("a difficulty reaches the commune's officials as soon as it is sent") {
    World w;
    w.account(2, "viber", at("2026-11-18T08:00"));  // the official wrote recently
    bot::ConsoleChat an(*w.db, w.templates, "0912000001", at("2026-11-18T09:00"));
    an.send("khó khăn: mất sóng ở cuối ấp", at("2026-11-18T09:05"));
    auto alerts = w.rows("kind = 'difficulty'");
    REQUIRE(alerts.size() == 1);
    CHECK(alerts[0].key.rfind("difficulty:", 0) == 0);
    CHECK(alerts[0].key.find(":p2") != std::string::npos);
    CHECK(alerts[0].channel == "viber");
    CHECK(alerts[0].status == "pending");
    CHECK(alerts[0].text.find("Tổ CNS Ấp 1 (Ấp 1)") != std::string::npos);
    CHECK(alerts[0].text.find("mất sóng ở cuối ấp") != std::string::npos);
    CHECK(alerts[0].text.find("Nguyễn Văn An") != std::string::npos);
    CHECK(alerts[0].next == at("2026-11-18T09:05"));

    // At night it waits for the end of the quiet hours.
    an.send("khó khăn: điện thoại hỏng", at("2026-11-18T22:30"));
    alerts = w.rows("kind = 'difficulty'");
    REQUIRE(alerts.size() == 2);
    CHECK(alerts[1].next == at("2026-11-19T07:00"));
}

TEST_CASE("the scheduler configuration is read strictly and checked") {
    const bot::Config c = bot::parse_config(R"({"scheduler": {"tick_seconds": 30,
        "reminder_days": [3, 1], "send_hour": 9, "quiet_hours": {"from": 22, "until": 6},
        "commune_level": "ward", "quarterly": {"level": "province"},
        "channels": {"zalo": {"outside_window": "zns_template"}, "viber": {"window_hours": 12}}}})",
                                            "test");
    CHECK(c.scheduler.tick_seconds == 30);
    CHECK(c.scheduler.policy.days_before == std::vector<int>{3, 1});
    CHECK(c.scheduler.policy.send_hour == 9);
    CHECK(c.scheduler.policy.quiet.from_hour == 22);
    CHECK(c.scheduler.quarterly_rule.level == "province");
    CHECK(c.scheduler.quarterly_rule.send_hour == 9);
    CHECK(c.scheduler.commune_level == "ward");
    CHECK(c.scheduler.policy.channels[0].outside == core::OutsideWindow::kZnsTemplate);
    CHECK(c.scheduler.policy.channels[1].window == std::chrono::hours(12));
    CHECK_THROWS_AS(bot::parse_config(R"({"scheduler": {"send_hour": 23}})", "t"),
                    bot::ConfigError);
    CHECK_THROWS_AS(bot::parse_config(R"({"scheduler": {"reminder": [1]}})", "t"),
                    bot::ConfigError);
    CHECK_THROWS_AS(
        bot::parse_config(
            R"({"scheduler": {"channels": {"viber": {"outside_window": "zns_template"}}}})", "t"),
        bot::ConfigError);
    CHECK(bot::parse_config("{}", "t").scheduler.policy.days_before == std::vector<int>{5, 2, 1});
}

TEST_CASE("a simulated month on the small roster reminds no reporter and sends nothing at night") {
    World w;
    std::ostringstream timeline;
    bot::SimulationOptions o;
    o.month = core::MonthPeriod{2026, 11};
    o.seed = 7;
    o.report_share = 0.5;
    const auto sum = bot::simulate_month(*w.db, w.templates, bot::SchedulerConfig{}, o, timeline);
    INFO(timeline.str());
    CHECK(sum.teams == 2);
    CHECK(sum.reminders_to_reporters == 0);
    CHECK(sum.quiet_hour_messages == 0);
    CHECK(sum.messages.count("summary") == 1);
    CHECK(timeline.str().find("2026-11-30 08:00") != std::string::npos);
}

TEST_CASE("inbox rows older than the dedupe window are pruned, at most once an hour") {
    World w;
    storage::InboxRepo inbox(*w.db);
    const core::Instant now = at("2026-11-25T08:00");
    // 12,000 old rows (more than one chunk), two recent ones.
    storage::with_transaction(*w.db, [&] {
        for (int i = 0; i < 12000; ++i)
            inbox.record("viber", "old-" + std::to_string(i), "message",
                         now - std::chrono::hours(24 * 15));
        inbox.record("viber", "recent-1", "message", now - std::chrono::hours(24 * 13));
        inbox.record("zalo", "recent-2", "message", now - std::chrono::hours(1));
    });
    const auto count = [&] {
        SQLite::Statement q(w.db->handle(), "SELECT count(*) FROM inbox");
        q.executeStep();
        return q.getColumn(0).getInt64();
    };
    bot::Scheduler s(w.templates, w.config);
    CHECK(s.tick(*w.db, now, /*dry_run=*/true).pruned == 0);  // a dry run deletes nothing
    CHECK(count() == 12002);
    const auto r = s.tick(*w.db, now, false);
    CHECK(r.pruned == 12000);
    CHECK(count() == 2);
    CHECK(inbox.seen("viber", "recent-1"));
    // Within the hour nothing is scanned again; the next hour prunes what has aged.
    inbox.record("viber", "old-again", "message", now - std::chrono::hours(24 * 20));
    CHECK(s.tick(*w.db, now + std::chrono::minutes(30), false).pruned == 0);
    CHECK(s.tick(*w.db, now + std::chrono::hours(1), false).pruned == 1);
}
