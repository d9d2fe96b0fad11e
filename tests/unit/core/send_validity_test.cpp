// The send-time rule (issue 14): pure, on plain values.
#include <catch2/catch.hpp>

#include "core/send_validity.hpp"

using namespace tcns;

namespace {

core::Instant at(const std::string& vietnam_time) {
    const auto t = core::parse_instant(vietnam_time);
    REQUIRE(t);
    return *t;
}

core::SendValidity reminder() {
    core::SendValidity v;
    v.kind = "reminder";
    v.period = "2026-11";
    v.team = "T1";
    v.unit = "C";
    v.deadline = at("2026-11-30T00:00");
    v.not_before = at("2026-11-25T08:00");
    v.expires_at = at("2026-11-28T08:00");
    return v;
}

}  // namespace

TEST_CASE("a reminder still true is sent") {
    core::SendFacts f;
    f.deadline = at("2026-11-30T00:00");
    const auto c = core::check_send(reminder(), f, at("2026-11-25T09:00"), {});
    CHECK(c.verdict == core::SendVerdict::kSend);
}

TEST_CASE("a reminder to a team that reported since is stale") {
    core::SendFacts f;
    f.deadline = at("2026-11-30T00:00");
    f.team_reported = true;
    const auto c = core::check_send(reminder(), f, at("2026-11-25T09:00"), {});
    CHECK(c.verdict == core::SendVerdict::kStale);
    CHECK(c.reason == "reported");
}

TEST_CASE("a summary is not made stale by one team's report") {
    auto v = reminder();
    v.kind = "summary";
    core::SendFacts f;
    f.deadline = at("2026-11-30T00:00");
    f.team_reported = true;
    CHECK(core::check_send(v, f, at("2026-11-25T09:00"), {}).verdict == core::SendVerdict::kSend);
}

TEST_CASE("a reminder whose step has passed or whose deadline moved is stale") {
    core::SendFacts f;
    f.deadline = at("2026-11-30T00:00");
    auto c = core::check_send(reminder(), f, at("2026-11-28T08:00"), {});
    CHECK(c.verdict == core::SendVerdict::kStale);
    CHECK(c.reason == "expired");
    f.deadline = at("2026-12-03T00:00");
    c = core::check_send(reminder(), f, at("2026-11-25T09:00"), {});
    CHECK(c.verdict == core::SendVerdict::kStale);
    CHECK(c.reason == "deadline_moved");
}

TEST_CASE("a reminder in the quiet hours waits for their end, or expires if that is too late") {
    core::SendFacts f;
    f.deadline = at("2026-11-30T00:00");
    auto c = core::check_send(reminder(), f, at("2026-11-25T22:15"), {});
    CHECK(c.verdict == core::SendVerdict::kWait);
    CHECK(c.wait_until == at("2026-11-26T07:00"));
    c = core::check_send(reminder(), f, at("2026-11-26T03:00"), {});
    CHECK(c.wait_until == at("2026-11-26T07:00"));
    auto v = reminder();
    v.expires_at = at("2026-11-26T06:00");
    c = core::check_send(v, f, at("2026-11-25T22:15"), {});
    CHECK(c.verdict == core::SendVerdict::kStale);
    v.quiet_hours = false;
    v.expires_at.reset();
    CHECK(core::check_send(v, f, at("2026-11-25T22:15"), {}).verdict == core::SendVerdict::kSend);
}

TEST_CASE("days left are counted on the calendar") {
    const auto deadline = at("2026-11-30T00:00");  // the last day is 29/11
    CHECK(core::days_left(at("2026-11-25T08:00"), deadline) == 5);
    CHECK(core::days_left(at("2026-11-28T07:30"), deadline) == 2);
    CHECK(core::days_left(at("2026-11-29T23:59"), deadline) == 1);
    // Extended to the end of 02/12: on 29/11 four days are left.
    CHECK(core::days_left(at("2026-11-29T08:00"), at("2026-12-03T00:00")) == 4);
}
