#include "core/csv_writer.hpp"

#include <cstdint>
#include <ostream>

#include <fmt/format.h>

#include "core/time.hpp"

namespace tcns::core {

std::string neutralise_formula(std::string_view cell) {
    if (!cell.empty()) {
        switch (cell.front()) {
            case '=':
            case '+':
            case '-':
            case '@':
            case '\t':
            case '\r':
                return "'" + std::string(cell);
            default:
                break;
        }
    }
    return std::string(cell);
}

std::string quote_csv_field(std::string_view cell, char separator) {
    bool quote = !cell.empty() && (cell.front() == ' ' || cell.back() == ' ');
    for (const char c : cell) {
        if (c == separator || c == '"' || c == '\r' || c == '\n') {
            quote = true;
            break;
        }
    }
    if (!quote) return std::string(cell);
    std::string out;
    out.reserve(cell.size() + 2);
    out += '"';
    for (const char c : cell) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
    return out;
}

CsvWriter::CsvWriter(std::ostream& os, CsvWriterOptions options) : os_(os), options_(options) {}

void CsvWriter::start() {
    if (started_) return;
    started_ = true;
    if (options_.bom) line_ = "\xEF\xBB\xBF";
}

CsvWriter& CsvWriter::cell(std::string_view value) {
    start();
    if (!first_in_row_) line_ += options_.separator;
    first_in_row_ = false;
    line_ += quote_csv_field(
        options_.neutralise_formulas ? neutralise_formula(value) : std::string(value),
        options_.separator);
    return *this;
}

CsvWriter& CsvWriter::cell(std::int64_t value) {
    return cell(std::to_string(value));
}

CsvWriter& CsvWriter::number(std::optional<std::int64_t> value) {
    return value ? cell(std::to_string(*value)) : cell(std::string_view());
}

CsvWriter& CsvWriter::percent(std::optional<std::int64_t> num, std::optional<std::int64_t> den) {
    if (!num || !den || *den <= 0) return cell(std::string_view());
    std::string s =
        fmt::format("{:.1f}", 100.0 * static_cast<double>(*num) / static_cast<double>(*den));
    if (options_.separator == ';') {
        for (char& c : s)
            if (c == '.') c = ',';
    }
    return cell(s);
}

CsvWriter& CsvWriter::instant(std::optional<std::int64_t> unix_seconds) {
    if (!unix_seconds) return cell(std::string_view());
    return cell(format_vietnam_iso(from_unix(*unix_seconds)));
}

void CsvWriter::end_row() {
    start();
    line_ += "\r\n";
    // One write per record: streams whose buffer only implements xsputn (httplib's DataSink)
    // see whole records, and nothing of a record is written before it is complete.
    os_.write(line_.data(), static_cast<std::streamsize>(line_.size()));
    line_.clear();
    first_in_row_ = true;
    ++rows_;
}

void CsvWriter::row(std::span<const std::string> cells) {
    for (const auto& c : cells) cell(c);
    end_row();
}

void CsvWriter::row(std::initializer_list<std::string_view> cells) {
    for (const auto c : cells) cell(c);
    end_row();
}

}  // namespace tcns::core
