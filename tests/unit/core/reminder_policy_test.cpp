#include <catch2/catch.hpp>

#include <functional>
#include <map>
#include <set>

#include "core/reminder_policy.hpp"

using namespace tcns::core;
using namespace std::chrono_literals;

namespace {

/// The window rules bot/ passes in for its channels (core names none): the shipped defaults.
ReminderPolicyConfig policy() {
    ReminderPolicyConfig c;
    c.channels = {
        {"zalo", std::chrono::hours(24 * 7), OutsideWindow::kSkipAndReport, true},
        {"viber", std::chrono::hours(24), OutsideWindow::kSendAnyway, false},
    };
    return c;
}

Instant vn(int y, int m, int d, int h = 0, int min = 0) {
    return from_vietnam(LocalDateTime{{y, m, d}, h, min, 0});
}

std::string show(Instant t) {
    return format_vietnam_iso(t);
}

ContactAccount account(AccountId id, std::string channel, std::optional<Instant> last_inbound,
                       bool reachable = true) {
    return ContactAccount{id, std::move(channel), last_inbound, reachable};
}

Contact person(PersonId id, std::string name, std::vector<ContactAccount> accounts) {
    return Contact{id, std::move(name), "8490000" + std::to_string(100 + id), std::move(accounts)};
}

const MonthPeriod kNov{2026, 11};
const Instant kNovDeadline = default_monthly_deadline(kNov);  // 2026-11-30 00:00 Vietnam

/// Three teams of one commune, on the console (no messaging window): A has not reported, B has,
/// C has not and its leader's only account was refused by the platform.
std::vector<TeamReminderStatus> commune_teams() {
    CommuneContacts commune{26380,
                            "26380",
                            "Xã Long Hưng",
                            {person(90, "Cán bộ Một", {account(900, "console", std::nullopt)}),
                             person(91, "Cán bộ Hai", {account(910, "console", std::nullopt)})}};
    TeamReminderStatus a{1,
                         "A01",
                         "Tổ Ấp 1",
                         false,
                         person(1, "Trưởng A", {account(10, "console", std::nullopt)}),
                         {person(2, "Phó A", {account(20, "console", std::nullopt)})},
                         commune};
    TeamReminderStatus b{
        2,  "A02",  "Tổ Ấp 2", true, person(3, "Trưởng B", {account(30, "console", std::nullopt)}),
        {}, commune};
    TeamReminderStatus c{3,
                         "A03",
                         "Tổ Ấp 3",
                         false,
                         person(5, "Trưởng C", {account(50, "console", std::nullopt, false)}),
                         {person(6, "Phó C1", {account(60, "console", std::nullopt)}),
                          person(7, "Phó C2", {account(70, "console", std::nullopt)})},
                         commune};
    return {a, b, c};
}

/// An outbox that refuses a second row with the same key, as the real one does.
struct FakeOutbox {
    std::map<std::string, DueMessage> rows;
    std::map<std::string, Instant> first_at;
    int refused = 0;
    void put(const DueMessage& m, Instant now) {
        if (rows.emplace(m.idem_key, m).second)
            first_at.emplace(m.idem_key, now);
        else
            ++refused;
    }
};

/// Calls the policy every `step` from `from` (inclusive) to `to` (exclusive), like the scheduler
/// thread, putting everything due into the outbox. `deadline_at` gives the deadline in force.
void walk(FakeOutbox& outbox, Instant from, Instant to, std::chrono::seconds step,
          const std::vector<TeamReminderStatus>& teams,
          const std::function<Instant(Instant)>& deadline_at,
          const ReminderPolicyConfig& config = policy()) {
    for (Instant now = from; now < to; now += step)
        for (const DueMessage& m : due_messages(now, kNov, deadline_at(now), teams, config))
            outbox.put(m, now);
}

Instant fixed_deadline(Instant) {
    return kNovDeadline;
}

/// The keys of the outbox with the instant each was first produced.
std::map<std::string, std::string> schedule_of(const FakeOutbox& outbox) {
    std::map<std::string, std::string> out;
    for (const auto& [key, at] : outbox.first_at) out[key] = show(at);
    return out;
}

}  // namespace

