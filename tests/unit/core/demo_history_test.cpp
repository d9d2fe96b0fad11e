#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "bot/templates.hpp"
#include "core/demo_history.hpp"

using namespace tcns;
using core::DemoOutcome;

namespace {

core::Form repository_form() {
    const std::string path = std::string(TCNS_SOURCE_DIR) + "/templates/forms/monthly-report.json";
    std::ifstream f(path, std::ios::binary);
    std::ostringstream text;
    text << f.rdbuf();
    return bot::parse_form(text.str(), path);
}

}  // namespace

TEST_CASE("demo reports are deterministic, plausible and pass the form's checks", "[demo]") {
    const core::Form form = repository_form();
    const core::MonthPeriod october{2026, 10};
    const core::Instant deadline = core::default_monthly_deadline(october);
    const core::Instant now = *core::parse_instant("2026-11-20T09:00");
    int on_time = 0, late = 0, missing = 0, difficulties = 0;
    for (int i = 0; i < 1000; ++i) {
        const std::string team = "T-" + std::to_string(i);
        const auto r = core::plan_demo_report(form, team, october, deadline, now, 7);
        const auto again = core::plan_demo_report(form, team, october, deadline, now, 7);
        REQUIRE(r.outcome == again.outcome);
        REQUIRE(r.submitted_at == again.submitted_at);
        REQUIRE(r.answers == again.answers);
        switch (r.outcome) {
            case DemoOutcome::kMissing:
                ++missing;
                CHECK(r.answers.empty());
                continue;
            case DemoOutcome::kOnTime:
                ++on_time;
                CHECK(r.submitted_at < deadline);
                CHECK(core::MonthPeriod::containing(r.submitted_at) == october);
                break;
            case DemoOutcome::kLate:
                ++late;
                CHECK(r.submitted_at >= deadline);
                CHECK(r.submitted_at <= now);
                break;
        }
        INFO(team);
        CHECK(core::failed_checks(form, r.answers).empty());
        for (const core::FormItem* item : form.enabled_items()) {
            const auto a = r.answers.find(item->code);
            if (item->type == core::ItemType::kCount) {
                REQUIRE(a != r.answers.end());
                REQUIRE(a->second.number);
                CHECK(*a->second.number >= item->min);
                CHECK(*a->second.number <= item->max);
            }
            if (item->code == "KK01" && a != r.answers.end()) {
                ++difficulties;
                CHECK_FALSE(a->second.choice.empty());
                CHECK_FALSE(a->second.text.empty());
            }
        }
    }
    // Most on time, some late, some missing, a few difficulties.
    CHECK(on_time > 700);
    CHECK(late > 50);
    CHECK(missing > 30);
    CHECK(missing < 150);
    CHECK(difficulties > 40);
    CHECK(difficulties < 250);
}

TEST_CASE("a demo report is never filed after now", "[demo]") {
    const core::Form form = repository_form();
    const core::MonthPeriod october{2026, 10};
    const core::Instant deadline = core::default_monthly_deadline(october);
    for (int i = 0; i < 300; ++i) {
        const auto r = core::plan_demo_report(form, "T-" + std::to_string(i), october, deadline,
                                              deadline + std::chrono::minutes(30), 1);
        CHECK(r.outcome != DemoOutcome::kLate);  // no time to be late in yet
    }
}

TEST_CASE("another seed gives another history", "[demo]") {
    const core::Form form = repository_form();
    const core::MonthPeriod october{2026, 10};
    const core::Instant deadline = core::default_monthly_deadline(october);
    const core::Instant now = *core::parse_instant("2026-11-20T09:00");
    int differ = 0;
    for (int i = 0; i < 50; ++i) {
        const std::string team = "T-" + std::to_string(i);
        if (core::plan_demo_report(form, team, october, deadline, now, 1).answers !=
            core::plan_demo_report(form, team, october, deadline, now, 2).answers)
            ++differ;
    }
    CHECK(differ > 40);
}
