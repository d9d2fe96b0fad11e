#include <catch2/catch.hpp>

#include <string>
#include <thread>

#include "adapters/common/crypto.hpp"
#include "adapters/common/text_split.hpp"
#include "core/utf8.hpp"

using namespace tcns;
using adapters::split_message;
using adapters::split_text;

namespace {

std::string repeat(std::string_view s, std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i) out += s;
    return out;
}

}  // namespace

TEST_CASE("a text within the limit stays one part", "[adapters][split]") {
    CHECK(split_text("Xin chào", 2000) == std::vector<std::string>{"Xin chào"});
    CHECK(split_text("", 2000) == std::vector<std::string>{""});
}

TEST_CASE("the limit counts characters, not bytes, so Vietnamese text is not split early",
          "[adapters][split]") {
    const std::string text = repeat("ệ", 2000);  // 3 bytes each: 6000 bytes, 2000 characters
    REQUIRE(text.size() == 6000);
    const auto parts = split_text(text, 2000);
    REQUIRE(parts.size() == 1);
    CHECK(parts[0] == text);
    CHECK(split_text(text + "ệ", 2000).size() == 2);
}

TEST_CASE("a long text is split at the last line break that fits", "[adapters][split]") {
    const std::string line1 = repeat("a", 6) + "\n";  // 7 characters with the break
    const std::string text = line1 + "bbb ccc";
    const auto parts = split_text(text, 10);
    REQUIRE(parts.size() == 2);
    CHECK(parts[0] == "aaaaaa");
    CHECK(parts[1] == "bbb ccc");
}

TEST_CASE("a CRLF line break is dropped whole", "[adapters][split]") {
    const auto parts = split_text("Tổ số một\r\nTổ số hai", 12);
    REQUIRE(parts.size() == 2);
    CHECK(parts[0] == "Tổ số một");
    CHECK(parts[1] == "Tổ số hai");
}

TEST_CASE("a break exactly after the limit still gives a full first part", "[adapters][split]") {
    const auto parts = split_text("abcde\nfgh", 5);
    REQUIRE(parts.size() == 2);
    CHECK(parts[0] == "abcde");
    CHECK(parts[1] == "fgh");
}

TEST_CASE("without a line break the text is split at a space", "[adapters][split]") {
    const auto parts = split_text("Báo cáo tháng mười một của tổ", 15);
    for (const auto& p : parts) CHECK(core::utf8_length(p) <= 15);
    REQUIRE(parts.size() == 2);
    CHECK(parts[0] == "Báo cáo tháng");
    CHECK(parts[1] == "mười một của tổ");
}

TEST_CASE("an early line break does not produce a tiny part when a later space fits",
          "[adapters][split]") {
    const auto parts = split_text("ab\ncd ef gh ij kl", 12);
    REQUIRE(parts.size() == 2);
    CHECK(parts[0] == "ab\ncd ef gh");
    CHECK(parts[1] == "ij kl");
}

TEST_CASE("text without breaks is hard-split on code point boundaries", "[adapters][split]") {
    const std::string text = repeat("đồng", 10);  // 40 characters, no spaces, multibyte
    const auto parts = split_text(text, 7);
    std::string joined;
    for (const auto& p : parts) {
        CHECK(core::is_valid_utf8(p));
        CHECK(core::utf8_length(p) <= 7);
        joined += p;
    }
    CHECK(joined == text);
    CHECK(parts.size() == 6);
    // Emoji (4 bytes) are never cut in half either.
    for (const auto& p : split_text(repeat("😀", 9), 4)) CHECK(core::is_valid_utf8(p));
}

TEST_CASE("every part of a long Vietnamese report respects the limit and nothing is lost",
          "[adapters][split]") {
    std::string text;
    for (int i = 0; i < 300; ++i)
        text += "Thôn " + std::to_string(i) + ": đã hỗ trợ người dân cài đặt ứng dụng VNeID.\n";
    const auto parts = split_text(text, 2000);
    REQUIRE(parts.size() > 1);
    std::size_t chars = 0;
    for (const auto& p : parts) {
        CHECK(core::utf8_length(p) <= 2000);
        CHECK(core::is_valid_utf8(p));
        chars += core::utf8_length(p);
    }
    // Only the line break at each cut is dropped (the final one stays in the last part).
    CHECK(chars + parts.size() - 1 == core::utf8_length(text));
}

