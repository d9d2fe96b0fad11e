#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <ostream>
#include <set>
#include <sstream>

#include "bot/cli/commands.hpp"
#include "bot/clock.hpp"
#include "bot/config.hpp"
#include "core/roster_import.hpp"
#include "core/targets_import.hpp"
#include "core/time.hpp"
#include "storage/database.hpp"
#include "storage/roster_repo.hpp"
#include "storage/targets_repo.hpp"

namespace tcns::bot {

namespace {

/// One `tcns import <what> FILE` run: the file's text and an open write transaction.
struct ImportRun {
    CommandContext& ctx;
    Args& args;  ///< options specific to this kind of import, still to be read
    std::string path;
    std::string text;
    storage::Database& db;
};

/// Prints the notes and, when the plan has errors, every bad line and a summary.
template <class Record>
bool report_plan(ImportRun& run, const core::ImportPlan<Record>& plan) {
    for (const std::string& note : plan.notes)
        run.ctx.err << run.path << ": note: " << note << "\n";
    if (plan.ok()) return true;
    std::set<std::size_t> lines;
    for (const core::LineError& e : plan.errors) {
        run.ctx.err << fmt::format("line {}: {}\n", e.line, e.reason);
        lines.insert(e.line);
    }
    run.ctx.err << fmt::format("tcns: {}: {} bad line{}; nothing imported\n", run.path,
                               lines.size(), lines.size() == 1 ? "" : "s");
    return false;
}

void report_counts(ImportRun& run, std::string_view what, const storage::ImportCounts& c) {
    run.ctx.out << fmt::format("{}: {} {}: {} added, {} updated, {} unchanged\n", run.path,
                               c.total(), what, c.added, c.updated, c.unchanged);
}

int import_units(ImportRun& run) {
    run.args.done();
    storage::RosterRepo roster(run.db);
    const auto plan = core::plan_units_import(run.text, roster);
    if (!report_plan(run, plan)) return 1;
    report_counts(run, "units", roster.upsert_units(plan.records));
    return 0;
}

int import_teams(ImportRun& run) {
    run.args.done();
    storage::RosterRepo roster(run.db);
    const auto plan = core::plan_teams_import(run.text, roster);
    if (!report_plan(run, plan)) return 1;
    // Today: a team without a decision date is expected to report from this month on.
    const core::Date today = core::to_vietnam(wall_now()).date;
    report_counts(run, "teams", roster.upsert_teams(plan.records, false, today));
    return 0;
}

int import_people(ImportRun& run) {
    int days = 60;
    if (const auto v = run.args.option("invite-days")) {
        const std::int64_t n = whole_number(*v).value_or(0);
        if (n < 1 || n > 3650)
            throw UsageError("--invite-days needs a number of days from 1 to 3650");
        days = static_cast<int>(n);
    }
    run.args.done();
    storage::RosterRepo roster(run.db);
    const auto plan = core::plan_people_import(run.text, roster);
    if (!report_plan(run, plan)) return 1;
    std::size_t roles = 0;
    std::vector<std::string> phones;
    for (const auto& p : plan.records) {
        roles += p.roles.size();
        phones.push_back(p.phone);
    }
    report_counts(run, fmt::format("people ({} roles)", roles), roster.upsert_people(plan.records));
    const int issued =
        roster.issue_missing_invites(phones, wall_now(), std::chrono::hours(24) * days);
    run.ctx.out << fmt::format(
        "invite codes: {} issued (valid {} days); people who have a usable "
        "code or a linked chat account keep theirs\n",
        issued, days);
    return 0;
}

int import_targets(ImportRun& run) {
    run.args.done();
    storage::RosterRepo roster(run.db);
    const auto plan = core::plan_targets_import(run.text, roster);
    if (!report_plan(run, plan)) return 1;
    storage::TargetsRepo targets(run.db);
    report_counts(run, "targets", targets.upsert(plan.records));
    return 0;
}

struct ImportSpec {
    std::string_view what;
    int (*run)(ImportRun&);
};

// One line per kind of file.
const ImportSpec kImports[] = {
    {"units", import_units},
    {"teams", import_teams},
    {"people", import_people},
    {"targets", import_targets},
};

bool read_file(const std::string& path, std::istream& stdin_stream, std::string& out) {
    if (path == "-") {
        out.assign(std::istreambuf_iterator<char>(stdin_stream), std::istreambuf_iterator<char>());
        return true;
    }
    std::ifstream f(path, std::ios::binary);
    if (!f) return false;
    std::ostringstream ss;
    ss << f.rdbuf();
    out = std::move(ss).str();
    return !f.bad();
}

}  // namespace

int cmd_import(CommandContext& ctx) {
    Args args(ctx.args);
    std::string names;
    for (const auto& s : kImports) names += (names.empty() ? "" : ", ") + std::string(s.what);
    const std::string what = args.positional(fmt::format("what to import ({})", names));
    const ImportSpec* spec = nullptr;
    for (const auto& s : kImports)
        if (s.what == what) spec = &s;
    if (!spec) throw UsageError(fmt::format("cannot import '{}' (only {})", what, names));
    const std::string path = args.positional("FILE.csv (or - for standard input)");

    std::string text;
    if (!read_file(path, ctx.in, text)) {
        ctx.err << fmt::format("tcns: cannot read {}\n", path);
        return 1;
    }
    const Config config = load_config(ctx.global);
    storage::Database db(config.database);
    // Validation reads the stored roster inside the same transaction as the writes, so the
    // checks still hold when the rows go in; any bad line rolls everything back.
    storage::WriteTransaction tx(db);
    ImportRun run{ctx, args, path, std::move(text), db};
    const int rc = spec->run(run);
    if (rc == 0) tx.commit();
    return rc;
}

}  // namespace tcns::bot
