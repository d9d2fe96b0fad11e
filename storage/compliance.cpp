#include "storage/compliance.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <string>

#include "storage/exports.hpp"
#include "storage/period_repo.hpp"
#include "storage/targets_repo.hpp"

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

namespace {

// After a `tm(team_id, months, grp)` CTE (each team of the subtree with the months expected of it
// and the group it counts for): per team, its reports in the range; then per group the counts.
// compliance_counts and compliance_by_unit share it, so that they count alike. The reports are
// looked up per team (a few rows of report_status's primary key each) rather than joined:
// for a join SQLite builds a Bloom filter by scanning all of report_status (a million rows at
// national scale) even for one commune's 25 teams.
std::string counts_tail(bool grouped) {
    return std::string(R"sql(,
per AS (
    SELECT tm.months, tm.grp,
           (SELECT count(*) FROM report_status rs
            WHERE rs.team_id = tm.team_id AND rs.period BETWEEN :from AND :to) AS n,
           (SELECT count(*) FROM report_status rs
            WHERE rs.team_id = tm.team_id AND rs.period BETWEEN :from AND :to
              AND rs.late = 0) AS ok,
           (SELECT ifnull(sum(rs.revised_after_deadline), 0) FROM report_status rs
            WHERE rs.team_id = tm.team_id AND rs.period BETWEEN :from AND :to) AS rev
    FROM tm
)
SELECT ifnull(sum(months > 0), 0), ifnull(sum(months), 0), ifnull(sum(n), 0), ifnull(sum(ok), 0),
       ifnull(sum(n < months), 0), ifnull(sum(rev), 0), grp
FROM per
)sql") + (grouped ? "GROUP BY grp\n" : "");
}

ComplianceCounts read_counts(const SQLite::Statement& q) {
    ComplianceCounts c;
    c.teams = q.getColumn(0).getInt64();
    c.expected = q.getColumn(1).getInt64();
    c.submitted = q.getColumn(2).getInt64();
    c.on_time = q.getColumn(3).getInt64();
    c.missing_teams = q.getColumn(4).getInt64();
    c.revised_after_deadline = q.getColumn(5).getInt64();
    c.late = c.submitted - c.on_time;
    return c;
}

}  // namespace

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
                        std::string(kExpectedMonthsSql) + R"sql( AS months, 0 AS grp
    FROM team_first_month f
    WHERE )sql" + std::string(unit ? "f.unit_id IN (SELECT id FROM sub)" : "1") +
                        "\n)" + counts_tail(false));
    if (unit) q.bind(":uid", std::int64_t{*unit});
    q.bind(":from", range.from.str());
    q.bind(":to", range.to.str());
    ComplianceCounts c;
    if (q.executeStep()) c = read_counts(q);
    q.reset();  // a statement left on a row would hold a read snapshot open
    return c;
}

std::map<core::UnitId, ComplianceCounts> compliance_by_unit(Database& db,
                                                            std::optional<core::UnitId> scope,
                                                            const std::string& level,
                                                            const MonthRange& range) {
    // The subtree walked once from its root with each unit's anchor (the nearest unit of :level
    // above it or itself), then every team of it grouped by its unit's anchor. The earlier form,
    // one subtree join per unit of the level, took 50 s for the 3,333 communes of a national
    // roster. The depth cap guards against a cycle in the table.
    auto& q = db.cached(std::string(R"sql(
WITH RECURSIVE tree(id, depth, anchor) AS (
    SELECT id, 0, CASE WHEN level = :level THEN id END
    FROM units WHERE )sql") +
                        (scope ? "id = :scope" : "parent_id IS NULL") +
                        R"sql(
    UNION ALL
    SELECT u.id, t.depth + 1, CASE WHEN u.level = :level THEN u.id ELSE t.anchor END
    FROM units u JOIN tree t ON u.parent_id = t.id
    WHERE t.depth < 64
),
tm AS (
    SELECT f.team_id, )sql" +
                        std::string(kExpectedMonthsSql) +
                        R"sql( AS months, d.anchor AS grp
    FROM tree d JOIN team_first_month f ON f.unit_id = d.id
    WHERE d.anchor IS NOT NULL
))sql" + counts_tail(true));
    q.bind(":level", level);
    if (scope) q.bind(":scope", std::int64_t{*scope});
    q.bind(":from", range.from.str());
    q.bind(":to", range.to.str());
    std::map<core::UnitId, ComplianceCounts> out;
    while (q.executeStep())
        out.emplace(static_cast<core::UnitId>(q.getColumn(6).getInt64()), read_counts(q));
    q.reset();
    return out;
}

UnitFigures unit_figures(Database& db, const core::Form& form, core::UnitId unit,
                         const MonthRange& range) {
    UnitFigures f;
    f.counts = compliance_counts(db, unit, range);
    const auto totals = subtree_item_sums(db, unit, range.from, range.to);
    const auto targets = targets_over(db, core::TargetOwner::kUnit, unit, range.from, range.to);
    for (const core::FormItem* item : form.enabled_items()) {
        if (item->type != core::ItemType::kCount) continue;
        core::ItemTotal total;
        total.code = item->code;
        total.label = item->label;
        total.unit = item->unit;
        if (auto it = totals.find(item->code); it != totals.end()) total.total = it->second;
        if (auto it = targets.find(item->code); it != targets.end()) total.target = it->second;
        f.items.push_back(std::move(total));
    }
    return f;
}

std::optional<core::MonthPeriod> first_expected_month(Database& db) {
    // The minimum of team_first_month without reading the view: the view looks up each team's
    // first report (80,000 lookups on every page at national scale). A team's first month is
    // the earlier of its start date's month and its first report's, so the minimum over teams is
    // the earlier of the earliest start and the earliest report of an active team.
    std::string start;
    {
        SQLite::Statement q(db.handle(),
                            "SELECT count(*), count(coalesce(decision_date, imported_on)), "
                            "min(substr(coalesce(decision_date, imported_on), 1, 7)) "
                            "FROM teams WHERE active = 1");
        if (!q.executeStep()) return std::nullopt;
        const std::int64_t teams = q.getColumn(0).getInt64();
        if (teams == 0 || q.getColumn(1).getInt64() < teams) return std::nullopt;
        start = q.getColumn(2).getString();
    }
    {
        // In period order, stopping at the first report of an active team.
        SQLite::Statement q(db.handle(),
                            "SELECT rs.period FROM report_status rs INDEXED BY "
                            "report_status_period JOIN teams t ON t.id = rs.team_id "
                            "WHERE t.active = 1 ORDER BY rs.period LIMIT 1");
        if (q.executeStep()) start = std::min(start, q.getColumn(0).getString());
    }
    return core::MonthPeriod::parse(start);
}

}  // namespace tcns::storage