TEST_CASE("walking November hour by hour reminds only non-reporters, 5, 2 and 1 days before",
          "[reminders]") {
    FakeOutbox outbox;
    walk(outbox, vn(2026, 11, 1), vn(2026, 12, 10), 1h, commune_teams(), fixed_deadline);
    const std::map<std::string, std::string> expected{
        {"remind:A01:2026-11:d5:2026-11-30:p1", "2026-11-25T08:00:00+07:00"},
        {"remind:A01:2026-11:d2:2026-11-30:p1", "2026-11-28T08:00:00+07:00"},
        {"remind:A01:2026-11:d1:2026-11-30:p1", "2026-11-29T08:00:00+07:00"},
        {"late:A01:2026-11:2026-11-30:p1", "2026-11-30T08:00:00+07:00"},
        // C's leader cannot be reached: C's deputies are reminded too, and the leader's row
        // says why nothing went to them.
        {"remind:A03:2026-11:d5:2026-11-30:p5", "2026-11-25T08:00:00+07:00"},
        {"remind:A03:2026-11:d5:2026-11-30:p6", "2026-11-25T08:00:00+07:00"},
        {"remind:A03:2026-11:d5:2026-11-30:p7", "2026-11-25T08:00:00+07:00"},
        {"remind:A03:2026-11:d2:2026-11-30:p5", "2026-11-28T08:00:00+07:00"},
        {"remind:A03:2026-11:d2:2026-11-30:p6", "2026-11-28T08:00:00+07:00"},
        {"remind:A03:2026-11:d2:2026-11-30:p7", "2026-11-28T08:00:00+07:00"},
        {"remind:A03:2026-11:d1:2026-11-30:p5", "2026-11-29T08:00:00+07:00"},
        {"remind:A03:2026-11:d1:2026-11-30:p6", "2026-11-29T08:00:00+07:00"},
        {"remind:A03:2026-11:d1:2026-11-30:p7", "2026-11-29T08:00:00+07:00"},
        {"late:A03:2026-11:2026-11-30:p5", "2026-11-30T08:00:00+07:00"},
        {"late:A03:2026-11:2026-11-30:p6", "2026-11-30T08:00:00+07:00"},
        {"late:A03:2026-11:2026-11-30:p7", "2026-11-30T08:00:00+07:00"},
        {"escalate:26380:2026-11:2026-11-30:p90", "2026-11-30T08:00:00+07:00"},
        {"escalate:26380:2026-11:2026-11-30:p91", "2026-11-30T08:00:00+07:00"},
    };
    CHECK(schedule_of(outbox) == expected);

    // A's deputy is not bothered while A's leader can be reached; B reported and hears nothing.
    for (const auto& [key, m] : outbox.rows) {
        CHECK(m.person != 2);
        CHECK(m.person != 3);
    }
    const DueMessage& c_leader = outbox.rows.at("remind:A03:2026-11:d5:2026-11-30:p5");
    CHECK(c_leader.decision == WindowDecision::kUnreachable);
    CHECK_FALSE(c_leader.account);
    const DueMessage& c_deputy = outbox.rows.at("remind:A03:2026-11:d5:2026-11-30:p6");
    CHECK(c_deputy.decision == WindowDecision::kOpen);
    CHECK(c_deputy.account->id == 60);
    CHECK(c_deputy.params.at("role") == "deputy");
}

