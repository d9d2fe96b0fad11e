#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tcns::core {

/// What a column holds, for a spreadsheet's explanation sheet: its machine code, its header,
/// what it means and in which unit.
struct ColumnInfo {
    std::string code;
    std::string label;
    std::string meaning;
    std::string unit;
};

/// Where an export's rows go, one typed cell at a time: a CSV file (CsvWriter) or a worksheet
/// (storage::XlsxSheet). The exports produce one row stream and each sink decides how a number,
/// a percentage or an instant is written, so that a CSV and a workbook never disagree on rows.
class RowSink {
  public:
    virtual ~RowSink() = default;

    /// A text cell (codes, names, phone numbers): never a number, date or formula.
    virtual RowSink& cell(std::string_view text) = 0;
    /// A non-negative integer cell.
    virtual RowSink& cell(std::int64_t value) = 0;
    /// An integer cell, blank when there is no value.
    virtual RowSink& number(std::optional<std::int64_t> value) = 0;
    /// `num / den` as a percentage; blank when either is missing or `den` is not positive.
    virtual RowSink& percent(std::optional<std::int64_t> num, std::optional<std::int64_t> den) = 0;
    /// An instant (Unix seconds) shown in Vietnam time; blank when there is none.
    virtual RowSink& instant(std::optional<std::int64_t> unix_seconds) = 0;
    /// A header cell: sinks that explain their columns keep `column`; the others write its label.
    virtual RowSink& header(const ColumnInfo& column) { return cell(column.label); }
    /// Ends the current row.
    virtual void end_row() = 0;
};

}  // namespace tcns::core
