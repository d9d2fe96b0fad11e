#include <fmt/format.h>

#include <ostream>

#include "bot/cli/commands.hpp"
#include "bot/clock.hpp"
#include "bot/config.hpp"
#include "core/phone.hpp"
#include "storage/database.hpp"
#include "storage/outbox_repo.hpp"

namespace tcns::bot {

namespace {

constexpr const char* kUsage =
    "usage: tcns outbox list|retry|drop [--id N] [--person N] [--channel zalo|viber]\n"
    "                                   [--older-than DURATION] [--status S[,S...]] [--limit N]\n"
    "\n"
    "  list    show outbox rows (default: dead, unreachable and uncertain ones)\n"
    "  retry   queue them again: pending, attempts reset, sent as soon as the channel can\n"
    "  drop    give up on them for good (status 'dropped'; kept for the record)\n"
    "\n"
    "  --status      dead,unreachable,uncertain by default; also pending, sent, stale, skipped,\n"
    "                dropped (uncertain: sent twice without an answer, maybe delivered)\n"
    "  --older-than  rows created more than this long ago: 90m, 36h, 3d\n"
    "  --person      the person's id (tcns export roster shows it)\n"
    "\n"
    "examples:\n"
    "  tcns outbox list\n"
    "  tcns outbox retry --channel zalo --status dead\n"
    "  tcns outbox drop --id 4711\n";

std::int64_t number(const std::string& name, const std::string& text) {
    if (const auto v = whole_number(text); v && *v >= 0) return *v;
    throw UsageError(fmt::format("--{} needs a whole number, not '{}'", name, text));
}

std::chrono::seconds duration(const std::string& text) {
    if (text.size() >= 2) {
        const char unit = text.back();
        const std::int64_t n = number("older-than", text.substr(0, text.size() - 1));
        if (unit == 'm') return std::chrono::minutes(n);
        if (unit == 'h') return std::chrono::hours(n);
        if (unit == 'd') return std::chrono::hours(24 * n);
    }
    throw UsageError(
        fmt::format("--older-than needs a duration like 90m, 36h or 3d, not '{}'", text));
}

}  // namespace

/// `tcns outbox list|retry|drop`: see and re-send dead letters and unreachable rows (issue 18).
int cmd_outbox(CommandContext& ctx) {
    Args args(ctx.args);
    if (args.flag("help")) {
        ctx.out << kUsage;
        return 0;
    }
    const std::string action = args.positional("list, retry or drop");
    if (action != "list" && action != "retry" && action != "drop")
        throw UsageError(fmt::format("unknown outbox action '{}' (list, retry, drop)", action));
    storage::OutboxFilter f;
    if (auto v = args.option("id")) f.id = number("id", *v);
    if (auto v = args.option("person")) f.person = number("person", *v);
    if (auto v = args.option("channel")) f.channel = *v;
    if (auto v = args.option("limit")) f.limit = static_cast<int>(number("limit", *v));
    if (auto v = args.option("status")) {
        f.statuses.clear();
        std::string s = *v + ",";
        for (std::size_t at = 0, comma; (comma = s.find(',', at)) != std::string::npos;
             at = comma + 1) {
            const std::string one = s.substr(at, comma - at);
            if (one != "pending" && one != "sent" && one != "dead" && one != "unreachable" &&
                one != "uncertain" && one != "skipped" && one != "stale" && one != "dropped")
                throw UsageError(fmt::format("unknown status '{}'", one));
            f.statuses.push_back(one);
        }
    }
    const auto now = wall_now();
    if (auto v = args.option("older-than")) f.created_before = now - duration(*v);
    args.done();

    const Config config = load_config(ctx.global);
    storage::Database db(config.database);
    storage::OutboxRepo outbox(db);
    if (action == "list") {
        const auto rows = outbox.list(f);
        for (const auto& r : rows) {
            const std::string who =
                r.recipient.size() > 6 && r.recipient.rfind("84", 0) == 0
                    ? core::mask_phone(r.recipient)
                    : (r.recipient.size() > 4 ? "…" + r.recipient.substr(r.recipient.size() - 4)
                                              : r.recipient);
            std::string text = r.text.substr(0, 60);
            for (char& c : text)
                if (c == '\n') c = ' ';
            ctx.out << fmt::format(
                "{}  {} {} person {}  {}  {}  attempts {}  created {}  {}\n", r.id, r.channel, who,
                r.person ? std::to_string(*r.person) : "-", r.kind, r.status, r.attempts,
                core::format_vietnam_short(r.created_at), r.error.empty() ? text : r.error);
        }
        ctx.out << fmt::format("{} row(s)\n", rows.size());
        return 0;
    }
    std::int64_t changed = 0;
    storage::with_transaction(
        db, [&] { changed = action == "retry" ? outbox.retry(f, now) : outbox.drop(f, now); });
    ctx.out << fmt::format("{} row(s) {}\n", changed,
                           action == "retry" ? "queued again" : "dropped");
    return 0;
}

}  // namespace tcns::bot
