#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <ostream>
#include <set>

#include "bot/cli/commands.hpp"
#include "bot/clock.hpp"
#include "bot/config.hpp"
#include "bot/paths.hpp"
#include "bot/templates.hpp"
#include "core/demo_roster.hpp"
#include "core/period.hpp"
#include "core/phone.hpp"
#include "storage/database.hpp"
#include "storage/demo_history.hpp"
#include "storage/invite_repo.hpp"
#include "storage/roster_repo.hpp"

namespace tcns::bot {

namespace {

// Demo invite codes outlive a real import's 60 days so that a demo database keeps working.
constexpr auto kDemoInviteTtl = std::chrono::hours(24) * 365;

/// What every demo step gets: one write transaction around all of them.
struct DemoSeed {
    storage::Database& db;
    std::uint64_t seed;
    core::Instant now;
};

std::string counts_text(const storage::ImportCounts& c) {
    return fmt::format("{} ({} added, {} updated, {} unchanged)", c.total(), c.added, c.updated,
                       c.unchanged);
}

/// Hamlets, teams, people and officials on top of the real units, with invite codes.
std::string seed_roster(DemoSeed& s) {
    storage::RosterRepo roster(s.db);
    std::vector<core::UnitRecord> real;
    for (const auto& u : roster.units()) {
        if (u.generated) continue;
        core::UnitRecord r;
        r.code = u.code;
        r.name = u.name;
        r.type = u.type;
        r.level = u.level;
        r.parent_code = u.parent_code;
        real.push_back(std::move(r));
    }
    if (std::none_of(real.begin(), real.end(), [](const auto& u) { return u.level == "commune"; }))
        throw std::runtime_error(
            "no communes in the database: import units first, e.g. tcns import units "
            "deploy/samples/dong-nai-units-2025-03.csv");
    const auto phones = roster.real_phones();
    const core::DemoRoster demo = core::generate_demo_roster(
        real, std::set<std::string>(phones.begin(), phones.end()), s.seed);

    const auto hamlets = roster.upsert_units(demo.hamlets, true);
    const auto teams = roster.upsert_teams(demo.teams, true, core::to_vietnam(s.now).date);
    const auto people = roster.upsert_people(demo.people, true);
    std::vector<std::string> demo_phones;
    for (const auto& p : demo.people) demo_phones.push_back(p.phone);
    const int issued = roster.issue_missing_invites(demo_phones, s.now, kDemoInviteTtl, s.seed);
    return fmt::format("hamlets {}\nteams {}\npeople {}\ninvite codes: {} issued (valid 365 days)",
                       counts_text(hamlets), counts_text(teams), counts_text(people), issued);
}

struct DemoStep {
    std::string_view name;
    std::string (*run)(DemoSeed&);
};

// Each step is idempotent; later steps (report history, targets) build on the roster.
const DemoStep kDemoSteps[] = {
    {"roster", seed_roster},
};

std::uint64_t seed_option(Args& args) {
    std::uint64_t seed = 2025;
    if (const auto v = args.option("seed")) {
        try {
            std::size_t used = 0;
            seed = std::stoull(*v, &used);
            if (used != v->size() || v->front() == '-') throw std::invalid_argument(*v);
        } catch (const std::exception&) {
            throw UsageError("--seed needs a non-negative number");
        }
    }
    return seed;
}

int demo_seed(CommandContext& ctx, Args& args) {
    const std::uint64_t seed = seed_option(args);
    args.done();
    const Config config = load_config(ctx.global);
    storage::Database db(config.database);
    storage::WriteTransaction tx(db);
    DemoSeed s{db, seed, wall_now()};
    for (const auto& step : kDemoSteps) {
        const std::string summary = step.run(s);
        ctx.out << fmt::format("demo {} (seed {}):\n", step.name, seed);
        std::string_view rest = summary;
        while (!rest.empty()) {
            const auto nl = rest.find('\n');
            ctx.out << "  " << rest.substr(0, nl) << "\n";
            rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
        }
    }
    tx.commit();
    return 0;
}

/// `tcns demo history`: reports of the demo teams for the months before the current one.
int demo_history(CommandContext& ctx, Args& args) {
    const std::uint64_t seed = seed_option(args);
    int months = 3;
    if (const auto v = args.option("months")) {
        const std::int64_t n = whole_number(*v).value_or(0);
        if (n < 1 || n > 24) throw UsageError("--months needs a number from 1 to 24");
        months = static_cast<int>(n);
    }
    core::Instant now = wall_now();
    if (const auto v = args.option("now")) {  // for tests and reproducible demos
        const auto t = core::parse_instant(*v);
        if (!t) throw UsageError("--now wants YYYY-MM-DDTHH:MM (Vietnam time)");
        now = *t;
    }
    args.done();
    const Config config = load_config(ctx.global);
    const core::Form form = load_templates(find_templates_dir(config.templates_dir)).form;
    storage::Database db(config.database);
    storage::WriteTransaction tx(db);
    const auto c = storage::seed_demo_history(db, form, months, seed, now);
    tx.commit();
    if (c.teams == 0) {
        ctx.err << "tcns: no demo teams in " << config.database << ": run tcns demo seed first\n";
        return 1;
    }
    core::MonthPeriod first = core::current_period(now);
    for (int i = 0; i < months; ++i) first = first.previous();
    ctx.out << fmt::format(
        "demo history (seed {}): {} teams, {} months from {} to {}\n"
        "  reports filed: {} on time, {} late ({} with a difficulty)\n"
        "  left missing: {}; already reported (unchanged): {}\n",
        seed, c.teams, months, first.str(), core::current_period(now).previous().str(),
        c.filed_on_time, c.filed_late, c.difficulties, c.left_missing, c.already_there);
    return 0;
}

// A path as the user would type it from the current directory.
std::string shown_path(const std::filesystem::path& p) {
    std::error_code ec;
    const auto abs = std::filesystem::weakly_canonical(std::filesystem::absolute(p, ec), ec);
    const auto cwd = std::filesystem::current_path(ec);
    if (ec) return p.string();
    const auto rel = abs.lexically_relative(cwd);
    if (!rel.empty() && *rel.begin() != "..") return rel.string();
    return abs.string();
}

std::string self_path() {
    std::error_code ec;
    const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    return ec ? std::string("tcns") : shown_path(exe);
}

std::string invite_text(storage::Database& db, const storage::StoredPerson& p, core::Instant now) {
    const auto invite = storage::InviteRepo(db).usable_for(p.id, now);
    if (!invite) return "none usable (used or expired; run tcns demo seed again)";
    return fmt::format("{} (valid until {})", invite->code,
                       core::format_date(core::to_vietnam(invite->expires_at).date));
}

int demo_hint(CommandContext& ctx, Args& args) {
    args.done();
    const Config config = load_config(ctx.global);
    storage::Database db(config.database);
    storage::RosterRepo roster(db);
    const auto team = roster.first_generated_team();
    if (!team) {
        ctx.err << "tcns: no demo roster in " << config.database << ": run tcns demo seed\n";
        return 1;
    }
    const auto leaders = roster.team_leaders(team->code);
    const auto hamlet = roster.unit(team->unit_code);
    if (leaders.empty() || !hamlet) {
        ctx.err << "tcns: the demo team " << team->code << " has no leader: run tcns demo seed\n";
        return 1;
    }
    const auto leader = roster.person(leaders.front());
    const auto commune = roster.unit(hamlet->parent_code);
    const auto district = commune ? roster.unit(commune->parent_code) : std::nullopt;
    const core::Instant now = wall_now();
    const std::string exe = self_path();
    const std::string db_path = shown_path(config.database);

    std::string place = hamlet->name;
    if (commune) place += ", " + commune->name;
    if (district) place += ", " + district->name;
    ctx.out << fmt::format(
        "Demo roster: {} generated teams ({} generated people); names and phone numbers are made "
        "up.\n\n",
        roster.count_teams(true), roster.count_people(true));
    ctx.out << fmt::format("Team leader:  {}, phone {}\n", leader->full_name,
                           core::national_phone(leader->phone));
    ctx.out << fmt::format("  leads       {} (team {})\n", team->name, team->code);
    ctx.out << fmt::format("  hamlet      {}\n", place);
    ctx.out << fmt::format("  invite code {}\n", invite_text(db, *leader, now));

    std::optional<storage::StoredPerson> official;
    if (commune) {
        const auto phones = roster.official_phones(commune->code);
        if (!phones.empty()) official = roster.person(phones.front());
    }
    if (official) {
        std::string title;
        for (const auto& r : official->roles)
            if (r.role == core::Role::kOfficial) title = r.title + ", " + r.unit_name;
        ctx.out << fmt::format("\nOfficial:     {}, phone {}\n", official->full_name,
                               core::national_phone(official->phone));
        ctx.out << fmt::format("  title       {}\n", title);
        ctx.out << fmt::format("  invite code {}\n", invite_text(db, *official, now));
    }
    ctx.out << fmt::format("\nChat as the team leader:\n  {} --db {} chat --as {}\n", exe, db_path,
                           core::national_phone(leader->phone));
    if (official)
        ctx.out << fmt::format("Chat as the official:\n  {} --db {} chat --as {}\n", exe, db_path,
                               core::national_phone(official->phone));
    return 0;
}

}  // namespace

int cmd_demo(CommandContext& ctx) {
    Args args(ctx.args);
    const std::string sub = args.positional("subcommand (seed, history or hint)");
    if (sub == "seed") return demo_seed(ctx, args);
    if (sub == "history") return demo_history(ctx, args);
    if (sub == "hint") return demo_hint(ctx, args);
    throw UsageError(fmt::format("unknown demo subcommand '{}' (seed, history or hint)", sub));
}

}  // namespace tcns::bot
