#include "core/csv.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/utf8.hpp"
#include "core/vietnamese.hpp"

namespace tcns::core {

namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";
// Each unterminated quote makes the reader rescan the rest of the file once; the cap keeps a
// hostile file linear.
constexpr std::size_t kMaxUnterminated = 100;

std::string_view skip_bom(std::string_view text, bool* had) {
    const bool bom = text.substr(0, kBom.size()) == kBom;
    if (had) *had = bom;
    return bom ? text.substr(kBom.size()) : text;
}

bool is_blank(std::string_view s) {
    return trim(s).empty();
}

bool all_blank(const std::vector<std::string>& fields) {
    return std::all_of(fields.begin(), fields.end(),
                       [](const std::string& f) { return is_blank(f); });
}

// Position just after the physical line that contains `pos` (its line break included).
std::size_t next_line_start(std::string_view text, std::size_t pos) {
    while (pos < text.size() && text[pos] != '\n' && text[pos] != '\r') ++pos;
    if (pos < text.size() && text[pos] == '\r') {
        ++pos;
        if (pos < text.size() && text[pos] == '\n') ++pos;
    } else if (pos < text.size()) {
        ++pos;
    }
    return pos;
}

// Checks the fields of a finished record; returns a reason when one is not readable text.
std::string text_problem(const std::vector<std::string>& fields) {
    for (std::size_t k = 0; k < fields.size(); ++k) {
        if (!is_valid_utf8(fields[k]))
            return fmt::format(
                "invalid UTF-8 in column {} (save the file as \"CSV UTF-8\" in Excel)", k + 1);
        if (fields[k].find('\0') != std::string::npos)
            return fmt::format("column {} contains a NUL byte (not a text file?)", k + 1);
    }
    return {};
}

}  // namespace

char detect_csv_separator(std::string_view text) {
    text = skip_bom(text, nullptr);
    std::size_t commas = 0, semicolons = 0, tabs = 0;
    bool in_quotes = false;
    bool seen_content = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '"') {
            in_quotes = !in_quotes;  // a doubled quote toggles twice: no change
        } else if (!in_quotes && (c == '\n' || c == '\r')) {
            if (seen_content) break;
            commas = semicolons = tabs = 0;  // a leading blank line
            continue;
        } else if (!in_quotes) {
            if (c == ',') ++commas;
            if (c == ';') ++semicolons;
            if (c == '\t') ++tabs;
        }
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') seen_content = true;
    }
    if (semicolons > commas && semicolons >= tabs) return ';';
    if (tabs > commas && tabs > semicolons) return '\t';
    return ',';
}

CsvDocument parse_csv(std::string_view text) {
    return parse_csv(text, detect_csv_separator(text));
}

CsvDocument parse_csv(std::string_view text, char sep) {
    CsvDocument doc;
    doc.separator = sep;
    text = skip_bom(text, &doc.bom);
    if (text.size() >= 2 &&
        ((text[0] == '\xFF' && text[1] == '\xFE') || (text[0] == '\xFE' && text[1] == '\xFF'))) {
        doc.errors.push_back({1, CsvErrorKind::kNotUtf8,
                              "the file is UTF-16 (\"Unicode Text\"); save it as \"CSV UTF-8\""});
        return doc;
    }

    const std::size_t n = text.size();
    std::size_t i = 0;
    std::size_t line = 1;
    std::size_t unterminated = 0;
    while (i < n) {
        const std::size_t record_start = i;
        const std::size_t record_line = line;
        std::vector<std::string> fields;
        std::string field;
        bool in_quotes = false;
        bool field_quoted = false;
        std::size_t quote_line = 0;
        bool record_done = false;
        while (i < n && !record_done) {
            const char c = text[i];
            if (in_quotes) {
                if (c == '"') {
                    if (i + 1 < n && text[i + 1] == '"') {
                        field.push_back('"');
                        i += 2;
                    } else {
                        in_quotes = false;
                        ++i;
                    }
                } else if (c == '\r' || c == '\n') {
                    field.push_back('\n');
                    i += (c == '\r' && i + 1 < n && text[i + 1] == '\n') ? 2 : 1;
                    ++line;
                } else {
                    field.push_back(c);
                    ++i;
                }
            } else if (c == sep) {
                fields.push_back(std::move(field));
                field.clear();
                field_quoted = false;
                ++i;
            } else if (c == '\r' || c == '\n') {
                i += (c == '\r' && i + 1 < n && text[i + 1] == '\n') ? 2 : 1;
                ++line;
                record_done = true;
            } else if (c == '"' && !field_quoted && is_blank(field)) {
                // An opening quote, possibly after spaces (`a, "b,c"` from hand-written files).
                field.clear();
                in_quotes = true;
                field_quoted = true;
                quote_line = line;
                ++i;
            } else {
                // Also a quote inside an unquoted field, or text after a closing quote: kept as
                // written, as Excel does.
                field.push_back(c);
                ++i;
            }
        }
        if (in_quotes) {
            std::string where = quote_line == record_line
                                    ? std::string()
                                    : fmt::format(" (opened on line {})", quote_line);
            doc.errors.push_back({record_line, CsvErrorKind::kUnterminatedQuote,
                                  "unterminated quoted field" + where});
            if (++unterminated >= kMaxUnterminated) {
                doc.errors.push_back({record_line, CsvErrorKind::kTooManyErrors,
                                      "too many unterminated quotes; reading stopped"});
                break;
            }
            // Read on from the next physical line, as if the quote had not been there.
            i = next_line_start(text, record_start);
            line = record_line + 1;
            continue;
        }
        fields.push_back(std::move(field));
        if (all_blank(fields)) continue;
        if (std::string problem = text_problem(fields); !problem.empty()) {
            doc.errors.push_back({record_line, CsvErrorKind::kInvalidUtf8, std::move(problem)});
            continue;
        }
        doc.records.push_back({record_line, std::move(fields)});
    }
    return doc;
}