TEST_CASE("due messages carry their kind, template key and named parameters", "[reminders]") {
    const auto teams = commune_teams();
    const auto d2 = due_messages(vn(2026, 11, 28, 8), kNov, kNovDeadline, teams, policy());
    REQUIRE_FALSE(d2.empty());
    const DueMessage& m = d2.front();
    CHECK(m.idem_key == "remind:A01:2026-11:d2:2026-11-30:p1");
    CHECK(m.kind == DueKind::kReminder);
    CHECK(m.template_key == "reminder.before_deadline");
    CHECK(m.person == 1);
    CHECK(m.account->id == 10);
    CHECK(m.scheduled_at == vn(2026, 11, 28, 8));
    CHECK(m.params.at("days_left") == "2");
    CHECK(m.params.at("team_name") == "Tổ Ấp 1");
    CHECK(m.params.at("team_code") == "A01");
    CHECK(m.params.at("name") == "Trưởng A");
    CHECK(m.params.at("period") == "2026-11");
    CHECK(m.params.at("month") == "11/2026");
    CHECK(m.params.at("last_day") == "29/11/2026");
    CHECK(m.params.at("role") == "leader");

    const auto morning_after =
        due_messages(vn(2026, 11, 30, 9), kNov, kNovDeadline, teams, policy());
    const auto escalation =
        std::find_if(morning_after.begin(), morning_after.end(),
                     [](const DueMessage& x) { return x.kind == DueKind::kEscalation; });
    REQUIRE(escalation != morning_after.end());
    CHECK(escalation->template_key == "reminder.escalation");
    CHECK(escalation->params.at("unit_name") == "Xã Long Hưng");
    CHECK(escalation->params.at("missing_count") == "2");
    CHECK(escalation->params.at("team_count") == "3");
    CHECK(escalation->params.at("missing_teams") == "Tổ Ấp 1\nTổ Ấp 3");
    const auto late =
        std::find_if(morning_after.begin(), morning_after.end(),
                     [](const DueMessage& x) { return x.kind == DueKind::kLateNotice; });
    REQUIRE(late != morning_after.end());
    CHECK(late->template_key == "reminder.late_notice");
    CHECK(due_kind_name(late->kind) == "late_notice");
}

TEST_CASE("nothing is due during quiet hours, checked minute by minute around the deadline",
          "[reminders]") {
    const auto teams = commune_teams();
    for (Instant now = vn(2026, 11, 24); now < vn(2026, 12, 2); now += 5min) {
        const int hour = to_vietnam(now).hour;
        const auto due = due_messages(now, kNov, kNovDeadline, teams, policy());
        if (hour >= 21 || hour < 7) {
            INFO(show(now));
            CHECK(due.empty());
        }
    }
}

TEST_CASE(
    "a step missed by a stopped scheduler waits for the morning, but never outlives the "
    "next step",
    "[reminders]") {
    const auto teams = commune_teams();
    // Down from 07:00 on the 25th until 22:00: quiet hours, so d5 waits for 07:00 on the 26th.
    CHECK(due_messages(vn(2026, 11, 25, 22), kNov, kNovDeadline, teams, policy()).empty());
    const auto morning = due_messages(vn(2026, 11, 26, 7), kNov, kNovDeadline, teams, policy());
    REQUIRE_FALSE(morning.empty());
    CHECK(morning.front().idem_key == "remind:A01:2026-11:d5:2026-11-30:p1");
    CHECK(morning.front().scheduled_at == vn(2026, 11, 25, 8));

    // Down from the 24th until 09:00 on the 28th: only d2 goes out, d5 is superseded.
    FakeOutbox outbox;
    walk(outbox, vn(2026, 11, 28, 9), vn(2026, 11, 29), 1h, teams, fixed_deadline);
    for (const auto& [key, m] : outbox.rows) CHECK(key.find(":d2:") != std::string::npos);
    CHECK(outbox.rows.count("remind:A01:2026-11:d2:2026-11-30:p1") == 1);

    // After the deadline no reminder is due any more, only the late notice and escalation.
    for (const auto& m : due_messages(vn(2026, 11, 30, 10), kNov, kNovDeadline, teams, policy()))
        CHECK(m.kind != DueKind::kReminder);
    // Between midnight (the deadline) and 08:00 nothing is due: d1 is over, late not yet.
    CHECK(due_messages(vn(2026, 11, 30, 7, 59), kNov, kNovDeadline, teams, policy()).empty());
}

