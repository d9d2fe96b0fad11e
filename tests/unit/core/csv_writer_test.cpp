#include <catch2/catch.hpp>

#include <sstream>
#include <streambuf>

#include "core/csv.hpp"
#include "core/csv_writer.hpp"

using namespace tcns::core;

TEST_CASE("an Excel CSV starts with a BOM and ends every record with CRLF", "[csv-writer]") {
    std::ostringstream os;
    CsvWriter w(os);
    w.row({"code", "name"});
    w.cell("1").cell("Ấp 1").end_row();
    CHECK(os.str() ==
          "\xEF\xBB\xBF"
          "code,name\r\n1,Ấp 1\r\n");
    CHECK(w.rows() == 2);
}

TEST_CASE("fields with separators, quotes and line breaks are quoted as RFC 4180 says",
          "[csv-writer]") {
    CHECK(quote_csv_field("plain", ',') == "plain");
    CHECK(quote_csv_field("a,b", ',') == "\"a,b\"");
    CHECK(quote_csv_field("a;b", ',') == "a;b");
    CHECK(quote_csv_field("a;b", ';') == "\"a;b\"");
    CHECK(quote_csv_field("say \"hi\"", ',') == "\"say \"\"hi\"\"\"");
    CHECK(quote_csv_field("line1\nline2", ',') == "\"line1\nline2\"");
    CHECK(quote_csv_field("cr\r", ',') == "\"cr\r\"");
    CHECK(quote_csv_field("", ',') == "");
}

TEST_CASE("cells that a spreadsheet would evaluate are neutralised with a leading quote",
          "[csv-writer]") {
    CHECK(neutralise_formula("=1+1") == "'=1+1");
    CHECK(neutralise_formula("+84912345678") == "'+84912345678");
    CHECK(neutralise_formula("-2") == "'-2");
    CHECK(neutralise_formula("@SUM(A1)") == "'@SUM(A1)");
    CHECK(neutralise_formula("\tx") == "'\tx");
    CHECK(neutralise_formula("\rx") == "'\rx");
    CHECK(neutralise_formula("12") == "12");
    CHECK(neutralise_formula("a=b") == "a=b");
    CHECK(neutralise_formula("") == "");

    std::ostringstream os;
    CsvWriter w(os, CsvWriterOptions{',', false, true});
    w.row({"=HYPERLINK(\"http://x\",\"y\")", "@cmd", "0", "Mạng yếu"});
    CHECK(os.str() == "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",'@cmd,0,Mạng yếu\r\n");
}

TEST_CASE("a Vietnamese name with diacritics and quotes round-trips through the CSV reader",
          "[csv-writer]") {
    const std::vector<std::string> cells = {"Nguyễn Thị Ánh Tuyết", "Tổ CNS \"Ấp 1\", Xã Long Hưng",
                                            "dòng 1\ndòng 2", "'=kept", ""};
    for (const char sep : {',', ';'}) {
        std::ostringstream os;
        CsvWriter w(os, CsvWriterOptions{sep, true, true});
        w.row({"a", "b", "c", "d", "e"});
        w.row(cells);
        const CsvDocument doc = parse_csv(os.str());
        INFO("separator " << sep);
        CHECK(doc.bom);
        CHECK(doc.separator == sep);
        REQUIRE(doc.errors.empty());
        REQUIRE(doc.records.size() == 2);
        CHECK(doc.records[1].fields[0] == cells[0]);
        CHECK(doc.records[1].fields[1] == cells[1]);
        CHECK(doc.records[1].fields[2] == cells[2]);
        CHECK(doc.records[1].fields[3] == "'=kept");
        CHECK(doc.records[1].fields[4] == "");
    }
}

namespace {
/// Like httplib's DataSink: only xsputn is implemented, so single-character writes would fail;
/// records every write.
class WriteLog : public std::streambuf {
  public:
    std::vector<std::string> writes;

  protected:
    std::streamsize xsputn(const char* s, std::streamsize n) override {
        writes.emplace_back(s, static_cast<std::size_t>(n));
        return n;
    }
};
}  // namespace

TEST_CASE("each record reaches the stream in one write, as soon as it ends", "[csv-writer]") {
    WriteLog log;
    std::ostream os(&log);
    CsvWriter w(os);
    w.cell("a").cell("b");
    CHECK(log.writes.empty());
    w.end_row();
    w.row({"1", "Ấp 2"});
    CHECK(os.good());
    CHECK(log.writes == std::vector<std::string>{"\xEF\xBB\xBF"
                                                 "a,b\r\n",
                                                 "1,Ấp 2\r\n"});
}
