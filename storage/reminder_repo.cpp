#include "storage/reminder_repo.hpp"

#include "storage/compliance.hpp"
#include "storage/exports.hpp"
#include "storage/targets_repo.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>

#include <unordered_map>

namespace tcns::storage {

namespace {

// The units under :uid, itself included (the depth cap guards against a cycle).
constexpr std::string_view kSubtree = R"sql(
WITH RECURSIVE sub(id, depth) AS (
    SELECT :uid, 0
    UNION ALL
    SELECT u.id, s.depth + 1 FROM units u JOIN sub s ON u.parent_id = s.id WHERE s.depth < 64
)
)sql";

std::string subtree(std::string_view select) {
    return std::string(kSubtree) + std::string(select);
}

std::string text(const SQLite::Statement& q, int column) {
    const SQLite::Column c = q.getColumn(column);
    return c.isNull() ? std::string() : c.getString();
}

using AccountMap = std::unordered_map<core::PersonId, std::vector<core::ContactAccount>>;

/// Every linked chat account, by person. An account is reachable while the person is subscribed
/// and no platform refused it for good since the person last wrote.
AccountMap load_accounts(Database& db) {
    AccountMap out;
    SQLite::Statement q(db.handle(),
                        "SELECT person_id, id, channel, last_inbound_at, subscribed = 1 AND "
                        "unreachable_at IS NULL FROM chat_accounts WHERE person_id IS NOT NULL "
                        "ORDER BY person_id, id");
    while (q.executeStep()) {
        core::ContactAccount a;
        a.id = q.getColumn(1).getInt64();
        a.channel = q.getColumn(2).getString();
        if (!q.getColumn(3).isNull()) a.last_inbound = core::from_unix(q.getColumn(3).getInt64());
        a.reachable = q.getColumn(4).getInt() != 0;
        out[q.getColumn(0).getInt64()].push_back(std::move(a));
    }
    return out;
}

core::Contact contact(const SQLite::Statement& q, int first, const AccountMap& accounts) {
    core::Contact c;
    c.id = q.getColumn(first).getInt64();
    c.name = text(q, first + 1);
    c.phone = text(q, first + 2);
    if (auto it = accounts.find(c.id); it != accounts.end()) c.accounts = it->second;
    return c;
}

// With units hu (a team's own), pu (its parent) and gu (its grandparent) joined: the names of
// the units between the team's and the summary's unit :uid, nearest first ("Phường 3, Quận 1"
// at province level, "Phường 3" at district level, '' at commune level).
constexpr std::string_view kPlaceAboveSql =
    "(CASE WHEN pu.id IS NULL OR hu.id = :uid OR pu.id = :uid THEN '' ELSE pu.name || "
    "CASE WHEN gu.id IS NULL OR gu.id = :uid THEN '' ELSE ', ' || gu.name END END)";

std::string month_label(const core::MonthPeriod& p) {
    return fmt::format("{:02}/{:04}", p.month, p.year);
}

}  // namespace

std::vector<core::ContactAccount> contact_accounts(Database& db, core::PersonId person) {
    auto& a = db.cached(
        "SELECT id, channel, last_inbound_at, subscribed = 1 AND unreachable_at IS NULL "
        "FROM chat_accounts WHERE person_id = ? ORDER BY id");
    a.bind(1, std::int64_t{person});
    std::vector<core::ContactAccount> out;
    while (a.executeStep()) {
        core::ContactAccount acc;
        acc.id = a.getColumn(0).getInt64();
        acc.channel = a.getColumn(1).getString();
        if (!a.getColumn(2).isNull()) acc.last_inbound = core::from_unix(a.getColumn(2).getInt64());
        acc.reachable = a.getColumn(3).getInt() != 0;
        out.push_back(std::move(acc));
    }
    a.reset();  // a statement left on a row would hold a read snapshot open
    return out;
}

