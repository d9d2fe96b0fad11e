#include <catch2/catch.hpp>

#include "core/csv.hpp"
#include "core/vietnamese.hpp"

using namespace tcns::core;

namespace {
std::vector<std::vector<std::string>> fields_of(const CsvDocument& d) {
    std::vector<std::vector<std::string>> out;
    for (const auto& r : d.records) out.push_back(r.fields);
    return out;
}
std::vector<std::size_t> lines_of(const CsvDocument& d) {
    std::vector<std::size_t> out;
    for (const auto& r : d.records) out.push_back(r.line);
    return out;
}
using Rows = std::vector<std::vector<std::string>>;
}  // namespace

TEST_CASE("a plain comma file is read record by record with line numbers", "[csv]") {
    const auto d = parse_csv("code,name\n1,Ấp 1\n2,Ấp 2\n");
    CHECK(d.separator == ',');
    CHECK_FALSE(d.bom);
    CHECK(d.errors.empty());
    CHECK(fields_of(d) == Rows{{"code", "name"}, {"1", "Ấp 1"}, {"2", "Ấp 2"}});
    CHECK(lines_of(d) == std::vector<std::size_t>{1, 2, 3});
}

TEST_CASE("a UTF-8 BOM is skipped and remembered", "[csv]") {
    const auto d = parse_csv(
        "\xEF\xBB\xBF"
        "code;name\r\n75;Tỉnh Đồng Nai\r\n");
    CHECK(d.bom);
    CHECK(d.separator == ';');
    CHECK(fields_of(d) == Rows{{"code", "name"}, {"75", "Tỉnh Đồng Nai"}});
}

TEST_CASE("the separator is detected from the header, ignoring quoted separators", "[csv]") {
    CHECK(detect_csv_separator("a,b,c\n1;2;3;4;5\n") == ',');
    CHECK(detect_csv_separator("a;b;c\n1,2,3,4,5\n") == ';');
    CHECK(detect_csv_separator("\"x,y,z\";b\n") == ';');
    CHECK(detect_csv_separator("\xEF\xBB\xBF\n\n\"a;b\",c\n") == ',');
    CHECK(detect_csv_separator("a\tb\tc\n") == '\t');
    CHECK(detect_csv_separator("single\n") == ',');
    CHECK(detect_csv_separator("") == ',');
}

TEST_CASE("CRLF, LF and lone CR line ends all count as one line each", "[csv]") {
    const auto d = parse_csv("a,b\r\n1,2\n3,4\r5,6\r\n");
    CHECK(fields_of(d) == Rows{{"a", "b"}, {"1", "2"}, {"3", "4"}, {"5", "6"}});
    CHECK(lines_of(d) == std::vector<std::size_t>{1, 2, 3, 4});
}

TEST_CASE("the last record needs no line end", "[csv]") {
    const auto d = parse_csv("a,b\n1,2");
    CHECK(fields_of(d) == Rows{{"a", "b"}, {"1", "2"}});
}

TEST_CASE("quoted fields keep separators, doubled quotes and line breaks", "[csv]") {
    const auto d = parse_csv(
        "name,note\r\n"
        "\"Nguyễn Văn A, Jr.\",\"He said \"\"hi\"\"\"\r\n"
        "\"two\r\nlines\",x\r\n"
        "after,y\r\n");
    REQUIRE(d.errors.empty());
    CHECK(fields_of(d) == Rows{{"name", "note"},
                               {"Nguyễn Văn A, Jr.", "He said \"hi\""},
                               {"two\nlines", "x"},
                               {"after", "y"}});
    CHECK(lines_of(d) == std::vector<std::size_t>{1, 2, 3, 5});
}

TEST_CASE("a semicolon file keeps commas inside fields", "[csv]") {
    const auto d = parse_csv("a;b\n1,5;\"x;y\"\n");
    CHECK(fields_of(d) == Rows{{"a", "b"}, {"1,5", "x;y"}});
}

