#include <catch2/catch.hpp>

#include "core/utf8.hpp"

using namespace tcns::core;

TEST_CASE("UTF-8 validation accepts Vietnamese and refuses malformed bytes", "[utf8]") {
    CHECK(is_valid_utf8("Tổ công nghệ số cộng đồng"));
    CHECK(is_valid_utf8(""));
    CHECK(is_valid_utf8("\xF0\x9F\x98\x80"));        // emoji
    CHECK_FALSE(is_valid_utf8("T\xF4 c\xF4ng"));     // Windows-1258 / Latin-1 bytes
    CHECK_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong
    CHECK_FALSE(is_valid_utf8("\xED\xA0\x80"));      // surrogate
    CHECK_FALSE(is_valid_utf8("\xE1\xBB"));          // truncated
    CHECK_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
}

TEST_CASE("code points are counted and offsets found", "[utf8]") {
    CHECK(utf8_length("Đồng Nai") == 8);
    CHECK(utf8_offset("Đồng", 2) == 5);
    CHECK(trim("  \xC2\xA0 bc\t\r\n") == "bc");
    CHECK(trim("   ").empty());
}

TEST_CASE("bytes that are not UTF-8 become replacement characters, the rest is kept", "[utf8]") {
    CHECK(to_valid_utf8("Tổ công nghệ số") == "Tổ công nghệ số");
    CHECK(to_valid_utf8("s\xF3ng y\xE1u") == "s\uFFFDng y\uFFFDu");  // Latin-1 "sóng yếu"
    CHECK(to_valid_utf8("\xC0\xAF") == "\uFFFD\uFFFD");              // overlong
    CHECK(to_valid_utf8("ab\xE1\xBB") == "ab\uFFFD\uFFFD");          // truncated at the end
    CHECK(to_valid_utf8("") == "");
    CHECK(is_valid_utf8(to_valid_utf8("\xFF\xFE\x80 \xF0\x9F\x98\x80")));
}
