#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tcns::core {

/// What went wrong reading a CSV file; every error carries the physical line it is about.
enum class CsvErrorKind {
    kUnterminatedQuote,  ///< a quoted field that never closes
    kInvalidUtf8,        ///< a record with bytes that are not UTF-8 (or a NUL byte)
    kNotUtf8,            ///< the whole file is UTF-16 ("Unicode Text" from Excel)
    kTooManyErrors,      ///< reading stopped after too many unterminated quotes
    kEmpty,              ///< no header line at all
    kMissingColumn,      ///< a required column is not in the header
    kDuplicateColumn,    ///< two header cells name the same column
    kWrongColumnCount,   ///< a record with more or fewer fields than the header
};

struct CsvError {
    std::size_t line = 0;
    CsvErrorKind kind = CsvErrorKind::kInvalidUtf8;
    std::string message;  ///< English, for "line N: message"
};

/// One record: its fields exactly as written (unquoted, not trimmed) and the physical line
/// (1-based) where it starts; a quoted field with newlines makes a record span several lines.
struct CsvRecord {
    std::size_t line = 0;
    std::vector<std::string> fields;
};

/// A whole file read as records. Records that could not be read are left out and reported in
/// `errors` instead; both lists are in line order.
struct CsvDocument {
    char separator = ',';
    bool bom = false;
    std::vector<CsvRecord> records;
    std::vector<CsvError> errors;
};

/// The separator of a file: ';' (Excel in a Vietnamese locale), '\t' or ',' (the default),
/// whichever appears most often outside quotes on the first non-blank line. A UTF-8 BOM is
/// skipped.
char detect_csv_separator(std::string_view text);

/// Reads a CSV file given whole: UTF-8 with or without BOM; the separator detected from the
/// header line; CRLF, LF or lone CR line ends; RFC 4180 quoted fields with separators, doubled
/// quotes and line breaks inside (a line break inside a field becomes "\n"). Blank lines (and
/// lines whose fields are all blank, like Excel's ";;;;") are skipped. Never throws; any input
/// gives a document.
CsvDocument parse_csv(std::string_view text);
/// The same with a given separator.
CsvDocument parse_csv(std::string_view text, char separator);

/// A column an importer understands. Header cells match case-insensitively, trimmed, with or
/// without Vietnamese diacritics, '_' '-' '.' '/' counting as spaces: "Parent code",
/// "PARENT_CODE" and "parent-code" all name `parent_code`.
struct CsvColumn {
    std::string_view name;     ///< canonical header, e.g. "parent_code"
    bool required = false;     ///< the header must have it
    std::string_view aliases;  ///< other accepted headers, '|'-separated: "mã đơn vị cha|mã cha"
};

/// A data record mapped onto the importer's columns.
struct CsvRow {
    std::size_t line = 0;
    std::vector<std::string> values;  ///< one per CsvColumn, trimmed; "" when the column is absent
    const std::string& operator[](std::size_t column) const { return values[column]; }
};

/// A CSV file with a header line, read against a list of columns.
struct CsvTable {
    char separator = ',';
    bool bom = false;
    std::size_t header_line = 0;
    std::vector<bool> present;  ///< per column: whether the header has it
    std::vector<CsvRow> rows;   ///< the records that could be read, in line order
    std::vector<CsvError> errors;
    std::vector<std::string> ignored_columns;  ///< header cells that match no column
};

/// Reads `text` as a header line plus records. Header problems (missing or duplicate columns, an
/// unreadable header) are errors on the header line and leave `rows` empty; a record whose field
/// count differs from the header's is an error on its line (extra trailing empty fields, as
/// Excel sometimes writes, are accepted).
CsvTable read_csv_table(std::string_view text, std::span<const CsvColumn> columns);

/// The key a header cell is matched by: "Mã đơn vị_cha " -> "ma don vi cha".
std::string csv_header_key(std::string_view header);

}  // namespace tcns::core
