// Issue 14: bulk messages are true when they arrive. The real scheduler queues reminders on a
// simulated clock; the real dispatcher and Viber sender deliver them to the fake Viber API later,
// checking just before each send what makes the row true (a report since, the deadline moved,
// quiet hours), and rendering the days left from the calendar at send time.
#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "bot/channels/channel_senders.hpp"
#include "bot/channels/http_client.hpp"
#include "bot/jobs/dispatcher.hpp"
#include "bot/jobs/scheduler.hpp"
#include "bot/metrics.hpp"
#include "bot/templates.hpp"
#include "storage/chat_store.hpp"
#include "storage/period_repo.hpp"
#include "tests/fakes/fake_platform.hpp"
#include "tests/support/small_roster.hpp"
#include "tests/support/temp_dir.hpp"

using namespace tcns;
using namespace std::chrono_literals;

namespace {

constexpr const char* kViberToken = "445da6az1s345z78-dazcczb2542zv51a-e0vc5fva17480im9";

core::Instant at(const std::string& vietnam_time) {
    const auto t = core::parse_instant(vietnam_time);
    REQUIRE(t);
    return *t;
}

/// The small roster with Viber accounts for both leaders (An of T1, Dung of T2), a scheduler,
/// and a dispatcher whose clock the test sets.
struct World {
    test::TempDir dir;
    std::string path = dir.file("true.db");
    bot::Templates templates = bot::load_templates(TCNS_SOURCE_DIR "/templates");
    std::unique_ptr<storage::Database> db;
    test::FakePlatform fake;
    bot::HttpClient http{2s};
    core::Instant clock{};
    std::unique_ptr<bot::Dispatcher> dispatcher;
    bot::SchedulerConfig config;

    World() {
        db = std::make_unique<storage::Database>(path);
        test::seed_small_roster(*db);
        for (core::PersonId p : {1, 5}) {
            SQLite::Statement q(db->handle(),
                                "INSERT INTO chat_accounts (channel, platform_user_id, person_id, "
                                "created_at, linked_at, last_inbound_at) VALUES ('viber', ?, ?, "
                                "?, ?, ?)");
            q.bind(1, "viber-user-" + std::to_string(p));
            q.bind(2, std::int64_t{p});
            const auto t = core::to_unix(at("2026-11-20T09:00"));
            q.bind(3, t);
            q.bind(4, t);
            q.bind(5, t);
            q.exec();
        }
        config.rescan_minutes = 0;
        bot::DispatcherOptions o;
        o.quiet = config.policy.quiet;
        o.render = [this](const std::string& key, const core::Params& params) {
            return templates.messages.render(key, params);
        };
        o.idle_wait = 50ms;
        auto sender =
            std::make_shared<bot::ViberSender>(fake.viber_base(), kViberToken, "Tổ CNS", "", http);
        dispatcher = std::make_unique<bot::Dispatcher>(
            path, std::vector<std::shared_ptr<bot::ChannelSender>>{sender}, o,
            [this] { return clock; });
    }

    void tick(core::Instant now) {
        bot::Scheduler s(templates, config);
        s.tick(*db, now);
    }
    /// Dispatcher passes at `now` until nothing more is handled.
    void dispatch(core::Instant now) {
        clock = now;
        for (int i = 0; i < 20 && dispatcher->run_once() > 0; ++i) {
        }
    }
    void submit(core::TeamId team, core::Instant when) {
        core::SubmitReport r;
        r.team = team;
        r.period = "2026-11";
        storage::with_transaction(*db, [&] {
            storage::ReportRepo(*db).submit(r, templates.form, std::nullopt, std::nullopt, when);
        });
    }
    /// Texts the fake Viber API accepted for a recipient.
    std::vector<std::string> delivered(const std::string& receiver) {
        std::vector<std::string> out;
        for (const auto& r : fake.accepted("/send_message")) {
            const auto j = nlohmann::json::parse(r.body, nullptr, false);
            if (j.is_object() && j.value("receiver", "") == receiver)
                out.push_back(j.value("text", ""));
        }
        return out;
    }
    std::string status_of(const std::string& key_prefix) {
        SQLite::Statement q(db->handle(),
                            "SELECT status || ':' || ifnull(error, '') FROM outbox WHERE idem_key "
                            ">= ? ORDER BY idem_key LIMIT 1");
        q.bind(1, key_prefix);
        return q.executeStep() ? q.getColumn(0).getString() : "";
    }
};

double metric(const std::string& series) {
    const std::string text = bot::Metrics::instance().render();
    const auto at = text.find(series + " ");
    if (at == std::string::npos) return 0;
    return std::stod(text.substr(at + series.size() + 1));
}

}  // namespace

