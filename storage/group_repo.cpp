#include "storage/group_repo.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include "storage/invite_repo.hpp"
#include "storage/outbox_repo.hpp"

namespace tcns::storage {

namespace {

std::int64_t unix(core::Instant t) {
    return static_cast<std::int64_t>(core::to_unix(t));
}

constexpr const char* kGroupColumns =
    "SELECT g.id, g.channel, g.chat_id, g.unit_id, u.code, u.name FROM chat_groups g "
    "JOIN units u ON u.id = g.unit_id ";

ChatGroup read_group(SQLite::Statement& q) {
    ChatGroup g;
    g.id = q.getColumn(0).getInt64();
    g.channel = q.getColumn(1).getString();
    g.chat_id = q.getColumn(2).getString();
    g.unit = q.getColumn(3).getInt64();
    g.unit_code = q.getColumn(4).getString();
    g.unit_name = q.getColumn(5).getString();
    return g;
}

}  // namespace

std::string GroupRepo::issue_invite(core::UnitId unit, core::Instant now,
                                    std::chrono::seconds ttl) {
    SQLite::Statement ins(db_.handle(),
                          "INSERT INTO group_invites(code, unit_id, created_at, expires_at) "
                          "SELECT ?1, ?2, ?3, ?4 WHERE NOT EXISTS (SELECT 1 FROM invite_codes "
                          "WHERE code = ?1) ON CONFLICT(code) DO NOTHING");
    for (int attempt = 0; attempt < 100; ++attempt) {
        const std::string code = InviteRepo::draw_code();
        ins.reset();
        ins.bind(1, code);
        ins.bind(2, static_cast<std::int64_t>(unit));
        ins.bind(3, unix(now));
        ins.bind(4, unix(now + ttl));
        if (ins.exec() == 1) return code;
    }
    throw StorageError("cannot find a free group code");
}

std::optional<GroupInvite> GroupRepo::find_invite(std::string_view code) {
    SQLite::Statement q(db_.handle(),
                        "SELECT i.code, i.unit_id, u.code, u.name, i.expires_at, i.used_at "
                        "FROM group_invites i JOIN units u ON u.id = i.unit_id WHERE i.code = ?");
    q.bind(1, InviteRepo::canonical(code));
    if (!q.executeStep()) return std::nullopt;
    GroupInvite i;
    i.code = q.getColumn(0).getString();
    i.unit = q.getColumn(1).getInt64();
    i.unit_code = q.getColumn(2).getString();
    i.unit_name = q.getColumn(3).getString();
    i.expires_at = core::from_unix(q.getColumn(4).getInt64());
    if (!q.getColumn(5).isNull()) i.used_at = core::from_unix(q.getColumn(5).getInt64());
    return i;
}

bool GroupRepo::consume_invite(std::string_view code, std::int64_t group, core::Instant now) {
    SQLite::Statement q(db_.handle(),
                        "UPDATE group_invites SET used_at = ?, used_by = ? WHERE code = ? AND "
                        "used_at IS NULL");
    q.bind(1, unix(now));
    q.bind(2, group);
    q.bind(3, InviteRepo::canonical(code));
    return q.exec() == 1;
}

std::optional<ChatGroup> GroupRepo::find(std::string_view channel, std::string_view chat_id) {
    auto& q = db_.cached(std::string(kGroupColumns) + "WHERE g.channel = ? AND g.chat_id = ?");
    q.bind(1, std::string(channel));
    q.bind(2, std::string(chat_id));
    std::optional<ChatGroup> out;
    if (q.executeStep()) out = read_group(q);
    q.reset();
    return out;
}

ChatGroup GroupRepo::link(std::string_view channel, std::string_view chat_id, core::UnitId unit,
                          std::optional<core::PersonId> by, core::Instant now) {
    SQLite::Statement q(db_.handle(),
                        "INSERT INTO chat_groups(channel, chat_id, unit_id, linked_by, linked_at) "
                        "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(channel, chat_id) DO UPDATE SET "
                        "unit_id = ?3, linked_by = ?4, linked_at = ?5");
    q.bind(1, std::string(channel));
    q.bind(2, std::string(chat_id));
    q.bind(3, static_cast<std::int64_t>(unit));
    if (by)
        q.bind(4, static_cast<std::int64_t>(*by));
    else
        q.bind(4);
    q.bind(5, unix(now));
    q.exec();
    auto g = find(channel, chat_id);
    if (!g) throw StorageError("a linked group vanished in its own transaction");
    return *g;
}

std::vector<ChatGroup> GroupRepo::all() {
    SQLite::Statement q(db_.handle(), std::string(kGroupColumns) + "ORDER BY g.unit_id, g.id");
    std::vector<ChatGroup> out;
    while (q.executeStep()) out.push_back(read_group(q));
    return out;
}

std::optional<std::pair<ChatGroup, std::int64_t>> GroupRepo::unlink(std::int64_t group,
                                                                    core::Instant now) {
    SQLite::Statement q(db_.handle(), std::string(kGroupColumns) + "WHERE g.id = ?");
    q.bind(1, group);
    if (!q.executeStep()) return std::nullopt;
    ChatGroup g = read_group(q);
    // A group's rows carry its chat id as recipient and no account (migration 15's note).
    OutboxFilter queued;
    queued.statuses = {"pending"};
    queued.channel = g.channel;
    queued.group_chat = g.chat_id;
    const std::int64_t dropped = OutboxRepo(db_).drop(queued, now);
    SQLite::Statement del(db_.handle(), "DELETE FROM chat_groups WHERE id = ?");
    del.bind(1, group);
    del.exec();
    return std::make_pair(std::move(g), dropped);
}

std::vector<ChatGroup> GroupRepo::of_unit(core::UnitId unit) {
    auto& q = db_.cached(std::string(kGroupColumns) + "WHERE g.unit_id = ? ORDER BY g.id");
    q.bind(1, static_cast<std::int64_t>(unit));
    std::vector<ChatGroup> out;
    while (q.executeStep()) out.push_back(read_group(q));
    q.reset();
    return out;
}

bool GroupRepo::is_official_of(core::PersonId person, core::UnitId unit) {
    SQLite::Statement q(db_.handle(),
                        "SELECT 1 FROM roles WHERE person_id = ? AND unit_id = ? AND role = "
                        "'official'");
    q.bind(1, static_cast<std::int64_t>(person));
    q.bind(2, static_cast<std::int64_t>(unit));
    return q.executeStep();
}

}  // namespace tcns::storage