TEST_CASE("empty fields, quoted empty fields and stray quotes are read as Excel does", "[csv]") {
    const auto d = parse_csv("a,b,c\nx,\"\",\n5\"3,\"ab\"cd, \"q,r\" \n");
    CHECK(fields_of(d) == Rows{{"a", "b", "c"}, {"x", "", ""}, {"5\"3", "abcd", "q,r "}});
}

TEST_CASE("blank lines and all-empty Excel rows are skipped without shifting line numbers",
          "[csv]") {
    const auto d = parse_csv("\n\na;b\n\n;;\n  \n1;2\n");
    CHECK(fields_of(d) == Rows{{"a", "b"}, {"1", "2"}});
    CHECK(lines_of(d) == std::vector<std::size_t>{3, 7});
}

TEST_CASE("an unterminated quote is an error on its line and reading goes on", "[csv]") {
    const auto d = parse_csv("a,b\n1,\"oops\n2,3\n");
    REQUIRE(d.errors.size() == 1);
    CHECK(d.errors[0].line == 2);
    CHECK(d.errors[0].kind == CsvErrorKind::kUnterminatedQuote);
    CHECK(fields_of(d) == Rows{{"a", "b"}, {"2", "3"}});
    CHECK(lines_of(d) == std::vector<std::size_t>{1, 3});
}

TEST_CASE("an unterminated quote opened on a later line of the record says where", "[csv]") {
    const auto d = parse_csv("a,b\n\"x\ny\",\"z\n");
    REQUIRE_FALSE(d.errors.empty());
    CHECK(d.errors[0].line == 2);
    CHECK(d.errors[0].message.find("opened on line 3") != std::string::npos);
}

TEST_CASE("a record with invalid UTF-8 is an error on its line, others are kept", "[csv]") {
    const auto d = parse_csv("a,b\n1,T\xF4 c\xF4ng\n2,ok\n3,\"multi\nline \xC3\"\n4,x\n");
    REQUIRE(d.errors.size() == 2);
    CHECK(d.errors[0].line == 2);
    CHECK(d.errors[0].kind == CsvErrorKind::kInvalidUtf8);
    CHECK(d.errors[0].message.find("column 2") != std::string::npos);
    CHECK(d.errors[1].line == 4);
    CHECK(lines_of(d) == std::vector<std::size_t>{1, 3, 6});
}

TEST_CASE("a UTF-16 file is refused as a whole", "[csv]") {
    const std::string utf16(
        "\xFF\xFE"
        "a\0,\0b\0",
        8);
    const auto d = parse_csv(utf16);
    REQUIRE(d.errors.size() == 1);
    CHECK(d.errors[0].kind == CsvErrorKind::kNotUtf8);
    CHECK(d.records.empty());
}

TEST_CASE("a NUL byte makes the record an error", "[csv]") {
    const auto d = parse_csv(std::string("a\nx\0y\n", 6));
    REQUIRE(d.errors.size() == 1);
    CHECK(d.errors[0].line == 2);
}

TEST_CASE("files made of quotes and separators are read in bounded time", "[csv]") {
    for (const std::string unit : {"\"", "\"\"", "a,\"b\n", "\"\n\"\"\n", ";\"\r"}) {
        std::string text;
        for (int i = 0; i < 20000; ++i) text += unit;
        const auto d = parse_csv(text);
        CHECK(d.errors.size() <= 101);
    }
}

TEST_CASE("reading never fails on arbitrary bytes", "[csv]") {
    std::string bytes;
    std::uint32_t x = 12345;
    for (int round = 0; round < 200; ++round) {
        bytes.clear();
        for (int i = 0; i < 200; ++i) {
            x = x * 1664525u + 1013904223u;
            const char alphabet[] = {'a', ',', ';', '"', '\r', '\n', ' ', '\xC3', '\xA1', '\0'};
            bytes.push_back(alphabet[(x >> 16) % sizeof(alphabet)]);
        }
        const auto d = parse_csv(bytes);
        for (const auto& r : d.records) CHECK(r.line >= 1);
    }
}

