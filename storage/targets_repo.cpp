#include "storage/targets_repo.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>

namespace tcns::storage {

namespace {

// The owner's id column and the table its code is looked up in.
const char* owner_sql(core::TargetOwner owner) {
    return owner == core::TargetOwner::kUnit ? "unit_id = (SELECT id FROM units WHERE code = ?1) "
                                               "AND team_id IS NULL"
                                             : "team_id = (SELECT id FROM teams WHERE code = ?1) "
                                               "AND unit_id IS NULL";
}

}  // namespace

TargetsRepo::TargetsRepo(Database& db) : db_(db) {}

TargetsRepo::~TargetsRepo() = default;

ImportCounts TargetsRepo::upsert(const std::vector<core::TargetRecord>& targets) {
    SQLite::Database& db = db_.handle();
    SQLite::Statement find_unit(db, std::string("SELECT id, value FROM targets WHERE ") +
                                        owner_sql(core::TargetOwner::kUnit) +
                                        " AND item_code = ?2 AND period = ?3");
    SQLite::Statement find_team(db, std::string("SELECT id, value FROM targets WHERE ") +
                                        owner_sql(core::TargetOwner::kTeam) +
                                        " AND item_code = ?2 AND period = ?3");
    SQLite::Statement insert(db,
                             "INSERT INTO targets(unit_id, team_id, item_code, period, value) "
                             "VALUES ((SELECT id FROM units WHERE code = ?1), "
                             "(SELECT id FROM teams WHERE code = ?2), ?3, ?4, ?5)");
    SQLite::Statement update(db, "UPDATE targets SET value = ? WHERE id = ?");
    ImportCounts counts;
    for (const core::TargetRecord& t : targets) {
        SQLite::Statement& find = t.owner == core::TargetOwner::kUnit ? find_unit : find_team;
        find.reset();
        find.bind(1, t.code);
        find.bind(2, t.item_code);
        find.bind(3, t.period);
        if (find.executeStep()) {
            const std::int64_t id = find.getColumn(0).getInt64();
            if (find.getColumn(1).getInt64() == t.value) {
                ++counts.unchanged;
                continue;
            }
            update.reset();
            update.bind(1, static_cast<std::int64_t>(t.value));
            update.bind(2, id);
            update.exec();
            ++counts.updated;
            continue;
        }
        insert.reset();
        if (t.owner == core::TargetOwner::kUnit) {
            insert.bind(1, t.code);
            insert.bind(2);
        } else {
            insert.bind(1);
            insert.bind(2, t.code);
        }
        insert.bind(3, t.item_code);
        insert.bind(4, t.period);
        insert.bind(5, static_cast<std::int64_t>(t.value));
        insert.exec();
        ++counts.added;
    }
    return counts;
}

std::optional<std::int64_t> TargetsRepo::value(core::TargetOwner owner, std::string_view code,
                                               std::string_view item_code,
                                               std::string_view period) {
    SQLite::Statement q(db_.handle(), std::string("SELECT value FROM targets WHERE ") +
                                          owner_sql(owner) + " AND item_code = ?2 AND period = ?3");
    q.bind(1, std::string(code));
    q.bind(2, std::string(item_code));
    q.bind(3, std::string(period));
    if (!q.executeStep()) return std::nullopt;
    return q.getColumn(0).getInt64();
}

std::vector<StoredTarget> TargetsRepo::all() {
    SQLite::Statement q(db_.handle(),
                        "SELECT t.unit_id IS NULL, ifnull(u.code, tm.code), t.item_code, t.period, "
                        "t.value FROM targets t LEFT JOIN units u ON u.id = t.unit_id "
                        "LEFT JOIN teams tm ON tm.id = t.team_id "
                        "ORDER BY t.period, 2, t.item_code");
    std::vector<StoredTarget> out;
    while (q.executeStep()) {
        StoredTarget s;
        s.owner =
            q.getColumn(0).getInt() != 0 ? core::TargetOwner::kTeam : core::TargetOwner::kUnit;
        s.code = q.getColumn(1).getString();
        s.item_code = q.getColumn(2).getString();
        s.period = q.getColumn(3).getString();
        s.value = q.getColumn(4).getInt64();
        out.push_back(std::move(s));
    }
    return out;
}

int TargetsRepo::count() {
    return db_.handle().execAndGet("SELECT count(*) FROM targets").getInt();
}

std::map<std::string, std::int64_t> targets_over(Database& db, core::TargetOwner owner,
                                                 std::int64_t owner_id,
                                                 const core::MonthPeriod& from,
                                                 const core::MonthPeriod& to) {
    // The owner's targets in range, through targets_team / targets_unit; summed here rather
    // than with GROUP BY, which built a temporary b-tree on every call (every webhook).
    auto& q = owner == core::TargetOwner::kTeam
                  ? db.cached(
                        "SELECT item_code, period, value FROM targets WHERE team_id = ?1 "
                        "AND ((length(period) = 7 AND period BETWEEN ?2 AND ?3) OR "
                        "(length(period) = 4 AND period BETWEEN substr(?2, 1, 4) AND "
                        "substr(?3, 1, 4)))")
                  : db.cached(
                        "SELECT item_code, period, value FROM targets WHERE unit_id = ?1 "
                        "AND ((length(period) = 7 AND period BETWEEN ?2 AND ?3) OR "
                        "(length(period) = 4 AND period BETWEEN substr(?2, 1, 4) AND "
                        "substr(?3, 1, 4)))");
    q.bind(1, owner_id);
    q.bind(2, from.str());
    q.bind(3, to.str());
    // Per item and year: the monthly targets when there are any, else the yearly target pro
    // rata for the months of that year in range.
    struct Year {
        std::int64_t monthly = 0, yearly = 0;
        bool has_monthly = false, has_yearly = false;
    };
    std::map<std::pair<std::string, int>, Year> sums;
    while (q.executeStep()) {
        const std::string period = q.getColumn(1).getString();
        const std::int64_t value = q.getColumn(2).getInt64();
        int year = 0;
        for (std::size_t i = 0; i < 4 && i < period.size(); ++i)
            year = year * 10 + (period[i] - '0');
        Year& y = sums[{q.getColumn(0).getString(), year}];
        if (period.size() == 4) {
            y.yearly += value;
            y.has_yearly = true;
        } else {
            y.monthly += value;
            y.has_monthly = true;
        }
    }
    q.reset();
    std::map<std::string, std::int64_t> out;
    for (const auto& [key, y] : sums) {
        std::int64_t add = y.monthly;
        if (!y.has_monthly) {
            const core::MonthPeriod first = std::max(from, core::MonthPeriod{key.second, 1});
            const core::MonthPeriod last = std::min(to, core::MonthPeriod{key.second, 12});
            const int months = last < first ? 0 : first.months_until(last) + 1;
            add = (y.yearly * months + 6) / 12;
        }
        out[key.first] += add;
    }
    return out;
}

}  // namespace tcns::storage
