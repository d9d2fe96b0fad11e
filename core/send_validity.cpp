#include "core/send_validity.hpp"

namespace tcns::core {

bool about_missing_report(std::string_view kind) {
    return kind == "reminder" || kind == "late_notice" || kind == "not_reached";
}

Instant end_of_quiet_hours(Instant now, const QuietHours& quiet) {
    if (!in_quiet_hours(now, quiet)) return now;
    const LocalDateTime local = to_vietnam(now);
    Date day = local.date;
    if (local.hour >= quiet.until_hour) day = add_days(day, 1);
    return from_vietnam(LocalDateTime{day, quiet.until_hour, 0, 0});
}

Instant end_of_vietnam_day(Instant now) {
    return vietnam_day_start(add_days(to_vietnam(now).date, 1));
}

int days_left(Instant now, Instant deadline) {
    return static_cast<int>(days_from_civil(to_vietnam(deadline).date) -
                            days_from_civil(to_vietnam(now).date));
}

SendCheck check_send(const SendValidity& v, const SendFacts& facts, Instant now,
                     const QuietHours& quiet) {
    SendCheck c;
    if (v.expires_at && now >= *v.expires_at) {
        c.verdict = SendVerdict::kStale;
        c.reason = "expired";
        return c;
    }
    if (v.deadline && facts.deadline && *v.deadline != *facts.deadline) {
        c.verdict = SendVerdict::kStale;
        c.reason = "deadline_moved";
        return c;
    }
    if (!v.team.empty() && about_missing_report(v.kind) && facts.team_reported) {
        c.verdict = SendVerdict::kStale;
        c.reason = "reported";
        return c;
    }
    if (v.not_before && now < *v.not_before) {
        c.verdict = SendVerdict::kWait;
        c.wait_until = *v.not_before;
        return c;
    }
    if (v.quiet_hours && in_quiet_hours(now, quiet)) {
        c.verdict = SendVerdict::kWait;
        c.wait_until = end_of_quiet_hours(now, quiet);
        // Waiting past the row's expiry would only drop it later: say so now.
        if (v.expires_at && c.wait_until >= *v.expires_at) {
            c.verdict = SendVerdict::kStale;
            c.reason = "expired";
        }
        return c;
    }
    return c;
}

}  // namespace tcns::core
