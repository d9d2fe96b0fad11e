// Reading counts as Vietnamese leaders type them.
//
// The rules (tests/fixtures/numbers.tsv holds a row for each, tests/unit/core/number_test.cpp
// renders every number up to 10^7 in digits and in words and checks the reading):
// - Digits: "25", "1.200", "1,200" (groups of three after the first), "007". "2.5", "1,25",
//   "12.00" are fractions. "1 200" (a space before exactly three digits) is 1200, echoed.
// - Words, with or without diacritics: không, một/mốt, hai, ba, bốn/tư, năm/lăm/nhăm, sáu, bảy,
//   tám, chín, mười/mươi, hăm (2x), băm (3x), chục, trăm, nghìn/ngàn/k, vạn, triệu/tr, tỷ,
//   linh/lẻ, rưỡi. A lone digit after trăm/nghìn/triệu is the next place down, as people mean
//   it: "một trăm hai" = 120 ("một trăm linh hai" = 102), "hai nghìn năm" = 2500, "1tr2" =
//   1,200,000; rưỡi is half the place before it ("hai trăm rưỡi" = 250). Two digit words in a
//   row are the tens shorthand only with mốt, tư, lăm, nhăm ("hai mốt" = 21); otherwise "hai
//   ba" is "two or three" and refused.
// - Zero: "không", "ko", "k", "khg", "hông", "chưa", "chưa có", "không có ai".
// - Around the number: the item's unit and its synonyms and polite particles (dạ, ạ, nhé, nha)
//   are ignored; fillers (có, được, tổng cộng) make the reading echoed.
// - Asked (kConfirm): a multiplier on digits ("25k", "25 nghìn", "3 chục", "2 trăm"), rưỡi, vạn,
//   triệu and tỷ anywhere, a value above the unit's usual maximum, any other word ("25 tuổi").
// - Refused: approximations (khoảng, tầm, gần, hơn, trên, dưới, chừng, cỡ, độ, vài, mấy, "+",
//   "~", ">"), percentages, ranges ("20-30", "20 đến 30"), a second number, a negative sign.
#include "core/number.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "core/utf8.hpp"
#include "core/vietnamese.hpp"

namespace tcns::core {
namespace {

constexpr std::int64_t kMaxCount = 1'000'000'000;
constexpr std::int64_t kHuge = 1'000'000'000'000;  // arithmetic stops growing here

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

bool is_ascii_letter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

std::int64_t cap(std::int64_t v) {
    return std::min(v, kHuge);
}

std::int64_t mul(std::int64_t a, std::int64_t b) {
    if (a != 0 && b > kHuge / a) return kHuge;
    return cap(a * b);
}

/// Lower-cases the precomposed Vietnamese letters (and ASCII), so that a token can be compared
/// with a spelling such as "mười".
std::string lower_vietnamese(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            out.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c));
            ++i;
            continue;
        }
        char32_t cp = 0;
        std::size_t n = (c & 0xE0) == 0xC0   ? 2
                        : (c & 0xF0) == 0xE0 ? 3
                        : (c & 0xF8) == 0xF0 ? 4
                                             : 1;
        if (i + n > s.size()) n = 1;
        if (n == 1) {
            out.push_back(s[i++]);
            continue;
        }
        cp = c & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07);
        for (std::size_t k = 1; k < n; ++k) cp = (cp << 6) | (s[i + k] & 0x3F);
        if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) {
            cp += 0x20;
        } else if ((cp >= 0x100 && cp <= 0x1B0 &&
                    (cp == 0x102 || cp == 0x110 || cp == 0x128 || cp == 0x168 || cp == 0x1A0 ||
                     cp == 0x1AF)) ||
                   (cp >= 0x1EA0 && cp <= 0x1EF9 && cp % 2 == 0)) {
            cp += 1;
        }
        if (cp < 0x800) {
            out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else if (cp < 0x10000) {
            out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else {
            out.append(s.substr(i, n));
        }
        i += n;
    }
    return out;
}

