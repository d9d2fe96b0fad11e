#include <fmt/format.h>

#include <ostream>

#include "bot/cli/commands.hpp"
#include "bot/clock.hpp"
#include "bot/config.hpp"
#include "bot/jobs/scheduler.hpp"
#include "bot/paths.hpp"
#include "bot/templates.hpp"
#include "storage/database.hpp"

namespace tcns::bot {

/// `tcns remind [--dry-run] [--at YYYY-MM-DDTHH:MM]`: one scheduler tick. With --dry-run it
/// prints who would get what and why, and writes nothing.
int cmd_remind(CommandContext& ctx) {
    Args args(ctx.args);
    const bool dry_run = args.flag("dry-run");
    const auto at_text = args.option("at");
    args.done();
    core::Instant at = wall_now();
    if (at_text) {
        const auto t = core::parse_instant(*at_text);
        if (!t) throw UsageError("--at needs a time like 2026-11-25T08:00 (Vietnam time)");
        at = *t;
    }
    const Config config = load_config(ctx.global);
    const Templates templates = load_templates(find_templates_dir(config.templates_dir));
    storage::Database db(config.database);
    Scheduler scheduler(templates, config.scheduler);
    const TickResult r = scheduler.tick(db, at, dry_run);

    ctx.out << fmt::format("{} at {} ({} Vietnam time): {} message(s) due\n",
                           dry_run ? "dry run" : "tick", core::format_utc(at),
                           core::format_vietnam_short(at), r.notices.size());
    for (const PlannedNotice& p : r.notices) {
        std::string channel = p.notice.account ? p.notice.account->channel : "-";
        if (p.notice.decision == core::WindowDecision::kZnsTemplate) channel = "zalo-zns";
        std::string state;
        if (p.existed)
            state = "already in outbox";
        else if (!p.outcome)
            state = "would send";
        else
            state = *p.outcome == NoticeOutcome::kQueued     ? "queued"
                    : *p.outcome == NoticeOutcome::kRecorded ? "recorded, not sent"
                                                             : "already in outbox";
        if (p.notice.decision == core::WindowDecision::kSkipAndReport ||
            p.notice.decision == core::WindowDecision::kUnreachable)
            if (!p.existed && !p.outcome) state = "would record, not send";
        ctx.out << fmt::format("{}  {} {}  {}/{}  {}  [{}; {}]\n", p.notice.idem_key, p.person_name,
                               p.recipient, channel, core::window_decision_name(p.notice.decision),
                               p.template_key, p.why, state);
    }
    ctx.out << fmt::format("{}: {} new, {} already in the outbox ({:.3f} s)\n",
                           dry_run ? "nothing written" : "written",
                           dry_run ? r.notices.size() - r.existing : r.queued + r.recorded,
                           r.existing, r.seconds);
    return 0;
}

}  // namespace tcns::bot
