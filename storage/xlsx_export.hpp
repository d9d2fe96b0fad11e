#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/expected.hpp"
#include "core/form.hpp"
#include "core/period.hpp"
#include "core/row_sink.hpp"
#include "core/time.hpp"
#include "storage/database.hpp"
#include "storage/exports.hpp"

namespace tcns::storage {

/// A workbook that could not be written (libxlsxwriter's message; disk full, bad path).
class XlsxError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// One worksheet written row by row (constant memory: a row is on disk once the next begins).
/// Text is always a string cell, so nothing is ever read as a formula, a number or a date;
/// numbers, percentages and instants are typed cells with a number format.
class XlsxSheet : public core::RowSink {
  public:
    struct Impl;
    explicit XlsxSheet(std::unique_ptr<Impl> impl);
    ~XlsxSheet() override;

    XlsxSheet& cell(std::string_view text) override;
    XlsxSheet& cell(std::int64_t value) override;
    XlsxSheet& number(std::optional<std::int64_t> value) override;
    XlsxSheet& percent(std::optional<std::int64_t> num, std::optional<std::int64_t> den) override;
    XlsxSheet& instant(std::optional<std::int64_t> unix_seconds) override;
    XlsxSheet& header(const core::ColumnInfo& column) override;
    void end_row() override;

    /// A calendar date cell (dd/mm/yyyy).
    XlsxSheet& date(const core::Date& d);
    /// A bold text cell (titles and labels of a cover sheet); `widen`: the column grows to fit
    /// it (a title is left to overflow into the empty cells beside it).
    XlsxSheet& bold(std::string_view text, bool widen = true);
    /// A text cell that overflows into the empty cells beside it instead of widening its column.
    XlsxSheet& overflowing(std::string_view text);
    /// The columns announced with header(), in order (trailing columns included).
    const std::vector<core::ColumnInfo>& columns() const;
    /// Rows ended so far, the header included.
    std::size_t rows() const;

  private:
    friend class XlsxWorkbook;
    void finish();
    std::unique_ptr<Impl> impl_;
};

/// How a sheet looks: a data sheet has a bold, frozen header row with an autofilter; a cover
/// sheet has neither. `trailing` columns are appended to the header and left empty (for an
/// official's own assessment).
struct XlsxSheetOptions {
    bool header_row = true;
    std::vector<core::ColumnInfo> trailing;
};

/// A workbook written to `path` by libxlsxwriter in constant-memory mode (its temporary files
/// go to `tmpdir`, or the system's). Nothing is at `path` until close() succeeds.
class XlsxWorkbook {
  public:
    explicit XlsxWorkbook(const std::string& path, const std::string& tmpdir = {});
    ~XlsxWorkbook();
    XlsxWorkbook(const XlsxWorkbook&) = delete;
    XlsxWorkbook& operator=(const XlsxWorkbook&) = delete;

    /// Adds a sheet; the name is cut to Excel's 31 characters and stripped of []:*?/\.
    XlsxSheet& add_sheet(std::string_view name, XlsxSheetOptions options = {});
    /// Writes the file. Throws XlsxError when it cannot.
    void close();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// Fills an explanation sheet: one row per column with its header, code, meaning and unit.
void write_column_explanations(XlsxSheet& sheet, const std::vector<core::ColumnInfo>& columns,
                               const ExportLabels& labels);

/// One export as a workbook at `path`: the rows of write_export in a typed sheet, then the
/// "Giải thích" sheet. The request is checked before anything is written. Throws XlsxError
/// when the file cannot be written.
core::Expected<std::size_t, ExportError> write_xlsx_export(
    Database& db, ExportKind kind, const core::Form& form, const ExportRequest& request,
    const ExportLabels& labels, const std::string& path, const std::string& tmpdir = {});

/// What the district's quarterly workbook covers.
struct QuarterlyReportRequest {
    core::QuarterPeriod quarter;
    std::optional<std::string> unit;  ///< the reporting unit (a district); nullopt: everything
    std::string level = "commune";    ///< one summary row per unit of this level
    bool month_to_date = false;       ///< include the current, unfinished month
    core::Instant now{};
};

/// The months the workbook covers, as the roll-up counts them (compliance.hpp, counted_months):
/// the quarter's months whose deadline has passed at `now`, or up to the current month with
/// month_to_date. nullopt when none.
std::optional<std::pair<core::MonthPeriod, core::MonthPeriod>> quarterly_report_months(
    Database& db, const core::QuarterPeriod& quarter, bool month_to_date, core::Instant now);

/// The quarterly workbook a district attaches to its report to the department: a cover sheet,
/// the quarter's summary per unit (the roll-up with empty assessment columns), one roll-up
/// sheet per month, the quarter's difficulties and proposals, and the explanation sheet.
/// Returns the number of summary rows. Throws XlsxError when the file cannot be written.
core::Expected<std::size_t, ExportError> write_quarterly_report(
    Database& db, const core::Form& form, const QuarterlyReportRequest& request,
    const ExportLabels& labels, const std::string& path, const std::string& tmpdir = {});

}  // namespace tcns::storage
