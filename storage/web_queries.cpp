#include "storage/web_queries.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>

namespace tcns::storage {

namespace {

// The subtree of :uid (itself included); the depth cap guards against a cycle in the table.
constexpr std::string_view kSubtree = R"sql(
WITH RECURSIVE sub(id, depth) AS (
    SELECT :uid, 0
    UNION ALL
    SELECT u.id, s.depth + 1 FROM units u JOIN sub s ON u.parent_id = s.id WHERE s.depth < 64
)
)sql";

std::string text(const SQLite::Statement& q, int column) {
    const SQLite::Column c = q.getColumn(column);
    return c.isNull() ? std::string() : c.getString();
}

WebUnit read_unit(const SQLite::Statement& q) {
    WebUnit u;
    u.id = q.getColumn(0).getInt64();
    u.code = text(q, 1);
    u.name = text(q, 2);
    u.level = text(q, 3);
    if (!q.getColumn(4).isNull()) u.parent = q.getColumn(4).getInt64();
    return u;
}

constexpr const char* kUnitColumns = "SELECT id, code, name, level, parent_id FROM units ";

}  // namespace

std::optional<WebUnit> web_unit(Database& db, std::string_view code) {
    SQLite::Statement q(db.handle(), std::string(kUnitColumns) + "WHERE code = ?");
    q.bind(1, std::string(code));
    if (!q.executeStep()) return std::nullopt;
    return read_unit(q);
}

std::optional<WebUnit> web_unit(Database& db, std::int64_t id) {
    SQLite::Statement q(db.handle(), std::string(kUnitColumns) + "WHERE id = ?");
    q.bind(1, id);
    if (!q.executeStep()) return std::nullopt;
    return read_unit(q);
}

std::vector<WebUnit> unit_path(Database& db, std::int64_t id) {
    std::vector<WebUnit> out;
    std::optional<std::int64_t> next = id;
    // Bounded like the recursive queries: a cycle in the table must not hang the page.
    while (next && out.size() < 64) {
        auto u = web_unit(db, *next);
        if (!u) break;
        next = u->parent;
        out.push_back(std::move(*u));
    }
    std::reverse(out.begin(), out.end());
    return out;
}

bool unit_within(Database& db, std::int64_t unit, std::int64_t ancestor) {
    for (const auto& u : unit_path(db, unit))
        if (u.id == ancestor) return true;
    return false;
}

std::vector<WebUnit> child_units(Database& db, std::int64_t id) {
    SQLite::Statement q(db.handle(),
                        std::string(kUnitColumns) + "WHERE parent_id = ? ORDER BY code");
    q.bind(1, id);
    std::vector<WebUnit> out;
    while (q.executeStep()) out.push_back(read_unit(q));
    return out;
}

SubtreeSums subtree_sums(Database& db, std::int64_t unit, const MonthRange& range) {
    // subtree_item_sums' rule (active teams, the latest revision of each team-month), with each
    // unit of the subtree tagged by the child of `unit` it lies under: one pass gives the
    // unit's total and every child's.
    auto& q = db.cached(R"sql(
WITH RECURSIVE sub(id, anchor, depth) AS (
    SELECT :uid, NULL, 0
    UNION ALL
    SELECT u.id, ifnull(s.anchor, u.id), s.depth + 1
    FROM units u JOIN sub s ON u.parent_id = s.id WHERE s.depth < 64
)
SELECT sub.anchor, rv.item_code, sum(rv.value_int)
FROM sub
JOIN teams t ON t.unit_id = sub.id AND t.active = 1
JOIN report_status rs ON rs.team_id = t.id AND rs.period BETWEEN :from AND :to
JOIN report_values rv ON rv.report_id = rs.latest_report_id
WHERE rv.value_int IS NOT NULL
GROUP BY sub.anchor, rv.item_code
)sql");
    q.bind(":uid", unit);
    q.bind(":from", range.from.str());
    q.bind(":to", range.to.str());
    SubtreeSums out;
    while (q.executeStep()) {
        const std::string item = q.getColumn(1).getString();
        const std::int64_t sum = q.getColumn(2).getInt64();
        out.total[item] += sum;
        if (!q.getColumn(0).isNull()) out.children[q.getColumn(0).getInt64()][item] += sum;
    }
    q.reset();
    return out;
}

