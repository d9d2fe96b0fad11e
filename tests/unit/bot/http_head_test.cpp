#include "bot/http_head.hpp"

#include <catch2/catch.hpp>
#include <deque>
#include <string>

using namespace tcns;
using bot::HeadStatus;
using bot::parse_request_head;
using bot::RequestHead;

namespace {

/// Parses a copy of `text` that outlives the test (the head views point into it).
HeadStatus parse(std::string text, RequestHead& head) {
    static std::deque<std::string> kept;
    kept.push_back(std::move(text));
    return parse_request_head(kept.back(), head);
}

HeadStatus status_of(const std::string& text) {
    RequestHead head;
    return parse(text, head);
}

const std::string kWebhook =
    "POST /webhook/viber HTTP/1.1\r\n"
    "Host: bot.example.vn\r\n"
    "content-length: 42\r\n"
    "X-Viber-Content-Signature: abc123\r\n"
    "\r\n";

}  // namespace

TEST_CASE("a head without its blank line is incomplete", "[http_head]") {
    CHECK(status_of("") == HeadStatus::kIncomplete);
    CHECK(status_of("POST /webhook/viber HTTP/1.1\r\n") == HeadStatus::kIncomplete);
    CHECK(status_of("POST /webhook/viber HTTP/1.1\r\nHost: x\r\n\r") == HeadStatus::kIncomplete);
    CHECK(status_of(kWebhook.substr(0, kWebhook.size() - 1)) == HeadStatus::kIncomplete);
}

TEST_CASE("a simple POST with a Content-Length is parsed in place", "[http_head]") {
    const std::string buf = kWebhook + std::string(42, 'x') + "GET /next";
    RequestHead h;
    REQUIRE(parse_request_head(buf, h) == HeadStatus::kOk);
    CHECK(h.method == "POST");
    CHECK(h.target == "/webhook/viber");
    CHECK(h.path == "/webhook/viber");
    CHECK(h.query.empty());
    CHECK(h.minor_version == 1);
    CHECK(h.head_bytes == kWebhook.size());
    REQUIRE(h.content_length);
    CHECK(*h.content_length == 42);
    CHECK_FALSE(h.close);
    CHECK_FALSE(h.unusual);
    CHECK(h.headers.size() == 3);
    // Views into the buffer, not copies.
    CHECK(h.method.data() == buf.data());
}

TEST_CASE("header lookup ignores case and returns the first of a name", "[http_head]") {
    RequestHead h;
    REQUIRE(parse("GET / HTTP/1.1\r\nX-Thing:  one \r\nx-thing: two\r\n\r\n", h) ==
            HeadStatus::kOk);
    CHECK(h.header("X-THING") == "one");  // optional whitespace trimmed
    CHECK(h.header("x-thing") == "one");
    CHECK(h.header("Content-Length").empty());
    CHECK_FALSE(h.content_length);
    RequestHead w;
    REQUIRE(parse(kWebhook, w) == HeadStatus::kOk);
    CHECK(w.header("CONTENT-LENGTH") == "42");
    CHECK(w.header("x-viber-content-signature") == "abc123");
}

TEST_CASE("the query is split from the path at the first question mark", "[http_head]") {
    RequestHead h;
    REQUIRE(parse("POST /webhook/zalo?a=1?b=2 HTTP/1.1\r\nContent-Length: 0\r\n\r\n", h) ==
            HeadStatus::kOk);
    CHECK(h.target == "/webhook/zalo?a=1?b=2");
    CHECK(h.path == "/webhook/zalo");
    CHECK(h.query == "a=1?b=2");
    REQUIRE(h.content_length);
    CHECK(*h.content_length == 0);

    REQUIRE(parse("GET /x? HTTP/1.1\r\n\r\n", h) == HeadStatus::kOk);
    CHECK(h.path == "/x");
    CHECK(h.query.empty());
}

