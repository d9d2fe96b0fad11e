#include "storage/invite_sheet.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>

#include <cstdint>

namespace tcns::storage {

std::optional<std::vector<InviteSheetRow>> invite_sheet(Database& db, std::string_view unit_code,
                                                        core::Instant now) try {
    SQLite::Statement exists(db.handle(), "SELECT 1 FROM units WHERE code = ?");
    exists.bind(1, std::string(unit_code));
    if (!exists.executeStep()) return std::nullopt;

    SQLite::Statement q(db.handle(), R"sql(
WITH RECURSIVE sub(id) AS (
    SELECT id FROM units WHERE code = :unit
    UNION SELECT u.id FROM units u JOIN sub ON u.parent_id = sub.id
),
usable AS (
    SELECT person_id, code, expires_at,
           row_number() OVER (PARTITION BY person_id ORDER BY expires_at DESC, code) AS n
    FROM invite_codes WHERE used_at IS NULL AND expires_at > :now
)
SELECT un.code, un.name, t.code, t.name, r.role, p.full_name, p.phone,
       ifnull(i.code, ''), i.expires_at,
       EXISTS (SELECT 1 FROM chat_accounts a WHERE a.person_id = p.id)
FROM sub
JOIN units un ON un.id = sub.id
JOIN teams t ON t.unit_id = un.id AND t.active = 1
JOIN roles r ON r.team_id = t.id AND r.role IN ('leader', 'deputy')
JOIN people p ON p.id = r.person_id
LEFT JOIN usable i ON i.person_id = p.id AND i.n = 1
ORDER BY un.code, t.code, r.role <> 'leader', p.full_name
)sql");
    q.bind(":unit", std::string(unit_code));
    q.bind(":now", static_cast<std::int64_t>(core::to_unix(now)));
    std::vector<InviteSheetRow> rows;
    while (q.executeStep()) {
        InviteSheetRow r;
        r.unit_code = q.getColumn(0).getString();
        r.unit_name = q.getColumn(1).getString();
        r.team_code = q.getColumn(2).getString();
        r.team_name = q.getColumn(3).getString();
        r.role = q.getColumn(4).getString();
        r.full_name = q.getColumn(5).getString();
        r.phone = q.getColumn(6).getString();
        r.code = q.getColumn(7).getString();
        if (!q.getColumn(8).isNull()) r.expires = core::from_unix(q.getColumn(8).getInt64());
        r.linked = q.getColumn(9).getInt() != 0;
        rows.push_back(std::move(r));
    }
    return rows;
} catch (const SQLite::Exception& e) {
    throw StorageError(fmt::format("cannot read the invite list: {}", e.what()));
}

}  // namespace tcns::storage