TEST_CASE("a reminder queued before a submission is not delivered after it") {
    World w;
    const double stale0 = metric("tcns_outbox_stale_total{reason=\"reported\"}");
    w.tick(at("2026-11-28T08:00"));  // D-2 for both teams
    w.submit(1, at("2026-11-28T08:01"));
    w.dispatch(at("2026-11-28T08:02"));
    CHECK(w.delivered("viber-user-1").empty());  // An's team reported: nothing sent
    REQUIRE(w.delivered("viber-user-5").size() == 1);
    CHECK_THAT(w.delivered("viber-user-5")[0], Catch::Contains("còn 2 ngày"));
    CHECK(w.status_of("remind:T1:2026-11:d2") == "stale:reported");
    // Counted in /metrics, by reason.
    CHECK(metric("tcns_outbox_stale_total{reason=\"reported\"}") == stale0 + 1);
}

TEST_CASE("a reminder delayed into quiet hours goes out at 07:00 with the right days left") {
    World w;
    w.tick(at("2026-11-25T08:00"));  // D-5, queued
    // The server was down all day: the dispatcher first sees the row at 21:30, in quiet hours.
    w.dispatch(at("2026-11-25T21:30"));
    CHECK(w.fake.accepted("/send_message").empty());
    w.dispatch(at("2026-11-26T06:59"));
    CHECK(w.fake.accepted("/send_message").empty());
    w.dispatch(at("2026-11-26T07:00"));
    const auto texts = w.delivered("viber-user-1");
    REQUIRE(texts.size() == 1);
    // 26/11 with the last day 29/11: four days, not the step's five.
    CHECK_THAT(texts[0], Catch::Contains("còn 4 ngày"));
    CHECK_THAT(texts[0], Catch::Contains("29/11/2026"));
}

TEST_CASE("an extension drops the reminders of the old deadline and re-renders the days left") {
    World w;
    const double moved0 = metric("tcns_outbox_stale_total{reason=\"deadline_moved\"}");
    w.tick(at("2026-11-25T08:00"));  // D-5 of 00:00 30/11, queued but not yet sent
    // period extend 2026-11 --until 2026-12-02: the deadline becomes 00:00 03/12.
    storage::PeriodRepo(*w.db).set_extension({2026, 11}, at("2026-12-03T00:00"),
                                             at("2026-11-25T08:30"));
    w.dispatch(at("2026-11-25T08:31"));
    CHECK(w.fake.accepted("/send_message").empty());
    CHECK(w.status_of("remind:T1:2026-11:d5:2026-11-30") == "stale:deadline_moved");
    CHECK(metric("tcns_outbox_stale_total{reason=\"deadline_moved\"}") == moved0 + 2);
    // A tick on 29/11 plans the new deadline's D-5 step (due 28/11 08:00 until 01/12): the text
    // says four days, as the calendar does.
    w.tick(at("2026-11-29T08:00"));
    w.dispatch(at("2026-11-29T08:01"));
    const auto texts = w.delivered("viber-user-1");
    REQUIRE(texts.size() == 1);
    CHECK_THAT(texts[0], Catch::Contains("còn 4 ngày"));
    CHECK_THAT(texts[0], Catch::Contains("02/12/2026"));
}

TEST_CASE("a reminder whose step has passed is dropped as expired") {
    World w;
    w.tick(at("2026-11-25T08:00"));  // D-5, due until the D-2 step at 08:00 28/11
    w.dispatch(at("2026-11-28T08:00"));
    CHECK(w.fake.accepted("/send_message").empty());
    CHECK(w.status_of("remind:T1:2026-11:d5") == "stale:expired");
}
