#include <catch2/catch.hpp>

#include "core/html.hpp"

using namespace tcns::core;

TEST_CASE("html_escape turns the five special characters into entities", "[html]") {
    CHECK(html_escape("") == "");
    CHECK(html_escape("Xã Long Hưng") == "Xã Long Hưng");
    CHECK(html_escape("<script>alert('x')</script>") ==
          "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
    CHECK(html_escape("a & b \"c\"") == "a &amp; b &quot;c&quot;");
    CHECK(html_escape("&amp;") == "&amp;amp;");  // escaping twice shows the first escape
    CHECK(html_escape("\" onmouseover=\"x") == "&quot; onmouseover=&quot;x");
}

TEST_CASE("url_encode keeps unreserved characters and encodes the rest", "[html]") {
    CHECK(url_encode("2026-11") == "2026-11");
    CHECK(url_encode("a b&c=d") == "a%20b%26c%3Dd");
    CHECK(url_encode("Ấp") == "%E1%BA%A4p");
}
