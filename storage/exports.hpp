#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/csv_writer.hpp"
#include "core/expected.hpp"
#include "core/form.hpp"
#include "core/org.hpp"
#include "core/period.hpp"
#include "core/row_sink.hpp"
#include "core/time.hpp"
#include "storage/database.hpp"

namespace tcns::storage {

/// The CSV exports admins can download (`tcns export <name>`, GET /admin/exports/<name>.csv).
enum class ExportKind { kReports, kReportsLong, kCompliance, kRollup, kDifficulties, kRoster };

/// Every export, in the order the usage lists them.
std::span<const ExportKind> all_export_kinds();
/// "reports", "reports-long", "compliance", "rollup", "difficulties", "roster".
std::string_view export_kind_name(ExportKind kind);
std::optional<ExportKind> parse_export_kind(std::string_view name);
/// "tcns-reports-2026-11.csv"; `period_label` is "2026-11", "2026-Q4" or "2026-01_2026-03".
std::string export_file_name(ExportKind kind, std::string_view period_label,
                             std::string_view extension = "csv");

/// Header and value labels: Vietnamese ones loaded from templates/exports.vi.json, or the
/// machine codes themselves (`--codes`). Keys are flat: "col.team_code", "level.commune",
/// "status.on_time", "role.leader", "source.chat", "bool.yes", "row.team".
class ExportLabels {
  public:
    /// Machine codes everywhere.
    ExportLabels() = default;
    explicit ExportLabels(std::map<std::string, std::string, std::less<>> text)
        : text_(std::move(text)), codes_(false) {}

    bool codes() const { return codes_; }
    /// A column header: its code, or its label (the code when the label is missing).
    std::string column(std::string_view code) const { return lookup("col.", code); }
    /// The header of a unit level column ("province", "commune", …).
    std::string level(std::string_view level) const { return lookup("level.", level); }
    /// A value of a fixed vocabulary: value("status", "late").
    std::string value(std::string_view group, std::string_view code) const;
    /// What a column means ("descriptions"; "{}" replaced by `fill`), blank when not written.
    std::string description(std::string_view code, std::string_view fill = {}) const;
    /// A column's unit ("units"), blank when it has none.
    std::string unit(std::string_view code) const;

  private:
    std::string lookup(std::string_view prefix, std::string_view code) const;
    std::string optional_text(std::string_view prefix, std::string_view code,
                              std::string_view fill) const;

    std::map<std::string, std::string, std::less<>> text_;
    bool codes_ = true;
};

/// What to export: an inclusive range of months, a unit subtree, and for roll-ups a level.
struct ExportRequest {
    core::MonthPeriod from;
    core::MonthPeriod to;
    std::optional<std::string> unit;  ///< a unit code: only its subtree; nullopt: everything
    std::string level = "commune";    ///< rollup rows and compliance unit rows
    core::Instant now{};              ///< which months are closed; roster: usable invite codes
    /// Counts (compliance, rollup) cover closed months only (compliance.hpp, counted_months)
    /// unless this asks for the running month too.
    bool month_to_date = false;
};

/// Why an export cannot run; checked before the first byte is written.
enum class ExportError {
    kUnknownUnit,
    kUnknownLevel,
    kBadRange,
    kBeforeTeams,
    kNoClosedMonth,  ///< a quarterly workbook asked before the quarter's first month closed
};
/// English, for the CLI and the admin API.
std::string_view describe(ExportError e);

/// The longest range an export accepts, in months.
inline constexpr int kMaxExportMonths = 120;

/// Checks a request against the database (unit and level exist, range sane).
std::optional<ExportError> check_export_request(Database& db, ExportKind kind,
                                                const ExportRequest& request);

/// Writes one export to `out`, header first, rows streamed as SQLite returns them, all from one
/// read snapshot. `form` gives the indicators (enabled items, in form order) and their labels.
/// Returns the number of data rows.
core::Expected<std::size_t, ExportError> write_export(Database& db, ExportKind kind,
                                                      const core::Form& form,
                                                      const ExportRequest& request,
                                                      const ExportLabels& labels,
                                                      core::RowSink& out);

/// The sum of every count item over a unit's subtree (itself included) and a month range,
/// from the latest revision of each active team's reports: the roll-up's figures, shared by
/// the rollup export and the officials' summaries. Items nobody reported are absent.
std::map<std::string, std::int64_t> subtree_item_sums(Database& db, core::UnitId unit,
                                                      const core::MonthPeriod& from,
                                                      const core::MonthPeriod& to);

/// One function per export (write_export checks the request, then calls one of these).
std::size_t write_reports_export(Database& db, const core::Form& form, const ExportRequest& r,
                                 const ExportLabels& labels, core::RowSink& out);
std::size_t write_reports_long_export(Database& db, const core::Form& form, const ExportRequest& r,
                                      const ExportLabels& labels, core::RowSink& out);
std::size_t write_compliance_export(Database& db, const ExportRequest& r,
                                    const ExportLabels& labels, core::RowSink& out);
std::size_t write_rollup_export(Database& db, const core::Form& form, const ExportRequest& r,
                                const ExportLabels& labels, core::RowSink& out);
std::size_t write_difficulties_export(Database& db, const core::Form& form, const ExportRequest& r,
                                      const ExportLabels& labels, core::RowSink& out);
std::size_t write_roster_export(Database& db, const ExportRequest& r, const ExportLabels& labels,
                                core::RowSink& out);

}  // namespace tcns::storage