std::vector<TrendMonth> unit_trend(Database& db, std::int64_t unit, const core::MonthPeriod& last,
                                   int months, const std::vector<std::string>& items) {
    std::vector<TrendMonth> out;
    core::MonthPeriod first = last;
    for (int i = 1; i < months; ++i) first = first.previous();
    for (core::MonthPeriod m = first; !(last < m); m = m.next())
        out.push_back(TrendMonth{m, compliance_counts(db, unit, MonthRange{m, m}), {}});
    if (items.empty() || out.empty()) return out;

    std::string in;
    for (std::size_t i = 0; i < items.size(); ++i) in += i ? ", ?" : "?";
    SQLite::Statement q(db.handle(), std::string(kSubtree) + R"sql(
SELECT rs.period, rv.item_code, sum(rv.value_int)
FROM sub
JOIN teams t ON t.unit_id = sub.id AND t.active = 1
JOIN report_status rs ON rs.team_id = t.id AND rs.period BETWEEN :from AND :to
JOIN report_values rv ON rv.report_id = rs.latest_report_id
WHERE rv.value_int IS NOT NULL AND rv.item_code IN ()sql" +
                                         in +
                                         R"sql()
GROUP BY rs.period, rv.item_code
)sql");
    q.bind(":uid", unit);
    q.bind(":from", first.str());
    q.bind(":to", last.str());
    for (std::size_t i = 0; i < items.size(); ++i)
        q.bind(static_cast<int>(i) + 4, items[i]);  // after :uid, :from, :to
    while (q.executeStep()) {
        const auto period = core::MonthPeriod::parse(q.getColumn(0).getString());
        if (!period) continue;
        const int index = first.months_until(*period);
        if (index < 0 || index >= static_cast<int>(out.size())) continue;
        out[static_cast<std::size_t>(index)].sums[q.getColumn(1).getString()] =
            q.getColumn(2).getInt64();
    }
    return out;
}

std::vector<WebTeam> subtree_teams(Database& db, std::int64_t unit, const MonthRange& range,
                                   std::size_t limit) {
    // Months expected per team with compliance.hpp's SQL: the same "expected" as the counts.
    SQLite::Statement q(db.handle(), std::string(kSubtree) + R"sql(
SELECT t.id, t.code, t.name, u.name, ifnull(lp.full_name, ''),
       )sql" + std::string(kExpectedMonthsSql) +
                                         R"sql(,
       (SELECT count(*) FROM report_status rs
        WHERE rs.team_id = t.id AND rs.period BETWEEN :from AND :to),
       (SELECT count(*) FROM report_status rs
        WHERE rs.team_id = t.id AND rs.period BETWEEN :from AND :to AND rs.late = 0)
FROM team_first_month f
JOIN teams t ON t.id = f.team_id
JOIN units u ON u.id = t.unit_id
LEFT JOIN roles lr ON lr.team_id = t.id AND lr.role = 'leader'
LEFT JOIN people lp ON lp.id = lr.person_id
WHERE f.unit_id IN (SELECT id FROM sub)
ORDER BY t.code
LIMIT :limit
)sql");
    q.bind(":uid", unit);
    q.bind(":from", range.from.str());
    q.bind(":to", range.to.str());
    q.bind(":limit", static_cast<std::int64_t>(limit));
    std::vector<WebTeam> out;
    while (q.executeStep()) {
        WebTeam t;
        t.id = q.getColumn(0).getInt64();
        t.code = text(q, 1);
        t.name = text(q, 2);
        t.unit_name = text(q, 3);
        t.leader_name = text(q, 4);
        t.expected = q.getColumn(5).getInt64();
        t.submitted = q.getColumn(6).getInt64();
        t.on_time = q.getColumn(7).getInt64();
        out.push_back(std::move(t));
    }
    return out;
}

