#include "core/phone.hpp"

namespace tcns::core {

std::optional<std::string> normalize_phone(std::string_view raw) {
    std::string digits;
    bool plus = false;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        const char c = raw[i];
        if (c >= '0' && c <= '9') {
            digits.push_back(c);
        } else if (c == '+' && digits.empty() && !plus) {
            plus = true;
        } else if (c == ' ' || c == '.' || c == '-' || c == '(' || c == ')') {
            continue;
        } else {
            return std::nullopt;
        }
    }
    std::string national;
    if (digits.size() >= 2 && digits.compare(0, 2, "84") == 0 && (plus || digits.size() >= 11)) {
        national = digits.substr(2);
    } else if (!plus && !digits.empty() && digits[0] == '0') {
        national = digits.substr(1);
    } else if (plus) {
        return std::nullopt;  // a foreign number
    } else {
        return std::nullopt;
    }
    if (national.size() < 9 || national.size() > 10 || national[0] == '0') return std::nullopt;
    return "84" + national;
}

std::string national_phone(std::string_view phone) {
    if (phone.size() > 2 && phone.substr(0, 2) == "84") return "0" + std::string(phone.substr(2));
    return std::string(phone);
}

std::string mask_phone(std::string_view phone) {
    if (phone.size() <= 5) return std::string(phone.size(), '*');
    std::string out(phone);
    for (std::size_t i = 2; i + 3 < out.size(); ++i) out[i] = '*';
    return out;
}

}  // namespace tcns::core
