#include "storage/web_queries.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>

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

void tune_for_page_reads(Database& db) {
    db.handle().exec("PRAGMA mmap_size = 2147418112");
    db.handle().exec("PRAGMA cache_size = -32768");
}

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
    // unit's total and every child's. LEFT JOINs on purpose: with inner joins SQLite 3.40 builds
    // a Bloom filter over all of report_status (the recursive CTE's row estimate is large), 50 ms
    // for a commune of 25 teams at national scale; the left joins are searched by key only.
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
LEFT JOIN report_status rs ON rs.team_id = t.id AND rs.period BETWEEN :from AND :to
LEFT JOIN report_values rv ON rv.report_id = rs.latest_report_id
GROUP BY sub.anchor, rv.item_code
)sql");
    q.bind(":uid", unit);
    q.bind(":from", range.from.str());
    q.bind(":to", range.to.str());
    SubtreeSums out;
    while (q.executeStep()) {
        if (q.getColumn(1).isNull() || q.getColumn(2).isNull()) continue;  // no report, no value
        const std::string item = q.getColumn(1).getString();
        const std::int64_t sum = q.getColumn(2).getInt64();
        out.total[item] += sum;
        if (!q.getColumn(0).isNull()) out.children[q.getColumn(0).getInt64()][item] += sum;
    }
    q.reset();
    return out;
}

SubtreeCounts subtree_counts(Database& db, std::int64_t unit, const MonthRange& range) {
    // compliance_counts' query with each team tagged by the child of `unit` it lies under
    // (NULL: a team of `unit` itself), grouped per team and summed here as compliance_counts'
    // final SELECT sums. The left join keeps SQLite from a Bloom filter over report_status.
    auto& q = db.cached(std::string(R"sql(
WITH RECURSIVE sub(id, anchor, depth) AS (
    SELECT :uid, NULL, 0
    UNION ALL
    SELECT u.id, ifnull(s.anchor, u.id), s.depth + 1
    FROM units u JOIN sub s ON u.parent_id = s.id WHERE s.depth < 64
),
tm AS (
    SELECT f.team_id, sub.anchor, )sql") +
                        std::string(kExpectedMonthsSql) + R"sql( AS months
    FROM sub JOIN team_first_month f ON f.unit_id = sub.id
)
SELECT tm.anchor, tm.months, count(rs.team_id), ifnull(sum(rs.late = 0), 0),
       ifnull(sum(rs.revised_after_deadline), 0)
FROM tm LEFT JOIN report_status rs ON rs.team_id = tm.team_id AND rs.period BETWEEN :from AND :to
GROUP BY tm.team_id
)sql");
    q.bind(":uid", unit);
    q.bind(":from", range.from.str());
    q.bind(":to", range.to.str());
    SubtreeCounts out;
    const auto add = [](ComplianceCounts& c, std::int64_t months, std::int64_t n, std::int64_t ok,
                        std::int64_t rev) {
        c.teams += months > 0;
        c.expected += months;
        c.submitted += n;
        c.on_time += ok;
        c.missing_teams += n < months;
        c.revised_after_deadline += rev;
        c.late = c.submitted - c.on_time;
    };
    while (q.executeStep()) {
        const std::int64_t months = q.getColumn(1).getInt64();
        const std::int64_t n = q.getColumn(2).getInt64();
        const std::int64_t ok = q.getColumn(3).getInt64();
        const std::int64_t rev = q.getColumn(4).getInt64();
        add(out.total, months, n, ok, rev);
        if (!q.getColumn(0).isNull())
            add(out.children[q.getColumn(0).getInt64()], months, n, ok, rev);
    }
    q.reset();
    return out;
}

