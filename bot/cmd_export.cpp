#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <ostream>

#include "bot/commands.hpp"
#include "bot/config.hpp"
#include "bot/export_support.hpp"
#include "bot/paths.hpp"
#include "core/csv_writer.hpp"
#include "storage/compliance.hpp"
#include "storage/database.hpp"
#include "storage/exports.hpp"

namespace tcns::bot {

namespace {

core::Instant wall_now() {
    return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

std::string export_names() {
    std::string names;
    for (const auto k : storage::all_export_kinds())
        names += (names.empty() ? "" : ", ") + std::string(storage::export_kind_name(k));
    return names;
}

}  // namespace

int cmd_export(CommandContext& ctx) {
    Args args(ctx.args);
    const std::string name = args.positional(fmt::format("what to export ({})", export_names()));
    const auto kind = storage::parse_export_kind(name);
    if (!kind) throw UsageError(fmt::format("cannot export '{}' (only {})", name, export_names()));
    const auto period = args.option("period");
    const auto from = args.option("from");
    const auto to = args.option("to");
    const auto quarter = args.option("quarter");
    const auto unit = args.option("unit");
    const auto level = args.option("level");
    const auto out_path = args.option("out");
    const bool codes = args.flag("codes");
    const bool semicolon = args.flag("semicolon");
    const bool month_to_date = args.flag("month-to-date");
    args.done();

    const core::Instant now = wall_now();
    const auto range = parse_export_range(period, from, to, quarter, now);
    if (!range) throw UsageError(range.error());

    const Config config = load_config(ctx.global);
    const ExportTemplates templates =
        load_export_templates(find_templates_dir(config.templates_dir));
    storage::Database db(config.database);

    storage::ExportRequest request;
    request.from = range->from;
    request.to = range->to;
    request.unit = unit;
    if (level) request.level = *level;
    request.now = now;
    request.month_to_date = month_to_date;
    if (const auto e = storage::check_export_request(db, *kind, request)) {
        std::string what;
        if (*e == storage::ExportError::kUnknownUnit) what = " '" + *unit + "'";
        if (*e == storage::ExportError::kUnknownLevel) what = " '" + request.level + "'";
        if (*e == storage::ExportError::kBeforeTeams)
            if (const auto first = storage::first_expected_month(db))
                what = fmt::format(" ({}; the first team reports from {})", range->label,
                                   first->str());
        ctx.err << fmt::format("tcns: export {}: {}{}\n", name, storage::describe(*e), what);
        return 1;
    }

    const core::CsvWriterOptions options{semicolon ? ';' : ',', true, true};
    const storage::ExportLabels labels = codes ? storage::ExportLabels() : templates.vietnamese;
    if (!out_path) {
        core::CsvWriter writer(ctx.out, options);
        const auto rows = storage::write_export(db, *kind, templates.form, request, labels, writer);
        ctx.out.flush();
        return rows && ctx.out ? 0 : 1;
    }

    std::ofstream file(*out_path, std::ios::binary | std::ios::trunc);
    if (!file) {
        ctx.err << fmt::format("tcns: cannot write {}\n", *out_path);
        return 1;
    }
    core::CsvWriter writer(file, options);
    const auto rows = storage::write_export(db, *kind, templates.form, request, labels, writer);
    file.close();
    if (!rows || !file) {
        ctx.err << fmt::format("tcns: writing {} failed\n", *out_path);
        std::remove(out_path->c_str());
        return 1;
    }
    ctx.out << fmt::format("{}: {} {} rows ({})\n", *out_path, *rows, name, range->label);
    return 0;
}

}  // namespace tcns::bot
