#pragma once

// Commune groups (issue 17): what the bot does with a message posted in a group chat, and the
// group copies of the notices a unit's officials get.

#include "bot/jobs/event_handler.hpp"
#include "bot/jobs/notify.hpp"
#include "bot/jobs/scheduler_config.hpp"
#include "bot/templates.hpp"
#include "core/events.hpp"

namespace tcns::bot {

/// Answers one event posted in a group chat (`event.group_id` set), inside the caller's
/// transaction. "liên kết nhóm <code>" from an official of the code's unit links the group; in a
/// linked group "tổng hợp" and "chưa nộp" are answered for its unit and report attempts are
/// sent to a private chat; everything else, and everything in an unlinked group, gets no answer
/// (a group is never spammed). No chat account is created for a group's members. The replies go
/// to the group (HandleOutcome::recipient).
HandleOutcome handle_group_event(storage::Database& db, const Templates& templates,
                                 const SchedulerConfig& config, const core::InboundEvent& event,
                                 core::Instant now);

/// Queues a copy of an officials' notice for every group linked to `unit`: the same text and
/// validity, the key `core::group_notice_key(key_base, group)`. Groups have no messaging window.
void notify_unit_groups(storage::Database& db, core::UnitId unit, const std::string& key_base,
                        const Notice& like, core::Instant now);

}  // namespace tcns::bot