std::vector<TrendMonth> unit_trend(Database& db, std::int64_t unit, const core::MonthPeriod& last,
                                   int months, const std::vector<std::string>& items) {
    std::vector<TrendMonth> out;
    core::MonthPeriod first = last;
    for (int i = 1; i < months; ++i) first = first.previous();
    std::string month_rows;
    for (core::MonthPeriod m = first; !(last < m); m = m.next()) {
        out.push_back(TrendMonth{m, {}, {}});
        month_rows += (month_rows.empty() ? "('" : ", ('") + m.str() + "')";
    }
    if (out.empty()) return out;

    // Every month at once: compliance.hpp's condition for "expected in a month", with the month
    // a column (mo.m) instead of the :period parameter, so that the definition stays one text.
    // Each team's first month is read once (tf), not once per month.
    std::string expected(kExpectedInPeriodSql);
    expected.replace(expected.find(":period"), 7, "mo.m");
    SQLite::Statement counts(db.handle(),
                             std::string(kSubtree) + ", mo(m) AS (VALUES " + month_rows + R"sql(),
tf AS MATERIALIZED (
    SELECT f.team_id, f.first_month FROM sub JOIN team_first_month f ON f.unit_id = sub.id
)
SELECT mo.m, count(*), count(rs.team_id), ifnull(sum(rs.late = 0), 0),
       ifnull(sum(rs.revised_after_deadline), 0)
FROM tf f
JOIN mo ON )sql" + expected + R"sql(
LEFT JOIN report_status rs ON rs.team_id = f.team_id AND rs.period = mo.m
GROUP BY mo.m
)sql");
    counts.bind(":uid", unit);
    while (counts.executeStep()) {
        const auto period = core::MonthPeriod::parse(counts.getColumn(0).getString());
        if (!period) continue;
        const int index = first.months_until(*period);
        if (index < 0 || index >= static_cast<int>(out.size())) continue;
        ComplianceCounts& c = out[static_cast<std::size_t>(index)].counts;
        c.teams = c.expected = counts.getColumn(1).getInt64();  // one month: one per team
        c.submitted = counts.getColumn(2).getInt64();
        c.on_time = counts.getColumn(3).getInt64();
        c.late = c.submitted - c.on_time;
        c.missing_teams = c.expected - c.submitted;
        c.revised_after_deadline = counts.getColumn(4).getInt64();
    }

    // subtree_sums' rule by month and by child. The rows are added up here: at a province's
    // size (300,000 values a year) SQLite's GROUP BY sorts them in a temporary b-tree, which
    // costs twice the reading. Left joins: see subtree_sums.
    // The C API for the 300,000 rows: SQLiteCpp's Column holds a shared_ptr per access.
    static constexpr const char* kSums = R"sql(
WITH RECURSIVE sub(id, anchor, depth) AS (
    SELECT :uid, 0, 0
    UNION ALL
    SELECT u.id, CASE s.anchor WHEN 0 THEN u.id ELSE s.anchor END, s.depth + 1
    FROM units u JOIN sub s ON u.parent_id = s.id WHERE s.depth < 64
)
SELECT sub.anchor, rs.period, rv.item_code, rv.value_int
FROM sub
JOIN teams t ON t.unit_id = sub.id AND t.active = 1
LEFT JOIN report_status rs ON rs.team_id = t.id AND rs.period BETWEEN :from AND :to
LEFT JOIN report_values rv ON rv.report_id = rs.latest_report_id
)sql";
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db.handle().getHandle(), kSums, -1, &raw, nullptr) != SQLITE_OK)
        throw SQLite::Exception(db.handle().getHandle());
    const std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> stmt_owner(raw, sqlite3_finalize);
    sqlite3_stmt* const stmt = raw;
    const std::string from_text = first.str(), to_text = last.str();
    sqlite3_bind_int64(stmt, sqlite3_bind_parameter_index(stmt, ":uid"), unit);
    sqlite3_bind_text(stmt, sqlite3_bind_parameter_index(stmt, ":from"), from_text.c_str(), -1,
                      SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, sqlite3_bind_parameter_index(stmt, ":to"), to_text.c_str(), -1,
                      SQLITE_TRANSIENT);
    // Flat accumulators: [anchor slot][month][item slot]; slot 0 of anchors is the unit's own.
    std::vector<std::string> codes;
    std::map<std::int64_t, std::size_t> anchors = {{0, 0}};
    std::vector<std::vector<std::vector<std::int64_t>>> acc(1);
    const std::size_t n_months = out.size();
    std::int64_t last_anchor = -1;
    std::size_t slot = 0;
    for (;;) {
        const int rc = sqlite3_step(stmt);
        if (rc == SQLITE_DONE) break;
        if (rc != SQLITE_ROW) throw SQLite::Exception(db.handle().getHandle(), rc);
        if (sqlite3_column_type(stmt, 3) != SQLITE_INTEGER) continue;  // no report, or a text
        const auto* period = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1));
        if (!period || std::strlen(period) != 7) continue;
        const int year = std::atoi(period), month = std::atoi(period + 5);
        const int index = first.months_until(core::MonthPeriod{year, month});
        if (index < 0 || index >= static_cast<int>(n_months)) continue;
        const auto* code_text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 2));
        const std::string_view code = code_text ? code_text : "";
        std::size_t item = 0;
        while (item < codes.size() && codes[item] != code) ++item;
        if (item == codes.size()) {
            if (!items.empty() && std::find(items.begin(), items.end(), code) == items.end())
                continue;
            codes.emplace_back(code);
        }
        const std::int64_t anchor = sqlite3_column_int64(stmt, 0);
        if (anchor != last_anchor) {
            const auto [it, added] = anchors.try_emplace(anchor, acc.size());
            if (added) acc.emplace_back();
            slot = it->second;
            last_anchor = anchor;
        }
        auto& months_of = acc[slot];
        if (months_of.empty()) months_of.resize(n_months);
        auto& sums = months_of[static_cast<std::size_t>(index)];
        if (sums.size() < codes.size()) sums.resize(codes.size(), 0);
        sums[item] += sqlite3_column_int64(stmt, 3);
    }
    for (const auto& [anchor, at] : anchors) {
        for (std::size_t m = 0; m < acc[at].size(); ++m) {
            for (std::size_t i = 0; i < acc[at][m].size(); ++i) {
                const std::int64_t v = acc[at][m][i];
                out[m].sums[codes[i]] += v;
                if (anchor != 0) out[m].children[anchor][codes[i]] += v;
            }
        }
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