TEST_CASE("late notices and escalations stay due for a week, then are dropped", "[reminders]") {
    const auto teams = commune_teams();
    CHECK_FALSE(due_messages(vn(2026, 12, 7, 7, 59), kNov, kNovDeadline, teams, policy()).empty());
    CHECK(due_messages(vn(2026, 12, 7, 8), kNov, kNovDeadline, teams, policy()).empty());
}

TEST_CASE("restarting the scheduler at any instant of the month adds no duplicate message",
          "[reminders]") {
    const auto teams = commune_teams();
    FakeOutbox canonical;
    walk(canonical, vn(2026, 11, 1), vn(2026, 12, 10), 1h, teams, fixed_deadline);

    for (Instant restart = vn(2026, 11, 20); restart < vn(2026, 12, 2); restart += 7h) {
        INFO("restart at " << show(restart));
        FakeOutbox outbox;
        walk(outbox, vn(2026, 11, 1), restart, 1h, teams, fixed_deadline);
        // The restarted scheduler re-runs from an earlier instant, ticking off the hour, and
        // a second one runs alongside it.
        walk(outbox, restart - 13h + 17min, vn(2026, 12, 10), 1h, teams, fixed_deadline);
        walk(outbox, restart, vn(2026, 12, 10), 30min, teams, fixed_deadline);
        std::set<std::string> keys, expected;
        for (const auto& [k, m] : outbox.rows) keys.insert(k);
        for (const auto& [k, m] : canonical.rows) expected.insert(k);
        CHECK(keys == expected);
    }
}

TEST_CASE("an extended deadline moves the reminders, the late notice and the escalation",
          "[reminders]") {
    const auto teams = commune_teams();
    const Instant extended = parse_extension_until("2026-12-02").value();  // 2026-12-03 00:00
    FakeOutbox outbox;
    walk(outbox, vn(2026, 11, 1), vn(2026, 12, 15), 1h, teams, [&](Instant) { return extended; });
    const auto schedule = schedule_of(outbox);
    CHECK(schedule.at("remind:A01:2026-11:d5:2026-12-03:p1") == "2026-11-28T08:00:00+07:00");
    CHECK(schedule.at("remind:A01:2026-11:d2:2026-12-03:p1") == "2026-12-01T08:00:00+07:00");
    CHECK(schedule.at("remind:A01:2026-11:d1:2026-12-03:p1") == "2026-12-02T08:00:00+07:00");
    CHECK(schedule.at("late:A01:2026-11:2026-12-03:p1") == "2026-12-03T08:00:00+07:00");
    CHECK(schedule.at("escalate:26380:2026-11:2026-12-03:p90") == "2026-12-03T08:00:00+07:00");
    for (const auto& [key, at] : schedule) CHECK(key.find("2026-11-30") == std::string::npos);
}

TEST_CASE("extending the deadline after the first reminder restarts the steps for the new one",
          "[reminders]") {
    const auto teams = commune_teams();
    const Instant extended = parse_extension_until("2026-12-02").value();
    FakeOutbox outbox;
    // The admin extends the period at 10:00 on the 26th, after d5 went out for the 30th.
    walk(outbox, vn(2026, 11, 1), vn(2026, 12, 15), 1h, teams,
         [&](Instant now) { return now < vn(2026, 11, 26, 10) ? kNovDeadline : extended; });
    std::set<std::string> leader_keys;
    for (const auto& [key, m] : outbox.rows)
        if (m.person == 1) leader_keys.insert(key);
    CHECK(leader_keys == std::set<std::string>{
                             "remind:A01:2026-11:d5:2026-11-30:p1",
                             "remind:A01:2026-11:d5:2026-12-03:p1",
                             "remind:A01:2026-11:d2:2026-12-03:p1",
                             "remind:A01:2026-11:d1:2026-12-03:p1",
                             "late:A01:2026-11:2026-12-03:p1",
                         });
}