TEST_CASE("a byte budget splits four-byte emoji text before the character limit",
          "[adapters][split]") {
    const std::string text = repeat("😀", 100);  // 400 bytes
    const auto parts = split_text(text, 1000, 42);
    std::string joined;
    for (const auto& p : parts) {
        CHECK(p.size() <= 42);
        CHECK(core::is_valid_utf8(p));
        joined += p;
    }
    CHECK(parts.size() == 10);  // 10 emoji (40 bytes) per part
    CHECK(joined == text);
    CHECK(split_text("Tổ một\nTổ hai", 100, 10) == std::vector<std::string>{"Tổ một", "Tổ hai"});
    // a budget below one code point still progresses one code point at a time
    CHECK(split_text("ệệ", 100, 1) == std::vector<std::string>{"ệ", "ệ"});
}

TEST_CASE("buttons go only on the last part of a split message", "[adapters][split]") {
    core::OutboundMessage msg;
    msg.text = repeat("Một dòng khá dài.\n", 10);
    msg.buttons = {{"Có", "yes"}, {"Không", "no"}};
    msg.expects_number = true;
    const auto parts = split_message(msg, 40);
    REQUIRE(parts.size() > 2);
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
        CHECK(parts[i].buttons.empty());
        CHECK_FALSE(parts[i].expects_number);
    }
    CHECK(parts.back().buttons == msg.buttons);
    CHECK(parts.back().expects_number);
}

TEST_CASE("truncation keeps whole code points", "[adapters][split]") {
    CHECK(adapters::truncate_chars("Đồng Nai", 4) == "Đồng");
    CHECK(adapters::truncate_chars("abc", 10) == "abc");
}

TEST_CASE("constant-time comparison and form encoding behave like their plain versions",
          "[adapters][crypto]") {
    CHECK(adapters::constant_time_equal("abc", "abc"));
    CHECK_FALSE(adapters::constant_time_equal("abc", "abd"));
    CHECK_FALSE(adapters::constant_time_equal("abc", "abcd"));
    CHECK(adapters::constant_time_equal("", ""));
    CHECK(adapters::form_url_encode("a b&c=d/é") == "a+b%26c%3Dd%2F%C3%A9");
    CHECK(adapters::sha256_hex("abc") ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("HMAC-SHA256 and SHA-256 give the standard answers whatever came before on the thread",
          "[adapters][crypto]") {
    // RFC 4231 test cases 1, 2 and 6 (a key longer than the block), in turns: each thread keeps
    // one HMAC context and sets it up again only when the key changes.
    const std::string key1(20, '\x0b');
    const std::string key6(131, '\xaa');
    const std::string t1 = "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7";
    const std::string t2 = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
    const std::string t6 = "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54";
    for (int round = 0; round < 2; ++round) {
        CHECK(adapters::hmac_sha256_hex(key1, "Hi There") == t1);
        CHECK(adapters::hmac_sha256_hex(key1, "Hi There") == t1);
        CHECK(adapters::hmac_sha256_hex("Jefe", "what do ya want for nothing?") == t2);
        CHECK(adapters::hmac_sha256_hex(
                  key6, "Test Using Larger Than Block-Size Key - Hash Key First") == t6);
    }
    // An empty key and an empty message are HMACs like any other (openssl dgst -hmac '').
    CHECK(adapters::hmac_sha256_hex("", "") ==
          "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
    CHECK(adapters::hmac_sha256_hex("Jefe", "what do ya want for nothing?") == t2);

    CHECK(adapters::sha256_hex("") ==
          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(adapters::sha256_hex("abc") ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(adapters::sha256_hex(std::string(1'000'000, 'a')) ==
          "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");

    // Each thread has its own contexts.
    std::string other_thread;
    std::thread([&] { other_thread = adapters::hmac_sha256_hex(key1, "Hi There"); }).join();
    CHECK(other_thread == t1);
    CHECK(adapters::hmac_sha256_hex("Jefe", "what do ya want for nothing?") == t2);
}
