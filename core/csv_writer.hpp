#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/row_sink.hpp"

namespace tcns::core {

/// How a CSV file is written. The defaults suit Excel: UTF-8 with BOM (else Excel reads the
/// file as the ANSI code page and mangles Vietnamese), CRLF line ends, ',' between fields.
struct CsvWriterOptions {
    char separator = ',';  ///< ';' for Excel in a Vietnamese locale (decimal comma)
    bool bom = true;
    bool neutralise_formulas = true;
};

/// A cell made safe against formula injection (CWE-1236): a cell that begins with '=', '+',
/// '-', '@', a tab or a carriage return gets a leading single quote, so that Excel and
/// LibreOffice show it as text instead of evaluating it. Export values are never negative, so
/// numbers are not affected.
std::string neutralise_formula(std::string_view cell);

/// A cell quoted as RFC 4180 requires: in double quotes (inner quotes doubled) when it contains
/// the separator, a quote, CR or LF, or begins or ends with a space; otherwise unchanged.
std::string quote_csv_field(std::string_view cell, char separator);

/// Writes CSV records to a stream one at a time, so that an export never holds its table in
/// memory. The BOM goes out with the first record; each record is one write.
class CsvWriter : public RowSink {
  public:
    explicit CsvWriter(std::ostream& os, CsvWriterOptions options = {});

    /// Appends one cell to the current record.
    CsvWriter& cell(std::string_view value) override;
    /// Appends a non-negative integer cell.
    CsvWriter& cell(std::int64_t value) override;
    CsvWriter& number(std::optional<std::int64_t> value) override;
    /// One decimal, with a decimal comma when the separator is ';' (Excel in a Vietnamese
    /// locale reads "85.5" as text there); the header says "(%)".
    CsvWriter& percent(std::optional<std::int64_t> num, std::optional<std::int64_t> den) override;
    /// ISO 8601 in Vietnam time ("2026-11-28T10:00:00+07:00").
    CsvWriter& instant(std::optional<std::int64_t> unix_seconds) override;
    /// Ends the current record with CRLF.
    void end_row() override;
    /// Writes a whole record.
    void row(std::span<const std::string> cells);
    void row(std::initializer_list<std::string_view> cells);

    /// Records ended so far (the header included).
    std::size_t rows() const { return rows_; }
    const CsvWriterOptions& options() const { return options_; }

  private:
    void start();

    std::ostream& os_;
    CsvWriterOptions options_;
    std::string line_;  ///< the record being built
    bool started_ = false;
    bool first_in_row_ = true;
    std::size_t rows_ = 0;
};

}  // namespace tcns::core
