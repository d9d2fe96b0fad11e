#include "core/vietnamese.hpp"

#include <cstdint>

namespace tcns::core {

namespace {

// Base letters of U+1EA0..U+1EF9 (Latin Extended Additional, the Vietnamese block), in pairs
// upper/lower: Ạạ Ảả Ấấ … Ỹỹ.
constexpr char kExtendedAdditional[] =
    "aaaaaaaaaaaaaaaaaaaaaaaa"  // U+1EA0..U+1EB7: Ạ Ả Ấ Ầ Ẩ Ẫ Ậ Ắ Ằ Ẳ Ẵ Ặ
    "eeeeeeeeeeeeeeee"          // U+1EB8..U+1EC7: Ẹ Ẻ Ẽ Ế Ề Ể Ễ Ệ
    "iiii"                      // U+1EC8..U+1ECB: Ỉ Ị
    "oooooooooooooooooooooooo"  // U+1ECC..U+1EE3: Ọ Ỏ Ố Ồ Ổ Ỗ Ộ Ớ Ờ Ở Ỡ Ợ
    "uuuuuuuuuuuuuu"            // U+1EE4..U+1EF1: Ụ Ủ Ứ Ừ Ử Ữ Ự
    "yyyyyyyy";                 // U+1EF2..U+1EF9: Ỳ Ỵ Ỷ Ỹ

// Base letters of U+00C0..U+00FF (Latin-1 Supplement); '\0' for non-letters (× ÷ ß …).
constexpr char kLatin1[] =
    "aaaaaaaceeeeiiiidnooooo\0ouuuuyt\0"
    "aaaaaaaceeeeiiiidnooooo\0ouuuuyty";
static_assert(sizeof(kExtendedAdditional) == 0x1EFA - 0x1EA0 + 1);
static_assert(sizeof(kLatin1) == 0x100 - 0xC0 + 1);

char base_letter(char32_t cp) {
    if (cp >= 0xC0 && cp <= 0xFF) return kLatin1[cp - 0xC0];
    if (cp >= 0x1EA0 && cp <= 0x1EF9) return kExtendedAdditional[cp - 0x1EA0];
    switch (cp) {
        case 0x102:
        case 0x103:
            return 'a';  // Ă ă
        case 0x110:
        case 0x111:
            return 'd';  // Đ đ
        case 0x128:
        case 0x129:
            return 'i';  // Ĩ ĩ
        case 0x168:
        case 0x169:
            return 'u';  // Ũ ũ
        case 0x1A0:
        case 0x1A1:
            return 'o';  // Ơ ơ
        case 0x1AF:
        case 0x1B0:
            return 'u';  // Ư ư
        default:
            return '\0';
    }
}

bool is_combining_mark(char32_t cp) {
    return cp >= 0x300 && cp <= 0x36F;  // decomposed input (macOS, some keyboards)
}

// Decodes one well-formed UTF-8 sequence at s[i]; returns its length, 0 when malformed.
std::size_t decode(std::string_view s, std::size_t i, char32_t& cp) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    if (c < 0x80) {
        cp = c;
        return 1;
    } else if ((c & 0xE0) == 0xC0) {
        n = 2;
        cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        n = 3;
        cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (i + n > s.size()) return 0;
    for (std::size_t k = 1; k < n; ++k) {
        const auto b = static_cast<unsigned char>(s[i + k]);
        if ((b & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (b & 0x3F);
    }
    return n;
}

}  // namespace

std::string fold_vietnamese(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    bool pending_space = false;
    auto put = [&](char c) {
        if (pending_space && !out.empty()) out.push_back(' ');
        pending_space = false;
        out.push_back(c);
    };
    for (std::size_t i = 0; i < s.size();) {
        char32_t cp = 0;
        const std::size_t n = decode(s, i, cp);
        if (n == 0) {  // not UTF-8: keep the byte
            put(s[i]);
            ++i;
            continue;
        }
        if (cp == ' ' || cp == '\t' || cp == '\r' || cp == '\n' || cp == '\f' || cp == '\v' ||
            cp == 0xA0) {
            pending_space = true;
        } else if (cp < 0x80) {
            put((cp >= 'A' && cp <= 'Z') ? static_cast<char>(cp - 'A' + 'a')
                                         : static_cast<char>(cp));
        } else if (is_combining_mark(cp)) {
            // dropped
        } else if (const char b = base_letter(cp); b != '\0') {
            put(b);
        } else {
            for (std::size_t k = 0; k < n; ++k) put(s[i + k]);
        }
        i += n;
    }
    return out;
}

}  // namespace tcns::core
