// bot::parse_request_head on any bytes: never a crash; a head it accepts is consistent with the
// input (sizes, views inside the buffer, the Content-Length it reports is the header's value).
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "bot/http_head.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace tcns;

namespace {

bool within(std::string_view part, std::string_view whole) {
    if (part.empty()) return true;
    return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

bool is_ctl(unsigned char c) {
    return (c < 0x20 && c != '\t') || c == 0x7f;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const auto x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
        if (std::tolower(x) != std::tolower(y)) return false;
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // The first byte picks small limits now and then, so that they are reached too.
    std::size_t max_head = 8192, max_headers = 64;
    std::string_view input(reinterpret_cast<const char*>(data), size);
    if (!input.empty() && input.front() == '~' && input.size() >= 2) {
        max_head = 16 + static_cast<unsigned char>(input[1]);
        max_headers = static_cast<unsigned char>(input[1]) % 8;
        input.remove_prefix(2);
    }
    // A copy of exactly the input, so that ASan sees any read past its end.
    const std::string buf(input);
    bot::RequestHead h;
    const bot::HeadStatus st = bot::parse_request_head(buf, h, max_head, max_headers);
    const std::string_view all(buf);
    if (st == bot::HeadStatus::kIncomplete) {
        fuzz::check(buf.size() < max_head, "an incomplete head is shorter than the limit");
        fuzz::check(all.substr(0, max_head).find("\r\n\r\n") == std::string_view::npos,
                    "an incomplete head has no blank line");
        return 0;
    }
    if (st == bot::HeadStatus::kInvalid) return 0;

    fuzz::check(h.head_bytes >= 4 && h.head_bytes <= buf.size(), "head_bytes within the input");
    fuzz::check(h.head_bytes <= max_head, "head_bytes within the limit");
    fuzz::check(all.substr(h.head_bytes - 4, 4) == "\r\n\r\n", "the head ends with a blank line");
    fuzz::check(all.substr(0, h.head_bytes - 4).find("\r\n\r\n") == std::string_view::npos,
                "the head ends at the first blank line");
    const std::string_view head = all.substr(0, h.head_bytes);
    fuzz::check(!h.method.empty() && within(h.method, head), "the method is in the head");
    fuzz::check(!h.target.empty() && within(h.target, head) && h.target.front() == '/',
                "the target is in origin form, in the head");
    fuzz::check(within(h.path, h.target) && h.path.data() == h.target.data(),
                "the path starts the target");
    fuzz::check(within(h.query, h.target), "the query is in the target");
    fuzz::check(h.path.find('?') == std::string_view::npos, "the path holds no '?'");
    if (h.path.size() < h.target.size())
        fuzz::check(
            h.target[h.path.size()] == '?' && h.query.size() == h.target.size() - h.path.size() - 1,
            "the query is everything after the first '?'");
    else
        fuzz::check(h.query.empty(), "no '?', no query");
    for (unsigned char c : h.target) fuzz::check(c > 0x20 && c != 0x7f, "target without controls");
    fuzz::check(h.minor_version == 0 || h.minor_version == 1, "HTTP/1.0 or HTTP/1.1");
    fuzz::check(h.headers.size() <= max_headers, "no more headers than the limit");

    std::size_t lengths = 0;
    std::string_view first_length, last_length;
    bool has_connection = false;
    for (const auto& [name, value] : h.headers) {
        fuzz::check(!name.empty() && within(name, head) && within(value, head),
                    "headers are in the head");
        for (unsigned char c : name) fuzz::check(c > 0x20 && c != 0x7f && c != ':', "token name");
        for (unsigned char c : value) fuzz::check(!is_ctl(c), "a value without controls");
        fuzz::check(value.empty() || (value.front() != ' ' && value.front() != '\t' &&
                                      value.back() != ' ' && value.back() != '\t'),
                    "a value without surrounding whitespace");
        if (iequals(name, "Connection")) has_connection = true;
        if (iequals(name, "Content-Length")) {
            if (lengths++ == 0) first_length = value;
            last_length = value;
        }
    }
    fuzz::check(h.content_length.has_value() == (lengths > 0),
                "a Content-Length when one was sent");
    if (lengths > 1) fuzz::check(h.unusual, "several Content-Lengths are unusual");
    if (lengths > 0) {
        fuzz::check(h.header("CONTENT-LENGTH") == first_length, "header() finds the first");
        // The value is its decimal digits, exactly (the last one when there are several).
        fuzz::check(!last_length.empty() && last_length.size() <= 15, "a short length");
        std::size_t n = 0;
        for (char c : last_length) {
            fuzz::check(c >= '0' && c <= '9', "a decimal length");
            n = n * 10 + static_cast<std::size_t>(c - '0');
        }
        fuzz::check(*h.content_length == n, "the Content-Length is the header's value");
    }
    if (!has_connection)
        fuzz::check(h.close == (h.minor_version == 0),
                    "without Connection, HTTP/1.1 keeps the connection and HTTP/1.0 closes it");

    // Parsing the head alone gives the same head.
    bot::RequestHead again;
    fuzz::check(
        bot::parse_request_head(head, again, max_head, max_headers) == bot::HeadStatus::kOk &&
            again.head_bytes == h.head_bytes && again.content_length == h.content_length &&
            again.close == h.close && again.unusual == h.unusual,
        "the head parses alone to the same result");
    return 0;
}