namespace {
const CsvColumn kColumns[] = {
    {"code", true, "mã|mã đơn vị"},
    {"name", true, "tên"},
    {"parent_code", false, "mã cha"},
};
}  // namespace

TEST_CASE("header names match in any order, case and with or without diacritics", "[csv]") {
    const auto t = read_csv_table(" TÊN ;Ma don vi;Parent-Code;Ghi chú\n Ấp 1 ;7;75;x\n", kColumns);
    REQUIRE(t.errors.empty());
    CHECK(t.separator == ';');
    CHECK(t.present == std::vector<bool>{true, true, true});
    REQUIRE(t.rows.size() == 1);
    CHECK(t.rows[0].line == 2);
    CHECK(t.rows[0][0] == "7");
    CHECK(t.rows[0][1] == "Ấp 1");
    CHECK(t.rows[0][2] == "75");
    CHECK(t.ignored_columns == std::vector<std::string>{"Ghi chú"});
}

TEST_CASE("an optional column may be absent", "[csv]") {
    const auto t = read_csv_table("code,name\n1,a\n", kColumns);
    REQUIRE(t.errors.empty());
    CHECK_FALSE(t.present[2]);
    CHECK(t.rows[0][2].empty());
}

TEST_CASE("a missing or duplicate column is an error on the header line", "[csv]") {
    const auto missing = read_csv_table("\nname\nx\n", kColumns);
    REQUIRE(missing.errors.size() == 1);
    CHECK(missing.errors[0].line == 2);
    CHECK(missing.errors[0].kind == CsvErrorKind::kMissingColumn);
    CHECK(missing.rows.empty());

    const auto dup = read_csv_table("code,name,mã\n1,a,2\n", kColumns);
    REQUIRE(dup.errors.size() == 1);
    CHECK(dup.errors[0].kind == CsvErrorKind::kDuplicateColumn);
    CHECK(dup.rows.empty());
}

TEST_CASE("a record with the wrong number of fields is an error on its line", "[csv]") {
    const auto t = read_csv_table("code,name\n1,a\n2\n3,b,c\n4,d,,\n5,e\n", kColumns);
    REQUIRE(t.errors.size() == 2);
    CHECK(t.errors[0].line == 3);
    CHECK(t.errors[0].kind == CsvErrorKind::kWrongColumnCount);
    CHECK(t.errors[1].line == 4);
    REQUIRE(t.rows.size() == 3);
    CHECK(t.rows[1].line == 5);  // extra trailing empty fields are Excel's, not an error
}

TEST_CASE("an empty file or an unreadable header is reported", "[csv]") {
    const auto empty = read_csv_table("\xEF\xBB\xBF\r\n", kColumns);
    REQUIRE(empty.errors.size() == 1);
    CHECK(empty.errors[0].kind == CsvErrorKind::kEmpty);
    const auto bad = read_csv_table(
        "c\xF4"
        "de,name\n1,a\n",
        kColumns);
    REQUIRE_FALSE(bad.errors.empty());
    CHECK(bad.errors[0].line == 1);
    CHECK(bad.rows.empty());
}

TEST_CASE("Vietnamese text folds to plain lower-case ASCII", "[vietnamese]") {
    CHECK(fold_vietnamese("  Tổ  TRƯỞNG ") == "to truong");
    CHECK(fold_vietnamese("Đồng Nai") == "dong nai");
    CHECK(fold_vietnamese("ĂÂÊÔƠƯĐ ăâêôơưđ") == "aaeooud aaeooud");
    CHECK(fold_vietnamese("Ấp Ỹ ỹ ạ") == "ap y y a");
    CHECK(fold_vietnamese("to\xCC\x82\xCC\x89 pho\xCC\x81") == "to pho");  // decomposed marks
    CHECK(fold_vietnamese("Cán bộ") == "can bo");
    CHECK(fold_vietnamese("x\xF4y") == "x\xF4y");  // not UTF-8: kept
    CHECK(fold_vietnamese("😀") == "😀");
}
