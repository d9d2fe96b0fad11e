#include <catch2/catch.hpp>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "core/number.hpp"
#include "core/vietnamese.hpp"
#include "tests/support/numerals.hpp"

using tcns::core::CountError;
using tcns::core::CountReading;
using tcns::core::CountUnit;
using tcns::core::parse_count;
using tcns::core::split_quick_values;

namespace {

std::string reason_name(CountError e) {
    switch (e) {
        case CountError::kEmpty:
            return "empty";
        case CountError::kNegative:
            return "negative";
        case CountError::kFraction:
            return "fraction";
        case CountError::kTooLarge:
            return "too_large";
        case CountError::kAmbiguous:
            return "ambiguous";
        case CountError::kNotNumber:
            return "not_number";
        case CountError::kApproximate:
            return "approximate";
        case CountError::kPercent:
            return "percent";
        case CountError::kRange:
            return "range";
        case CountError::kSpacedThousands:
            return "spaced_thousands";
    }
    return "?";
}

std::string how_name(CountReading::How h) {
    switch (h) {
        case CountReading::How::kPlain:
            return "plain";
        case CountReading::How::kEcho:
            return "echo";
        case CountReading::How::kConfirm:
            return "ask";
    }
    return "?";
}

/// "plain 25", "echo 120", "ask 25000", "no approximate khoảng": what the parser gave, in the
/// fixture's words.
std::string describe(const std::string& input, const CountUnit& unit) {
    const auto r = parse_count(input, unit);
    if (r) return how_name(r->how) + " " + std::to_string(r->value);
    std::string out = "no " + reason_name(r.error().reason);
    if (r.error().reason == CountError::kApproximate) out += " " + r.error().word;
    return out;
}

CountUnit unit_of(const std::string& words) {
    CountUnit u;
    if (words.empty()) {
        u.words = {"người", "ng"};
        return u;
    }
    std::string cur;
    for (char c : words + ",") {
        if (c == ',') {
            const auto b = cur.find_first_not_of(' ');
            if (b != std::string::npos) u.words.push_back(cur.substr(b));
            cur.clear();
        } else {
            cur.push_back(c);
        }
    }
    return u;
}

}  // namespace

TEST_CASE("every phrasing in the numbers table reads as the table says") {
    std::ifstream in(TCNS_SOURCE_DIR "/tests/fixtures/numbers/phrasings.tsv");
    REQUIRE(in);
    std::string line;
    int rows = 0;
    int values = 0;
    int refusals = 0;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        const auto tab = line.find('\t');
        REQUIRE(tab != std::string::npos);
        const std::string input = line.substr(0, tab);
        std::string expected = line.substr(tab + 1);
        std::string unit;
        if (const auto tab2 = expected.find('\t'); tab2 != std::string::npos) {
            unit = expected.substr(tab2 + 1);
            expected = expected.substr(0, tab2);
        }
        INFO("input: \"" << input << "\" unit: " << (unit.empty() ? "người" : unit));
        CHECK(describe(input, unit_of(unit)) == expected);
        ++rows;
        (expected.rfind("no ", 0) == 0 ? refusals : values)++;
    }
    // The table is the specification of issue 13: at least 300 phrasings, both kinds.
    CHECK(rows >= 300);
    CHECK(values >= 150);
    CHECK(refusals >= 80);
}

