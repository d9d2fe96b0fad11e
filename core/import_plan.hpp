#pragma once

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/csv.hpp"
#include "core/time.hpp"

namespace tcns::core {

/// One bad line of an import file: printed as "line N: reason".
struct LineError {
    std::size_t line = 0;
    std::string reason;
};

/// The outcome of checking an import file: the records to write when `errors` is empty.
/// Shared by every CSV import (roster, targets): all or nothing.
template <class Record>
struct ImportPlan {
    std::vector<Record> records;
    std::vector<LineError> errors;   ///< in line order; any error means nothing is imported
    std::vector<std::string> notes;  ///< harmless remarks ("ignored column 'Ghi chú'")
    bool ok() const { return errors.empty(); }

    /// Takes over the reader's errors and notes the ignored columns.
    void add_table(const CsvTable& table) {
        for (const auto& e : table.errors) errors.push_back({e.line, e.message});
        for (const auto& c : table.ignored_columns) notes.push_back("ignored column '" + c + "'");
    }
    /// Sorts the errors by line; drops the records when there is any.
    void finish() {
        std::stable_sort(errors.begin(), errors.end(),
                         [](const LineError& a, const LineError& b) { return a.line < b.line; });
        if (!ok()) records.clear();
    }
};

/// A date as it comes out of Excel: "2025-03-15", "15/03/2025", "15/3/2025", "15-03-2025",
/// "15.03.2025" (day first, as in Vietnam).
std::optional<Date> parse_import_date(std::string_view s);

/// Collects the problems of one row of an import file.
class RowCheck {
  public:
    RowCheck(std::vector<LineError>& errors, std::size_t line) : errors_(errors), line_(line) {}
    void fail(std::string reason);
    bool ok() const { return ok_; }
    /// A required value: reports "empty <column>" when blank.
    bool require(const CsvRow& row, std::size_t col, std::string_view column);
    /// A code: reports a line break inside (a quoted cell that swallowed a line end).
    void check_code(const std::string& code, std::string_view column);
    /// An optional date column: nullopt when blank; reports a bad date.
    std::optional<Date> date(const CsvRow& row, std::size_t col, std::string_view column);

  private:
    std::vector<LineError>& errors_;
    std::size_t line_;
    bool ok_ = true;
};

}  // namespace tcns::core
