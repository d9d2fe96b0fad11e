// parse_csv (detected and fixed separators) and read_csv_table on any bytes: never crash, and
// what they return is consistent.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/csv.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace tcns;

namespace {

void check_document(const core::CsvDocument& doc) {
    std::size_t last = 0;
    for (const auto& r : doc.records) {
        fuzz::check(r.line >= 1, "a record's line is 1-based");
        fuzz::check(r.line > last, "records are in line order, one per line at most");
        fuzz::check(!r.fields.empty(), "a record has at least one field");
        last = r.line;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);

    const auto detected = core::parse_csv(text);
    check_document(detected);
    fuzz::check(detected.separator == core::detect_csv_separator(text),
                "parse_csv uses the detected separator");
    for (char sep : {',', ';', '\t'}) check_document(core::parse_csv(text, sep));

    static constexpr std::array<core::CsvColumn, 4> kColumns{{
        {"code", true, "mã|ma"},
        {"name", true, "tên|ten"},
        {"parent_code", false, "mã đơn vị cha|mã cha"},
        {"level", false, ""},
    }};
    const auto table = core::read_csv_table(text, kColumns);
    fuzz::check(table.present.size() == kColumns.size() || table.rows.empty(),
                "a table with rows knows which columns are present");
    for (const auto& row : table.rows)
        fuzz::check(row.values.size() == kColumns.size(), "a row has one value per column");
    if (!table.rows.empty()) fuzz::check(table.header_line >= 1, "rows come after a header");
    return 0;
}
