#include <fmt/format.h>

#include <ostream>
#include <string>

#include "bot/channels/channel_registry.hpp"
#include "bot/cli/commands.hpp"
#include "bot/clock.hpp"
#include "bot/config.hpp"
#include "bot/jobs/outcome_journal.hpp"
#include "bot/paths.hpp"
#include "bot/templates.hpp"
#include "core/period.hpp"
#include "storage/database.hpp"
#include "storage/period_repo.hpp"

namespace tcns::bot {

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

namespace {

std::string change_text(const storage::LatenessChange& c) {
    return fmt::format("{} report{} change status ({} on time -> late, {} late -> on time)",
                       c.total(), c.total() == 1 ? "" : "s", c.to_late, c.to_on_time);
}

}  // namespace

int cmd_period(CommandContext& ctx) {
    Args args(ctx.args);
    const std::string sub = args.positional("subcommand (extend, show or reset)");
    const std::string period_text = args.positional("period YYYY-MM");
    const auto period = core::MonthPeriod::parse(period_text);
    if (!period) throw UsageError(fmt::format("'{}' is not a period YYYY-MM", period_text));

    const Config config = load_config(ctx.global);
    storage::Database db(config.database);
    storage::PeriodRepo periods(db);
    const core::Instant old_deadline = periods.deadline(*period);

    if (sub == "extend") {
        const auto until_text = args.option("until");
        const bool allow_earlier = args.flag("allow-earlier");
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
        // A typo (11-02 for 12-02) must not silently make reports late for good.
        if (*until < old_deadline && !allow_earlier) {
            ctx.err << fmt::format(
                "tcns: {} is earlier than the current deadline {} of {}; {}.\n"
                "      Nothing changed. Pass --allow-earlier to shorten the deadline on purpose.\n",
                core::format_vietnam_iso(*until), core::format_vietnam_iso(old_deadline),
                period->str(), change_text(periods.lateness_change(*period, *until)));
            return 1;
        }
        const auto change = periods.move_deadline(*period, *until, wall_now());
        ctx.out << fmt::format(
            "{}: deadline {} -> {}; {}\n", period->str(), core::format_vietnam_iso(old_deadline),
            core::format_vietnam_iso(periods.deadline(*period)), change_text(change));
        return 0;
    }
    if (sub == "reset") {
        args.done();
        const auto change = periods.move_deadline(*period, std::nullopt, wall_now());
        ctx.out << fmt::format("{}: deadline {} -> {} (default: before the 30th); {}\n",
                               period->str(), core::format_vietnam_iso(old_deadline),
                               core::format_vietnam_iso(periods.deadline(*period)),
                               change_text(change));
        return 0;
    }
    if (sub != "show") throw UsageError(fmt::format("unknown period subcommand '{}'", sub));
    args.done();
    const auto ext = periods.extension(*period);
    ctx.out << fmt::format("{}: deadline {} ({})\n", period->str(),
                           core::format_vietnam_iso(old_deadline),
                           ext ? "extended" : "default: before the 30th");
    return 0;
}

int cmd_check_config(CommandContext& ctx) {
    Args(ctx.args).done();
    // load_config already refuses a channel enabled without the secrets it needs to verify
    // webhooks and send; the checks below are those start-up or the first day would fail on.
    const Config config = load_config(ctx.global);
    if (config.zalo.enabled && config.secrets.zalo_app_secret.empty())
        throw ConfigError(
            "zalo is enabled but TCNS_ZALO_APP_SECRET is not set: the OA access token (valid "
            "25 hours) could not be refreshed and every Zalo reply would fail a day later");
    if (config.zalo.enabled && config.zalo.site_verification.empty())
        ctx.out << "note: zalo.site_verification is empty (needed once, to verify the domain "
                   "in the Zalo developer console)\n";
    for (const auto& [name, url] :
         {std::pair<const char*, const std::string&>{"viber.api_base", config.viber.api_base},
          {"zalo.api_base", config.zalo.api_base},
          {"zalo.oauth_base", config.zalo.oauth_base}}) {
        if (url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0)
            throw ConfigError(fmt::format("{} must be an http(s) URL, not \"{}\"", name, url));
    }
    const Templates templates = load_templates(find_templates_dir(config.templates_dir));
    check_database_writable(config.database);
    const DatabaseInspection db = inspect_database(config.database, /*quick_check=*/true);
    std::string db_state = !db.exists
                               ? "new: serve will create it"
                               : fmt::format("schema {}{}, quick_check ok", db.schema,
                                             db.schema < storage::Database::latest_version()
                                                 ? fmt::format(" (serve migrates it to {})",
                                                               storage::Database::latest_version())
                                                 : "");
    if (db.exists && !db.quick_checked) db_state = "empty file: serve will initialise it";
    // Each channel of the registry that has a webhook, in the order the registry lists them.
    std::string channels;
    for (const ChannelSpec& c : channel_registry()) {
        if (c.enabled == nullptr) continue;
        channels += fmt::format("{}{} {}", channels.empty() ? "" : ", ", c.name,
                                c.enabled(config) ? "on" : "off");
    }
    ctx.out << fmt::format(
        "configuration OK (database {} [{}], listen {}:{}, {}, form {} v{} with {} enabled "
        "items, {} messages from {})\n",
        config.database, db_state, config.server.listen, config.server.port, channels,
        templates.form.id, templates.form.version, templates.form.enabled_items().size(),
        templates.messages.all().size(), templates.dir);
    // Commune groups (issue 17) need a channel whose bots can sit in group chats.
    std::string with_groups, without_groups;
    for (const ChannelSpec& c : channel_registry()) {
        if (c.enabled == nullptr || !c.enabled(config)) continue;
        std::string& list = c.groups ? with_groups : without_groups;
        list += (list.empty() ? "" : ", ") + std::string(c.name);
    }
    if (!with_groups.empty())
        ctx.out << fmt::format(
            "group chats: possible on {} (if the bot may join groups: see can_join_groups in "
            "`tcns zalo-bot info`)\n",
            with_groups);
    else
        ctx.out << "group chats: not possible (no enabled channel supports them; Zalo Bot does)\n";
    if (!without_groups.empty())
        ctx.out << fmt::format("group chats: not supported on {}\n", without_groups);
    // The outcome journal (issue 18): where serve will keep the send outcomes the database
    // refuses, and whether some wait to be recorded at the next start. Under systemd the
    // directory is /run/tcns (RuntimeDirectory=); from a shell it may resolve elsewhere.
    const std::string jdir =
        config.outbox.journal_dir.empty() ? default_journal_dir() : config.outbox.journal_dir;
    const JournalDirState j = inspect_journal_dir(jdir, config.database);
    ctx.out << fmt::format(
        "outcome journal: {} ({}{})\n", jdir,
        j.usable ? "writable" : "missing or not writable: serve creates it or warns",
        j.same_filesystem ? "; on the database's filesystem: set outbox.journal_dir to another"
                          : "");
    if (j.waiting > 0)
        ctx.out << fmt::format(
            "outcome journal: {} send outcome(s) waiting in {}: serve records them at start "
            "(restart the service, not the machine: /run is emptied at boot)\n",
            j.waiting, j.file);
    return 0;
}

}  // namespace tcns::bot