std::string csv_header_key(std::string_view header) {
    std::string s(header);
    for (char& c : s)
        if (c == '_' || c == '-' || c == '.' || c == '/') c = ' ';
    return fold_vietnamese(s);
}

CsvTable read_csv_table(std::string_view text, std::span<const CsvColumn> columns) {
    CsvDocument doc = parse_csv(text);
    CsvTable table;
    table.separator = doc.separator;
    table.bom = doc.bom;
    table.present.assign(columns.size(), false);

    if (doc.records.empty() ||
        (!doc.errors.empty() && doc.errors.front().line < doc.records.front().line)) {
        // No header, or the header itself is unreadable: nothing can be mapped.
        table.errors = std::move(doc.errors);
        if (table.errors.empty())
            table.errors.push_back({1, CsvErrorKind::kEmpty, "the file is empty (no header line)"});
        else
            table.errors.push_back(
                {table.errors.front().line, CsvErrorKind::kEmpty, "cannot read the header line"});
        return table;
    }

    const CsvRecord& header = doc.records.front();
    table.header_line = header.line;
    std::size_t width = header.fields.size();
    while (width > 1 && is_blank(header.fields[width - 1])) --width;  // Excel's ";;;" tail

    // Header position of each column.
    std::vector<std::size_t> position(columns.size(), std::size_t(-1));
    std::vector<std::vector<std::string>> alias_keys(columns.size());
    for (std::size_t c = 0; c < columns.size(); ++c) {
        alias_keys[c].push_back(csv_header_key(columns[c].name));
        std::string_view rest = columns[c].aliases;
        while (!rest.empty()) {
            const std::size_t bar = rest.find('|');
            alias_keys[c].push_back(csv_header_key(rest.substr(0, bar)));
            rest = bar == std::string_view::npos ? std::string_view() : rest.substr(bar + 1);
        }
    }
    for (std::size_t h = 0; h < width; ++h) {
        const std::string key = csv_header_key(header.fields[h]);
        bool matched = false;
        for (std::size_t c = 0; c < columns.size() && !key.empty(); ++c) {
            if (std::find(alias_keys[c].begin(), alias_keys[c].end(), key) == alias_keys[c].end())
                continue;
            matched = true;
            if (position[c] != std::size_t(-1)) {
                table.errors.push_back(
                    {header.line, CsvErrorKind::kDuplicateColumn,
                     fmt::format("columns {} (\"{}\") and {} (\"{}\") both give {}",
                                 position[c] + 1, std::string(trim(header.fields[position[c]])),
                                 h + 1, std::string(trim(header.fields[h])), columns[c].name)});
            } else {
                position[c] = h;
                table.present[c] = true;
            }
            break;
        }
        if (!matched)
            table.ignored_columns.push_back(key.empty() ? fmt::format("(column {})", h + 1)
                                                        : std::string(trim(header.fields[h])));
    }
    for (std::size_t c = 0; c < columns.size(); ++c) {
        if (columns[c].required && !table.present[c])
            table.errors.push_back({header.line, CsvErrorKind::kMissingColumn,
                                    fmt::format("missing column {}", columns[c].name)});
    }
    if (!table.errors.empty()) {
        // Without a usable header the records cannot be checked; report the header only,
        // plus whatever the reader could not read.
        for (auto& e : doc.errors) table.errors.push_back(std::move(e));
        std::stable_sort(table.errors.begin(), table.errors.end(),
                         [](const CsvError& a, const CsvError& b) { return a.line < b.line; });
        return table;
    }

    table.errors = std::move(doc.errors);
    for (std::size_t r = 1; r < doc.records.size(); ++r) {
        CsvRecord& rec = doc.records[r];
        bool extra_filled = false;
        for (std::size_t k = width; k < rec.fields.size(); ++k)
            if (!is_blank(rec.fields[k])) extra_filled = true;
        if (rec.fields.size() < width || extra_filled) {
            table.errors.push_back(
                {rec.line, CsvErrorKind::kWrongColumnCount,
                 fmt::format(
                     "{} columns, the header has {} (separator '{}')", rec.fields.size(), width,
                     doc.separator == '\t' ? std::string("\\t") : std::string(1, doc.separator))});
            continue;
        }
        CsvRow row;
        row.line = rec.line;
        row.values.resize(columns.size());
        for (std::size_t c = 0; c < columns.size(); ++c)
            if (position[c] != std::size_t(-1)) row.values[c] = trim(rec.fields[position[c]]);
        table.rows.push_back(std::move(row));
    }
    std::stable_sort(table.errors.begin(), table.errors.end(),
                     [](const CsvError& a, const CsvError& b) { return a.line < b.line; });
    return table;
}

}  // namespace tcns::core
