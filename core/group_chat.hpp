#pragma once

// What a message in a group chat asks of the bot (issue 17, commune groups). A group linked to a
// unit may ask for the unit's roll-up and missing teams; nothing is ever filed from a group, so
// report commands there are answered with "write to the bot privately". Pure: the engine looks
// the group and the sender up and acts on the answer.

#include <optional>
#include <string>
#include <string_view>

#include "core/period.hpp"
#include "core/time.hpp"
#include "core/words.hpp"

namespace tcns::core {

/// The kinds of group messages the bot answers; everything else is chatter and gets no answer.
enum class GroupCommandKind {
    kNone,         ///< chatter: stay quiet
    kLink,         ///< "liên kết nhóm <code>": link this group to the code's unit
    kRollup,       ///< "tổng hợp [tháng]": the unit's summary
    kMissing,      ///< "chưa nộp [tháng]": the teams still missing
    kPrivateOnly,  ///< a report command, a quick report or a bare number: write privately
};

struct GroupCommand {
    GroupCommandKind kind = GroupCommandKind::kNone;
    /// kLink: the code as typed (InviteRepo-style canonicalisation is the caller's); kRollup and
    /// kMissing: the month argument ("" for the default month).
    std::string arg;
};

/// Classifies one text posted in a group, with the words of templates/words.vi.json: the list
/// "group_link" (the words before the code), the commands "rollup" and "missing", and as report
/// attempts the commands "report", "edit" and "status", the lists "quick_report" and
/// "report_month" followed by a digit, "difficulty" before a colon, and a message that is only
/// numbers. Greetings, "ok", "có", "gửi" and the like are chatter in a group.
GroupCommand classify_group_text(std::string_view text, const Words& words);

/// The month a group's "tổng hợp"/"chưa nộp" is about: `arg` ("10/2026", "2026-10"), or without
/// one the month just closed during the first ten days of a month and the current month after
/// (the rule officials get in a private chat). nullopt: `arg` is not a month.
std::optional<MonthPeriod> group_summary_period(std::string_view arg, Instant now);

/// The idempotency key of a group's copy of a scheduled message: `base` (the key's scheme
/// without its recipient, e.g. "summary:C:2026-11") + ":g<group id>", beside officials' ":p<id>".
std::string group_notice_key(std::string_view base, long long group_id);

}  // namespace tcns::core
