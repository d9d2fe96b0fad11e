#include "bot/cli/cli.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <iostream>

#include "bot/channels/channel_registry.hpp"
#include "bot/cli/commands.hpp"
#include "bot/config.hpp"

namespace tcns::bot {

std::optional<std::string> Args::option(std::string_view name) {
    const std::string flag = "--" + std::string(name);
    for (std::size_t i = 0; i < args_.size(); ++i) {
        if (args_[i] == flag) {
            if (i + 1 >= args_.size()) throw UsageError(fmt::format("{} needs a value", flag));
            std::string v = args_[i + 1];
            args_.erase(args_.begin() + static_cast<long>(i),
                        args_.begin() + static_cast<long>(i) + 2);
            return v;
        }
        if (args_[i].rfind(flag + "=", 0) == 0) {
            std::string v = args_[i].substr(flag.size() + 1);
            args_.erase(args_.begin() + static_cast<long>(i));
            return v;
        }
    }
    return std::nullopt;
}

bool Args::flag(std::string_view name) {
    const std::string flag = "--" + std::string(name);
    for (std::size_t i = 0; i < args_.size(); ++i) {
        if (args_[i] == flag) {
            args_.erase(args_.begin() + static_cast<long>(i));
            return true;
        }
    }
    return false;
}

std::optional<std::string> Args::optional_positional() {
    for (std::size_t i = 0; i < args_.size(); ++i) {
        if (args_[i].rfind("--", 0) == 0) continue;
        std::string v = args_[i];
        args_.erase(args_.begin() + static_cast<long>(i));
        return v;
    }
    return std::nullopt;
}

std::string Args::positional(std::string_view what) {
    auto v = optional_positional();
    if (!v) throw UsageError(fmt::format("missing {}", what));
    return *v;
}

std::optional<std::int64_t> whole_number(const std::string& text) {
    try {
        std::size_t used = 0;
        const long long v = std::stoll(text, &used);
        if (used == text.size()) return v;
    } catch (const std::exception&) {
    }
    return std::nullopt;
}

void Args::done() const {
    if (!args_.empty()) throw UsageError(fmt::format("unexpected argument '{}'", args_.front()));
}

namespace {

/// One command: its one-line summary for `tcns --help`, and the usage lines, notes and example
/// that `tcns <command> --help` prints (the only place the CLI's help lives).
struct CommandSpec {
    std::string_view name;
    std::string_view summary;
    std::string_view usage;    ///< one line per form, without the leading "tcns "
    std::string_view notes;    ///< what the options mean; may be empty
    std::string_view example;  ///< one or more complete command lines
    int (*fn)(CommandContext&);
};

const CommandSpec kCommands[] = {
    {"serve", "run the HTTP server, dispatcher and scheduler", "serve [--port N]",
     "  --port N   listen on N instead of the configuration's server.port",
     "tcns --config /etc/tcns/tcns.json serve", cmd_serve},
    {"migrate", "apply pending database migrations", "migrate", "", "tcns --db tcns.db migrate",
     cmd_migrate},
    {"period", "show, extend or reset a month's reporting deadline",
     "period show YYYY-MM\n"
     "period extend YYYY-MM --until YYYY-MM-DD[THH:MM] [--allow-earlier]\n"
     "period reset YYYY-MM",
     "  --until D         the new deadline: the end of day D (Vietnam time), or D at HH:MM\n"
     "  --allow-earlier   accept a deadline earlier than the current one (reports filed\n"
     "                    after it become late); refused without it\n"
     "  extend and reset print the old and new deadline and how many reports change\n"
     "  between on time and late",
     "tcns period extend 2026-11 --until 2026-12-02", cmd_period},
    {"check-config", "validate the configuration and exit", "check-config", "",
     "tcns --config /etc/tcns/tcns.json check-config", cmd_check_config},
    {"import", "import the roster (units, teams, people) or targets from CSV",
     "import units|teams|people|targets FILE.csv [--invite-days N]",
     "  FILE.csv          a file, or - for standard input\n"
     "  --invite-days N   people: how long new invite codes stay valid",
     "tcns import units units.csv\ntcns import people people.csv --invite-days 30", cmd_import},
    {"export", "export reports, compliance, roll-ups, difficulties or the roster as CSV or XLSX",
     "export reports|reports-long|compliance|rollup|difficulties|roster\n"
     "       [--period YYYY-MM | --from YYYY-MM --to YYYY-MM | --quarter YYYY-Qn]\n"
     "       [--month-to-date] [--unit CODE] [--level LEVEL] [--codes] [--semicolon]\n"
     "       [--format csv|xlsx] [--out FILE]\n"
     "export quarterly-report --quarter YYYY-Qn [--unit CODE] [--level LEVEL] [--month-to-date]\n"
     "       [--out FILE]",
     "  counts (compliance, rollup) cover closed months only; --month-to-date adds the\n"
     "  current month; months before a team existed are never counted for it\n"
     "  --unit CODE   only this unit's subtree     --level LEVEL   rows per unit of LEVEL\n"
     "  --codes       machine codes, not Vietnamese labels\n"
     "  --semicolon   ';' separated, for Excel in a Vietnamese locale\n"
     "  --format xlsx an Excel workbook (typed cells, a \"Giải thích\" sheet) instead of CSV\n"
     "  --out FILE    write to FILE instead of standard output\n"
     "  quarterly-report: the district's quarterly workbook (XLSX): cover, summary per unit,\n"
     "  one sheet per month, difficulties and proposals; closed months unless --month-to-date",
     "tcns export rollup --quarter 2026-Q4 --level district --unit 731 --out q4.csv", cmd_export},
    {"demo", "a generated demo roster and report history on the imported units",
     "demo seed [--seed N]\n"
     "demo history [--months N] [--seed N] [--now YYYY-MM-DDTHH:MM]\n"
     "demo hint",
     "", "tcns demo seed && tcns demo history --months 6", cmd_demo},
    {"chat", "chat with the bot on the console", "chat --as PHONE|INVITE [--now YYYY-MM-DDTHH:MM]",
     "  --as     the person to be: a roster phone number or an invite code\n"
     "  --now    pretend it is this Vietnam time",
     "tcns chat --as 0912000001", cmd_chat},
    {"backup", "copy the database consistently, also while serving", "backup FILE", "",
     "tcns backup /var/backups/tcns-2026-12-07.db", cmd_backup},
    {"restore", "replace the database with a backup (server stopped)", "restore FILE", "",
     "tcns restore /var/backups/tcns-2026-12-07.db", cmd_restore},
    {"invites", "leaders' invite codes to hand out; group link codes",
     "invites print --unit CODE [--csv] [--viber-uri URI]\n"
     "invites group --unit CODE [--days N]\n"
     "invites groups\n"
     "invites unlink --group ID",
     "  --csv         CSV instead of a printable sheet\n"
     "  --viber-uri   the bot's Viber URI, for deep links\n"
     "  --days        how long a group link code stays valid (default 30)\n"
     "  groups        the linked group chats, by unit\n"
     "  unlink        a group stops receiving anything (its queued messages are dropped)",
     "tcns invites print --unit 26734 --csv > invites.csv\n"
     "tcns invites group --unit 26734\n"
     "tcns invites unlink --group 3",
     cmd_invites},
    {"remind", "run one scheduler tick (reminders, notices, summaries)",
     "remind [--dry-run] [--at YYYY-MM-DDTHH:MM]",
     "  --dry-run   print what would be queued, queue nothing\n"
     "  --at        plan as if it were this Vietnam time",
     "tcns remind --dry-run --at 2026-11-27T08:00", cmd_remind},
    {"simulate", "a month of reminders on a copy of the database",
     "simulate --month YYYY-MM [--seed N] [--report-share 0.7]", "",
     "tcns simulate --month 2026-11 --report-share 0.6", cmd_simulate},
    {"outbox", "see, re-send or drop queued messages (dead letters)",
     "outbox list|retry|drop [--id N] [--person N] [--channel zalo|viber]\n"
     "       [--older-than DURATION] [--status S[,S...]] [--limit N]",
     "  list    show outbox rows (default: dead and unreachable ones, the dead letters)\n"
     "  retry   queue them again: pending, attempts reset, sent as soon as the channel can\n"
     "  drop    give up on them for good (status 'dropped'; kept for the record)\n"
     "  --status      dead,unreachable by default; also pending, sent, stale, skipped, dropped\n"
     "  --older-than  rows created more than this long ago: 90m, 36h, 3d\n"
     "  --person      the person's id (tcns export roster shows it)",
     "tcns outbox retry --channel zalo --status dead", cmd_outbox},
    {"sessions", "officials' web sessions: list them, end them",
     "sessions list [--all]\n"
     "sessions revoke --id N | --person PHONE | --all",
     "  list            live sessions (--all: revoked and expired ones too)\n"
     "  revoke --id N   ends one session; --person PHONE every session of that person;\n"
     "                  --all every session (everyone signs in again)",
     "tcns sessions revoke --person 0912000009", cmd_sessions},
    {"audit", "web sign-ins and exports: who, what, when, from where", "audit list [--limit N]",
     "  --limit N   the newest N rows (50 by default)", "tcns audit list --limit 200", cmd_audit},
};

/// Every command: the table above with each channel's set-up command (from the channel
/// registry) after "chat", where they have always been listed.
const std::vector<CommandSpec>& all_commands() {
    static const std::vector<CommandSpec> kAll = [] {
        std::vector<CommandSpec> all;
        for (const auto& c : kCommands) {
            all.push_back(c);
            if (c.name != "chat") continue;
            for (const ChannelSpec& ch : channel_registry()) {
                const ChannelCommand& k = ch.command;
                if (k.name.empty() || k.fn == nullptr) continue;
                all.push_back({k.name, k.summary, k.usage, k.notes, k.example, k.fn});
            }
        }
        return all;
    }();
    return kAll;
}

void print_usage(std::ostream& os) {
    os << "usage: tcns [--db FILE] [--config FILE] <command> [arguments]\n\ncommands:\n";
    for (const auto& c : all_commands()) os << fmt::format("  {:<14}{}\n", c.name, c.summary);
    os << "\n'tcns <command> --help' shows a command's usage and an example.\n"
          "environment: TCNS_DB, TCNS_CONFIG; secrets only from the environment\n";
}

/// Prefixes each line of `text` with `prefix`.
std::string indented(std::string_view text, std::string_view prefix) {
    std::string out;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t end = std::min(text.find('\n', start), text.size());
        out += std::string(prefix) + std::string(text.substr(start, end - start)) + "\n";
        start = end + 1;
    }
    return out;
}

void print_command_help(const CommandSpec& c, std::ostream& os) {
    os << "tcns " << c.name << ": " << c.summary << "\n\nusage:\n" << indented(c.usage, "  tcns ");
    if (!c.notes.empty()) os << "\n" << c.notes << "\n";
    os << "\nexample:\n" << indented(c.example, "  ");
}

const CommandSpec* find_command(std::string_view name) {
    for (const auto& c : all_commands())
        if (c.name == name) return &c;
    return nullptr;
}

bool asks_for_help(const char* const* first, const char* const* last) {
    for (; first != last; ++first) {
        const std::string_view a = *first;
        if (a == "--help" || a == "-h") return true;
    }
    return false;
}

}  // namespace

