#include "storage/admin_overview.hpp"

#include <tuple>

#include <algorithm>

#include <map>

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

namespace tcns::storage {

namespace {

// Every unit with `anchor`, the nearest unit of :level above it or itself (NULL when none),
// and a sort key of codes from the root. The depth cap guards against a cycle in the table.
// With :scope (a unit id) only that unit's subtree: an official's web session sees no more.
constexpr std::string_view kAnchoredTree = R"sql(
WITH RECURSIVE tree(id, depth, anchor, sort_key) AS (
    SELECT id, 0, CASE WHEN level = :level THEN id END, code
    FROM units WHERE (:scope IS NULL AND parent_id IS NULL) OR id = :scope
    UNION ALL
    SELECT u.id, t.depth + 1, CASE WHEN u.level = :level THEN u.id ELSE t.anchor END,
           t.sort_key || char(30) || u.code
    FROM units u JOIN tree t ON u.parent_id = t.id
    WHERE t.depth < 64
)
)sql";

std::string text(const SQLite::Statement& q, int column) {
    const SQLite::Column c = q.getColumn(column);
    return c.isNull() ? std::string() : c.getString();
}

void bind_scope(SQLite::Statement& q, std::optional<std::int64_t> scope) {
    if (scope)
        q.bind(":scope", *scope);
    else
        q.bind(":scope");
}

}  // namespace

ComplianceOverview compliance_overview(Database& db, const core::MonthPeriod& period,
                                       const std::string& level, std::size_t missing_limit,
                                       std::optional<std::int64_t> scope) {
    ComplianceOverview out;
    const std::string month = period.str();
    // One read snapshot for the three queries; joins the caller's transaction when there is one.
    std::optional<SQLite::Transaction> snapshot;
    if (sqlite3_get_autocommit(db.handle().getHandle())) snapshot.emplace(db.handle());

    // The units of the level (tree order), then their counts from compliance_by_unit: one walk
    // of the tree and one pass over its teams, whatever the number of units.
    std::optional<core::UnitId> scope_unit;
    if (scope) scope_unit = static_cast<core::UnitId>(*scope);
    const MonthRange month_range{period, period};
    std::vector<core::UnitId> ids;
    SQLite::Statement units(db.handle(), std::string(kAnchoredTree) + R"sql(
SELECT a.id, u.code, u.name, ifnull(p.name, '')
FROM tree a
JOIN units u ON u.id = a.id
LEFT JOIN units p ON p.id = u.parent_id
WHERE a.anchor = a.id
ORDER BY a.sort_key
)sql");
    units.bind(":level", level);
    bind_scope(units, scope);
    while (units.executeStep()) {
        ids.push_back(static_cast<core::UnitId>(units.getColumn(0).getInt64()));
        out.units.push_back(
            UnitCompliance{text(units, 1), text(units, 2), text(units, 3), ComplianceCounts{}});
    }
    const auto by_unit = compliance_by_unit(db, scope_unit, level, month_range);
    for (std::size_t i = 0; i < ids.size(); ++i)
        if (const auto it = by_unit.find(ids[i]); it != by_unit.end())
            out.units[i].counts = it->second;

    // The one definition of expected and missing (compliance.hpp), within the session's scope.
    out.total = compliance_counts(db, scope_unit, month_range);

    // The first `limit` missing teams by tree order, then their names and leaders: joining
    // names and leaders for every missing team before the sort cost a national page a second.
    SQLite::Statement missing(db.handle(), std::string(kAnchoredTree) + R"sql(,
first_missing AS (
    SELECT t.id AS team_id, t.unit_id AS unit_id, d.anchor AS anchor, d.sort_key AS sort_key,
           t.code AS code
    FROM team_first_month f
    JOIN teams t ON t.id = f.team_id
    JOIN tree d ON d.id = t.unit_id
    WHERE )sql" + std::string(kExpectedInPeriodSql) +
                                               R"sql(
      AND NOT EXISTS (SELECT 1 FROM report_status rs
                      WHERE rs.team_id = t.id AND rs.period = :period)
    ORDER BY d.sort_key, t.code
    LIMIT :limit
)
SELECT ifnull(au.name, ''), tu.name, t.code, t.name, ifnull(lp.full_name, ''),
       ifnull(lp.phone, ''), ifnull(pu.name, '')
FROM first_missing m
JOIN teams t ON t.id = m.team_id
JOIN units tu ON tu.id = m.unit_id
LEFT JOIN units pu ON pu.id = tu.parent_id
LEFT JOIN units au ON au.id = m.anchor
LEFT JOIN roles lr ON lr.team_id = t.id AND lr.role = 'leader'
LEFT JOIN people lp ON lp.id = lr.person_id
ORDER BY m.sort_key, m.code
)sql");
    missing.bind(":level", level);
    bind_scope(missing, scope);
    missing.bind(":period", month);
    missing.bind(":limit", static_cast<std::int64_t>(missing_limit));
    while (missing.executeStep())
        out.missing.push_back(MissingTeam{text(missing, 0), text(missing, 1), text(missing, 6),
                                          text(missing, 2), text(missing, 3), text(missing, 4),
                                          text(missing, 5)});
    if (snapshot) snapshot->commit();
    return out;
}

std::vector<std::string> unit_levels(Database& db) {
    // From the level graph (which level sits under which), not by walking every unit: at a
    // national size the walk costs a few hundred milliseconds, the graph a few dozen.
    std::map<std::string, int> min_depth, max_depth;
    std::vector<std::pair<std::string, std::string>> edges;
    {
        SQLite::Statement roots(db.handle(),
                                "SELECT DISTINCT level FROM units WHERE parent_id IS NULL");
        while (roots.executeStep()) {
            min_depth[roots.getColumn(0).getString()] = 0;
            max_depth[roots.getColumn(0).getString()] = 0;
        }
        SQLite::Statement q(db.handle(),
                            "SELECT DISTINCT p.level, c.level FROM units c "
                            "JOIN units p ON p.id = c.parent_id");
        while (q.executeStep())
            edges.emplace_back(q.getColumn(0).getString(), q.getColumn(1).getString());
    }
    // Relax up to the tree's depth limit: shortest and longest depth of each level.
    for (int round = 0; round < 64; ++round) {
        bool changed = false;
        for (const auto& [parent, child] : edges) {
            const auto pm = min_depth.find(parent);
            if (pm == min_depth.end()) continue;
            auto [cm, inserted] = min_depth.try_emplace(child, pm->second + 1);
            if (!inserted && pm->second + 1 < cm->second) {
                cm->second = pm->second + 1;
                changed = true;
            }
            changed = changed || inserted;
            const int longer = std::min(64, max_depth[parent] + 1);
            int& cx = max_depth[child];
            if (longer > cx) {
                cx = longer;
                changed = true;
            }
        }
        if (!changed) break;
    }
    std::vector<std::string> out;
    for (const auto& [level, depth] : min_depth) out.push_back(level);
    std::sort(out.begin(), out.end(), [&](const std::string& a, const std::string& b) {
        return std::tie(min_depth[a], max_depth[a], a) < std::tie(min_depth[b], max_depth[b], b);
    });
    return out;
}

std::optional<core::MonthPeriod> latest_reported_period(Database& db,
                                                        const core::MonthPeriod& not_after) {
    SQLite::Statement q(db.handle(), "SELECT max(period) FROM report_status WHERE period <= ?");
    q.bind(1, not_after.str());
    if (!q.executeStep() || q.getColumn(0).isNull()) return std::nullopt;
    return core::MonthPeriod::parse(q.getColumn(0).getString());
}

}  // namespace tcns::storage