TEST_CASE("a count is never read as a number other than the one written") {
    // Numbers rendered in digits with every separator style and in Vietnamese words (formal,
    // without diacritics, with the regional variants, and colloquial short forms) read as that
    // number or are asked or refused, never as another number.
    CountUnit unit;
    unit.words = {"người"};
    unit.usual_max = 1'000'000'000;
    std::vector<std::int64_t> numbers;
    for (std::int64_t n = 0; n <= 12'000; ++n) numbers.push_back(n);
    for (std::int64_t n = 12'001; n <= 10'000'000; n += 997) numbers.push_back(n);
    std::mt19937_64 rng(13);
    for (int k = 0; k < 20'000; ++k)
        numbers.push_back(static_cast<std::int64_t>(rng() % 10'000'001));
    for (std::int64_t m : {1'000'000, 2'000'005, 1'020'000, 10'000'000, 9'999'999, 1'000'001})
        numbers.push_back(m);

    long checked = 0;
    long read = 0;
    auto check = [&](const std::string& text, std::int64_t n, bool must_read) {
        const auto r = parse_count(text, unit);
        ++checked;
        if (r) {
            ++read;
            if (r->value != n)
                FAIL_CHECK("\"" << text << "\" read as " << r->value << ", not " << n);
        } else if (must_read) {
            FAIL_CHECK("\"" << text << "\" refused (reason " << static_cast<int>(r.error().reason)
                            << "), expected " << n);
        }
    };
    for (const std::int64_t n : numbers) {
        const std::string plain = std::to_string(n);
        check(plain, n, true);
        check(tcns::test::group_digits(n, "."), n, true);
        check(tcns::test::group_digits(n, ","), n, true);
        check(tcns::test::group_digits(n, " "), n, true);
        check(tcns::test::full_width(plain), n, true);
        check(plain + " người", n, true);
        check("dạ " + tcns::test::group_digits(n, ".") + " người ạ", n, true);
        const std::string w = tcns::test::words(n);
        check(w, n, true);
        check(tcns::core::fold_vietnamese(w), n, true);
        tcns::test::WordStyle regional;
        regional.linh = false;
        regional.nghin = false;
        regional.lam = false;
        regional.mot = false;
        regional.tu = false;
        check(tcns::test::words(n, regional), n, true);
        check(tcns::core::fold_vietnamese(tcns::test::words(n, regional)) + " nguoi", n, true);
        for (const auto& c : tcns::test::colloquial(n)) {
            check(c, n, true);
            check(tcns::core::fold_vietnamese(c), n, true);
        }
        if (n >= 1000 && n % 1000 == 0 && n < 1'000'000) {
            check(std::to_string(n / 1000) + "k", n, true);
            check(std::to_string(n / 1000) + " nghìn", n, true);
        }
    }
    INFO("renderings checked: " << checked << ", read: " << read);
    CHECK(checked > 400'000);
    CHECK(read == checked);
}

TEST_CASE("a multiplier, a large value or a foreign word is asked, never stored silently") {
    CountUnit people;
    people.words = {"người"};
    for (const char* text : {"25 nghìn", "25k", "25K", "2tr", "3 chục", "2 trăm", "một vạn",
                             "hai trăm rưỡi", "một nghìn rưỡi", "25 tuổi", "2 buổi", "500000"}) {
        INFO(text);
        const auto r = parse_count(text, people);
        REQUIRE(r);
        CHECK(r->how == CountReading::How::kConfirm);
    }
    const auto tuoi = parse_count("25 tuổi", people);
    REQUIRE(tuoi);
    CHECK(tuoi->why == CountReading::Why::kForeignWord);
    CHECK(tuoi->word == "tuổi");
}

TEST_CASE("the quick form's values are split only where that is unambiguous") {
    struct Row {
        const char* text;
        std::vector<std::string> values;
    };
    const Row rows[] = {
        {"120 45 30", {"120", "45", "30"}},
        {"120, 45, 30", {"120", "45", "30"}},
        {"120,45,30", {"120", "45", "30"}},
        {"120;45;30", {"120", "45", "30"}},
        {"120 lượt 45 hộ 30 người", {"120 lượt", "45 hộ", "30 người"}},
        {"1.200 45 30", {"1.200", "45", "30"}},
        {"1,200 45 30", {"1,200", "45", "30"}},
        {"1.200, 45, 30", {"1.200", "45", "30"}},
        {"120; 1 200; 30", {"120", "1 200", "30"}},
        {"25k 30 2k5", {"25k", "30", "2k5"}},
        {"120 không 30", {"120", "không", "30"}},
        {"120 45 abc 30", {"120", "45", "abc", "30"}},
        {"120 nguoi 45 ho", {"120 nguoi", "45 ho"}},
        {"25 nghìn 30", {"25 nghìn", "30"}},
    };
    for (const auto& row : rows) {
        INFO(row.text);
        const auto r = split_quick_values(row.text, {"lượt", "hộ", "người"});
        REQUIRE(r);
        CHECK(*r == row.values);
    }
    const auto spaced = split_quick_values("1 200 45 30");
    REQUIRE_FALSE(spaced);
    CHECK(spaced.error().reason == CountError::kSpacedThousands);
    CHECK(spaced.error().word == "1 200");
    const auto comma = split_quick_values("1,200, 45, 30");
    REQUIRE_FALSE(comma);
    CHECK(comma.error().reason == CountError::kAmbiguous);
}