int run_cli(int argc, const char* const* argv, std::istream& in, std::ostream& out,
            std::ostream& err) {
    GlobalOptions global;
    if (const char* env = std::getenv("TCNS_DB"); env && *env) global.db_path = env;
    if (const char* env = std::getenv("TCNS_CONFIG"); env && *env) global.config_path = env;

    int i = 1;
    const CommandSpec* c = nullptr;
    try {
        for (; i < argc; ++i) {
            const std::string a = argv[i];
            if (a == "--db" || a == "--config") {
                if (i + 1 >= argc) throw UsageError(a + " needs a value");
                (a == "--db" ? global.db_path : global.config_path) = argv[++i];
            } else if (a.rfind("--db=", 0) == 0) {
                global.db_path = a.substr(5);
            } else if (a.rfind("--config=", 0) == 0) {
                global.config_path = a.substr(9);
            } else if (a == "-h" || a == "--help" || (a == "help" && i + 1 == argc)) {
                print_usage(out);
                return 0;
            } else {
                break;
            }
        }
        if (i >= argc) throw UsageError("missing command");
        const std::string name = argv[i];
        if (name == "help" && i + 1 < argc) {  // `tcns help export`
            if (const CommandSpec* asked = find_command(argv[i + 1])) {
                print_command_help(*asked, out);
                return 0;
            }
            throw UsageError(fmt::format("unknown command '{}'", argv[i + 1]));
        }
        c = find_command(name);
        if (!c) throw UsageError(fmt::format("unknown command '{}'", name));
        // `--help` anywhere after the command (`tcns period extend --help`) asks for its help.
        if (asks_for_help(argv + i + 1, argv + argc)) {
            print_command_help(*c, out);
            return 0;
        }
        CommandContext ctx{global, {argv + i + 1, argv + argc}, in, out, err};
        return c->fn(ctx);
    } catch (const UsageError& e) {
        err << "tcns: " << e.what() << "\n\n";
        if (c)
            print_command_help(*c, err);
        else
            print_usage(err);
        return kExitUsage;
    } catch (const ConfigError& e) {
        // The journal shows this line under the failed unit: it must say that waiting will not
        // help (tcns.service does not restart on this exit status).
        err << "tcns: configuration error: " << e.what() << "\n"
            << "tcns: permanent error (exit " << kExitConfig
            << "): fix the configuration, check it with `tcns check-config`, then start again\n";
        return kExitConfig;
    } catch (const DatabaseError& e) {
        err << "tcns: database error: " << e.what() << "\n"
            << "tcns: permanent error (exit " << kExitDatabase
            << "): repair or restore the database (`tcns restore FILE`), then start again\n";
        return kExitDatabase;
    } catch (const std::exception& e) {
        err << "tcns: " << e.what() << "\n";
        return kExitFailure;
    }
}

}  // namespace tcns::bot
