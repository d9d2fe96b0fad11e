#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <ostream>

#include "bot/cli/commands.hpp"
#include "bot/clock.hpp"
#include "bot/config.hpp"
#include "bot/export_support.hpp"
#include "bot/paths.hpp"
#include "core/csv_writer.hpp"
#include "storage/compliance.hpp"
#include "storage/database.hpp"
#include "storage/exports.hpp"
#include "storage/xlsx_export.hpp"

namespace tcns::bot {

namespace {

std::string export_names() {
    std::string names;
    for (const auto k : storage::all_export_kinds())
        names += (names.empty() ? "" : ", ") + std::string(storage::export_kind_name(k));
    return names;
}

constexpr std::string_view kQuarterlyReport = "quarterly-report";

/// What writing a workbook came to: a refusal, or what to say about the file written.
using WorkbookOutcome = core::Expected<std::string, std::string>;

/// Runs `write` into `out_path`, or into a temporary file copied to standard output and then
/// deleted (a workbook is a zip file: it cannot be written as a stream).
int write_workbook(
    CommandContext& ctx, const std::optional<std::string>& out_path,
    const std::function<WorkbookOutcome(const std::string&, const std::string&)>& write) {
    const TempXlsx temp = make_temp_xlsx();
    const std::string path = out_path ? *out_path : temp.path;
    std::optional<std::string> error;
    std::string done;
    try {
        auto outcome = write(path, temp.dir);
        if (outcome)
            done = std::move(*outcome);
        else
            error = std::move(outcome.error());
    } catch (const storage::XlsxError& e) {
        error = e.what();
    }
    if (!error && !out_path && !copy_file_to(path, ctx.out)) error = "writing the workbook failed";
    std::remove(temp.path.c_str());
    if (error) {
        ctx.err << "tcns: " << *error << "\n";
        return 1;
    }
    if (out_path)
        ctx.out << fmt::format("{}: {}\n", *out_path, done);
    else
        ctx.out.flush();
    return ctx.out ? 0 : 1;
}

std::string refusal(std::string_view name, storage::ExportError e,
                    const std::optional<std::string>& unit, const std::string& level) {
    std::string what;
    if (e == storage::ExportError::kUnknownUnit && unit) what = " '" + *unit + "'";
    if (e == storage::ExportError::kUnknownLevel) what = " '" + level + "'";
    return fmt::format("export {}: {}{}", name, storage::describe(e), what);
}

int cmd_quarterly_report(CommandContext& ctx, Args& args) {
    const auto quarter = args.option("quarter");
    const auto unit = args.option("unit");
    const auto level = args.option("level");
    const auto format = args.option("format");
    const auto out_path = args.option("out");
    const bool month_to_date = args.flag("month-to-date");
    const bool codes = args.flag("codes");
    args.done();
    if (format && *format != "xlsx")
        throw UsageError("the quarterly report is a workbook: only --format xlsx");
    const core::Instant now = wall_now();
    const auto q = quarter ? core::QuarterPeriod::parse(*quarter)
                           : std::optional(core::QuarterPeriod::of(core::current_period(now)));
    if (!q) throw UsageError(fmt::format("'{}' is not a quarter YYYY-Qn", *quarter));

    const Config config = load_config(ctx.global);
    const ExportTemplates templates =
        load_export_templates(find_templates_dir(config.templates_dir));
    storage::Database db(config.database);
    storage::QuarterlyReportRequest request;
    request.quarter = *q;
    request.unit = unit;
    if (level) request.level = *level;
    request.month_to_date = month_to_date;
    request.now = now;
    const storage::ExportLabels labels = codes ? storage::ExportLabels() : templates.vietnamese;
    return write_workbook(
        ctx, out_path, [&](const std::string& path, const std::string& tmpdir) -> WorkbookOutcome {
            const auto rows =
                storage::write_quarterly_report(db, templates.form, request, labels, path, tmpdir);
            if (!rows)
                return core::unexpected(
                    refusal(kQuarterlyReport, rows.error(), unit, request.level));
            return fmt::format("{} {} ({} summary rows)", kQuarterlyReport, q->str(), *rows);
        });
}

}  // namespace

int cmd_export(CommandContext& ctx) {
    Args args(ctx.args);
    const std::string name =
        args.positional(fmt::format("what to export ({}, {})", export_names(), kQuarterlyReport));
    if (name == kQuarterlyReport) return cmd_quarterly_report(ctx, args);
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
    const auto format = args.option("format");
    const bool month_to_date = args.flag("month-to-date");
    args.done();
    if (format && *format != "csv" && *format != "xlsx")
        throw UsageError(fmt::format("'{}' is not a format (csv or xlsx)", *format));
    const bool xlsx = format && *format == "xlsx";

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
    if (xlsx) {
        return write_workbook(
            ctx, out_path,
            [&](const std::string& path, const std::string& tmpdir) -> WorkbookOutcome {
                const auto n = storage::write_xlsx_export(db, *kind, templates.form, request,
                                                          labels, path, tmpdir);
                if (!n) return core::unexpected(refusal(name, n.error(), unit, request.level));
                return fmt::format("{} {} rows ({})", *n, name, range->label);
            });
    }
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
