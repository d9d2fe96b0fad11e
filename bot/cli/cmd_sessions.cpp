#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>

#include <chrono>
#include <ostream>

#include "bot/admin/web_access.hpp"
#include "bot/cli/commands.hpp"
#include "bot/clock.hpp"
#include "bot/config.hpp"
#include "core/phone.hpp"
#include "core/time.hpp"
#include "storage/database.hpp"

namespace tcns::bot {

namespace {

constexpr const char* kSessionsUsage =
    "usage: tcns sessions list [--all]\n"
    "       tcns sessions revoke --id N | --person PHONE | --all\n"
    "\n"
    "Officials' web sessions, opened with a sign-in link asked for in chat (\"web\").\n"
    "  list            live sessions (--all: revoked and expired ones too)\n"
    "  revoke --id N   ends one session; --person PHONE every session of that person;\n"
    "                  --all every session (everyone signs in again)\n";

constexpr const char* kAuditUsage =
    "usage: tcns audit list [--limit N]\n"
    "\n"
    "The audit log: web sign-ins, sign-in links asked for, exports (who, what, when, from\n"
    "which address), newest first (50 rows unless --limit).\n";

std::string when(core::Instant t) {
    return core::format_vietnam_short(t);
}

}  // namespace

int cmd_sessions(CommandContext& ctx) {
    Args args(ctx.args);
    if (args.flag("help")) {
        ctx.out << kSessionsUsage;
        return 0;
    }
    const std::string sub = args.positional("subcommand (list or revoke)");
    const core::Instant now = wall_now();
    if (sub == "list") {
        const bool all = args.flag("all");
        args.done();
        const Config config = load_config(ctx.global);
        storage::Database db(config.database);
        const auto sessions = web::list_sessions(db, now, !all);
        if (sessions.empty()) {
            ctx.out << (all ? "no web sessions\n" : "no live web sessions\n");
            return 0;
        }
        ctx.out << "id\tperson\tunit\tsigned in\tlast seen\tstate\n";
        for (const auto& s : sessions) {
            const char* state = s.revoked_at                                ? "revoked"
                                : now >= s.expires_at                       ? "expired"
                                : now - s.last_seen_at >= web::kIdleTimeout ? "idle-expired"
                                                                            : "live";
            ctx.out << fmt::format("{}\t{}\t{} ({})\t{}\t{}\t{}\n", s.id, s.person_name,
                                   s.unit_name, s.unit_code, when(s.created_at),
                                   when(s.last_seen_at), state);
        }
        return 0;
    }
    if (sub == "revoke") {
        const auto id = args.option("id");
        const auto person = args.option("person");
        const bool all = args.flag("all");
        args.done();
        if ((id ? 1 : 0) + (person ? 1 : 0) + (all ? 1 : 0) != 1)
            throw UsageError("sessions revoke needs exactly one of --id N, --person PHONE, --all");
        const Config config = load_config(ctx.global);
        storage::Database db(config.database);
        int revoked = 0;
        if (id) {
            const auto n = whole_number(*id);
            if (!n) throw UsageError(fmt::format("--id wants a session number, got '{}'", *id));
            revoked = web::revoke_session(db, *n, now);
        } else if (person) {
            const auto phone = core::normalize_phone(*person);
            if (!phone) throw UsageError(fmt::format("'{}' is not a phone number", *person));
            SQLite::Statement q(db.handle(), "SELECT id FROM people WHERE phone = ?");
            q.bind(1, *phone);
            if (!q.executeStep()) {
                ctx.err << "tcns: no person with phone " << *person << " in the roster\n";
                return 1;
            }
            revoked = web::revoke_person(db, q.getColumn(0).getInt64(), now);
        } else {
            revoked = web::revoke_all(db, now);
        }
        ctx.out << fmt::format("revoked {} session{}\n", revoked, revoked == 1 ? "" : "s");
        return 0;
    }
    throw UsageError(fmt::format("unknown sessions subcommand '{}' (see sessions --help)", sub));
}

int cmd_audit(CommandContext& ctx) {
    Args args(ctx.args);
    if (args.flag("help")) {
        ctx.out << kAuditUsage;
        return 0;
    }
    const std::string sub = args.positional("subcommand (list)");
    if (sub != "list") throw UsageError(fmt::format("unknown audit subcommand '{}'", sub));
    std::size_t limit = 50;
    if (const auto l = args.option("limit")) {
        try {
            std::size_t used = 0;
            limit = std::stoul(*l, &used);
            if (used != l->size() || limit == 0) throw std::invalid_argument(*l);
        } catch (const std::exception&) {
            throw UsageError(fmt::format("--limit wants a positive number, got '{}'", *l));
        }
    }
    args.done();
    const Config config = load_config(ctx.global);
    storage::Database db(config.database);
    ctx.out << "id\twhen\twho\twhat\tdetail\tclient\n";
    for (const auto& r : web::audit_list(db, limit))
        ctx.out << fmt::format("{}\t{}\t{}\t{}\t{}\t{}\n", r.id, when(r.at), r.actor, r.action,
                               r.detail, r.client);
    return 0;
}

}  // namespace tcns::bot
