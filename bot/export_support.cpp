#include "bot/export_support.hpp"

#include <fmt/format.h>

#include <stdlib.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "bot/config.hpp"
#include "bot/paths.hpp"
#include "bot/templates.hpp"
#include "storage/database.hpp"
#include "storage/xlsx_export.hpp"

namespace tcns::bot {

namespace {

using nlohmann::json;

}  // namespace

core::Expected<ExportRange, std::string> parse_export_range(
    const std::optional<std::string>& period, const std::optional<std::string>& from,
    const std::optional<std::string>& to, const std::optional<std::string>& quarter,
    core::Instant now) {
    const int ways = (period ? 1 : 0) + (quarter ? 1 : 0) + ((from || to) ? 1 : 0);
    if (ways > 1)
        return core::unexpected(
            std::string("give only one of a period, a quarter or a from/to range"));
    if (quarter) {
        const auto q = core::QuarterPeriod::parse(*quarter);
        if (!q) return core::unexpected(fmt::format("'{}' is not a quarter YYYY-Qn", *quarter));
        return ExportRange{q->first_month(), q->last_month(), q->str()};
    }
    if (from || to) {
        if (!from || !to) return core::unexpected(std::string("a range needs both from and to"));
        const auto a = core::MonthPeriod::parse(*from);
        const auto b = core::MonthPeriod::parse(*to);
        if (!a) return core::unexpected(fmt::format("'{}' is not a period YYYY-MM", *from));
        if (!b) return core::unexpected(fmt::format("'{}' is not a period YYYY-MM", *to));
        if (*b < *a) return core::unexpected(std::string("the range ends before it begins"));
        if (a->months_until(*b) >= storage::kMaxExportMonths)
            return core::unexpected(
                fmt::format("a range covers at most {} months", storage::kMaxExportMonths));
        return ExportRange{*a, *b, *a == *b ? a->str() : a->str() + "_" + b->str()};
    }
    if (period) {
        const auto p = core::MonthPeriod::parse(*period);
        if (!p) return core::unexpected(fmt::format("'{}' is not a period YYYY-MM", *period));
        return ExportRange{*p, *p, p->str()};
    }
    const core::MonthPeriod p = core::current_period(now);
    return ExportRange{p, p, p.str()};
}

storage::ExportLabels parse_export_labels(const std::string& json_text, const std::string& origin) {
    const json j = json::parse(json_text, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        throw ConfigError(fmt::format("{}: not a JSON object", origin));
    std::map<std::string, std::string, std::less<>> text;
    const auto flat = [&](const char* section, const std::string& prefix) {
        const auto it = j.find(section);
        if (it == j.end()) return;
        if (!it->is_object())
            throw ConfigError(fmt::format("{}: \"{}\" must be an object", origin, section));
        for (const auto& [k, v] : it->items()) {
            if (!v.is_string())
                throw ConfigError(
                    fmt::format("{}: \"{}.{}\" must be a string", origin, section, k));
            text[prefix + k] = v.get<std::string>();
        }
    };
    flat("columns", "col.");
    flat("levels", "level.");
    flat("descriptions", "desc.");
    flat("units", "unit.");
    flat("sheets", "sheet.");
    flat("workbook", "wb.");
    if (const auto values = j.find("values"); values != j.end()) {
        if (!values->is_object())
            throw ConfigError(fmt::format("{}: \"values\" must be an object", origin));
        for (const auto& [group, codes] : values->items()) {
            if (!codes.is_object())
                throw ConfigError(
                    fmt::format("{}: \"values.{}\" must be an object", origin, group));
            for (const auto& [code, label] : codes.items()) {
                if (!label.is_string())
                    throw ConfigError(
                        fmt::format("{}: \"values.{}.{}\" must be a string", origin, group, code));
                text[group + "." + code] = label.get<std::string>();
            }
        }
    }
    return storage::ExportLabels(std::move(text));
}

TempXlsx make_temp_xlsx() {
    const char* env = std::getenv("TMPDIR");
    const std::string dir = env && *env ? env : "/tmp";
    std::string path = dir + "/tcns-export-XXXXXX.xlsx";
    const int fd = ::mkstemps(path.data(), 5);
    if (fd < 0) throw ConfigError(fmt::format("cannot create a temporary file in {}", dir));
    ::close(fd);
    return TempXlsx{path, dir};
}

bool copy_file_to(const std::string& path, std::ostream& out) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    std::string buffer(64 * 1024, '\0');
    while (in) {
        in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        const std::streamsize n = in.gcount();
        if (n > 0) out.write(buffer.data(), n);
        if (!out) return false;
    }
    return in.eof();
}

std::string quarterly_report_file_name(const std::optional<std::string>& unit,
                                       std::string_view quarter) {
    std::string safe;
    if (unit)
        for (const char c : *unit)  // a unit code goes into a header: keep it plain
            safe += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') ? c : '_';
    return safe.empty() ? fmt::format("tcns-quarterly-report-{}.xlsx", quarter)
                        : fmt::format("tcns-quarterly-report-{}-{}.xlsx", safe, quarter);
}

core::Expected<XlsxDownload, DownloadError> build_xlsx_download(
    const Config& config, const std::string& name,
    const std::function<std::optional<std::string>(const char*)>& param, core::Instant now) {
    const auto flag = [&](const char* key) {
        const auto v = param(key);
        return v && (*v == "1" || *v == "true" || *v == "yes" || v->empty());
    };
    const bool quarterly = name == "quarterly-report";
    const auto kind = storage::parse_export_kind(name);
    if (!quarterly && !kind) return core::unexpected(DownloadError{404, "no such export"});
    storage::ExportRequest request;
    std::string label;
    std::optional<core::QuarterPeriod> quarter;
    if (quarterly) {
        const auto q = param("quarter");
        quarter = q ? core::QuarterPeriod::parse(*q)
                    : std::optional(core::QuarterPeriod::of(core::current_period(now)));
        if (!quarter) return core::unexpected(DownloadError{400, "quarter must be YYYY-Qn"});
    } else {
        const auto range =
            parse_export_range(param("period"), param("from"), param("to"), param("quarter"), now);
        if (!range) return core::unexpected(DownloadError{400, range.error()});
        request.from = range->from;
        request.to = range->to;
        label = range->label;
    }
    request.unit = param("unit");
    if (request.unit && request.unit->empty()) request.unit.reset();  // the form's "everything"
    if (auto level = param("level")) request.level = std::move(*level);
    request.now = now;
    request.month_to_date = flag("month_to_date");

    std::optional<TempXlsx> temp;
    try {
        const ExportTemplates templates =
            load_export_templates(find_templates_dir(config.templates_dir));
        storage::Database::Options o;
        o.migrate = false;  // `serve` migrated at start-up
        storage::Database db(config.database, o);
        const storage::ExportLabels labels =
            flag("codes") ? storage::ExportLabels() : templates.vietnamese;
        temp = make_temp_xlsx();
        core::Expected<std::size_t, storage::ExportError> rows = std::size_t{0};
        std::string file_name;
        if (quarterly) {
            storage::QuarterlyReportRequest q;
            q.quarter = *quarter;
            q.unit = request.unit;
            q.level = request.level;
            q.month_to_date = flag("month_to_date");
            q.now = now;
            rows = storage::write_quarterly_report(db, templates.form, q, labels, temp->path,
                                                   temp->dir);
            file_name = quarterly_report_file_name(q.unit, quarter->str());
        } else {
            rows = storage::write_xlsx_export(db, *kind, templates.form, request, labels,
                                              temp->path, temp->dir);
            file_name = storage::export_file_name(*kind, label, "xlsx");
        }
        if (!rows) {
            std::remove(temp->path.c_str());
            return core::unexpected(
                DownloadError{400, std::string(storage::describe(rows.error()))});
        }
        return XlsxDownload{temp->path, file_name, *rows};
    } catch (const std::exception& e) {
        if (temp) std::remove(temp->path.c_str());
        return core::unexpected(DownloadError{500, e.what()});
    }
}

ExportTemplates load_export_templates(const std::string& templates_dir) {
    const std::string form_path = templates_dir + "/forms/monthly-report.json";
    const std::string labels_path = templates_dir + "/exports.vi.json";
    return ExportTemplates{parse_form(read_text(form_path), form_path),
                           parse_export_labels(read_text(labels_path), labels_path)};
}

}  // namespace tcns::bot