TEST_CASE("a team that reports stops getting reminders", "[reminders]") {
    auto teams = commune_teams();
    FakeOutbox outbox;
    walk(outbox, vn(2026, 11, 1), vn(2026, 11, 28, 12), 1h, teams, fixed_deadline);
    teams[0].submitted = true;  // A reports at noon on the 28th
    walk(outbox, vn(2026, 11, 28, 12), vn(2026, 12, 10), 1h, teams, fixed_deadline);
    std::set<std::string> a_keys;
    for (const auto& [key, m] : outbox.rows)
        if (m.person == 1) a_keys.insert(key);
    CHECK(a_keys == std::set<std::string>{"remind:A01:2026-11:d5:2026-11-30:p1",
                                          "remind:A01:2026-11:d2:2026-11-30:p1"});
    CHECK(outbox.rows.at("escalate:26380:2026-11:2026-11-30:p90").params.at("missing_teams") ==
          "Tổ Ấp 3");
}

TEST_CASE("when every team of a commune reported, its officials get no escalation", "[reminders]") {
    auto teams = commune_teams();
    for (auto& t : teams) t.submitted = true;
    CHECK(due_messages(vn(2026, 11, 30, 8), kNov, kNovDeadline, teams, policy()).empty());
}

TEST_CASE("deputies are reminded when the leader has no account or there is no leader",
          "[reminders]") {
    auto teams = commune_teams();
    teams[0].leader->accounts.clear();
    const auto due = due_messages(vn(2026, 11, 25, 8), kNov, kNovDeadline, {teams[0]}, policy());
    REQUIRE(due.size() == 2);
    CHECK(due[0].person == 1);
    CHECK(due[0].decision == WindowDecision::kUnreachable);
    CHECK(due[1].person == 2);
    CHECK(due[1].decision == WindowDecision::kOpen);
    CHECK(due[1].params.at("leader_unreachable") == "1");

    teams[0].leader.reset();
    const auto leaderless =
        due_messages(vn(2026, 11, 25, 8), kNov, kNovDeadline, {teams[0]}, policy());
    REQUIRE(leaderless.size() == 1);
    CHECK(leaderless[0].person == 2);
}

TEST_CASE("reminder steps follow the configured offsets and send hour", "[reminders]") {
    ReminderPolicyConfig config = policy();
    config.days_before = {1, 7, 3, 3};
    config.send_hour = 9;
    config.escalation = false;
    const auto steps = reminder_schedule(kNovDeadline, config);
    REQUIRE(steps.size() == 4);
    CHECK(steps[0].days_before == 7);
    CHECK(steps[0].at == vn(2026, 11, 23, 9));
    CHECK(steps[0].until == vn(2026, 11, 27, 9));
    CHECK(steps[1].days_before == 3);
    CHECK(steps[2].days_before == 1);
    CHECK(steps[2].until == kNovDeadline);
    CHECK(steps[3].kind == DueKind::kLateNotice);
    CHECK(steps[3].at == vn(2026, 11, 30, 9));

    // A deadline in the afternoon: the late notice is the next morning.
    const auto afternoon = reminder_schedule(vn(2026, 11, 30, 17), policy());
    CHECK(afternoon.back().at == vn(2026, 12, 1, 8));
    CHECK(afternoon.front().at == vn(2026, 11, 25, 8));
}

