// Chat and web agree (issue 16): an official's chat summary and the web page read a unit's
// numbers for a period from the same functions (storage/compliance.hpp), and with public_url set
// every chat summary ends with a plain link to that unit's page (no sign-in token in it).
#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>

#include "bot/cli/console_chat.hpp"
#include "bot/jobs/notify.hpp"
#include "bot/jobs/scheduler.hpp"
#include "bot/templates.hpp"
#include "core/summary.hpp"
#include "storage/admin_overview.hpp"
#include "storage/chat_store.hpp"
#include "storage/compliance.hpp"
#include "storage/outbox_repo.hpp"
#include "storage/reminder_repo.hpp"
#include "tests/support/small_roster.hpp"
#include "tests/support/temp_dir.hpp"

using namespace tcns;

namespace {

constexpr const char* kUrl = "https://tcns.example.vn";
const core::MonthPeriod kOctober{2026, 10};
const core::MonthPeriod kNovember{2026, 11};

core::Instant at(const std::string& vietnam_time) {
    const auto t = core::parse_instant(vietnam_time);
    REQUIRE(t);
    return *t;
}

bool ends_with(const std::string& text, const std::string& tail) {
    return text.size() >= tail.size() &&
           text.compare(text.size() - tail.size(), tail.size(), tail) == 0;
}

struct World {
    World() : templates(bot::load_templates(TCNS_SOURCE_DIR "/templates")) {
        db = std::make_unique<storage::Database>(dir.file("t.db"));
        test::seed_small_roster(*db);
        config.rescan_minutes = 0;
        config.policy.late_notice = false;
        config.policy.escalation = false;
        // Console accounts (no window) for the leaders and the official of Xã An Bình (p2), and
        // a province official (p6).
        db->handle().exec(
            "INSERT INTO people (id, phone, full_name) VALUES (6, '84912000006', 'Đỗ Văn Sở');"
            "INSERT INTO roles (person_id, role, unit_id, title) VALUES (6, 'official', 1, 'Sở');");
        for (core::PersonId p : {1, 2, 5, 6}) {
            SQLite::Statement q(db->handle(),
                                "INSERT INTO chat_accounts (channel, platform_user_id, person_id, "
                                "created_at, linked_at, last_inbound_at) "
                                "VALUES ('console', ?, ?, ?, ?, ?)");
            const auto t = core::to_unix(at("2026-11-01T09:00"));
            q.bind(1, "console-user-" + std::to_string(p));
            q.bind(2, std::int64_t{p});
            q.bind(3, t);
            q.bind(4, t);
            q.bind(5, t);
            q.exec();
        }
        // T1 on time, T2 late in November; T1 alone in October; targets on the commune.
        submit(1, "2026-11", at("2026-11-20T10:00"), {{"LH01", 10}, {"HO01", 4}, {"ID01", 0}});
        submit(2, "2026-11", at("2026-11-30T10:00"), {{"LH01", 7}, {"HO01", 21}}, true);
        submit(1, "2026-10", at("2026-10-20T10:00"), {{"LH01", 1000}});
        db->handle().exec(
            "INSERT INTO targets (unit_id, item_code, period, value) VALUES "
            "(2, 'LH01', '2026-11', 34), (2, 'HO01', '2026', 1200);");
    }

    void submit(core::TeamId team, const std::string& period, core::Instant when,
                std::map<std::string, std::int64_t> values, bool late = false) {
        core::SubmitReport r;
        r.team = team;
        r.period = period;
        r.late = late;
        for (const auto& [code, v] : values) r.answers[code].number = v;
        storage::with_transaction(*db, [&] {
            storage::ReportRepo(*db).submit(r, templates.form, std::nullopt, std::nullopt, when);
        });
    }

    std::optional<std::string> text(const std::string& idem_key) {
        SQLite::Statement q(db->handle(), "SELECT payload FROM outbox WHERE idem_key = ?");
        q.bind(1, idem_key);
        if (!q.executeStep()) return std::nullopt;
        return storage::OutboxRepo::decode(q.getColumn(0).getString()).text;
    }

    /// The monthly summary the scheduler queues the morning after November's deadline.
    std::string monthly_summary(const std::string& public_url) {
        bot::SchedulerConfig c = config;
        c.public_url = public_url;
        bot::Scheduler s(templates, c);
        s.tick(*db, at("2026-12-01T08:00"));
        const auto t = text("summary:C:2026-11:p2");
        REQUIRE(t);
        return *t;
    }

    test::TempDir dir;
    std::unique_ptr<storage::Database> db;
    bot::Templates templates;
    bot::SchedulerConfig config;
};

std::string fmt_counts(const storage::ComplianceCounts& c) {
    return "Đã nộp " + std::to_string(c.submitted) + "/" + std::to_string(c.expected) +
           " báo cáo (" + core::percent_text(c.submitted, c.expected) + "): đúng hạn " +
           std::to_string(c.on_time) + ", trễ hạn " + std::to_string(c.late) + "; còn thiếu " +
           std::to_string(c.missing()) + " báo cáo.";
}

}  // namespace