std::int64_t subtree_team_count(Database& db, std::int64_t unit) {
    SQLite::Statement q(db.handle(), std::string(kSubtree) +
                                         "SELECT count(*) FROM teams t WHERE t.active = 1 AND "
                                         "t.unit_id IN (SELECT id FROM sub)");
    q.bind(":uid", unit);
    return q.executeStep() ? q.getColumn(0).getInt64() : 0;
}

std::optional<WebTeamInfo> web_team(Database& db, std::string_view code) {
    SQLite::Statement q(db.handle(), R"sql(
SELECT t.id, t.code, t.name, t.active, t.unit_id, ifnull(p.full_name, ''), ifnull(p.phone, '')
FROM teams t
LEFT JOIN roles r ON r.team_id = t.id AND r.role = 'leader'
LEFT JOIN people p ON p.id = r.person_id
WHERE t.code = ?
)sql");
    q.bind(1, std::string(code));
    if (!q.executeStep()) return std::nullopt;
    WebTeamInfo t;
    t.id = q.getColumn(0).getInt64();
    t.code = text(q, 1);
    t.name = text(q, 2);
    t.active = q.getColumn(3).getInt() != 0;
    t.unit = q.getColumn(4).getInt64();
    t.leader_name = text(q, 5);
    t.leader_phone = text(q, 6);
    return t;
}

TeamHistory team_history(Database& db, std::int64_t team, const core::MonthPeriod& from,
                         const core::MonthPeriod& to) {
    TeamHistory h;
    {
        SQLite::Statement q(db.handle(),
                            "SELECT first_month FROM team_first_month WHERE team_id = ?");
        q.bind(1, team);
        if (q.executeStep() && !q.getColumn(0).isNull())
            h.first_month = core::MonthPeriod::parse(q.getColumn(0).getString());
    }
    SQLite::Statement q(db.handle(), R"sql(
SELECT r.id, r.period, r.revision, r.submitted_at, ifnull(p.full_name, ''),
       ifnull(ca.channel, ''), r.late
FROM reports r
LEFT JOIN people p ON p.id = r.submitted_by
LEFT JOIN chat_accounts ca ON ca.id = r.account_id
WHERE r.team_id = ? AND r.period BETWEEN ? AND ?
ORDER BY r.period DESC, r.revision DESC
)sql");
    q.bind(1, team);
    q.bind(2, from.str());
    q.bind(3, to.str());
    SQLite::Statement values(db.handle(),
                             "SELECT item_code, value_int FROM report_values "
                             "WHERE report_id = ? AND value_int IS NOT NULL");
    while (q.executeStep()) {
        const auto period = core::MonthPeriod::parse(q.getColumn(1).getString());
        if (!period) continue;
        WebRevision r;
        r.period = *period;
        r.revision = q.getColumn(2).getInt();
        r.submitted_at = core::from_unix(q.getColumn(3).getInt64());
        r.submitted_by = text(q, 4);
        r.channel = text(q, 5);
        r.late = q.getColumn(6).getInt() != 0;
        values.reset();
        values.bind(1, q.getColumn(0).getInt64());
        while (values.executeStep())
            r.values[values.getColumn(0).getString()] = values.getColumn(1).getInt64();
        h.revisions.push_back(std::move(r));
    }
    SQLite::Statement d(db.handle(), R"sql(
SELECT d.period, d.category, d.text, d.source, ifnull(p.full_name, ''), d.created_at
FROM difficulties d LEFT JOIN people p ON p.id = d.person_id
WHERE d.team_id = ? AND d.period BETWEEN ? AND ?
ORDER BY d.period DESC, d.id
)sql");
    d.bind(1, team);
    d.bind(2, from.str());
    d.bind(3, to.str());
    while (d.executeStep()) {
        const auto period = core::MonthPeriod::parse(d.getColumn(0).getString());
        if (!period) continue;
        h.difficulties.push_back(WebDifficulty{*period, text(d, 1), text(d, 2), text(d, 3),
                                               text(d, 4),
                                               core::from_unix(d.getColumn(5).getInt64())});
    }
    return h;
}

}  // namespace tcns::storage