TEST_CASE("an open window sends free-form, a closed one follows the channel's policy",
          "[reminders][window]") {
    const Instant now = vn(2026, 11, 25, 8);
    // zalo: 7 days, skip and report; viber: 24 hours, send anyway
    ReminderPolicyConfig config = policy();

    SECTION("Zalo within 7 days is open") {
        const auto c =
            choose_account(person(1, "A", {account(1, "zalo", now - 6 * 24h)}), now, config);
        CHECK(c.decision == WindowDecision::kOpen);
        CHECK(c.account->id == 1);
    }
    SECTION("Zalo after 7 days is skipped and reported by default") {
        const auto c =
            choose_account(person(1, "A", {account(1, "zalo", now - 8 * 24h)}), now, config);
        CHECK(c.decision == WindowDecision::kSkipAndReport);
        CHECK(c.account->id == 1);
    }
    SECTION("Zalo after 7 days goes as a ZNS template when configured") {
        config.channels[0].outside = OutsideWindow::kZnsTemplate;
        CHECK(choose_account(person(1, "A", {account(1, "zalo", now - 8 * 24h)}), now, config)
                  .decision == WindowDecision::kZnsTemplate);
        Contact no_phone = person(1, "A", {account(1, "zalo", now - 8 * 24h)});
        no_phone.phone.clear();
        CHECK(choose_account(no_phone, now, config).decision == WindowDecision::kSkipAndReport);
    }
    SECTION("Zalo after 7 days is sent anyway when configured") {
        config.channels[0].outside = OutsideWindow::kSendAnyway;
        CHECK(choose_account(person(1, "A", {account(1, "zalo", now - 8 * 24h)}), now, config)
                  .decision == WindowDecision::kSendAnyway);
    }
    SECTION("Viber within 24 hours is open, after it is sent anyway by default") {
        CHECK(choose_account(person(1, "A", {account(1, "viber", now - 23h)}), now, config)
                  .decision == WindowDecision::kOpen);
        CHECK(choose_account(person(1, "A", {account(1, "viber", now - 25h)}), now, config)
                  .decision == WindowDecision::kSendAnyway);
    }
    SECTION("Viber outside the window is skipped when configured, and never goes by ZNS") {
        config.channels[1].outside = OutsideWindow::kSkipAndReport;
        CHECK(choose_account(person(1, "A", {account(1, "viber", now - 25h)}), now, config)
                  .decision == WindowDecision::kSkipAndReport);
        config.channels[1].outside = OutsideWindow::kZnsTemplate;
        CHECK(choose_account(person(1, "A", {account(1, "viber", now - 25h)}), now, config)
                  .decision == WindowDecision::kSkipAndReport);
    }
    SECTION("the account where the person last wrote is chosen") {
        const auto c = choose_account(
            person(1, "A", {account(1, "zalo", now - 3 * 24h), account(2, "viber", now - 2h)}), now,
            config);
        CHECK(c.account->id == 2);
        CHECK(c.decision == WindowDecision::kOpen);
        const auto closed = choose_account(
            person(1, "A", {account(1, "zalo", now - 9 * 24h), account(2, "viber", now - 3 * 24h)}),
            now, config);
        CHECK(closed.account->id == 2);
        CHECK(closed.decision == WindowDecision::kSendAnyway);
    }
    SECTION("an open window wins over a more recent closed one") {
        const auto c = choose_account(
            person(1, "A", {account(1, "zalo", now - 5 * 24h), account(2, "viber", now - 2 * 24h)}),
            now, config);
        CHECK(c.account->id == 1);
        CHECK(c.decision == WindowDecision::kOpen);
    }
    SECTION("refused accounts are ignored; none left means unreachable") {
        const auto c = choose_account(
            person(1, "A", {account(1, "viber", now - 1h, false), account(2, "zalo", now - 24h)}),
            now, config);
        CHECK(c.account->id == 2);
        const auto none =
            choose_account(person(1, "A", {account(1, "viber", now - 1h, false)}), now, config);
        CHECK(none.decision == WindowDecision::kUnreachable);
        CHECK_FALSE(none.account);
        CHECK(choose_account(person(1, "A", {}), now, config).decision ==
              WindowDecision::kUnreachable);
    }
    SECTION("an account that never wrote has a closed window") {
        CHECK(choose_account(person(1, "A", {account(1, "zalo", std::nullopt)}), now, config)
                  .decision == WindowDecision::kSkipAndReport);
    }
    SECTION("the decision is in the due message") {
        auto teams = commune_teams();
        teams[0].leader->accounts = {account(10, "zalo", now - 10 * 24h)};
        const auto due = due_messages(now, kNov, kNovDeadline, {teams[0]}, config);
        REQUIRE(due.size() == 3);  // the skipped reminder, and a report to each official
        CHECK(due[0].kind == DueKind::kReminder);
        CHECK(due[0].decision == WindowDecision::kSkipAndReport);
        CHECK(due[1].kind == DueKind::kNotReached);
        CHECK(window_decision_name(due[0].decision) == "skip_and_report");
        CHECK(due[0].account->channel == "zalo");
    }
}