std::vector<core::TeamReminderStatus> ReminderRepo::reminder_inputs(
    const core::MonthPeriod& period, const std::string& commune_level) {
    SQLite::Database& h = db_.handle();
    const AccountMap accounts = load_accounts(db_);

    // Units of the commune level with their officials.
    std::unordered_map<core::UnitId, core::CommuneContacts> communes;
    {
        SQLite::Statement q(h, "SELECT id, code, name FROM units WHERE level = ?");
        q.bind(1, commune_level);
        while (q.executeStep()) {
            core::CommuneContacts c;
            c.id = q.getColumn(0).getInt64();
            c.code = q.getColumn(1).getString();
            c.name = q.getColumn(2).getString();
            communes.emplace(c.id, std::move(c));
        }
        SQLite::Statement o(h,
                            "SELECT r.unit_id, p.id, p.full_name, p.phone FROM roles r "
                            "JOIN people p ON p.id = r.person_id JOIN units u ON u.id = r.unit_id "
                            "WHERE r.role = 'official' AND u.level = ? ORDER BY r.unit_id, p.id");
        o.bind(1, commune_level);
        while (o.executeStep()) {
            auto it = communes.find(o.getColumn(0).getInt64());
            if (it != communes.end()) it->second.officials.push_back(contact(o, 1, accounts));
        }
    }

    // Teams with their status and commune: the commune of every unit is found top-down from
    // the units of the commune level in one recursive query.
    std::vector<core::TeamReminderStatus> teams;
    std::unordered_map<core::TeamId, std::size_t> index;
    {
        SQLite::Statement q(h, R"sql(
WITH RECURSIVE anc(id, cid, depth) AS (
    SELECT id, id, 0 FROM units WHERE level = :level
    UNION ALL
    SELECT u.id, a.cid, a.depth + 1 FROM units u JOIN anc a ON u.parent_id = a.id
    WHERE u.level <> :level AND a.depth < 64
)
SELECT t.id, t.code, t.name, rs.team_id IS NOT NULL, a.cid
FROM team_first_month f
JOIN teams t ON t.id = f.team_id
LEFT JOIN anc a ON a.id = t.unit_id
LEFT JOIN report_status rs ON rs.team_id = t.id AND rs.period = :period
WHERE )sql" + std::string(kExpectedInPeriodSql) +
                                   R"sql(
ORDER BY t.code
)sql");
        q.bind(":level", commune_level);
        q.bind(":period", period.str());
        while (q.executeStep()) {
            core::TeamReminderStatus t;
            t.id = q.getColumn(0).getInt64();
            t.code = q.getColumn(1).getString();
            t.name = q.getColumn(2).getString();
            t.submitted = q.getColumn(3).getInt() != 0;
            if (!q.getColumn(4).isNull()) {
                if (auto it = communes.find(q.getColumn(4).getInt64()); it != communes.end())
                    t.commune = it->second;
            }
            index.emplace(t.id, teams.size());
            teams.push_back(std::move(t));
        }
    }

    // Leaders and deputies of the teams still to report.
    SQLite::Statement r(h,
                        "SELECT r.team_id, r.role, p.id, p.full_name, p.phone FROM roles r "
                        "JOIN people p ON p.id = r.person_id "
                        "WHERE r.role IN ('leader', 'deputy') ORDER BY r.team_id, p.id");
    while (r.executeStep()) {
        auto it = index.find(r.getColumn(0).getInt64());
        if (it == index.end()) continue;
        core::TeamReminderStatus& t = teams[it->second];
        if (t.submitted) continue;
        if (r.getColumn(1).getString() == "leader")
            t.leader = contact(r, 2, accounts);
        else
            t.deputies.push_back(contact(r, 2, accounts));
    }
    return teams;
}