TEST_CASE("HTTP/1.0 closes unless it asks for keep-alive, HTTP/1.1 keeps unless told to close",
          "[http_head]") {
    RequestHead h;
    REQUIRE(parse("GET / HTTP/1.0\r\n\r\n", h) == HeadStatus::kOk);
    CHECK(h.minor_version == 0);
    CHECK(h.close);
    REQUIRE(parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", h) == HeadStatus::kOk);
    CHECK_FALSE(h.close);
    REQUIRE(parse("GET / HTTP/1.1\r\n\r\n", h) == HeadStatus::kOk);
    CHECK_FALSE(h.close);
    REQUIRE(parse("GET / HTTP/1.1\r\nConnection: close\r\n\r\n", h) == HeadStatus::kOk);
    CHECK(h.close);
    REQUIRE(parse("GET / HTTP/1.1\r\nConnection: keep-alive , CLOSE\r\n\r\n", h) ==
            HeadStatus::kOk);
    CHECK(h.close);
    REQUIRE(parse("GET / HTTP/1.1\r\nConnection: closed\r\n\r\n", h) == HeadStatus::kOk);
    CHECK_FALSE(h.close);
}

TEST_CASE("Transfer-Encoding, Expect, Upgrade and a second Content-Length mark a head unusual",
          "[http_head]") {
    RequestHead h;
    REQUIRE(parse("POST /webhook/viber HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", h) ==
            HeadStatus::kOk);
    CHECK(h.unusual);
    REQUIRE(parse("POST /webhook/viber HTTP/1.1\r\nContent-Length: 5\r\nExpect: 100-continue\r\n"
                  "\r\n",
                  h) == HeadStatus::kOk);
    CHECK(h.unusual);
    REQUIRE(parse("GET / HTTP/1.1\r\nupgrade: websocket\r\n\r\n", h) == HeadStatus::kOk);
    CHECK(h.unusual);
    REQUIRE(parse("POST /webhook/viber HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n",
                  h) == HeadStatus::kOk);
    CHECK(h.unusual);
    REQUIRE(parse("POST /webhook/viber HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 900\r\n"
                  "\r\n",
                  h) == HeadStatus::kOk);
    CHECK(h.unusual);
}

TEST_CASE("a request line this parser does not understand is invalid", "[http_head]") {
    // Methods are tokens.
    CHECK(status_of("PO(ST / HTTP/1.1\r\n\r\n") == HeadStatus::kInvalid);
    CHECK(status_of("PO\x01ST / HTTP/1.1\r\n\r\n") == HeadStatus::kInvalid);
    CHECK(status_of(" / HTTP/1.1\r\n\r\n") == HeadStatus::kInvalid);
    // A target is required, in origin form, without spaces or controls.
    CHECK(status_of("GET HTTP/1.1\r\n\r\n") == HeadStatus::kInvalid);
    CHECK(status_of("GET  HTTP/1.1\r\n\r\n") == HeadStatus::kInvalid);
    CHECK(status_of("GET http://evil.example/ HTTP/1.1\r\n\r\n") == HeadStatus::kInvalid);
    CHECK(status_of("GET * HTTP/1.1\r\n\r\n") == HeadStatus::kInvalid);
    CHECK(status_of("GET /a b HTTP/1.1\r\n\r\n") == HeadStatus::kInvalid);
    CHECK(status_of("GET /a\x7f HTTP/1.1\r\n\r\n") == HeadStatus::kInvalid);
    CHECK(status_of("GET /a\tb HTTP/1.1\r\n\r\n") == HeadStatus::kInvalid);
    // Only HTTP/1.0 and HTTP/1.1, exactly.
    CHECK(status_of("GET / HTTP/2.0\r\n\r\n") == HeadStatus::kInvalid);
    CHECK(status_of("GET / HTTP/1.2\r\n\r\n") == HeadStatus::kInvalid);
    CHECK(status_of("GET / http/1.1\r\n\r\n") == HeadStatus::kInvalid);
    CHECK(status_of("GET / HTTP/1.1 \r\n\r\n") == HeadStatus::kInvalid);
    CHECK(status_of("GET /\r\n\r\n") == HeadStatus::kInvalid);
    CHECK(status_of("\r\n\r\n") == HeadStatus::kInvalid);
    CHECK(status_of("\r\nGET / HTTP/1.1\r\n\r\n") == HeadStatus::kInvalid);
}

TEST_CASE("folded, nameless or colonless header lines are invalid", "[http_head]") {
    CHECK(status_of("GET / HTTP/1.1\r\nX-A: one\r\n two\r\n\r\n") == HeadStatus::kInvalid);
    CHECK(status_of("GET / HTTP/1.1\r\nX-A: one\r\n\ttwo\r\n\r\n") == HeadStatus::kInvalid);
    CHECK(status_of("GET / HTTP/1.1\r\nno colon here\r\n\r\n") == HeadStatus::kInvalid);
    CHECK(status_of("GET / HTTP/1.1\r\n: empty name\r\n\r\n") == HeadStatus::kInvalid);
    CHECK(status_of("GET / HTTP/1.1\r\nHost : x\r\n\r\n") == HeadStatus::kInvalid);
    CHECK(status_of("GET / HTTP/1.1\r\nX(A): x\r\n\r\n") == HeadStatus::kInvalid);
}

TEST_CASE("control characters, bare CR or bare LF in a header are invalid", "[http_head]") {
    CHECK(status_of("GET / HTTP/1.1\r\nX-A: a\rSet-Cookie: x\r\n\r\n") == HeadStatus::kInvalid);
    CHECK(status_of("GET / HTTP/1.1\r\nX-A: a\nSet-Cookie: x\r\n\r\n") == HeadStatus::kInvalid);
    CHECK(status_of("GET / HTTP/1.1\r\nX-A: a\x01\r\n\r\n") == HeadStatus::kInvalid);
    static const char kNul[] = "GET / HTTP/1.1\r\nX-A: a\0b\r\n\r\n";
    CHECK(status_of(std::string(kNul, sizeof kNul - 1)) == HeadStatus::kInvalid);
    CHECK(status_of("GET / HTTP/1.1\r\nX-A: a\x7f\r\n\r\n") == HeadStatus::kInvalid);
    CHECK(status_of("GET / HTTP/1.1\nHost: x\n\n") == HeadStatus::kIncomplete);
    CHECK(status_of("GET / HTTP/1.1\nHost: x\r\n\r\n") == HeadStatus::kInvalid);
    CHECK(status_of("GET / HTTP/1.1\r\nX\nY: a\r\n\r\n") == HeadStatus::kInvalid);
    // A tab and bytes above 0x7f (obs-text) are allowed in values.
    RequestHead h;
    REQUIRE(parse("GET / HTTP/1.1\r\nX-A: a\tb \xc3\xa9\r\n\r\n", h) == HeadStatus::kOk);
    CHECK(h.header("x-a") == "a\tb \xc3\xa9");
}

TEST_CASE("a Content-Length that is not a short decimal number is invalid", "[http_head]") {
    const auto with_length = [](const std::string& v) {
        return status_of("POST /webhook/viber HTTP/1.1\r\nContent-Length: " + v + "\r\n\r\n");
    };
    CHECK(with_length("12a") == HeadStatus::kInvalid);
    CHECK(with_length("-1") == HeadStatus::kInvalid);
    CHECK(with_length("+1") == HeadStatus::kInvalid);
    CHECK(with_length("1 2") == HeadStatus::kInvalid);
    CHECK(with_length("1,1") == HeadStatus::kInvalid);
    CHECK(with_length("0x10") == HeadStatus::kInvalid);
    CHECK(with_length("") == HeadStatus::kInvalid);
    CHECK(with_length("1234567890123456") == HeadStatus::kInvalid);  // 16 digits
    CHECK(with_length("99999999999999999999999") == HeadStatus::kInvalid);
    RequestHead h;
    REQUIRE(parse("POST / HTTP/1.1\r\nContent-Length: 999999999999999\r\n\r\n", h) ==
            HeadStatus::kOk);
    CHECK(*h.content_length == 999999999999999ULL);
    REQUIRE(parse("POST / HTTP/1.1\r\nContent-Length: 007\r\n\r\n", h) == HeadStatus::kOk);
    CHECK(*h.content_length == 7);
}

TEST_CASE("more headers than the limit are invalid", "[http_head]") {
    std::string head = "GET / HTTP/1.1\r\n";
    for (int i = 0; i < 4; ++i) head += "X-" + std::to_string(i) + ": v\r\n";
    head += "\r\n";
    RequestHead h;
    CHECK(parse_request_head(head, h, 8192, 4) == HeadStatus::kOk);
    CHECK(h.headers.size() == 4);
    CHECK(parse_request_head(head, h, 8192, 3) == HeadStatus::kInvalid);

    std::string many = "GET / HTTP/1.1\r\n";
    for (int i = 0; i < 65; ++i) many += "X-" + std::to_string(i) + ": v\r\n";
    CHECK(status_of(many + "\r\n") == HeadStatus::kInvalid);  // default limit: 64
}

TEST_CASE("a head longer than the limit is invalid, not incomplete", "[http_head]") {
    const std::string line = "GET / HTTP/1.1\r\nX-Pad: ";
    RequestHead h;
    // Exactly at the limit with its blank line: fine.
    std::string fits = line + std::string(100 - line.size() - 4, 'a') + "\r\n\r\n";
    REQUIRE(fits.size() == 100);
    CHECK(parse_request_head(fits, h, 100) == HeadStatus::kOk);
    CHECK(h.head_bytes == 100);
    // One byte more, or no blank line within the limit.
    std::string over = line + std::string(100 - line.size() - 3, 'a') + "\r\n\r\n";
    CHECK(parse_request_head(over, h, 100) == HeadStatus::kInvalid);
    CHECK(parse_request_head(std::string(100, 'G'), h, 100) == HeadStatus::kInvalid);
    CHECK(parse_request_head(std::string(99, 'G'), h, 100) == HeadStatus::kIncomplete);
    CHECK(status_of(line + std::string(9000, 'a')) == HeadStatus::kInvalid);
}

TEST_CASE("a parse starts from a clean result", "[http_head]") {
    RequestHead h;
    REQUIRE(parse(kWebhook, h) == HeadStatus::kOk);
    REQUIRE(parse("GET / HTTP/1.0\r\n\r\n", h) == HeadStatus::kOk);
    CHECK(h.headers.empty());
    CHECK_FALSE(h.content_length);
    CHECK_FALSE(h.unusual);
    CHECK(parse("garbage\r\n\r\n", h) == HeadStatus::kInvalid);
    CHECK_FALSE(h.content_length);
}
