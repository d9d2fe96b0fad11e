// parse_count on any bytes: never crashes, and a count it returns is within its documented range;
// a number rendered by the reference renderer (tests/support/numerals.hpp) and wrapped in noise
// chosen by the input is read as that number or asked or refused, never as another number;
// split_quick_values never crashes and gives non-empty values; fold_vietnamese and
// to_valid_utf8 on the same bytes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/number.hpp"
#include "core/utf8.hpp"
#include "core/vietnamese.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "tests/support/numerals.hpp"

using namespace tcns;

namespace {

/// The input's first bytes choose a number (0..10^7), how it is written and what surrounds it.
void check_rendered(std::string_view text) {
    if (text.size() < 6) return;
    std::uint32_t raw = 0;
    for (int i = 0; i < 4; ++i) raw = raw << 8 | static_cast<unsigned char>(text[i]);
    const std::int64_t n = raw % 10'000'001;
    const auto style = static_cast<unsigned char>(text[4]);
    const auto noise = static_cast<unsigned char>(text[5]);
    std::string written;
    switch (style % 8) {
        case 0:
            written = std::to_string(n);
            break;
        case 1:
            written = test::group_digits(n, ".");
            break;
        case 2:
            written = test::group_digits(n, ",");
            break;
        case 3:
            written = test::group_digits(n, " ");
            break;
        case 4:
            written = test::full_width(std::to_string(n));
            break;
        case 5:
            written = test::words(n);
            break;
        case 6:
            written = core::fold_vietnamese(test::words(n));
            break;
        default: {
            const auto forms = test::colloquial(n);
            written = forms.empty() ? test::words(n) : forms[style / 8 % forms.size()];
        }
    }
    // Polite particles and the unit never change the number; a foreign word, an approximation
    // or a question mark may make the parser ask or refuse, but never read another number.
    static const char* const kBefore[] = {"", "dạ ", "vâng ", "được ", "có "};
    static const char* const kAfter[] = {"", " người", " người ạ", " nhé", " ng", "."};
    static const char* const kOdd[] = {" tuổi", "?", " hơn", "%", " 😀", " buổi", "+"};
    std::string s = std::string(kBefore[noise % 5]) + written + kAfter[noise / 5 % 6];
    if (noise >= 128) s = (noise % 2 ? "khoảng " : "") + s + kOdd[noise / 2 % 7];
    core::CountUnit unit;
    unit.words = {"người", "ng"};
    unit.usual_max = 1'000'000'000;
    const auto r = core::parse_count(s, unit);
    if (r) fuzz::check(r->value == n, "a rendered number is read as itself or not at all");
    if (noise < 128) fuzz::check(r.has_value(), "a rendered number with particles is read");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto n = core::parse_count(text);
    if (n) fuzz::check(n->value >= 0 && n->value <= 1'000'000'000, "a parsed count is in [0, 1e9]");
    check_rendered(text);
    if (const auto values = core::split_quick_values(text, {"người", "lượt"})) {
        for (const auto& v : *values) fuzz::check(!v.empty(), "a quick value is never empty");
    }

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
