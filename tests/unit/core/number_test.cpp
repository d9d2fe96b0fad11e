#include <catch2/catch.hpp>

#include "core/number.hpp"

using tcns::core::CountError;
using tcns::core::parse_count;

TEST_CASE("counts are read the way leaders type them on a phone") {
    struct Row {
        const char* input;
        long long value;
    };
    const Row valid[] = {
        {"25", 25},
        {"0", 0},
        {"  7  ", 7},
        {"25 người", 25},
        {"25 nguoi", 25},
        {"25người", 25},
        {"45 hộ", 45},
        {"1.200", 1200},
        {"1,200", 1200},
        {"1 200", 1200},
        {"12.000.000", 12000000},
        {"1.200 lượt", 1200},
        {"007", 7},
        {"không", 0},
        {"khong", 0},
        {"Không có", 0},
        {"mười", 10},
        {"muoi lam", 15},
        {"hai mươi lăm", 25},
        {"hai muoi lam", 25},
        {"HAI MƯƠI LĂM NGƯỜI", 25},
        {"hai mốt", 21},
        {"ba mươi tư", 34},
        {"một trăm", 100},
        {"một trăm linh năm", 105},
        {"mot tram le nam", 105},
        {"một trăm hai mươi", 120},
        {"một nghìn hai trăm", 1200},
        {"mot ngan hai tram", 1200},
        {"hai nghìn không trăm năm mươi", 2050},
        {"chín trăm chín mươi chín", 999},
        {"năm", 5},
        {"một triệu", 1000000},
    };
    for (const auto& row : valid) {
        INFO("input: \"" << row.input << "\"");
        const auto r = parse_count(row.input);
        REQUIRE(r.has_value());
        CHECK(*r == row.value);
    }
}

TEST_CASE("answers that are not a count say why") {
    struct Row {
        const char* input;
        CountError error;
    };
    const Row invalid[] = {
        {"", CountError::kEmpty},
        {"   ", CountError::kEmpty},
        {"abc", CountError::kNotNumber},
        {"nhiều", CountError::kNotNumber},
        {"ok", CountError::kNotNumber},
        {"-5", CountError::kNegative},
        {"- 5", CountError::kNegative},
        {"2.5", CountError::kFraction},
        {"1,25", CountError::kFraction},
        {"1.2000", CountError::kFraction},
        {"12.00", CountError::kFraction},
        {"25 30", CountError::kAmbiguous},
        {"25 người 30 hộ", CountError::kAmbiguous},
        {"hai mươi 5", CountError::kAmbiguous},
        {"99999999999", CountError::kTooLarge},
        {"2.000.000.000", CountError::kTooLarge},
    };
    for (const auto& row : invalid) {
        INFO("input: \"" << row.input << "\"");
        const auto r = parse_count(row.input);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error() == row.error);
    }
}
