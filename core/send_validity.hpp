#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/reminder_policy.hpp"
#include "core/time.hpp"

namespace tcns::core {

/// What makes a bulk message true (DESIGN.md decision 10): stored with its outbox row when it is
/// planned, checked by the dispatcher just before the row is sent.
struct SendValidity {
    /// reminder, late_notice, escalation, not_reached, summary, quarterly, difficulty.
    std::string kind;
    std::string period;  ///< "2026-11" or "2026-Q4"; empty when the message has none
    std::string team;    ///< team code, for messages about one team
    std::string unit;    ///< unit code (the team's commune, or the official's unit)
    /// The deadline the message was written for; a different deadline now makes it false.
    std::optional<Instant> deadline;
    std::optional<Instant> not_before;  ///< not sent before (its step's time)
    std::optional<Instant> expires_at;  ///< not sent at or after (its step is over)
    bool quiet_hours = true;            ///< waits for the morning during quiet hours
    /// When set, the text is rendered at send time from this template and these parameters
    /// (days_left recomputed from the calendar), then `suffix` appended.
    std::string template_key;
    std::map<std::string, std::string> params;
    std::string suffix;
};

/// What the dispatcher loads from the database for one row just before sending it.
struct SendFacts {
    bool team_reported = false;       ///< the row's team has a report for the row's period
    std::optional<Instant> deadline;  ///< the period's deadline now (extensions included)
};

enum class SendVerdict {
    kSend,   ///< still true: send it
    kWait,   ///< true later: hold it until `wait_until` (quiet hours, or its step not begun)
    kStale,  ///< no longer true: drop it with `reason`
};

struct SendCheck {
    SendVerdict verdict = SendVerdict::kSend;
    /// For kStale: "expired" (its step is over), "reported" (the team reported since),
    /// "deadline_moved" (the deadline was extended or shortened since it was planned).
    std::string reason;
    Instant wait_until{};
};

/// True for kinds that are about a team not having reported (a report makes them false).
bool about_missing_report(std::string_view kind);

/// The send-time rule: expired rows, rows whose team reported, rows whose deadline moved are
/// stale; a row due later or inside the quiet hours (when they apply) waits.
SendCheck check_send(const SendValidity& v, const SendFacts& facts, Instant now,
                     const QuietHours& quiet);

/// Calendar days from today (Vietnam) to the deadline's day: 5 on 25/11 for a deadline of
/// 00:00 30/11 (the last day to report being 29/11), 1 on the last day, 0 or less after it.
int days_left(Instant now, Instant deadline);

/// The first instant after the quiet hours that contain `now` (`now` itself when outside them).
Instant end_of_quiet_hours(Instant now, const QuietHours& quiet);

/// The end of `now`'s Vietnam day (00:00 the next day).
Instant end_of_vietnam_day(Instant now);

}  // namespace tcns::core
