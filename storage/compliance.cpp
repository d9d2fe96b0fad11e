#include "storage/compliance.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <string>

#include "storage/period_repo.hpp"

namespace tcns::storage {

std::optional<double> ComplianceCounts::on_time_pct() const {
    if (expected <= 0) return std::nullopt;
    return 100.0 * static_cast<double>(on_time) / static_cast<double>(expected);
}

std::optional<MonthRange> counted_months(Database& db, const MonthRange& requested,
                                         core::Instant now, bool month_to_date) {
    if (requested.to < requested.from) return std::nullopt;
    MonthRange r = requested;
    if (month_to_date) {
        // Months that have not begun have nothing to count yet.
        r.to = std::min(r.to, core::MonthPeriod::containing(now));
    } else {
        PeriodRepo periods(db);
        while (!(r.to < r.from) && periods.deadline(r.to) > now) r.to = r.to.previous();
    }
    if (r.to < r.from) return std::nullopt;
    return r;
}

ComplianceCounts compliance_counts(Database& db, std::optional<core::UnitId> unit,
                                   const MonthRange& range) {
    // Per team: the months expected of it and the reports it filed for them (a report is never
    // for a month before the team's first, since a report moves the first month back).
    // Two statements rather than "(:uid IS NULL OR …)": the OR would keep SQLite from the
    // teams-by-unit index, a scan of every team for each unit of a national roll-up.
    auto& q = db.cached(std::string(R"sql(
WITH RECURSIVE sub(id, depth) AS (
    SELECT :uid, 0
    UNION ALL
    SELECT u.id, s.depth + 1 FROM units u JOIN sub s ON u.parent_id = s.id WHERE s.depth < 64
),
tm AS (
    SELECT f.team_id, )sql") +
                        std::string(kExpectedMonthsSql) + R"sql( AS months
    FROM team_first_month f
    WHERE )sql" + std::string(unit ? "f.unit_id IN (SELECT id FROM sub)" : "1") +
                        R"sql(
),
done AS (
    SELECT rs.team_id, count(*) AS n, sum(rs.late = 0) AS ok,
           sum(rs.revised_after_deadline) AS rev
    FROM report_status rs JOIN tm ON tm.team_id = rs.team_id
    WHERE rs.period BETWEEN :from AND :to
    GROUP BY rs.team_id
)
SELECT ifnull(sum(tm.months > 0), 0), ifnull(sum(tm.months), 0), ifnull(sum(d.n), 0),
       ifnull(sum(d.ok), 0), ifnull(sum(ifnull(d.n, 0) < tm.months), 0), ifnull(sum(d.rev), 0)
FROM tm LEFT JOIN done d ON d.team_id = tm.team_id
)sql");
    if (unit) q.bind(":uid", std::int64_t{*unit});
    q.bind(":from", range.from.str());
    q.bind(":to", range.to.str());
    ComplianceCounts c;
    if (q.executeStep()) {
        c.teams = q.getColumn(0).getInt64();
        c.expected = q.getColumn(1).getInt64();
        c.submitted = q.getColumn(2).getInt64();
        c.on_time = q.getColumn(3).getInt64();
        c.missing_teams = q.getColumn(4).getInt64();
        c.revised_after_deadline = q.getColumn(5).getInt64();
    }
    q.reset();  // a statement left on a row would hold a read snapshot open
    c.late = c.submitted - c.on_time;
    return c;
}

std::optional<core::MonthPeriod> first_expected_month(Database& db) {
    SQLite::Statement q(db.handle(),
                        "SELECT count(*), count(first_month), min(first_month) "
                        "FROM team_first_month");
    if (!q.executeStep()) return std::nullopt;
    const std::int64_t teams = q.getColumn(0).getInt64();
    if (teams == 0 || q.getColumn(1).getInt64() < teams) return std::nullopt;
    return core::MonthPeriod::parse(q.getColumn(2).getString());
}

}  // namespace tcns::storage
