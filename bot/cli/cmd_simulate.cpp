#include <SQLiteCpp/Backup.h>
#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <ostream>
#include <random>

#include "bot/cli/commands.hpp"
#include "bot/cli/simulation.hpp"
#include "bot/config.hpp"
#include "bot/log.hpp"
#include "bot/paths.hpp"
#include "bot/templates.hpp"
#include "storage/database.hpp"

namespace tcns::bot {

namespace {

/// A temporary copy of the database, removed with its WAL files when the object dies.
class TempCopy {
  public:
    explicit TempCopy(const std::string& source) {
        if (!std::filesystem::exists(source))
            throw std::runtime_error(fmt::format("no database at {}", source));
        path_ = (std::filesystem::temp_directory_path() /
                 fmt::format("tcns-simulate-{}-{}.db", ::getpid(), std::random_device{}()))
                    .string();
        try {
            // The SQLite backup API copies a consistent snapshot, even while a server writes.
            SQLite::Database from(source, SQLite::OPEN_READONLY);
            SQLite::Database to(path_, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
            SQLite::Backup backup(to, from);
            backup.executeStep(-1);
        } catch (const SQLite::Exception& e) {
            remove();
            throw std::runtime_error(fmt::format("cannot copy {}: {}", source, e.what()));
        }
    }
    ~TempCopy() { remove(); }
    TempCopy(const TempCopy&) = delete;
    TempCopy& operator=(const TempCopy&) = delete;
    const std::string& path() const { return path_; }

  private:
    void remove() {
        std::error_code ec;
        for (const char* suffix : {"", "-wal", "-shm", "-journal"})
            std::filesystem::remove(path_ + suffix, ec);
    }
    std::string path_;
};

}  // namespace

int cmd_simulate(CommandContext& ctx) {
    Args args(ctx.args);
    const auto month_text = args.option("month");
    const auto seed_text = args.option("seed");
    const auto share_text = args.option("report-share");
    args.done();
    if (!month_text) throw UsageError("simulate needs --month YYYY-MM");
    SimulationOptions options;
    const auto month = core::MonthPeriod::parse(*month_text);
    if (!month) throw UsageError("--month needs a month like 2026-11");
    options.month = *month;
    try {
        if (seed_text) options.seed = std::stoull(*seed_text);
        if (share_text) options.report_share = std::stod(*share_text);
    } catch (const std::exception&) {
        throw UsageError("--seed needs a number and --report-share a number from 0 to 1");
    }
    if (options.report_share < 0 || options.report_share > 1)
        throw UsageError("--report-share must be from 0 to 1");

    const Config config = load_config(ctx.global);
    const Templates templates = load_templates(find_templates_dir(config.templates_dir));
    TempCopy copy(config.database);
    storage::Database db(copy.path());  // migrates the copy, never the original
    {
        SQLite::Statement q(db.handle(), "SELECT count(*) FROM teams WHERE active = 1");
        q.executeStep();
        if (q.getColumn(0).getInt64() == 0) {
            ctx.err << "tcns: no teams in " << config.database
                    << ": import units and run tcns demo seed first\n";
            return 1;
        }
    }
    log::set_level("warn");  // the timeline is the output; per-tick log lines would drown it
    simulate_month(db, templates, config.scheduler, options, ctx.out);
    return 0;
}

}  // namespace tcns::bot
