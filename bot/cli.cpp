#include "bot/cli.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <exception>
#include <iostream>

#include "bot/commands.hpp"
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

void Args::done() const {
    if (!args_.empty()) throw UsageError(fmt::format("unexpected argument '{}'", args_.front()));
}

namespace {

struct CommandSpec {
    std::string_view name;
    std::string_view usage;
    int (*fn)(CommandContext&);
};

const CommandSpec kCommands[] = {
    {"serve", "serve                      run the HTTP server, dispatcher and scheduler",
     cmd_serve},
    {"migrate", "migrate                    apply pending database migrations", cmd_migrate},
    {"period", "period extend YYYY-MM --until YYYY-MM-DD[THH:MM] | period show YYYY-MM",
     cmd_period},
    {"check-config", "check-config               validate the configuration and exit",
     cmd_check_config},
    {"import",
     "import units|teams|people|targets FILE.csv [--invite-days N]   import the roster, targets",
     cmd_import},
    {"export",
     "export reports|reports-long|compliance|rollup|difficulties|roster\n"
     "                             [--period YYYY-MM | --from YYYY-MM --to YYYY-MM | --quarter "
     "YYYY-Qn]\n"
     "                             [--unit CODE] [--level LEVEL] [--codes] [--semicolon] "
     "[--out FILE]",
     cmd_export},
    {"demo",
     "demo seed [--seed N] | demo history [--months N] [--seed N] | demo hint\n"
     "                             generated demo roster and report history on the imported units",
     cmd_demo},
    {"chat", "chat --as PHONE|INVITE [--now YYYY-MM-DDTHH:MM]   chat with the bot on the console",
     cmd_chat},
    {"viber", "viber set-webhook URL | viber info   register the webhook, show the bot account",
     cmd_viber},
    {"zalo", "zalo token set|refresh|status   store the first OA token pair (stdin), refresh it",
     cmd_zalo},
    {"zalo-bot",
     "zalo-bot set-webhook URL | zalo-bot info   register the Zalo Bot webhook, show the bot "
     "(getMe)",
     cmd_zalo_bot},
    {"backup", "backup FILE                copy the database consistently, also while serving",
     cmd_backup},
    {"restore", "restore FILE               replace the database with a backup (server stopped)",
     cmd_restore},
    {"invites",
     "invites print --unit CODE [--csv] [--viber-uri URI]   leaders' invite codes to hand out",
     cmd_invites},
    {"remind",
     "remind [--dry-run] [--at YYYY-MM-DDTHH:MM]   one scheduler tick; --dry-run prints it",
     cmd_remind},
    {"simulate",
     "simulate --month YYYY-MM [--seed N] [--report-share 0.7]   a month of reminders on a copy",
     cmd_simulate},
};

void print_usage(std::ostream& os) {
    os << "usage: tcns [--db FILE] [--config FILE] <command> [arguments]\n\ncommands:\n";
    for (const auto& c : kCommands) os << "  " << c.usage << "\n";
    os << "\nenvironment: TCNS_DB, TCNS_CONFIG; secrets only from the environment\n";
}

}  // namespace

int run_cli(int argc, const char* const* argv, std::istream& in, std::ostream& out,
            std::ostream& err) {
    GlobalOptions global;
    if (const char* env = std::getenv("TCNS_DB"); env && *env) global.db_path = env;
    if (const char* env = std::getenv("TCNS_CONFIG"); env && *env) global.config_path = env;

    int i = 1;
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
            } else if (a == "-h" || a == "--help" || a == "help") {
                print_usage(out);
                return 0;
            } else {
                break;
            }
        }
        if (i >= argc) throw UsageError("missing command");
        const std::string name = argv[i];
        for (const auto& c : kCommands) {
            if (c.name != name) continue;
            CommandContext ctx{global, {argv + i + 1, argv + argc}, in, out, err};
            return c.fn(ctx);
        }
        throw UsageError(fmt::format("unknown command '{}'", name));
    } catch (const UsageError& e) {
        err << "tcns: " << e.what() << "\n\n";
        print_usage(err);
        return 2;
    } catch (const ConfigError& e) {
        err << "tcns: configuration error: " << e.what() << "\n";
        return 3;
    } catch (const std::exception& e) {
        err << "tcns: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace tcns::bot