std::vector<OfficialContact> ReminderRepo::officials(const std::string& level) {
    const AccountMap accounts = load_accounts(db_);
    SQLite::Statement q(db_.handle(),
                        "SELECT r.unit_id, u.code, u.name, u.level, p.id, p.full_name, p.phone "
                        "FROM roles r JOIN people p ON p.id = r.person_id "
                        "JOIN units u ON u.id = r.unit_id "
                        "WHERE r.role = 'official' AND (?1 = '' OR u.level = ?1) "
                        "ORDER BY u.code, p.id");
    q.bind(1, level);
    std::vector<OfficialContact> out;
    while (q.executeStep()) {
        OfficialContact o;
        o.unit = q.getColumn(0).getInt64();
        o.unit_code = q.getColumn(1).getString();
        o.unit_name = q.getColumn(2).getString();
        o.level = q.getColumn(3).getString();
        o.contact = contact(q, 4, accounts);
        out.push_back(std::move(o));
    }
    return out;
}

std::optional<core::CommuneContacts> ReminderRepo::team_unit_officials(core::TeamId team,
                                                                       const std::string& level) {
    SQLite::Statement q(db_.handle(), R"sql(
WITH RECURSIVE up(id, depth) AS (
    SELECT unit_id, 0 FROM teams WHERE id = :team
    UNION ALL
    SELECT u.parent_id, up.depth + 1 FROM units u JOIN up ON u.id = up.id
    WHERE u.parent_id IS NOT NULL AND up.depth < 64
)
SELECT u.id, u.code, u.name FROM up JOIN units u ON u.id = up.id
WHERE u.level = :level ORDER BY up.depth LIMIT 1
)sql");
    q.bind(":team", std::int64_t{team});
    q.bind(":level", level);
    if (!q.executeStep()) return std::nullopt;
    core::CommuneContacts c;
    c.id = q.getColumn(0).getInt64();
    c.code = q.getColumn(1).getString();
    c.name = q.getColumn(2).getString();
    SQLite::Statement o(db_.handle(),
                        "SELECT p.id, p.full_name, p.phone FROM roles r "
                        "JOIN people p ON p.id = r.person_id "
                        "WHERE r.role = 'official' AND r.unit_id = ? ORDER BY p.id");
    o.bind(1, std::int64_t{c.id});
    while (o.executeStep()) {
        core::Contact person;
        person.id = o.getColumn(0).getInt64();
        person.name = text(o, 1);
        person.phone = text(o, 2);
        person.accounts = contact_accounts(db_, person.id);
        c.officials.push_back(std::move(person));
    }
    return c;
}

std::optional<core::UnitId> ReminderRepo::official_unit(core::PersonId person) {
    auto& q = db_.cached(
        "SELECT unit_id FROM roles WHERE person_id = ? AND role = 'official' ORDER BY id LIMIT 1");
    q.bind(1, std::int64_t{person});
    std::optional<core::UnitId> unit;
    if (q.executeStep()) unit = q.getColumn(0).getInt64();
    q.reset();  // a statement left on a row would hold a read snapshot open
    return unit;
}

std::vector<core::UnitId> ReminderRepo::official_units(core::PersonId person) {
    auto& q = db_.cached(
        "SELECT unit_id FROM roles WHERE person_id = ? AND role = 'official' ORDER BY id");
    q.bind(1, std::int64_t{person});
    std::vector<core::UnitId> units;
    while (q.executeStep()) units.push_back(q.getColumn(0).getInt64());
    q.reset();
    return units;
}

std::optional<AccountAddress> ReminderRepo::address(core::AccountId account) {
    auto& q = db_.cached("SELECT channel, platform_user_id FROM chat_accounts WHERE id = ?");
    q.bind(1, std::int64_t{account});
    std::optional<AccountAddress> a;
    if (q.executeStep()) a = AccountAddress{q.getColumn(0).getString(), q.getColumn(1).getString()};
    q.reset();  // a statement left on a row would hold a read snapshot open
    return a;
}