TEST_CASE("the quarterly reminder to district officials is due 5 days before the 15th",
          "[reminders][quarterly]") {
    const QuarterPeriod q4{2026, 4};
    const Instant deadline = default_quarterly_deadline(q4);  // 2026-12-15 00:00
    std::optional<Instant> first, last;
    for (Instant now = vn(2026, 10, 1); now < vn(2027, 1, 1); now += 1h) {
        const auto due = quarterly_reminder_due(now, q4, deadline, {});
        if (!due) continue;
        INFO(show(now));
        const int hour = to_vietnam(now).hour;
        CHECK((hour >= 7 && hour < 21));
        CHECK(due->level == "district");
        CHECK(due->idem_key_prefix == "quarterly:2026-Q4:district:2026-12-15");
        CHECK(due->scheduled_at == vn(2026, 12, 10, 8));
        if (!first) first = now;
        last = now;
    }
    REQUIRE(first);
    CHECK(show(*first) == "2026-12-10T08:00:00+07:00");
    CHECK(show(*last) == "2026-12-14T20:00:00+07:00");
}

TEST_CASE("the quarterly reminder follows the configured level for the two-level structure",
          "[reminders][quarterly]") {
    const QuarterPeriod q3{2025, 3};
    const Instant deadline = default_quarterly_deadline(q3);  // 2025-09-15 00:00
    QuarterlyReminderConfig config;
    config.level = "province";
    config.days_before = 3;
    CHECK_FALSE(quarterly_reminder_due(vn(2025, 9, 12, 7), q3, deadline, config));
    const auto due = quarterly_reminder_due(vn(2025, 9, 12, 8), q3, deadline, config);
    REQUIRE(due);
    CHECK(due->level == "province");
    CHECK(due->idem_key_prefix == "quarterly:2025-Q3:province:2025-09-15");
    CHECK_FALSE(quarterly_reminder_due(deadline, q3, deadline, config));
}

TEST_CASE("quiet hours wrap midnight and can be configured", "[reminders]") {
    const QuietHours night;  // 21:00-07:00
    CHECK(in_quiet_hours(vn(2026, 11, 25, 21), night));
    CHECK(in_quiet_hours(vn(2026, 11, 25, 6, 59), night));
    CHECK_FALSE(in_quiet_hours(vn(2026, 11, 25, 7), night));
    CHECK_FALSE(in_quiet_hours(vn(2026, 11, 25, 20, 59), night));
    const QuietHours lunch{12, 13};
    CHECK(in_quiet_hours(vn(2026, 11, 25, 12, 30), lunch));
    CHECK_FALSE(in_quiet_hours(vn(2026, 11, 25, 13), lunch));
    CHECK_FALSE(in_quiet_hours(vn(2026, 11, 25, 3), QuietHours{0, 0}));
}

