#pragma once

#include <optional>
#include <string>

#include "core/messages.hpp"
#include "core/period.hpp"
#include "core/reminder_policy.hpp"
#include "core/send_validity.hpp"
#include "storage/database.hpp"

namespace tcns::bot {

/// A group chat a notice goes to instead of a person (issue 17).
struct GroupDestination {
    std::string channel;
    std::string chat_id;
};

/// A message for one person, its account and window decision already chosen; or for a linked
/// group chat (`group` set: no account, no window).
struct Notice {
    std::string idem_key;
    std::string kind;  ///< outbox kind: reminder, late_notice, escalation, summary, difficulty, …
    core::PersonId person = 0;
    std::optional<core::ContactAccount> account;
    std::string phone;  ///< normalised, for ZNS
    core::WindowDecision decision = core::WindowDecision::kUnreachable;
    std::string text;
    std::optional<core::Instant> not_before;  ///< held back until then (quiet hours)
    /// What makes the notice true, checked again just before it is sent (issue 14).
    std::optional<core::SendValidity> validity;
    std::optional<GroupDestination> group;
};

/// What happened to a notice.
enum class NoticeOutcome {
    kQueued,     ///< a pending outbox row (or a ZNS row to the phone number)
    kRecorded,   ///< not sendable: recorded as a 'skipped' outbox row with the reason
    kDuplicate,  ///< a row with the key exists: nothing done
};

/// True when the outbox already holds a row with this key.
bool notice_exists(storage::Database& db, const std::string& idem_key);

/// Writes the notice into the outbox inside the caller's transaction: open windows and "send
/// anyway" go to the account's channel, ZNS to the phone number (channel zalo, kind "zns"), and
/// notices that cannot go out are kept as 'skipped' rows saying why, so the key is spent and
/// the decision is on record.
NoticeOutcome enqueue_notice(storage::Database& db, const Notice& n, core::Instant now);

/// The end of the quiet hours when `now` falls in them (the message waits for the morning).
std::optional<core::Instant> after_quiet_hours(core::Instant now, const core::QuietHours& quiet);

/// The web page of unit `unit_code` for the months up to `month` under `public_url` ("" when web
/// access is not configured): `span` is "month" (that month alone), "quarter" (its quarter to
/// that month) or "ytd". A plain address: the page asks for sign-in, which an official gets in
/// chat by typing "web", so a summary never carries a token.
std::string unit_page_url(const std::string& public_url, const std::string& unit_code,
                          const core::MonthPeriod& month, std::string_view span = "month");

/// The closing line of a chat summary ("\n" + summary.page_link with the page's address), or ""
/// without public_url.
std::string page_link_line(const core::Messages& m, const std::string& public_url,
                           const std::string& unit_code, const core::MonthPeriod& month,
                           std::string_view span = "month");

/// "84******678", a platform id shortened, or "-": who a notice goes to, safe for logs.
std::string masked_recipient(storage::Database& db, const Notice& n);

}  // namespace tcns::bot
