#pragma once

#include <cstddef>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>

#include "bot/config.hpp"
#include "core/expected.hpp"
#include "core/form.hpp"
#include "core/period.hpp"
#include "core/time.hpp"
#include "storage/exports.hpp"

namespace tcns::bot {

/// The months an export covers and how its file name says so ("2026-11", "2026-Q4",
/// "2026-01_2026-03").
struct ExportRange {
    core::MonthPeriod from;
    core::MonthPeriod to;
    std::string label;
};

/// Reads one of: a month (`period`), a quarter (`quarter`), or `from` and `to` together. None of
/// them means the month containing `now` (Vietnam time). The error is an English message.
core::Expected<ExportRange, std::string> parse_export_range(
    const std::optional<std::string>& period, const std::optional<std::string>& from,
    const std::optional<std::string>& to, const std::optional<std::string>& quarter,
    core::Instant now);

/// What an export needs from templates/: the monthly form and the Vietnamese labels.
struct ExportTemplates {
    core::Form form;
    storage::ExportLabels vietnamese;
};

/// Loads forms/monthly-report.json (with bot::parse_form) and exports.vi.json from a templates
/// directory. Throws ConfigError naming the file when one is missing or malformed. The messages
/// are not needed, so an export does not depend on them.
ExportTemplates load_export_templates(const std::string& templates_dir);

/// A fresh, empty temporary file for a workbook ("tcns-export-XXXXXX.xlsx" in $TMPDIR or /tmp)
/// with its directory (libxlsxwriter's own temporary files go there too). Throws ConfigError
/// when none can be made.
struct TempXlsx {
    std::string path;
    std::string dir;
};
TempXlsx make_temp_xlsx();

/// Copies a file to a stream in 64 KiB pieces; false when reading or writing fails.
bool copy_file_to(const std::string& path, std::ostream& out);

/// "tcns-quarterly-report-75-2026-Q4.xlsx" (no unit: "tcns-quarterly-report-2026-Q4.xlsx").
std::string quarterly_report_file_name(const std::optional<std::string>& unit,
                                       std::string_view quarter);

/// A workbook ready to send: a temporary file the caller streams, then deletes.
struct XlsxDownload {
    std::string path;       ///< the temporary file
    std::string file_name;  ///< for Content-Disposition: "tcns-reports-2026-11.xlsx"
    std::size_t rows = 0;
};

/// Why a download was refused: an HTTP status (400, 404, 500) and an English message.
struct DownloadError {
    int status = 400;
    std::string message;
};

/// Builds `/admin/exports/<name>.xlsx` for any HTTP front: `name` is an export or
/// "quarterly-report"; `param` reads a query parameter (period, from, to, quarter, unit, level,
/// codes, month_to_date). The same filters and scope as the CSV.
core::Expected<XlsxDownload, DownloadError> build_xlsx_download(
    const Config& config, const std::string& name,
    const std::function<std::optional<std::string>(const char*)>& param, core::Instant now);

/// Parses exports.vi.json: {"columns":{code:label}, "levels":{level:label},
/// "values":{group:{code:label}}, and for workbooks "descriptions":{code:meaning},
/// "units":{code:unit}, "sheets":{key:name}, "workbook":{key:text}}. Throws ConfigError.
storage::ExportLabels parse_export_labels(const std::string& json_text, const std::string& origin);

}  // namespace tcns::bot