TEST_CASE("the chat summary and the page's data agree for a unit and period", "[summary-page]") {
    World w;
    const std::string text = w.monthly_summary("");
    const storage::MonthRange nov{kNovember, kNovember};

    // The page as the commune's official sees it (scoped to Xã An Bình), and the province's
    // page with the commune as a row: the same counts as the chat message.
    const auto scoped = storage::compliance_overview(*w.db, kNovember, "hamlet", 200, 2);
    const auto province = storage::compliance_overview(*w.db, kNovember, "commune", 200, 1);
    REQUIRE(province.units.size() == 1);
    const auto figures = storage::unit_figures(*w.db, w.templates.form, 2, nov);
    const auto summary =
        storage::ReminderRepo(*w.db).summary(w.templates.form, 2, kNovember, kNovember);
    REQUIRE(summary);
    for (const storage::ComplianceCounts* c :
         {&scoped.total, &province.units[0].counts, &figures.counts}) {
        CHECK(c->expected == summary->expected);
        CHECK(c->submitted == summary->submitted);
        CHECK(c->on_time == summary->on_time);
        CHECK(c->late == summary->late);
        CHECK(c->missing() == summary->missing);
        CHECK(text.find(fmt_counts(*c)) != std::string::npos);
    }
    CHECK(figures.counts.expected == 2);
    CHECK(figures.counts.on_time == 1);

    // Indicators against targets: the summary's are unit_figures', item by item.
    REQUIRE(summary->items.size() == figures.items.size());
    for (std::size_t i = 0; i < figures.items.size(); ++i) {
        INFO(figures.items[i].code);
        CHECK(summary->items[i].code == figures.items[i].code);
        CHECK(summary->items[i].total == figures.items[i].total);
        CHECK(summary->items[i].target == figures.items[i].target);
        if (figures.items[i].target)
            CHECK(text.find(std::to_string(figures.items[i].total) + "/" +
                            std::to_string(*figures.items[i].target)) != std::string::npos);
    }
    std::map<std::string, core::ItemTotal> items;
    for (const auto& i : figures.items) items[i.code] = i;
    CHECK(items.at("LH01").total == 17);
    CHECK(items.at("LH01").target == 34);
    CHECK(items.at("HO01").total == 25);
    CHECK(items.at("HO01").target == 100);

    // Two months from the province (the quarter to date): the same again.
    const storage::MonthRange two{kOctober, kNovember};
    const auto q = storage::ReminderRepo(*w.db).summary(w.templates.form, 1, kOctober, kNovember);
    REQUIRE(q);
    const auto qf = storage::unit_figures(*w.db, w.templates.form, 1, two);
    CHECK(q->expected == qf.counts.expected);
    CHECK(q->missing == qf.counts.missing());
    CHECK(qf.counts.expected == 4);
    CHECK(qf.counts.missing() == 1);
    const auto by_unit = storage::compliance_by_unit(*w.db, std::nullopt, "province", two);
    REQUIRE(by_unit.count(1));
    CHECK(by_unit.at(1).expected == q->expected);
    CHECK(by_unit.at(1).submitted == q->submitted);
}

TEST_CASE("a chat summary links to the unit's page only when public_url is set", "[summary-page]") {
    SECTION("the monthly summary") {
        World w;
        CHECK(w.monthly_summary("").find("http") == std::string::npos);
        World v;
        const std::string text = v.monthly_summary(kUrl);
        CHECK(ends_with(text,
                        "\nXem chi tiết trên trang web (đăng nhập: gõ \"web\" để nhận "
                        "đường dẫn): https://tcns.example.vn/admin/area?unit=C&period=2026-11"));
        CHECK(text.find("/login/") == std::string::npos);  // never a sign-in token
        // The province's official gets the province's page.
        const auto p = v.text("summary:P:2026-11:p6");
        REQUIRE(p);
        CHECK(ends_with(*p, "https://tcns.example.vn/admin/area?unit=P&period=2026-11"));
    }
    SECTION("the quarterly roll-up") {
        for (const std::string& url : {std::string(), std::string(kUrl)}) {
            World w;
            w.config.quarterly_rule.level = "commune";  // the small tree has no districts
            w.config.summaries = false;
            w.config.public_url = url;
            bot::Scheduler s(w.templates, w.config);
            s.tick(*w.db, at("2026-12-10T08:00"));
            const auto c = w.text("quarterly:2026-Q4:commune:2026-12-15:p2");
            REQUIRE(c);
            const auto p = w.text("quarterly:2026-Q4:province:2026-12-15:p6");
            REQUIRE(p);
            if (url.empty()) {
                CHECK(c->find("http") == std::string::npos);
                CHECK(p->find("http") == std::string::npos);
            } else {
                // The quarter to its last closed month (October and November on 10/12).
                CHECK(ends_with(*c,
                                "https://tcns.example.vn/admin/area?unit=C&period=2026-11&"
                                "span=quarter"));
                CHECK(ends_with(*p,
                                "https://tcns.example.vn/admin/area?unit=P&period=2026-11&"
                                "span=quarter"));
            }
        }
    }
    SECTION("the summary an official asks for in chat") {
        for (const std::string& url : {std::string(), std::string(kUrl)}) {
            World w;
            bot::ConsoleChat chat(*w.db, w.templates, "0912000002", at("2026-12-02T09:00"), url);
            const auto replies = chat.send("tổng hợp 2026-11", at("2026-12-02T09:00"));
            REQUIRE_FALSE(replies.empty());
            const std::string& text = replies.back().text;
            INFO(text);
            CHECK(text.find("TỔNG HỢP BÁO CÁO Xã An Bình") != std::string::npos);
            if (url.empty())
                CHECK(text.find("http") == std::string::npos);
            else
                CHECK(ends_with(text, "https://tcns.example.vn/admin/area?unit=C&period=2026-11"));
        }
    }
}