std::optional<core::UnitSummary> ReminderRepo::summary(const core::Form& form, core::UnitId unit,
                                                       const core::MonthPeriod& from,
                                                       const core::MonthPeriod& to,
                                                       std::size_t max_named,
                                                       std::size_t max_difficulties) {
    SQLite::Database& h = db_.handle();
    core::UnitSummary s;
    s.unit = unit;
    {
        SQLite::Statement q(h, "SELECT code, name FROM units WHERE id = ?");
        q.bind(1, std::int64_t{unit});
        if (!q.executeStep()) return std::nullopt;
        s.unit_code = q.getColumn(0).getString();
        s.unit_name = q.getColumn(1).getString();
    }
    s.period_label = from == to ? month_label(from) : month_label(from) + " – " + month_label(to);
    const std::string f = from.str(), t = to.str();

    // The counts and the indicators as the web page shows them (compliance.hpp: unit_figures).
    UnitFigures figures = unit_figures(db_, form, unit, MonthRange{from, to});
    {
        const ComplianceCounts& c = figures.counts;
        s.teams = c.teams;
        s.expected = c.expected;
        s.submitted = c.submitted;
        s.on_time = c.on_time;
        s.late = c.late;
        s.missing = c.missing();
        s.missing_teams = c.missing_teams;
    }
    s.items = std::move(figures.items);
    {
        // Teams missing at least one month in which they existed, by name, with the communes
        // (and districts) between them and the summary's unit: hamlet names repeat.
        SQLite::Statement q(h, subtree(R"sql(
SELECT t.name || CASE WHEN )sql" + std::string(kPlaceAboveSql) +
                                       R"sql( = '' THEN ''
                      ELSE ' (' || )sql" +
                                       std::string(kPlaceAboveSql) + R"sql( || ')' END
FROM team_first_month f JOIN teams t ON t.id = f.team_id
JOIN units hu ON hu.id = t.unit_id LEFT JOIN units pu ON pu.id = hu.parent_id
LEFT JOIN units gu ON gu.id = pu.parent_id
WHERE f.unit_id IN (SELECT id FROM sub)
  AND (SELECT count(*) FROM report_status rs
       WHERE rs.team_id = t.id AND rs.period BETWEEN :from AND :to) < )sql" +
                                       std::string(kExpectedMonthsSql) + R"sql(
ORDER BY gu.name, pu.name, t.name, t.code
LIMIT :limit
)sql"));
        q.bind(":uid", std::int64_t{unit});
        q.bind(":from", f);
        q.bind(":to", t);
        q.bind(":limit", static_cast<std::int64_t>(std::max<std::size_t>(max_named, 1)));
        while (q.executeStep())
            if (s.missing_names.size() < max_named) s.missing_names.push_back(text(q, 0));
    }

    {
        SQLite::Statement q(h, subtree(R"sql(
SELECT t.name, hu.name || CASE WHEN )sql" +
                                       std::string(kPlaceAboveSql) + R"sql( = '' THEN ''
                            ELSE ', ' || )sql" +
                                       std::string(kPlaceAboveSql) + R"sql( END,
       d.category, d.text, count(*) OVER ()
FROM difficulties d JOIN teams t ON t.id = d.team_id
JOIN units hu ON hu.id = t.unit_id LEFT JOIN units pu ON pu.id = hu.parent_id
LEFT JOIN units gu ON gu.id = pu.parent_id
WHERE t.unit_id IN (SELECT id FROM sub) AND d.period BETWEEN :from AND :to
ORDER BY d.created_at DESC, d.id DESC
LIMIT :limit
)sql"));
        q.bind(":uid", std::int64_t{unit});
        q.bind(":from", f);
        q.bind(":to", t);
        q.bind(":limit", static_cast<std::int64_t>(std::max<std::size_t>(max_difficulties, 1)));
        while (q.executeStep()) {
            s.difficulty_count = q.getColumn(4).getInt64();
            if (s.difficulties.size() >= max_difficulties) continue;
            core::DifficultyLine d;
            d.team_name = text(q, 0);
            d.place = text(q, 1);
            d.category = text(q, 2);
            for (const auto& fi : form.items)
                for (const auto& c : fi.choices)
                    if (fi.type == core::ItemType::kText && c.code == d.category)
                        d.category = c.label;
            d.text = text(q, 3);
            s.difficulties.push_back(std::move(d));
        }
    }
    return s;
}

}  // namespace tcns::storage
