#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/org.hpp"
#include "core/time.hpp"
#include "storage/database.hpp"

namespace tcns::storage {

/// A group chat linked to a unit (issue 17): it receives the unit's roll-ups and difficulty
/// alerts, and answers "tổng hợp" / "chưa nộp" for the unit.
struct ChatGroup {
    std::int64_t id = 0;
    std::string channel;
    std::string chat_id;  ///< the platform's id of the group chat (the outbox recipient)
    core::UnitId unit = 0;
    std::string unit_code;
    std::string unit_name;
};

/// A one-time, expiring code that links a group chat to a unit.
struct GroupInvite {
    std::string code;
    core::UnitId unit = 0;
    std::string unit_code;
    std::string unit_name;
    core::Instant expires_at{};
    std::optional<core::Instant> used_at;
};

/// Group chats and their link codes (tables chat_groups, group_invites; migration 15).
class GroupRepo {
  public:
    explicit GroupRepo(Database& db) : db_(db) {}

    /// A fresh group code for the unit (the personal invite codes' alphabet and length, and
    /// never equal to a personal code).
    std::string issue_invite(core::UnitId unit, core::Instant now, std::chrono::seconds ttl);
    /// Looks a group code up (any case, spaces and dashes ignored).
    std::optional<GroupInvite> find_invite(std::string_view code);
    /// Marks a code used by a group. False when it was already used.
    bool consume_invite(std::string_view code, std::int64_t group, core::Instant now);

    /// The group with this chat id on this channel, if linked.
    std::optional<ChatGroup> find(std::string_view channel, std::string_view chat_id);
    /// Links (or re-links to another unit) a group chat; returns its row.
    ChatGroup link(std::string_view channel, std::string_view chat_id, core::UnitId unit,
                   std::optional<core::PersonId> by, core::Instant now);
    /// Every linked group, by unit then id.
    std::vector<ChatGroup> all();
    /// The groups linked to one unit.
    std::vector<ChatGroup> of_unit(core::UnitId unit);
    /// Unlinks a group (an operator's `tcns invites unlink --group ID`): the link is removed and
    /// the group's messages not sent yet are dropped, so the group hears nothing more. Nullopt
    /// when no group has this id; else the group and how many queued messages were dropped.
    /// Call inside a write transaction.
    std::optional<std::pair<ChatGroup, std::int64_t>> unlink(std::int64_t group, core::Instant now);

    /// True when the person holds an official role on exactly this unit.
    bool is_official_of(core::PersonId person, core::UnitId unit);

  private:
    Database& db_;
};

}  // namespace tcns::storage
