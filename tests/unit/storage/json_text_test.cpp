// storage::append_json_string writes what nlohmann::json::dump(-1, ' ', false, replace) writes
// (the writer thread's JSON encoders rely on it, and no other test compared them directly), on
// fixed and random text with every kind of byte: plain, escaped, Vietnamese, not UTF-8.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <random>
#include <string>
#include <vector>

#include "storage/json_text.hpp"

using tcns::storage::append_json_string;

namespace {

std::string nlohmann_dump(const std::string& s) {
    return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string ours(const std::string& s) {
    std::string out = "prefix";
    append_json_string(out, s);
    REQUIRE(out.rfind("prefix", 0) == 0);
    return out.substr(6);
}

}  // namespace

TEST_CASE("a JSON string is written as nlohmann writes it", "[json]") {
    const std::vector<std::string> fixed = {
        "",
        "plain ascii text longer than eight bytes",
        "Câu 2/15 — Hộ gia đình được đến tận nhà hỗ trợ\nTổ đã hỗ trợ bao nhiêu hộ?",
        "quote \" and backslash \\ after eight bytes \"\\",
        std::string("nul \0 inside", 12),
        "tab\there\r\nform\ffeed\bback \x01\x1f\x7f",
        "12345678\"",
        "1234567\x80",
        "bad \xff\xfe utf-8 \xc3\x28 and \xe0\x80\x80 overlong, \xed\xa0\x80 surrogate",
        "emoji 😀 and four bytes \xf0\x9f\x98\x80 then cut \xf0\x9f\x98",
    };
    for (const auto& s : fixed) {
        INFO(s);
        CHECK(ours(s) == nlohmann_dump(s));
    }
}

TEST_CASE("a JSON string is written as nlohmann writes it, random text", "[json]") {
    // Bytes drawn from pieces that each take a different path: plain ASCII, every escaped
    // character, Vietnamese letters, and bytes that are not UTF-8.
    const std::vector<std::string> pieces = {
        "a",    "Z",        " ",    "~",        "\x7f",      "\"",
        "\\",   "\n",       "\t",   "\x01",     "\x1f",      std::string(1, '\0'),
        "ệ",    "đ",        "Ư",    "—",        "😀",         "\x80",
        "\xc3", "\xe1\xbb", "\xff", "abcdefgh", "0123456789"};
    std::mt19937 rng(20261208);
    for (int i = 0; i < 20000; ++i) {
        std::string s;
        const int n = static_cast<int>(rng() % 40);
        for (int k = 0; k < n; ++k) s += pieces[rng() % pieces.size()];
        INFO(i);
        REQUIRE(ours(s) == nlohmann_dump(s));
    }
}