bool is_ascii(std::string_view s) {
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

bool has_combining_mark(std::string_view s) {
    // U+0300..U+036F in UTF-8: CC 80 .. CD AF
    for (std::size_t i = 0; i + 1 < s.size(); ++i) {
        const auto a = static_cast<unsigned char>(s[i]);
        const auto b = static_cast<unsigned char>(s[i + 1]);
        if ((a == 0xCC && b >= 0x80) || (a == 0xCD && b <= 0xAF)) return true;
    }
    return false;
}

// ---- tokens --------------------------------------------------------------------------------

enum class Kind {
    kNum,     // digits, maybe with separators
    kWord,    // letters
    kSymbol,  // one punctuation character
};

/// A numeral word's role in the grammar.
enum class Nw {
    kNone,
    kDigit,  // 0..9
    kMuoi,   // mười / mươi
    kHam,    // hăm: two tens
    kBam,    // băm: three tens
    kChuc,   // chục: ten (a multiplier)
    kTram,   // trăm
    kMag,    // nghìn, ngàn, k, vạn, triệu, tr, tỷ: `mag`
    kLinh,   // linh / lẻ
    kRuoi,   // rưỡi
};

struct Tok {
    Kind kind = Kind::kWord;
    std::string orig;  // as typed
    std::string key;   // folded
    bool glued_to_prev = false;
    // kNum
    std::int64_t value = -1;     // the integer reading; -1 when the grouping is not thousands
    std::int64_t mantissa = -1;  // the decimal reading "2,5" → 25 with frac 1; -1 when none
    int frac = 0;
    int digits = 0;  // significant length for "a lone digit"
    bool spaced = false;
    bool separated = false;  // "." or "," thousands
    bool too_long = false;
    // numeral words
    Nw nw = Nw::kNone;
    int digit = 0;
    bool shorthand_unit = false;  // mốt, tư, lăm, nhăm: may close a tens shorthand
    std::int64_t mag = 0;
    bool big = false;  // vạn, triệu, tỷ: always asked
};

struct NumeralWord {
    std::string_view key;
    std::initializer_list<std::string_view> spellings;  // lower-case, precomposed
    Nw nw;
    int digit;
    bool shorthand;
    std::int64_t mag;
};

const NumeralWord* numeral_word(const std::string& key, const std::string& orig) {
    static const NumeralWord kWords[] = {
        {"khong", {"không"}, Nw::kDigit, 0, false, 0},
        {"mot", {"một", "mốt"}, Nw::kDigit, 1, true, 0},
        {"hai", {"hai"}, Nw::kDigit, 2, false, 0},
        {"ba", {"ba"}, Nw::kDigit, 3, false, 0},
        {"bon", {"bốn"}, Nw::kDigit, 4, false, 0},
        {"tu", {"tư"}, Nw::kDigit, 4, true, 0},
        {"nam", {"năm"}, Nw::kDigit, 5, false, 0},
        {"lam", {"lăm"}, Nw::kDigit, 5, true, 0},
        {"nham", {"nhăm"}, Nw::kDigit, 5, true, 0},
        {"sau", {"sáu"}, Nw::kDigit, 6, false, 0},
        {"bay", {"bảy", "bẩy"}, Nw::kDigit, 7, false, 0},
        {"tam", {"tám"}, Nw::kDigit, 8, false, 0},
        {"chin", {"chín"}, Nw::kDigit, 9, false, 0},
        {"muoi", {"mười", "mươi"}, Nw::kMuoi, 0, false, 0},
        {"ham", {"hăm"}, Nw::kHam, 0, false, 0},
        {"bam", {"băm"}, Nw::kBam, 0, false, 0},
        {"chuc", {"chục"}, Nw::kChuc, 0, false, 0},
        {"tram", {"trăm"}, Nw::kTram, 0, false, 0},
        {"nghin", {"nghìn"}, Nw::kMag, 0, false, 1'000},
        {"ngan", {"ngàn"}, Nw::kMag, 0, false, 1'000},
        {"van", {"vạn"}, Nw::kMag, 0, false, 10'000},
        {"trieu", {"triệu"}, Nw::kMag, 0, false, 1'000'000},
        {"ty", {"tỷ", "tỉ"}, Nw::kMag, 0, false, 1'000'000'000},
        {"ti", {"tỉ"}, Nw::kMag, 0, false, 1'000'000'000},
        {"linh", {"linh"}, Nw::kLinh, 0, false, 0},
        {"le", {"lẻ"}, Nw::kLinh, 0, false, 0},
        {"ruoi", {"rưỡi", "rưởi"}, Nw::kRuoi, 0, false, 0},
    };
    for (const auto& w : kWords) {
        if (w.key != key) continue;
        // "bà", "tầm", "nằm" fold like numerals; with marks typed, the marks decide.
        if (is_ascii(orig) || has_combining_mark(orig)) return &w;
        const std::string low = lower_vietnamese(orig);
        for (auto sp : w.spellings)
            if (low == sp) return &w;
        return nullptr;
    }
    return nullptr;
}

/// Splits normalised text into numbers, words and symbols.
std::vector<Tok> tokenize(const std::string& s) {
    std::vector<Tok> out;
    std::size_t i = 0;
    bool prev_glued_ok = false;  // the previous token ended right here (no space)
    while (i < s.size()) {
        const char c = s[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            ++i;
            prev_glued_ok = false;
            continue;
        }
        Tok t;
        t.glued_to_prev = prev_glued_ok && !out.empty();
        if (is_digit(c)) {
            t.kind = Kind::kNum;
            std::vector<std::string> groups(1);
            std::vector<char> seps;
            while (i < s.size()) {
                const char d = s[i];
                if (is_digit(d)) {
                    groups.back().push_back(d);
                    ++i;
                    continue;
                }
                if ((d == '.' || d == ',') && i + 1 < s.size() && is_digit(s[i + 1])) {
                    seps.push_back(d);
                    groups.emplace_back();
                    ++i;
                    continue;
                }
                if (d == ' ' && i + 1 < s.size()) {
                    // A space before exactly three digits continues a thousands grouping.
                    std::size_t j = i + 1;
                    while (j < s.size() && is_digit(s[j])) ++j;
                    const bool three = j - (i + 1) == 3 && (j >= s.size() || !is_digit(s[j]));
                    const bool after_ok = j >= s.size() || (s[j] != '.' && s[j] != ',') ||
                                          j + 1 >= s.size() || !is_digit(s[j + 1]);
                    const bool first_ok = seps.empty()
                                              ? groups.back().size() <= 3 && !groups.back().empty()
                                              : groups.back().size() == 3 && seps.back() == ' ';
                    if (three && after_ok && first_ok) {
                        seps.push_back(' ');
                        groups.emplace_back();
                        ++i;
                        continue;
                    }
                }
                break;
            }
            for (std::size_t g = 0; g < groups.size(); ++g) {
                if (g) t.orig.push_back(seps[g - 1]);
                t.orig += groups[g];
            }
            std::string all;
            for (const auto& g : groups) all += g;
            const std::size_t first = all.find_first_not_of('0');
            const std::string sig = first == std::string::npos ? "0" : all.substr(first);
            t.digits = static_cast<int>(all.size());
            t.too_long = sig.size() > 12;
            const bool same_sep =
                std::all_of(seps.begin(), seps.end(), [&](char x) { return x == seps.front(); });
            bool grouped = same_sep && !groups.front().empty() && groups.front().size() <= 3;
            for (std::size_t g = 1; g < groups.size(); ++g)
                if (groups[g].size() != 3) grouped = false;
            if (seps.empty() || grouped) {
                t.value = t.too_long ? kHuge : std::stoll(sig);
                t.spaced = !seps.empty() && seps.front() == ' ';
                t.separated = !seps.empty() && seps.front() != ' ';
            }
            if (seps.size() == 1 && seps.front() != ' ' && !t.too_long) {
                t.mantissa = std::stoll(sig);
                t.frac = static_cast<int>(groups.back().size());
            }
        } else if (is_ascii_letter(c) || static_cast<unsigned char>(c) >= 0x80) {
            t.kind = Kind::kWord;
            while (i < s.size()) {
                const char d = s[i];
                if (is_ascii_letter(d) || static_cast<unsigned char>(d) >= 0x80) {
                    t.orig.push_back(d);
                    ++i;
                } else {
                    break;
                }
            }
            t.key = fold_vietnamese(t.orig);
        } else {
            t.kind = Kind::kSymbol;
            t.orig = std::string(1, c);
            t.key = t.orig;
            ++i;
        }
        if (t.kind == Kind::kNum && t.glued_to_prev && out.back().kind == Kind::kWord) {
            const std::string& k = out.back().key;
            const bool multiplier = (k == "k" || k == "tr") && out.size() >= 2 &&
                                    out[out.size() - 2].kind == Kind::kNum &&
                                    out.back().glued_to_prev;
            if (!multiplier) {  // "lh01", "ấp3": a name, not a number
                out.back().orig += t.orig;
                out.back().key += t.orig;
                prev_glued_ok = true;
                continue;
            }
        }
        if (t.kind == Kind::kWord && t.glued_to_prev && out.back().kind == Kind::kWord) {
            out.back().orig += t.orig;  // "lh01a"
            out.back().key = fold_vietnamese(out.back().orig);
            continue;
        }
        out.push_back(std::move(t));
        prev_glued_ok = true;
    }
    return out;
}

// ---- word lists ----------------------------------------------------------------------------

bool in(const std::string& k, std::initializer_list<std::string_view> words) {
    return std::any_of(words.begin(), words.end(), [&](std::string_view w) { return k == w; });
}

bool is_particle(const std::string& k) {
    return in(k,
              {"da",  "vang", "a",  "ah",  "ak", "nhe", "nha", "nhen", "ne",   "nhi",   "ha", "oi",
               "roi", "thoi", "ok", "oke", "em", "anh", "chi", "chu",  "nhoa", "nghen", "ja"});
}

bool is_filler(const std::string& k) {
    return in(k, {"co", "duoc", "dc", "la", "tong", "cong", "tat", "ca", "so", "luong", "sl", "het",
                  "chi"});
}

bool is_zero_word(const std::string& k) {
    return in(k, {"khong", "ko", "k", "khg", "kh", "hong", "hok", "hk", "khum", "hem", "chua"});
}

bool is_zero_companion(const std::string& k) {
    return in(k, {"co", "ai", "gi", "nao", "ca", "het", "lam", "duoc", "dc", "nguoi", "luot"});
}

/// An approximation word as a prefix of the number.
bool is_approx_prefix(const Tok& t) {
    const std::string& k = t.key;
    if (in(k, {"khoang", "gan", "hon", "tren", "duoi", "chung", "xap", "xi", "uoc", "vai", "may",
               "ngoai", "chac", "hang", "it", "toi", "tam"}))
        return true;
    const std::string low = lower_vietnamese(t.orig);
    return low == "cỡ" || low == "độ" || low == "tầm" || low == "dăm";
}

bool is_approx_suffix(const Tok& t) {
    return in(t.key, {"hon", "le", "ngoai", "du", "tro", "len", "may", "gi", "j"});
}

bool is_range_word(const std::string& k) {
    return in(k, {"den", "toi", "hoac", "hay", "-", "~"});
}

// ---- the numeral grammar -------------------------------------------------------------------

struct Parse {
    const std::vector<Tok>& t;
    std::size_t i = 0;
    std::size_t end = 0;  // numeral tokens live in [start, end)
    bool digits_multiplied = false;
    bool big = false;
    bool ruoi = false;
    bool words = false;
    bool fail_ambiguous = false;
    bool fail_fraction = false;

    const Tok* at(std::size_t k) const { return k < end ? &t[k] : nullptr; }
    Nw nw(std::size_t k) const { return k < end ? t[k].nw : Nw::kNone; }
    bool numeric(std::size_t k) const {
        return k < end && (t[k].kind == Kind::kNum || t[k].nw != Nw::kNone);
    }
    bool lone_digit(std::size_t k) const {
        if (k >= end) return false;
        if (t[k].nw == Nw::kDigit) return true;
        return t[k].kind == Kind::kNum && t[k].digits == 1 && t[k].value >= 0;
    }
    int digit_of(std::size_t k) const {
        return t[k].kind == Kind::kNum ? static_cast<int>(t[k].value) : t[k].digit;
    }

    /// What follows "X trăm".
    std::int64_t after_tram() {
        if (nw(i) == Nw::kLinh) {
            ++i;
            words = true;
            if (lone_digit(i)) return digit_of(i++);
            if (nw(i) == Nw::kMuoi) {  // "một trăm linh mười": rare, but 110
                ++i;
                std::int64_t v = 10;
                if (nw(i) == Nw::kDigit) v += t[i++].digit;
                return v;
            }
            fail_ambiguous = true;
            return 0;
        }
        if (nw(i) == Nw::kRuoi) {
            ++i;
            ruoi = true;
            return 50;
        }
        if (nw(i) == Nw::kDigit) {
            const int d = t[i].digit;
            if (nw(i + 1) == Nw::kMuoi) {
                i += 2;
                std::int64_t v = d * 10;
                if (nw(i) == Nw::kDigit) v += t[i++].digit;
                return v;
            }
            if (nw(i + 1) == Nw::kDigit && t[i + 1].shorthand_unit && d >= 1) {
                const int u = t[i + 1].digit;
                i += 2;
                return d * 10 + u;
            }
            if (numeric(i + 1) && nw(i + 1) != Nw::kMag) {
                fail_ambiguous = true;
                return 0;
            }
            ++i;
            return d * 10;  // "một trăm hai" = 120
        }
        if (nw(i) == Nw::kMuoi) {
            ++i;
            std::int64_t v = 10;
            if (nw(i) == Nw::kDigit) v += t[i++].digit;
            return v;
        }
        if (i < end && t[i].kind == Kind::kNum && t[i].value >= 0) {
            const Tok& n = t[i];
            if (n.digits == 1) {
                ++i;
                return n.value * 10;
            }
            if (n.value < 100 && !n.separated && !n.spaced) {
                ++i;
                return n.value;
            }
            fail_ambiguous = true;
        }
        return 0;
    }

    /// A number below a thousand in words, or a digits token (any size); nullopt when the
    /// token at i starts none.
    std::optional<std::int64_t> small(bool& from_digits) {
        from_digits = false;
        if (i >= end) return std::nullopt;
        const Tok& a = t[i];
        if (a.kind == Kind::kNum) {
            if (a.value < 0) return std::nullopt;  // handled by the caller (decimal)
            from_digits = true;
            std::int64_t v = a.value;
            ++i;
            if (nw(i) == Nw::kTram) {
                ++i;
                digits_multiplied = true;
                return cap(mul(v, 100) + after_tram());
            }
            if (nw(i) == Nw::kChuc) {
                ++i;
                digits_multiplied = true;
                v = mul(v, 10);
                if (nw(i) == Nw::kRuoi) {
                    ++i;
                    ruoi = true;
                    v += 5;
                }
                return v;
            }
            if (nw(i) == Nw::kMuoi || nw(i) == Nw::kLinh || nw(i) == Nw::kDigit) {
                fail_ambiguous = true;  // "2 mươi", "25 hai"
            }
            return v;
        }
        words = true;
        switch (a.nw) {
            case Nw::kDigit: {
                const int d = a.digit;
                if (nw(i + 1) == Nw::kTram) {
                    i += 2;
                    return d * 100 + after_tram();
                }
                if (nw(i + 1) == Nw::kMuoi) {
                    i += 2;
                    std::int64_t v = d * 10;
                    if (nw(i) == Nw::kDigit) v += t[i++].digit;
                    return v;
                }
                if (nw(i + 1) == Nw::kChuc) {
                    i += 2;
                    digits_multiplied = digits_multiplied || false;
                    std::int64_t v = d * 10;
                    if (nw(i) == Nw::kRuoi) {
                        ++i;
                        ruoi = true;
                        v += 5;
                    }
                    return v;
                }
                if (nw(i + 1) == Nw::kDigit) {
                    if (t[i + 1].shorthand_unit && d >= 2) {
                        const int u = t[i + 1].digit;
                        i += 2;
                        return d * 10 + u;
                    }
                    fail_ambiguous = true;  // "hai ba": two or three
                    return std::nullopt;
                }
                ++i;
                return d;
            }
            case Nw::kMuoi: {
                ++i;
                std::int64_t v = 10;
                if (nw(i) == Nw::kDigit) v += t[i++].digit;
                return v;
            }
            case Nw::kHam:
            case Nw::kBam: {
                std::int64_t v = a.nw == Nw::kHam ? 20 : 30;
                ++i;
                if (nw(i) == Nw::kDigit) v += t[i++].digit;
                return v;
            }
            case Nw::kChuc: {
                ++i;
                std::int64_t v = 10;
                if (nw(i) == Nw::kRuoi) {
                    ++i;
                    ruoi = true;
                    v += 5;
                }
                return v;
            }
            case Nw::kTram: {
                ++i;
                return 100 + after_tram();
            }
            default:
                return std::nullopt;
        }
    }

    /// The whole number: smalls joined by decreasing magnitudes.
    std::optional<std::int64_t> number() {
        std::int64_t total = 0;
        std::int64_t last_mag = kHuge;
        bool any = false;
        while (i < end && !fail_ambiguous && !fail_fraction) {
            // "2,5 nghìn", "1.5tr": a decimal reading only makes sense before a magnitude.
            if (t[i].kind == Kind::kNum && nw(i + 1) == Nw::kMag && t[i].mantissa >= 0 &&
                (t[i].value < 0 || t[i].frac == 3)) {
                if (t[i].value >= 0) {  // "1.200 nghìn": 1200 thousand or 1.2 thousand?
                    fail_ambiguous = true;
                    return std::nullopt;
                }
                const std::int64_t m = t[i + 1].mag;
                std::int64_t p = 1;
                for (int f = 0; f < t[i].frac; ++f) p *= 10;
                const std::int64_t v = mul(t[i].mantissa, m);
                if (v % p != 0 || m >= last_mag) {
                    fail_fraction = true;
                    return std::nullopt;
                }
                total = cap(total + v / p);
                digits_multiplied = true;
                big = big || t[i + 1].big;
                i += 2;
                last_mag = m;
                any = true;
                continue;
            }
            const std::size_t before = i;
            bool from_digits = false;
            std::optional<std::int64_t> s = small(from_digits);
            if (fail_ambiguous) return std::nullopt;
            if (nw(i) == Nw::kMag && t[i].mag < last_mag) {
                const Tok& m = t[i];
                if (!s) {
                    if (any) break;  // "nghìn" right after another magnitude: stop
                    s = 1;           // "nghìn rưỡi", "triệu hai"
                }
                if (from_digits) digits_multiplied = true;
                if (!from_digits) words = true;
                big = big || m.big;
                total = cap(total + mul(*s, m.mag));
                last_mag = m.mag;
                any = true;
                ++i;
                // A lone digit (or rưỡi) right after a magnitude is the next place down.
                if (nw(i) == Nw::kRuoi) {
                    ruoi = true;
                    total += m.mag / 2;
                    ++i;
                    break;
                }
                if (lone_digit(i) && !numeric(i + 1)) {
                    if (t[i].kind == Kind::kNum) digits_multiplied = true;
                    total = cap(total + digit_of(i) * (m.mag / 10));
                    ++i;
                    break;
                }
                if (nw(i) == Nw::kLinh) {
                    ++i;
                    bool fd = false;
                    auto rest = small(fd);
                    if (!rest || *rest >= 100) {
                        fail_ambiguous = true;
                        return std::nullopt;
                    }
                    total = cap(total + *rest);
                    break;
                }
                continue;
            }
            if (!s) {
                i = before;
                break;
            }
            if (any && *s >= last_mag) {  // "một nghìn 5000"
                fail_ambiguous = true;
                return std::nullopt;
            }
            total = cap(total + *s);
            any = true;
            break;
        }
        if (!any) return std::nullopt;
        return total;
    }
};

Expected<CountReading, CountRefusal> refuse(CountError e, std::string word = {}) {
    return unexpected(CountRefusal{e, std::move(word)});
}

bool is_numeral(const Tok& t) {
    return t.kind == Kind::kNum || t.nw != Nw::kNone;
}

}  // namespace

std::string normalize_width(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == 0xEF && i + 2 < text.size()) {
            const auto b1 = static_cast<unsigned char>(text[i + 1]);
            const auto b2 = static_cast<unsigned char>(text[i + 2]);
            // U+FF01..U+FF3F: EF BC 81..BF; U+FF40..U+FF5E: EF BD 80..9E
            if (b1 == 0xBC && b2 >= 0x81 && b2 <= 0xBF) {
                out.push_back(static_cast<char>(0x21 + (b2 - 0x81)));
                i += 3;
                continue;
            }
            if (b1 == 0xBD && b2 >= 0x80 && b2 <= 0x9E) {
                out.push_back(static_cast<char>(0x60 + (b2 - 0x80)));
                i += 3;
                continue;
            }
        }
        if (c == 0xE3 && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x80 &&
            static_cast<unsigned char>(text[i + 2]) == 0x80) {  // U+3000 ideographic space
            out.push_back(' ');
            i += 3;
            continue;
        }
        if (c == 0xE2 && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x80) {
            const auto b2 = static_cast<unsigned char>(text[i + 2]);
            if (b2 >= 0x90 && b2 <= 0x95) {  // U+2010..U+2015 hyphens and dashes
                out.push_back('-');
                i += 3;
                continue;
            }
            if (b2 == 0xAF || (b2 >= 0x80 && b2 <= 0x8B)) {  // U+202F, U+2000..U+200B spaces
                out.push_back(' ');
                i += 3;
                continue;
            }
        }
        if (c == 0xE2 && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x89 &&
            static_cast<unsigned char>(text[i + 2]) == 0x88) {  // U+2248 ≈
            out.push_back('~');
            i += 3;
            continue;
        }
        if (c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0xA0) {
            out.push_back(' ');
            i += 2;
            continue;
        }
        out.push_back(text[i]);
        ++i;
    }
    return out;
}

std::string format_count(std::int64_t v) {
    std::string digits = std::to_string(v < 0 ? -v : v);
    std::string out = v < 0 ? "-" : "";
    const int n = static_cast<int>(digits.size());
    for (int i = 0; i < n; ++i) {
        if (i > 0 && (n - i) % 3 == 0) out.push_back('.');
        out.push_back(digits[static_cast<std::size_t>(i)]);
    }
    return out;
}

Expected<CountReading, CountRefusal> parse_count(std::string_view text, const CountUnit& unit) {
    // Most answers are bare digits ("120"): read them without tokenising.
    if (const std::string_view d = trim(text);
        !d.empty() && d.size() <= 9 && std::all_of(d.begin(), d.end(), is_digit)) {
        CountReading r;
        for (char c : d) r.value = r.value * 10 + (c - '0');
        if (r.value > unit.usual_max) {
            r.how = CountReading::How::kConfirm;
            r.why = CountReading::Why::kLarge;
        }
        return r;
    }
    const std::string s = normalize_width(text);
    std::vector<Tok> toks = tokenize(s);

    // Unit words, folded word by word ("lượt người" → luot, nguoi; "hộ/người" → ho, nguoi).
    std::vector<std::string> unit_words;
    for (const auto& u : unit.words) {
        std::string cur;
        for (char c : fold_vietnamese(u) + " ") {
            if (c == ' ' || c == '/' || c == ',') {
                if (!cur.empty()) unit_words.push_back(cur);
                cur.clear();
            } else {
                cur.push_back(c);
            }
        }
    }
    auto is_unit = [&](const std::string& k) {
        return std::find(unit_words.begin(), unit_words.end(), k) != unit_words.end();
    };

    // Drop punctuation that carries no meaning; keep the symbols that do.
    std::vector<Tok> t;
    bool question = false;
    for (auto& tok : toks) {
        if (tok.kind == Kind::kSymbol) {
            const char c = tok.orig[0];
            if (c == '?') {
                question = true;
                continue;
            }
            if ((c == '.' || c == ',') && t.empty() && &tok != &toks.back() &&
                (&tok + 1)->kind == Kind::kNum && (&tok + 1)->glued_to_prev)
                return refuse(CountError::kFraction, tok.orig + (&tok + 1)->orig);
            if (c == '%' || c == '+' || c == '~' || c == '>' || c == '<' || c == '-' || c == '/') {
                t.push_back(std::move(tok));
            }
            continue;  // . , ; : ! ( ) " ' = * and the like
        }
        t.push_back(std::move(tok));
    }
    if (t.empty()) {
        return refuse(s.find_first_not_of(" \t\r\n") == std::string::npos ? CountError::kEmpty
                                                                          : CountError::kNotNumber);
    }

    // Classify words: numerals ("k" and "tr" only right after a number).
    for (std::size_t k = 0; k < t.size(); ++k) {
        Tok& w = t[k];
        if (w.kind != Kind::kWord) continue;
        const bool after_number = k > 0 && is_numeral(t[k - 1]);
        if ((w.key == "k" || w.key == "tr") && after_number && t[k - 1].kind == Kind::kNum) {
            w.nw = Nw::kMag;
            w.mag = w.key == "k" ? 1'000 : 1'000'000;
            w.big = w.key == "tr";
            continue;
        }
        if (is_unit(w.key)) continue;  // "năm" is never a unit, so units win over numerals
        if (const NumeralWord* n = numeral_word(w.key, w.orig)) {
            w.nw = n->nw;
            w.digit = n->digit;
            w.shorthand_unit = n->shorthand;
            w.mag = n->mag;
            w.big = n->mag >= 10'000;
        }
    }
    // "phần trăm" is a percentage, not a hundred.
    for (std::size_t k = 0; k + 1 < t.size(); ++k)
        if (t[k].key == "phan" && t[k + 1].nw == Nw::kTram)
            return refuse(CountError::kPercent, "%");
    for (const auto& tok : t)
        if (tok.key == "%") return refuse(CountError::kPercent, "%");

    // Zero said in words: "không", "ko", "chưa có ai".
    {
        bool zero = false;
        bool other = false;
        for (const auto& tok : t) {
            if (tok.kind != Kind::kWord) {
                other = true;
                break;
            }
            if (is_zero_word(tok.key)) {
                zero = true;
            } else if (!is_particle(tok.key) && !is_unit(tok.key) && !is_zero_companion(tok.key)) {
                other = true;
            }
        }
        if (zero && !other) {
            CountReading r;
            r.how = CountReading::How::kEcho;
            return r;
        }
    }

    // Where the number starts. "tầm 25" / ASCII "tam 25": an approximation, not "tám".
    std::size_t start = t.size();
    for (std::size_t k = 0; k < t.size(); ++k) {
        if (!is_numeral(t[k])) continue;
        if (t[k].key == "tam" && k + 1 < t.size() && is_numeral(t[k + 1]) &&
            t[k + 1].nw != Nw::kMuoi && t[k + 1].nw != Nw::kTram && t[k + 1].nw != Nw::kMag &&
            t[k + 1].nw != Nw::kChuc && (is_ascii(t[k].orig) || has_combining_mark(t[k].orig)))
            return refuse(CountError::kApproximate, t[k].orig);
        if (t[k].key == "tu" && k + 1 < t.size() && is_numeral(t[k + 1]) && k == 0 &&
            t[k + 1].nw != Nw::kMuoi) {
            continue;  // "từ 20 (đến 30)": a range's start, judged below
        }
        if (t[k].nw == Nw::kLinh || t[k].nw == Nw::kRuoi || t[k].nw == Nw::kMag) {
            if (t[k].nw == Nw::kMag && t[k].key != "k" && t[k].key != "tr") {
                start = k;  // "nghìn rưỡi", "triệu hai"
                break;
            }
            continue;
        }
        start = k;
        break;
    }
    if (start == t.size()) {
        for (const auto& tok : t)
            if (tok.kind == Kind::kWord && is_approx_prefix(tok) &&
                in(tok.key, {"vai", "may", "hang", "dam"}))
                return refuse(CountError::kApproximate, tok.orig);
        return refuse(s.find_first_not_of(" \t\r\n") == std::string::npos ? CountError::kEmpty
                                                                          : CountError::kNotNumber);
    }
    std::size_t numeral_end = start;
    while (numeral_end < t.size() && is_numeral(t[numeral_end])) ++numeral_end;

    Parse p{t};
    p.i = start;
    p.end = numeral_end;
    const auto value = p.number();

    // What precedes the number.
    bool filler = false;
    bool unsure = false;
    std::string foreign;
    for (std::size_t k = 0; k < start; ++k) {
        const Tok& w = t[k];
        if (w.key == "-") return refuse(CountError::kNegative);
        if (w.key == "+" || w.key == "~" || w.key == ">" || w.key == "<")
            return refuse(CountError::kApproximate, w.orig);
        if (w.kind != Kind::kWord) continue;
        const std::string low = lower_vietnamese(w.orig);
        if (low == "âm") return refuse(CountError::kNegative);
        if (w.key == "tu" && k + 1 == start) {
            // "từ 20": only a range when a second number follows; else a foreign word.
            bool second = false;
            for (std::size_t j = numeral_end; j < t.size(); ++j)
                second = second || is_numeral(t[j]);
            if (second) return refuse(CountError::kRange, w.orig);
            if (foreign.empty()) foreign = w.orig;
            continue;
        }
        if (w.key == "co" && low != "có" && low != "cỡ" && !has_combining_mark(w.orig)) {
            unsure = true;  // ASCII "co": có (there are) or cỡ (about)?
            continue;
        }
        if (is_approx_prefix(w) && !(w.key == "it" && !(k + 1 < start && t[k + 1].key == "nhat")) &&
            !(w.key == "toi" && !(k + 1 < start && in(t[k + 1].key, {"thieu", "da"})))) {
            if (w.key == "hang" &&
                !(k + 1 < t.size() && (t[k + 1].nw == Nw::kTram || t[k + 1].nw == Nw::kMag ||
                                       t[k + 1].nw == Nw::kChuc)))
                ;  // "hàng" alone is just a word
            else
                return refuse(CountError::kApproximate, w.orig);
        }
        if (is_particle(w.key) || is_unit(w.key)) continue;
        if (is_filler(w.key)) {
            if (w.key == "ca" && k + 1 < t.size() &&
                (t[k + 1].nw == Nw::kTram || t[k + 1].nw == Nw::kMag))
                return refuse(CountError::kApproximate, w.orig);  // "cả trăm"
            filler = true;
            continue;
        }
        if (foreign.empty()) foreign = w.orig;
    }

    if (p.fail_fraction) return refuse(CountError::kFraction);
    if (!value && !p.fail_ambiguous) {
        const Tok& a = t[start];
        if (a.kind == Kind::kNum && a.value < 0) return refuse(CountError::kFraction, a.orig);
        if (a.nw == Nw::kRuoi) return refuse(CountError::kFraction, a.orig);
        return refuse(CountError::kNotNumber);
    }
    // "mươi người" (level tone) is "about ten"; "mười" is ten.
    if (t[start].nw == Nw::kMuoi && lower_vietnamese(t[start].orig) == "mươi")
        return refuse(CountError::kApproximate, t[start].orig);

    // What follows the number.
    for (std::size_t k = p.i; k < t.size(); ++k) {
        const Tok& w = t[k];
        if (is_numeral(w)) {
            if (w.nw == Nw::kRuoi && value) return refuse(CountError::kFraction, w.orig);
            // A second number: a range when joined by "-", "đến", "hoặc".
            for (std::size_t j = p.i; j < k; ++j)
                if (is_range_word(t[j].key)) return refuse(CountError::kRange, t[j].orig);
            if (w.nw == Nw::kLinh || w.key == "chuc" || w.key == "tram")
                return refuse(CountError::kApproximate, w.orig);  // "25 lẻ", "mấy chục"
            return refuse(CountError::kAmbiguous);
        }
        if (w.key == "+" || w.key == "~" || w.key == ">" || w.key == "<")
            return refuse(CountError::kApproximate, w.orig);
        if (w.key == "-" || w.key == "/") continue;  // judged when a second number follows
        if (w.kind != Kind::kWord) continue;
        if (is_particle(w.key) || is_unit(w.key)) continue;
        if (is_approx_suffix(w) &&
            !(w.key == "tro" && !(k + 1 < t.size() && t[k + 1].key == "len")) &&
            !(w.key == "len" && !(k > 0 && t[k - 1].key == "tro"))) {
            if (!is_range_word(w.key)) return refuse(CountError::kApproximate, w.orig);
        }
        if (is_range_word(w.key)) continue;
        if (is_filler(w.key)) {
            filler = true;
            continue;
        }
        if (foreign.empty()) foreign = w.orig;
    }

    if (p.fail_ambiguous || !value) return refuse(CountError::kAmbiguous);
    // "không biết", "hỏi lại sau", "một ít": one numeral word among other words is a word.
    if (numeral_end - start == 1 && t[start].kind == Kind::kWord && !foreign.empty())
        return refuse(CountError::kNotNumber);
    if (p.i < numeral_end) {
        // Numerals left unread ("hai rưỡi", "25 linh"): not a whole count we can name.
        if (t[p.i].nw == Nw::kRuoi) return refuse(CountError::kFraction, t[p.i].orig);
        return refuse(CountError::kAmbiguous);
    }
    if (*value > kMaxCount) return refuse(CountError::kTooLarge);

    CountReading r;
    r.value = *value;
    const bool single_digits = numeral_end - start == 1 && t[start].kind == Kind::kNum;
    r.how =
        single_digits && !t[start].spaced ? CountReading::How::kPlain : CountReading::How::kEcho;
    if (filler) r.how = CountReading::How::kEcho;
    if (p.digits_multiplied || p.big || p.ruoi) {
        r.how = CountReading::How::kConfirm;
        r.why = CountReading::Why::kMultiplier;
    } else if (r.value > unit.usual_max) {
        r.how = CountReading::How::kConfirm;
        r.why = CountReading::Why::kLarge;
    } else if (!foreign.empty()) {
        r.how = CountReading::How::kConfirm;
        r.why = CountReading::Why::kForeignWord;
        r.word = foreign;
    } else if (unsure || question) {
        r.how = CountReading::How::kConfirm;
        r.why = CountReading::Why::kUnsure;
    }
    return r;
}

Expected<std::vector<std::string>, CountRefusal> split_quick_values(
    std::string_view text, const std::vector<std::string>& unit_words) {
    const std::string s = normalize_width(text);
    std::vector<std::string> out;
    // ";" or "|" anywhere: those separate the values, and "," or "." inside one are thousands.
    if (s.find(';') != std::string::npos || s.find('|') != std::string::npos) {
        std::string cur;
        for (char c : s + ";") {
            if (c == ';' || c == '|') {
                const std::string v(trim(cur));
                if (!v.empty()) out.push_back(v);
                cur.clear();
            } else {
                cur.push_back(c);
            }
        }
        return out;
    }
    // A comma is a value separator when one is followed by a space or by anything but a group
    // of exactly three digits; then "1,200" in the same line is ambiguous.
    bool comma_separates = false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != ',') continue;
        std::size_t j = i + 1;
        while (j < s.size() && is_digit(s[j])) ++j;
        if (j - (i + 1) != 3 || i == 0 || !is_digit(s[i - 1])) comma_separates = true;
    }
    if (comma_separates) {
        std::string cur;
        for (std::size_t i = 0; i <= s.size(); ++i) {
            const char c = i < s.size() ? s[i] : ',';
            if (c == ',') {
                // ",200" right after a digit: a thousands group or a new value?
                std::size_t j = i + 1;
                while (j < s.size() && is_digit(s[j])) ++j;
                if (i < s.size() && i > 0 && is_digit(s[i - 1]) && j - (i + 1) == 3) {
                    std::size_t b = i;
                    while (b > 0 && is_digit(s[b - 1])) --b;
                    return unexpected(CountRefusal{CountError::kAmbiguous, s.substr(b, j - b)});
                }
                const std::string v(trim(cur));
                if (!v.empty()) out.push_back(v);
                cur.clear();
            } else {
                cur.push_back(c);
            }
        }
        return out;
    }
    // Spaces only: each value starts with digits (or a zero word); words after digits belong
    // to them ("120 lượt", "25k"). "1 200" is either 1200 or two values: refused.
    const std::vector<Tok> toks = tokenize(s);
    std::size_t from = 0;
    auto flush = [&](std::size_t to) {
        if (to <= from) return;
        std::string v;
        for (std::size_t k = from; k < to; ++k) {
            if (!v.empty() && !toks[k].glued_to_prev) v.push_back(' ');
            v += toks[k].orig;
        }
        out.push_back(v);
        from = to;
    };
    std::vector<std::string> attach;  // words that belong to the value before them
    for (const auto& u : unit_words) {
        std::string cur;
        for (char c : fold_vietnamese(u) + " ") {
            if (c == ' ' || c == '/') {
                if (!cur.empty()) attach.push_back(cur);
                cur.clear();
            } else {
                cur.push_back(c);
            }
        }
    }
    bool field_is_number = false;
    for (std::size_t k = 0; k < toks.size(); ++k) {
        const Tok& tk = toks[k];
        if (tk.kind == Kind::kNum && tk.spaced)
            return unexpected(CountRefusal{CountError::kSpacedThousands, tk.orig});
        const bool zero = tk.kind == Kind::kWord && in(tk.key, {"khong", "ko", "khg", "hong"});
        // A word after a number is its unit or multiplier ("120 lượt", "25 nghìn"); any other
        // word is a value of its own ("abc"), refused by name rather than hidden.
        const bool stray =
            tk.kind == Kind::kWord && field_is_number && !zero && !is_particle(tk.key) &&
            std::find(attach.begin(), attach.end(), tk.key) == attach.end() &&
            !in(tk.key,
                {"k", "tr", "nghin", "ngan", "trieu", "tram", "chuc", "van", "ruoi", "ty", "ti"});
        const bool starts = tk.kind == Kind::kNum || zero || stray;
        if (tk.kind == Kind::kNum || zero) field_is_number = true;
        if (stray) field_is_number = false;
        if (starts && k > from &&
            !(tk.kind == Kind::kNum && tk.glued_to_prev && k > 0 &&
              toks[k - 1].kind == Kind::kWord && in(toks[k - 1].key, {"k", "tr"})))
            flush(k);
    }
    flush(toks.size());
    return out;
}

}  // namespace tcns::core
