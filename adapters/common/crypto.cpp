#include "adapters/common/crypto.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <string>

namespace tcns::adapters {

namespace {

std::string to_hex(const unsigned char* p, std::size_t n) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out(n * 2, '0');
    for (std::size_t i = 0; i < n; ++i) {
        out[2 * i] = kDigits[p[i] >> 4];
        out[2 * i + 1] = kDigits[p[i] & 0x0F];
    }
    return out;
}

// OpenSSL 3 looks an algorithm up by name in its provider tables on every one-shot call
// (HMAC(), SHA256()): about 24,000 instructions for the HMAC of a Viber webhook and 12,000 for
// a Zalo body's SHA-256, several times the hashing itself (callgrind on tcns serve). The
// algorithms are fetched once for the process, and each thread keeps its two contexts.
EVP_MD* sha256_md() {
    static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return md;
}

EVP_MAC* hmac_mac() {
    static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    return mac;
}

struct ThreadContexts {
    EVP_MD_CTX* md = nullptr;
    EVP_MAC_CTX* mac = nullptr;
    std::string mac_key;  ///< the key `mac` was last set up with, when mac_keyed
    bool mac_keyed = false;
    ThreadContexts() = default;
    ThreadContexts(const ThreadContexts&) = delete;
    ThreadContexts& operator=(const ThreadContexts&) = delete;
    ~ThreadContexts() {
        EVP_MD_CTX_free(md);
        EVP_MAC_CTX_free(mac);
        OPENSSL_cleanse(mac_key.data(), mac_key.size());
    }
};

ThreadContexts& thread_contexts() {
    thread_local ThreadContexts contexts;
    return contexts;
}

}  // namespace

std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
    ThreadContexts& c = thread_contexts();
    if (c.mac == nullptr && hmac_mac() != nullptr) c.mac = EVP_MAC_CTX_new(hmac_mac());
    if (c.mac == nullptr) return {};
    // EVP_MAC_init wants a non-null key pointer even for an empty key.
    static const unsigned char kEmpty = 0;
    const auto* k = key.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(key.data());
    const auto* d = data.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(data.data());
    int ok = 0;
    if (c.mac_keyed && c.mac_key == key) {
        ok = EVP_MAC_init(c.mac, nullptr, 0, nullptr);  // HMAC starts again with the same key
    } else {
        char digest[] = "SHA256";
        const OSSL_PARAM params[] = {
            OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
            OSSL_PARAM_construct_end()};
        OPENSSL_cleanse(c.mac_key.data(), c.mac_key.size());
        c.mac_key.assign(key);
        ok = EVP_MAC_init(c.mac, k, key.size(), params);
    }
    unsigned char out[EVP_MAX_MD_SIZE];
    std::size_t len = 0;
    c.mac_keyed = ok == 1 && EVP_MAC_update(c.mac, d, data.size()) == 1 &&
                  EVP_MAC_final(c.mac, out, &len, sizeof out) == 1;
    if (!c.mac_keyed) return {};
    return to_hex(out, len);
}

std::string sha256_hex(std::string_view data) {
    ThreadContexts& c = thread_contexts();
    if (c.md == nullptr) c.md = EVP_MD_CTX_new();
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (c.md == nullptr || sha256_md() == nullptr ||
        EVP_DigestInit_ex2(c.md, sha256_md(), nullptr) != 1 ||
        EVP_DigestUpdate(c.md, data.data(), data.size()) != 1 ||
        EVP_DigestFinal_ex(c.md, out, &len) != 1)
        return {};
    return to_hex(out, len);
}

bool constant_time_equal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    if (a.empty()) return true;
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string ascii_lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

std::string form_url_encode(std::string_view s) {
    static constexpr char kDigits[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(s.size());
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~') {
            out.push_back(ch);
        } else if (c == ' ') {
            out.push_back('+');
        } else {
            out.push_back('%');
            out.push_back(kDigits[c >> 4]);
            out.push_back(kDigits[c & 0x0F]);
        }
    }
    return out;
}

}  // namespace tcns::adapters
