// parse_count on any bytes: never crashes, and a count it returns is within its documented range;
// fold_vietnamese and to_valid_utf8 on the same bytes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/number.hpp"
#include "core/utf8.hpp"
#include "core/vietnamese.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace tcns;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto n = core::parse_count(text);
    if (n) fuzz::check(*n >= 0 && *n <= 1'000'000'000, "a parsed count is in [0, 1e9]");

    // Folding is idempotent on UTF-8 (on other bytes, dropping a combining mark between two stray
    // bytes can make a new sequence: harmless for matching, so not checked).
    const std::string repaired = core::to_valid_utf8(text);
    fuzz::check(core::is_valid_utf8(repaired), "to_valid_utf8 gives UTF-8");
    fuzz::check(core::is_valid_utf8(text) == (repaired == text),
                "to_valid_utf8 changes exactly the text that is not UTF-8");
    if (core::is_valid_utf8(text)) {
        const std::string folded = core::fold_vietnamese(text);
        fuzz::check(core::is_valid_utf8(folded), "folded UTF-8 is UTF-8");
        fuzz::check(core::fold_vietnamese(folded) == folded, "fold_vietnamese is idempotent");
    }
    return 0;
}
