// zalo::parse_webhook, zalo::signature_timestamp and zalo::verify_signature on any raw body:
// never throw or crash; with a timestamp in the body, the signature computed independently with
// OpenSSL is accepted with or without "mac=" and in either hex case, a changed one is refused;
// without one, nothing is accepted.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>
#include <optional>

#include "adapters/zalo/zalo_adapter.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "tests/unit/adapters/adapter_test_support.hpp"

using namespace tcns;
namespace zalo = tcns::adapters::zalo;
using adapters::VerifyResult;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view body(reinterpret_cast<const char*>(data), size);

    const auto parsed = zalo::parse_webhook(body);
    if (parsed) {
        for (const auto& e : parsed->events)
            fuzz::check(e.channel == zalo::kChannel, "a Zalo event is on the zalo channel");
    }

    constexpr std::string_view kAppId = "50554360515256678";
    constexpr std::string_view kSecret = "S3cr3tOAkeyXXXXXXXXX";
    const auto ts = zalo::signature_timestamp(body);
    // Differential: the SAX reader finds what the DOM reader it replaced found.
    {
        std::optional<std::string> dom;
        const auto root = nlohmann::json::parse(body.begin(), body.end(), nullptr, false);
        if (!root.is_discarded() && root.is_object() && root.contains("timestamp")) {
            const auto& v = root["timestamp"];
            if (v.is_string())
                dom = v.get<std::string>();
            else if (v.is_number_unsigned())
                dom = std::to_string(v.get<std::uint64_t>());
            else if (v.is_number_integer())
                dom = std::to_string(v.get<std::int64_t>());
            if (dom && dom->empty()) dom.reset();
        }
        fuzz::check(ts == dom, "the SAX and DOM timestamp readers agree");
    }
    const std::string mac = test::openssl_sha256(std::string(kAppId) + std::string(body) +
                                                 ts.value_or("") + std::string(kSecret));
    if (ts) {
        fuzz::check(
            zalo::verify_signature(body, "mac=" + mac, kAppId, kSecret) == VerifyResult::kOk,
            "the right signature is accepted");
        fuzz::check(
            zalo::verify_signature(body, test::upper(mac), kAppId, kSecret) == VerifyResult::kOk,
            "the right signature without mac= in upper case is accepted");
        std::string wrong = mac;
        wrong[size % wrong.size()] = wrong[size % wrong.size()] == '0' ? '1' : '0';
        fuzz::check(
            zalo::verify_signature(body, "mac=" + wrong, kAppId, kSecret) == VerifyResult::kBad,
            "a changed signature is refused");
    } else {
        fuzz::check(
            zalo::verify_signature(body, "mac=" + mac, kAppId, kSecret) != VerifyResult::kOk,
            "a body without a timestamp is never accepted");
    }
    fuzz::check(zalo::verify_signature(body, "", kAppId, kSecret) == VerifyResult::kMissing,
                "an empty signature is missing");
    fuzz::check(
        zalo::verify_signature(body, body.substr(0, 100), kAppId, kSecret) != VerifyResult::kOk,
        "the body's own bytes are not a signature");
    return 0;
}
