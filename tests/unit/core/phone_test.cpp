#include <catch2/catch.hpp>

#include "core/phone.hpp"

using namespace tcns::core;

TEST_CASE("Vietnamese phone numbers normalise to 84 followed by the national number", "[phone]") {
    CHECK(normalize_phone("0912345678") == "84912345678");
    CHECK(normalize_phone("0912 345 678") == "84912345678");
    CHECK(normalize_phone("0912.345.678") == "84912345678");
    CHECK(normalize_phone("+84 912 345 678") == "84912345678");
    CHECK(normalize_phone("84912345678") == "84912345678");
    CHECK(normalize_phone("(0251) 3822 123") == "842513822123");
}

TEST_CASE("implausible phone numbers are refused", "[phone]") {
    CHECK_FALSE(normalize_phone(""));
    CHECK_FALSE(normalize_phone("12345"));
    CHECK_FALSE(normalize_phone("091234567a"));
    CHECK_FALSE(normalize_phone("+1 202 555 0100"));
    CHECK_FALSE(normalize_phone("00912345678"));
    CHECK_FALSE(normalize_phone("091234567890123"));
    CHECK_FALSE(normalize_phone("912345678"));
}

TEST_CASE("a normalised phone number prints the national way", "[phone]") {
    CHECK(national_phone("84912345678") == "0912345678");
    CHECK(national_phone(*normalize_phone("(0251) 3822 123")) == "02513822123");
    CHECK(national_phone("12345") == "12345");
}

TEST_CASE("phone numbers are masked in logs", "[phone]") {
    CHECK(mask_phone("84912345678") == "84******678");
    CHECK(mask_phone("123") == "***");
}
