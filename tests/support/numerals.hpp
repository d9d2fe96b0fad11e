#pragma once
// A small reference renderer of counts as people write them, for the property test and the
// fuzz target of core/number: every rendering here has exactly one documented reading.
#include <cstdint>
#include <string>
#include <vector>

namespace tcns::test {

inline const char* const kDigitWords[] = {"không", "một", "hai", "ba",  "bốn",
                                          "năm",   "sáu", "bảy", "tám", "chín"};

/// Groups the digits of n by three with `sep` ("1.200", "1 200").
inline std::string group_digits(std::int64_t n, const std::string& sep) {
    const std::string d = std::to_string(n);
    std::string out;
    for (std::size_t i = 0; i < d.size(); ++i) {
        if (i > 0 && (d.size() - i) % 3 == 0) out += sep;
        out.push_back(d[i]);
    }
    return out;
}

/// Digits as typed on a full-width keyboard: "２５".
inline std::string full_width(const std::string& ascii) {
    std::string out;
    for (char c : ascii) {
        if (c >= '0' && c <= '9') {
            out += "\xEF\xBC";
            out.push_back(static_cast<char>(0x90 + (c - '0')));
        } else {
            out.push_back(c);
        }
    }
    return out;
}

struct WordStyle {
    bool linh = true;   ///< "linh" (false: "lẻ")
    bool nghin = true;  ///< "nghìn" (false: "ngàn")
    bool lam = true;    ///< 5 after tens is "lăm" (false: "nhăm")
    bool mot = true;    ///< 1 after tens is "mốt" (false: "một")
    bool tu = true;     ///< 4 after tens is "tư" (false: "bốn")
};

/// The units of a tens group: "mốt", "tư", "lăm" after twenty and above.
inline std::string units_after_tens(int t, int u, const WordStyle& s) {
    if (u == 0) return "";
    if (u == 5) return s.lam ? "lăm" : (t >= 2 ? "nhăm" : "lăm");
    if (t >= 2 && u == 1) return s.mot ? "mốt" : "một";
    if (t >= 2 && u == 4) return s.tu ? "tư" : "bốn";
    return kDigitWords[u];
}

/// A group below a thousand, formally: `full` adds "không trăm" (and "linh") when the group
/// follows a larger one.
inline std::string group_words(int g, bool full, const WordStyle& s) {
    const int h = g / 100, t = g / 10 % 10, u = g % 10;
    std::vector<std::string> w;
    if (h > 0 || full) {
        w.push_back(kDigitWords[h]);
        w.push_back("trăm");
    }
    if (t == 0 && u > 0) {
        if (h > 0 || full) w.push_back(s.linh ? "linh" : "lẻ");
        w.push_back(kDigitWords[u]);
    } else if (t == 1) {
        w.push_back("mười");
        if (u) w.push_back(units_after_tens(1, u, s));
    } else if (t >= 2) {
        w.push_back(kDigitWords[t]);
        w.push_back("mươi");
        if (u) w.push_back(units_after_tens(t, u, s));
    }
    std::string out;
    for (const auto& x : w) out += (out.empty() ? "" : " ") + x;
    return out;
}

/// n in formal Vietnamese words: 1005 → "một nghìn không trăm linh năm".
inline std::string words(std::int64_t n, const WordStyle& s = {}) {
    if (n == 0) return "không";
    struct Mag {
        std::int64_t size;
        const char* name;
    };
    const Mag mags[] = {
        {1'000'000'000, "tỷ"}, {1'000'000, "triệu"}, {1'000, s.nghin ? "nghìn" : "ngàn"}, {1, ""}};
    std::string out;
    bool started = false;
    for (const auto& m : mags) {
        const int g = static_cast<int>(n / m.size % 1000);
        if (g == 0) continue;
        std::string part = group_words(g, started, s);
        if (*m.name) part += std::string(" ") + m.name;
        out += (out.empty() ? "" : " ") + part;
        started = true;
    }
    return out;
}

/// Colloquial short forms of n, each read as n by people: "một trăm hai" (120), "hai nghìn
/// năm" (2500), "trăm mốt" (110). Empty when n has none.
inline std::vector<std::string> colloquial(std::int64_t n) {
    std::vector<std::string> out;
    if (n >= 100 && n < 1000 && n % 10 == 0 && n / 10 % 10 != 0) {
        const int h = static_cast<int>(n / 100), t = static_cast<int>(n / 10 % 10);
        const char* tail = t == 1 ? "mốt" : t == 4 ? "tư" : kDigitWords[t];
        out.push_back(std::string(kDigitWords[h]) + " trăm " + tail);
        if (h == 1) out.push_back(std::string("trăm ") + tail);
    }
    if (n >= 1000 && n < 10'000 && n % 100 == 0 && n / 100 % 10 != 0) {
        const int k = static_cast<int>(n / 1000), h = static_cast<int>(n / 100 % 10);
        out.push_back(std::string(kDigitWords[k]) + " nghìn " + kDigitWords[h]);
        out.push_back(std::string(kDigitWords[k]) + " ngàn " + kDigitWords[h]);
    }
    return out;
}

}  // namespace tcns::test
