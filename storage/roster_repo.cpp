#include "storage/roster_repo.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <tuple>

#include "storage/invite_repo.hpp"

namespace tcns::storage {

namespace {

using core::Date;

void bind_text_or_null(SQLite::Statement& q, int index, const std::string& s) {
    if (s.empty())
        q.bind(index);
    else
        q.bind(index, s);
}

void bind_date(SQLite::Statement& q, int index, const std::optional<Date>& d) {
    if (d)
        q.bind(index, core::format_date(*d));
    else
        q.bind(index);
}

std::string text(SQLite::Statement& q, int col) {
    return q.getColumn(col).isNull() ? std::string() : q.getColumn(col).getString();
}

std::optional<Date> date(SQLite::Statement& q, int col) {
    if (q.getColumn(col).isNull()) return std::nullopt;
    return core::parse_date(q.getColumn(col).getString());
}

// FNV-1a: a stable hash (std::hash is not) to derive per-person seeds.
std::uint64_t fnv1a(std::string_view s) {
    std::uint64_t h = 1469598103934665603ull;
    for (unsigned char c : s) {
        h ^= c;
        h *= 1099511628211ull;
    }
    return h;
}

std::int64_t unix(core::Instant t) {
    return static_cast<std::int64_t>(core::to_unix(t));
}

}  // namespace

struct RosterRepo::Statements {
    explicit Statements(SQLite::Database& db)
        : unit_parent(db,
                      "SELECT p.code FROM units u LEFT JOIN units p ON p.id = u.parent_id "
                      "WHERE u.code = ?"),
          team_unit(db,
                    "SELECT u.code FROM teams t JOIN units u ON u.id = t.unit_id WHERE t.code = ?"),
          team_leaders(db,
                       "SELECT p.phone FROM roles r JOIN teams t ON t.id = r.team_id "
                       "JOIN people p ON p.id = r.person_id "
                       "WHERE t.code = ? AND r.role = 'leader' ORDER BY p.phone") {}
    SQLite::Statement unit_parent;
    SQLite::Statement team_unit;
    SQLite::Statement team_leaders;
};

RosterRepo::RosterRepo(Database& db) : db_(db), st_(std::make_unique<Statements>(db.handle())) {}

RosterRepo::~RosterRepo() = default;

std::optional<std::string> RosterRepo::unit_parent(std::string_view code) {
    auto& q = st_->unit_parent;
    q.reset();
    q.bind(1, std::string(code));
    if (!q.executeStep()) return std::nullopt;
    return text(q, 0);
}

std::optional<std::string> RosterRepo::team_unit(std::string_view code) {
    auto& q = st_->team_unit;
    q.reset();
    q.bind(1, std::string(code));
    if (!q.executeStep()) return std::nullopt;
    return text(q, 0);
}

std::vector<std::string> RosterRepo::team_leaders(std::string_view team_code) {
    auto& q = st_->team_leaders;
    q.reset();
    q.bind(1, std::string(team_code));
    std::vector<std::string> out;
    while (q.executeStep()) out.push_back(text(q, 0));
    return out;
}

ImportCounts RosterRepo::upsert_units(const std::vector<core::UnitRecord>& units, bool generated) {
    struct Existing {
        std::string name, type, level, parent_code;
        std::optional<Date> valid_from, valid_to;
        std::string successor_code;
        bool generated = false;
    };
    SQLite::Database& db = db_.handle();
    SQLite::Statement find(db,
                           "SELECT u.name, u.type, u.level, p.code, u.valid_from, u.valid_to, "
                           "s.code, u.generated FROM units u "
                           "LEFT JOIN units p ON p.id = u.parent_id "
                           "LEFT JOIN units s ON s.id = u.successor_id WHERE u.code = ?");
    SQLite::Statement insert(
        db, "INSERT INTO units(code, name, type, level, generated) VALUES (?, ?, ?, ?, ?)");
    SQLite::Statement update(
        db,
        "UPDATE units SET name = ?, type = ?, level = ?, "
        "parent_id = (SELECT id FROM units WHERE code = ?), valid_from = ?, valid_to = ?, "
        "successor_id = (SELECT id FROM units WHERE code = ?), generated = ? WHERE code = ?");

    // Pass 1: read what is stored and create the missing rows, so that pass 2 can point parents
    // and successors at units that appear later in the file.
    std::vector<std::optional<Existing>> before(units.size());
    for (std::size_t i = 0; i < units.size(); ++i) {
        find.reset();
        find.bind(1, units[i].code);
        if (find.executeStep()) {
            before[i] = Existing{
                text(find, 0), text(find, 1), text(find, 2), text(find, 3),
                date(find, 4), date(find, 5), text(find, 6), find.getColumn(7).getInt() != 0};
        } else {
            insert.reset();
            insert.bind(1, units[i].code);
            insert.bind(2, units[i].name);
            insert.bind(3, units[i].type);
            insert.bind(4, units[i].level);
            insert.bind(5, generated ? 1 : 0);
            insert.exec();
        }
    }
    ImportCounts counts;
    for (std::size_t i = 0; i < units.size(); ++i) {
        const core::UnitRecord& u = units[i];
        const auto& old = before[i];
        const auto valid_from = u.validity_given || !old ? u.valid_from : old->valid_from;
        const auto valid_to = u.validity_given || !old ? u.valid_to : old->valid_to;
        const std::string successor =
            u.successor_given || !old ? u.successor_code : old->successor_code;
        if (old && old->name == u.name && old->type == u.type && old->level == u.level &&
            old->parent_code == u.parent_code && old->valid_from == valid_from &&
            old->valid_to == valid_to && old->successor_code == successor &&
            old->generated == generated) {
            ++counts.unchanged;
            continue;
        }
        update.reset();
        update.bind(1, u.name);
        update.bind(2, u.type);
        update.bind(3, u.level);
        bind_text_or_null(update, 4, u.parent_code);
        bind_date(update, 5, valid_from);
        bind_date(update, 6, valid_to);
        bind_text_or_null(update, 7, successor);
        update.bind(8, generated ? 1 : 0);
        update.bind(9, u.code);
        update.exec();
        ++(old ? counts.updated : counts.added);
    }
    return counts;
}

ImportCounts RosterRepo::upsert_teams(const std::vector<core::TeamRecord>& teams, bool generated,
                                      std::optional<core::Date> imported_on) {
    SQLite::Database& db = db_.handle();
    SQLite::Statement find(db,
                           "SELECT t.name, u.code, t.decision_no, t.decision_date, t.generated "
                           "FROM teams t JOIN units u ON u.id = t.unit_id WHERE t.code = ?");
    SQLite::Statement upsert(
        db,
        "INSERT INTO teams(code, name, unit_id, decision_no, decision_date, generated, "
        "imported_on) VALUES (?1, ?2, (SELECT id FROM units WHERE code = ?3), ?4, ?5, ?6, ?7) "
        "ON CONFLICT(code) DO UPDATE SET name = excluded.name, unit_id = excluded.unit_id, "
        "decision_no = excluded.decision_no, decision_date = excluded.decision_date, "
        "generated = excluded.generated");
    ImportCounts counts;
    for (const core::TeamRecord& t : teams) {
        find.reset();
        find.bind(1, t.code);
        const bool exists = find.executeStep();
        std::string decision_no = t.decision_no;
        std::optional<Date> decision_date = t.decision_date;
        if (exists && !t.decision_given) {
            decision_no = text(find, 2);
            decision_date = date(find, 3);
        }
        if (exists && text(find, 0) == t.name && text(find, 1) == t.unit_code &&
            text(find, 2) == decision_no && date(find, 3) == decision_date &&
            (find.getColumn(4).getInt() != 0) == generated) {
            ++counts.unchanged;
            continue;
        }
        upsert.reset();
        upsert.bind(1, t.code);
        upsert.bind(2, t.name);
        upsert.bind(3, t.unit_code);
        bind_text_or_null(upsert, 4, decision_no);
        bind_date(upsert, 5, decision_date);
        upsert.bind(6, generated ? 1 : 0);
        bind_date(upsert, 7, imported_on);
        upsert.exec();
        ++(exists ? counts.updated : counts.added);
    }
    return counts;
}

ImportCounts RosterRepo::upsert_people(const std::vector<core::PersonRecord>& people,
                                       bool generated) {
    using RoleKey = std::tuple<std::string, std::string, std::string, std::string>;
    auto key_of = [](const core::RoleRecord& r) {
        return RoleKey{std::string(core::role_name(r.role)), r.team_code, r.unit_code, r.title};
    };
    SQLite::Database& db = db_.handle();
    SQLite::Statement find(
        db, "SELECT id, full_name, occupation, generated FROM people WHERE phone = ?");
    SQLite::Statement roles_of(db,
                               "SELECT r.role, ifnull(t.code, ''), ifnull(u.code, ''), r.title "
                               "FROM roles r LEFT JOIN teams t ON t.id = r.team_id "
                               "LEFT JOIN units u ON u.id = r.unit_id WHERE r.person_id = ?");
    SQLite::Statement insert(
        db, "INSERT INTO people(phone, full_name, occupation, generated) VALUES (?, ?, ?, ?)");
    SQLite::Statement update(
        db, "UPDATE people SET full_name = ?, occupation = ?, generated = ? WHERE id = ?");
    SQLite::Statement drop_roles(db, "DELETE FROM roles WHERE person_id = ?");
    SQLite::Statement add_role(db,
                               "INSERT INTO roles(person_id, role, team_id, unit_id, title) "
                               "VALUES (?, ?, (SELECT id FROM teams WHERE code = ?), "
                               "(SELECT id FROM units WHERE code = ?), ?)");

    ImportCounts counts;
    std::vector<std::pair<core::PersonId, const core::PersonRecord*>> new_roles;
    for (const core::PersonRecord& p : people) {
        find.reset();
        find.bind(1, p.phone);
        std::vector<RoleKey> wanted;
        for (const auto& r : p.roles) wanted.push_back(key_of(r));
        std::sort(wanted.begin(), wanted.end());
        if (!find.executeStep()) {
            insert.reset();
            insert.bind(1, p.phone);
            insert.bind(2, p.full_name);
            insert.bind(3, p.occupation);
            insert.bind(4, generated ? 1 : 0);
            insert.exec();
            new_roles.emplace_back(db.getLastInsertRowid(), &p);
            ++counts.added;
            continue;
        }
        const core::PersonId id = find.getColumn(0).getInt64();
        const std::string occupation = p.occupation_given ? p.occupation : text(find, 2);
        const bool same_person = text(find, 1) == p.full_name && text(find, 2) == occupation &&
                                 (find.getColumn(3).getInt() != 0) == generated;
        roles_of.reset();
        roles_of.bind(1, static_cast<std::int64_t>(id));
        std::vector<RoleKey> stored;
        while (roles_of.executeStep())
            stored.emplace_back(text(roles_of, 0), text(roles_of, 1), text(roles_of, 2),
                                text(roles_of, 3));
        std::sort(stored.begin(), stored.end());
        if (same_person && stored == wanted) {
            ++counts.unchanged;
            continue;
        }
        if (!same_person) {
            update.reset();
            update.bind(1, p.full_name);
            update.bind(2, occupation);
            update.bind(3, generated ? 1 : 0);
            update.bind(4, static_cast<std::int64_t>(id));
            update.exec();
        }
        if (stored != wanted) {
            drop_roles.reset();
            drop_roles.bind(1, static_cast<std::int64_t>(id));
            drop_roles.exec();
            new_roles.emplace_back(id, &p);
        }
        ++counts.updated;
    }
    // Roles go in after every old role of these people is gone, so that leadership can move
    // from one person of the file to another without tripping the one-leader index.
    for (const auto& [id, p] : new_roles) {
        for (const core::RoleRecord& r : p->roles) {
            add_role.reset();
            add_role.bind(1, static_cast<std::int64_t>(id));
            add_role.bind(2, std::string(core::role_name(r.role)));
            bind_text_or_null(add_role, 3, r.team_code);
            bind_text_or_null(add_role, 4, r.unit_code);
            add_role.bind(5, r.title);
            add_role.exec();
        }
    }
    return counts;
}

int RosterRepo::issue_missing_invites(const std::vector<std::string>& phones, core::Instant now,
                                      std::chrono::seconds ttl, std::optional<std::uint64_t> seed) {
    SQLite::Database& db = db_.handle();
    SQLite::Statement find(db,
                           "SELECT p.id, EXISTS (SELECT 1 FROM chat_accounts a "
                           "WHERE a.person_id = p.id), EXISTS (SELECT 1 FROM invite_codes i "
                           "WHERE i.person_id = p.id AND i.used_at IS NULL AND i.expires_at > ?) "
                           "FROM people p WHERE p.phone = ?");
    InviteRepo invites(db_);
    int issued = 0;
    for (const std::string& phone : phones) {
        find.reset();
        find.bind(1, unix(now));
        find.bind(2, phone);
        if (!find.executeStep()) continue;
        if (find.getColumn(1).getInt() != 0 || find.getColumn(2).getInt() != 0) continue;
        std::optional<std::uint64_t> person_seed;
        if (seed) person_seed = *seed ^ fnv1a(phone);
        invites.issue(find.getColumn(0).getInt64(), now, ttl, person_seed);
        ++issued;
    }
    return issued;
}

std::vector<StoredUnit> RosterRepo::units() {
    SQLite::Statement q(db_.handle(),
                        "SELECT u.id, u.code, u.name, u.type, u.level, ifnull(p.code, ''), "
                        "u.generated FROM units u LEFT JOIN units p ON p.id = u.parent_id "
                        "ORDER BY u.id");
    std::vector<StoredUnit> out;
    while (q.executeStep())
        out.push_back({q.getColumn(0).getInt64(), text(q, 1), text(q, 2), text(q, 3), text(q, 4),
                       text(q, 5), q.getColumn(6).getInt() != 0});
    return out;
}

std::optional<StoredUnit> RosterRepo::unit(std::string_view code) {
    SQLite::Statement q(db_.handle(),
                        "SELECT u.id, u.code, u.name, u.type, u.level, ifnull(p.code, ''), "
                        "u.generated FROM units u LEFT JOIN units p ON p.id = u.parent_id "
                        "WHERE u.code = ?");
    q.bind(1, std::string(code));
    if (!q.executeStep()) return std::nullopt;
    return StoredUnit{
        q.getColumn(0).getInt64(),   text(q, 1), text(q, 2), text(q, 3), text(q, 4), text(q, 5),
        q.getColumn(6).getInt() != 0};
}

std::optional<StoredTeam> RosterRepo::team(std::string_view code) {
    SQLite::Statement q(db_.handle(),
                        "SELECT t.id, t.code, t.name, u.code, t.generated FROM teams t "
                        "JOIN units u ON u.id = t.unit_id WHERE t.code = ?");
    q.bind(1, std::string(code));
    if (!q.executeStep()) return std::nullopt;
    return StoredTeam{q.getColumn(0).getInt64(), text(q, 1), text(q, 2), text(q, 3),
                      q.getColumn(4).getInt() != 0};
}

std::vector<std::string> RosterRepo::real_phones() {
    SQLite::Statement q(db_.handle(), "SELECT phone FROM people WHERE generated = 0");
    std::vector<std::string> out;
    while (q.executeStep()) out.push_back(text(q, 0));
    return out;
}

std::optional<StoredPerson> RosterRepo::person(std::string_view phone) {
    SQLite::Statement q(db_.handle(),
                        "SELECT id, phone, full_name, occupation, generated FROM people "
                        "WHERE phone = ?");
    q.bind(1, std::string(phone));
    if (!q.executeStep()) return std::nullopt;
    StoredPerson p{q.getColumn(0).getInt64(),    text(q, 1), text(q, 2), text(q, 3),
                   q.getColumn(4).getInt() != 0, {}};
    SQLite::Statement r(db_.handle(),
                        "SELECT r.role, ifnull(t.code, ''), ifnull(t.name, ''), u.code, u.name, "
                        "r.title FROM roles r LEFT JOIN teams t ON t.id = r.team_id "
                        "JOIN units u ON u.id = ifnull(r.unit_id, t.unit_id) "
                        "WHERE r.person_id = ? ORDER BY r.id");
    r.bind(1, static_cast<std::int64_t>(p.id));
    while (r.executeStep()) {
        StoredRole role;
        role.role = core::parse_role(text(r, 0)).value_or(core::Role::kMember);
        role.team_code = text(r, 1);
        role.team_name = text(r, 2);
        role.unit_code = text(r, 3);
        role.unit_name = text(r, 4);
        role.title = text(r, 5);
        p.roles.push_back(std::move(role));
    }
    return p;
}

std::optional<StoredTeam> RosterRepo::first_generated_team() {
    SQLite::Statement q(db_.handle(),
                        "SELECT t.code FROM teams t WHERE t.generated = 1 ORDER BY t.id LIMIT 1");
    if (!q.executeStep()) return std::nullopt;
    return team(text(q, 0));
}

std::vector<std::string> RosterRepo::official_phones(std::string_view unit_code) {
    SQLite::Statement q(db_.handle(),
                        "SELECT p.phone FROM roles r JOIN units u ON u.id = r.unit_id "
                        "JOIN people p ON p.id = r.person_id "
                        "WHERE u.code = ? AND r.role = 'official' ORDER BY r.id");
    q.bind(1, std::string(unit_code));
    std::vector<std::string> out;
    while (q.executeStep()) out.push_back(text(q, 0));
    return out;
}

namespace {
int count_rows(Database& db, const char* table, std::optional<bool> generated) {
    std::string sql = std::string("SELECT count(*) FROM ") + table;
    if (generated) sql += *generated ? " WHERE generated = 1" : " WHERE generated = 0";
    return db.handle().execAndGet(sql).getInt();
}
}  // namespace

int RosterRepo::count_units(std::optional<bool> generated) {
    return count_rows(db_, "units", generated);
}
int RosterRepo::count_teams(std::optional<bool> generated) {
    return count_rows(db_, "teams", generated);
}
int RosterRepo::count_people(std::optional<bool> generated) {
    return count_rows(db_, "people", generated);
}

}  // namespace tcns::storage
