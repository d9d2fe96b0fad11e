#include <fmt/format.h>

#include <ostream>

#include "bot/commands.hpp"
#include "bot/config.hpp"
#include "bot/paths.hpp"
#include "bot/templates.hpp"
#include "core/period.hpp"
#include "storage/database.hpp"
#include "storage/period_repo.hpp"

namespace tcns::bot {

namespace {
core::Instant wall_now() {
    return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}
}  // namespace

int cmd_migrate(CommandContext& ctx) {
    Args(ctx.args).done();
    const Config config = load_config(ctx.global);
    storage::Database::Options o;
    o.migrate = false;
    storage::Database db(config.database, o);
    const int before = db.schema_version();
    const int applied = db.migrate();
    ctx.out << fmt::format("{}: schema version {} -> {} ({} migration{} applied)\n",
                           config.database, before, db.schema_version(), applied,
                           applied == 1 ? "" : "s");
    return 0;
}

int cmd_period(CommandContext& ctx) {
    Args args(ctx.args);
    const std::string sub = args.positional("subcommand (extend, show or reset)");
    const std::string period_text = args.positional("period YYYY-MM");
    const auto period = core::MonthPeriod::parse(period_text);
    if (!period) throw UsageError(fmt::format("'{}' is not a period YYYY-MM", period_text));

    const Config config = load_config(ctx.global);
    storage::Database db(config.database);
    storage::PeriodRepo periods(db);

    if (sub == "extend") {
        const auto until_text = args.option("until");
        args.done();
        if (!until_text) throw UsageError("period extend needs --until YYYY-MM-DD[THH:MM]");
        const auto until = core::parse_extension_until(*until_text);
        if (!until)
            throw UsageError(
                fmt::format("'{}' is not a date YYYY-MM-DD or YYYY-MM-DDTHH:MM", *until_text));
        if (*until <= core::vietnam_day_start(period->first_day())) {
            ctx.err << fmt::format("tcns: the deadline {} is before {} begins\n",
                                   core::format_vietnam_iso(*until), period->str());
            return 1;
        }
        periods.set_extension(*period, *until, wall_now());
    } else if (sub == "reset") {
        args.done();
        periods.clear_extension(*period);
    } else if (sub == "show") {
        args.done();
    } else {
        throw UsageError(fmt::format("unknown period subcommand '{}'", sub));
    }
    const auto ext = periods.extension(*period);
    ctx.out << fmt::format("{}: deadline {} ({})\n", period->str(),
                           core::format_vietnam_iso(periods.deadline(*period)),
                           ext ? "extended" : "default: before the 30th");
    return 0;
}

int cmd_check_config(CommandContext& ctx) {
    Args(ctx.args).done();
    const Config config = load_config(ctx.global);
    const Templates templates = load_templates(find_templates_dir(config.templates_dir));
    check_database_writable(config.database);
    ctx.out << fmt::format(
        "configuration OK (database {}, listen {}:{}, viber {}, zalo {}, zalo-bot {}, form {} v{} "
        "with {} "
        "enabled items, {} messages from {})\n",
        config.database, config.server.listen, config.server.port,
        config.viber.enabled ? "on" : "off", config.zalo.enabled ? "on" : "off",
        config.zalo_bot.enabled ? "on" : "off", templates.form.id, templates.form.version,
        templates.form.enabled_items().size(), templates.messages.all().size(), templates.dir);
    return 0;
}

}  // namespace tcns::bot