TEST_CASE("officials hear once per deadline about a team no reminder could reach",
          "[reminders][window]") {
    auto teams = commune_teams();
    // A's leader last wrote on Zalo in October: the window is closed all of November, and the
    // default Zalo policy is to skip and report.
    teams[0].leader->accounts = {account(10, "zalo", vn(2026, 10, 20, 9))};
    FakeOutbox outbox;
    walk(outbox, vn(2026, 11, 1), vn(2026, 12, 10), 1h, {teams[0], teams[1]}, fixed_deadline);
    const auto schedule = schedule_of(outbox);
    CHECK(schedule.at("unreached:A01:2026-11:2026-11-30:p90") == "2026-11-25T08:00:00+07:00");
    CHECK(schedule.at("unreached:A01:2026-11:2026-11-30:p91") == "2026-11-25T08:00:00+07:00");
    int reports = 0;
    for (const auto& [key, m] : outbox.rows) {
        if (m.kind != DueKind::kNotReached) continue;
        ++reports;
        CHECK(m.template_key == "reminder.not_reached");
        CHECK(m.params.at("not_reached") == "Trưởng A");
        CHECK(m.params.at("team_name") == "Tổ Ấp 1");
        CHECK(m.params.at("unit_name") == "Xã Long Hưng");
    }
    CHECK(reports == 2);
    // The skipped reminders are still in the outbox, marked, so nobody retries them.
    CHECK(outbox.rows.at("remind:A01:2026-11:d5:2026-11-30:p1").decision ==
          WindowDecision::kSkipAndReport);

    SECTION("a team with neither leader nor deputy is reported too") {
        teams[0].leader.reset();
        teams[0].deputies.clear();
        const auto due =
            due_messages(vn(2026, 11, 25, 8), kNov, kNovDeadline, {teams[0]}, policy());
        REQUIRE(due.size() == 2);
        CHECK(due[0].kind == DueKind::kNotReached);
        CHECK(due[0].params.at("not_reached").empty());
    }
    SECTION("a team reached through a deputy is not reported") {
        teams[0].leader->accounts.clear();
        const auto due =
            due_messages(vn(2026, 11, 25, 8), kNov, kNovDeadline, {teams[0]}, policy());
        for (const auto& m : due) CHECK(m.kind != DueKind::kNotReached);
    }
    SECTION("a ZNS template counts as reaching the team") {
        ReminderPolicyConfig config = policy();
        config.channels[0].outside = OutsideWindow::kZnsTemplate;
        const auto due = due_messages(vn(2026, 11, 25, 8), kNov, kNovDeadline, {teams[0]}, config);
        REQUIRE(due.size() == 1);
        CHECK(due[0].decision == WindowDecision::kZnsTemplate);
        CHECK(due[0].phone == "8490000101");
    }
}

TEST_CASE("due steps are empty most of the month, so the scheduler can skip loading teams",
          "[reminders]") {
    const ReminderPolicyConfig config = policy();
    int hours_with_steps = 0;
    for (Instant now = vn(2026, 11, 1); now < vn(2026, 12, 1); now += 1h)
        if (!due_steps(now, kNovDeadline, config).empty()) ++hours_with_steps;
    // Hours from 07:00 to 20:00 (08:00 on a step's first day) while a step lasts:
    // d5 25th-27th and 07:00 on the 28th (13 + 14 + 14 + 1), d2 the 28th and 07:00 on the 29th
    // (13 + 1), d1 the 29th (13), the late notice the 30th (13).
    CHECK(hours_with_steps == 42 + 14 + 13 + 13);
    const auto at_d1 = due_steps(vn(2026, 11, 29, 12), kNovDeadline, config);
    REQUIRE(at_d1.size() == 1);
    CHECK(at_d1[0].days_before == 1);
    const auto morning_after = due_steps(vn(2026, 11, 30, 12), kNovDeadline, config);
    REQUIRE(morning_after.size() == 2);
    CHECK(morning_after[0].kind == DueKind::kLateNotice);
    CHECK(morning_after[1].kind == DueKind::kEscalation);
}

TEST_CASE("the default reminder configuration is valid and mistakes are named", "[reminders]") {
    CHECK(check_reminder_config(policy()).empty());
    ReminderPolicyConfig bad = policy();
    bad.send_hour = 22;
    bad.days_before = {5, 0};
    bad.channels.push_back({"viber", std::chrono::hours(1), OutsideWindow::kZnsTemplate});
    const auto problems = check_reminder_config(bad);
    auto mentions = [&](std::string_view words) {
        return std::any_of(problems.begin(), problems.end(), [&](const std::string& p) {
            return p.find(words) != std::string::npos;
        });
    };
    CHECK(mentions("send hour 22 is inside the quiet hours 21-7"));
    CHECK(mentions("reminder 0 days before the deadline is not 1-60"));
    CHECK(mentions("channel 'viber' has two window rules"));
    CHECK(mentions("channel 'viber' cannot send ZNS (phone) templates"));
    CHECK(problems.size() == 4);
}