TEST_CASE("the page address escapes a unit code and names the span", "[summary-page]") {
    const core::MonthPeriod nov{2026, 11};
    CHECK(bot::unit_page_url("", "C", nov).empty());
    CHECK(bot::unit_page_url(kUrl, "100-01", nov) ==
          "https://tcns.example.vn/admin/area?unit=100-01&period=2026-11");
    CHECK(bot::unit_page_url(kUrl, "A&B =#", nov, "ytd") ==
          "https://tcns.example.vn/admin/area?unit=A%26B%20%3D%23&period=2026-11&span=ytd");
}

TEST_CASE("a summary that expired unsent is replaced the next day with that day's numbers",
          "[summary-page]") {
    World w;
    w.config.public_url = kUrl;
    bot::Scheduler s(w.templates, w.config);
    s.tick(*w.db, at("2026-12-01T08:00"));
    REQUIRE(w.text("summary:C:2026-11:p2"));
    // The platform was down until after midnight: the dispatcher dropped it as expired.
    w.db->handle().exec(
        "UPDATE outbox SET status = 'stale', error = 'expired' "
        "WHERE idem_key = 'summary:C:2026-11:p2'");
    s.tick(*w.db, at("2026-12-02T08:00"));
    const auto again = w.text("summary:C:2026-11:p2:2026-12-02");
    REQUIRE(again);
    CHECK(again->find("TỔNG HỢP BÁO CÁO Xã An Bình — tháng 11/2026") != std::string::npos);
    CHECK(again->find("Đã nộp 2/2 báo cáo") != std::string::npos);
    CHECK(ends_with(*again, "https://tcns.example.vn/admin/area?unit=C&period=2026-11"));
    // Once one went out, no further replacement; the province official's (sent) gets none.
    w.db->handle().exec(
        "UPDATE outbox SET status = 'sent' WHERE idem_key = 'summary:C:2026-11:p2:2026-12-02';"
        "UPDATE outbox SET status = 'sent' WHERE idem_key = 'summary:P:2026-11:p6'");
    s.tick(*w.db, at("2026-12-03T08:00"));
    CHECK_FALSE(w.text("summary:C:2026-11:p2:2026-12-03"));
    CHECK_FALSE(w.text("summary:P:2026-11:p6:2026-12-02"));
    CHECK_FALSE(w.text("summary:P:2026-11:p6:2026-12-03"));
}

TEST_CASE("an official of two units gets a roll-up for each in chat", "[summary-page]") {
    World w;
    w.db->handle().exec(
        "INSERT INTO roles (person_id, role, unit_id, title) VALUES (2, 'official', 1, 'Tỉnh')");
    bot::ConsoleChat chat(*w.db, w.templates, "0912000002", at("2026-12-02T09:00"), kUrl);
    const auto replies = chat.send("tổng hợp 2026-11", at("2026-12-02T09:00"));
    std::vector<std::string> rollups;
    for (const auto& r : replies)
        if (r.text.find("TỔNG HỢP BÁO CÁO") != std::string::npos) rollups.push_back(r.text);
    REQUIRE(rollups.size() == 2);
    CHECK(rollups[0].find("TỔNG HỢP BÁO CÁO Xã An Bình") != std::string::npos);
    CHECK(ends_with(rollups[0], "https://tcns.example.vn/admin/area?unit=C&period=2026-11"));
    CHECK(rollups[1].find("TỔNG HỢP BÁO CÁO Tỉnh Thử") != std::string::npos);
    CHECK(ends_with(rollups[1], "https://tcns.example.vn/admin/area?unit=P&period=2026-11"));
    // The scheduled summaries: one per unit as well.
    w.config.public_url = kUrl;
    bot::Scheduler s(w.templates, w.config);
    s.tick(*w.db, at("2026-12-01T08:00"));
    CHECK(w.text("summary:C:2026-11:p2"));
    CHECK(w.text("summary:P:2026-11:p2"));
}
