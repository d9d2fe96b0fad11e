// viber::parse_webhook and viber::verify_signature on any raw body: never throw or crash; the
// signature computed independently with OpenSSL is accepted in either hex case, a changed one is
// refused, an empty one is missing.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "adapters/viber/viber_adapter.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "tests/unit/adapters/adapter_test_support.hpp"

using namespace tcns;
namespace viber = tcns::adapters::viber;
using adapters::VerifyResult;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view body(reinterpret_cast<const char*>(data), size);

    const auto parsed = viber::parse_webhook(body);
    if (parsed) {
        for (const auto& e : parsed->events)
            fuzz::check(e.channel == viber::kChannel, "a Viber event is on the viber channel");
    }

    constexpr std::string_view kToken = "4453b6ac12345678-e02c5f12174805f9-daec9cbb5448c51f";
    const std::string sig = test::openssl_hmac_sha256(kToken, body);
    fuzz::check(viber::verify_signature(body, sig, kToken) == VerifyResult::kOk,
                "the right signature is accepted");
    fuzz::check(viber::verify_signature(body, test::upper(sig), kToken) == VerifyResult::kOk,
                "the right signature in upper case is accepted");
    std::string wrong = sig;
    wrong[size % wrong.size()] = wrong[size % wrong.size()] == '0' ? '1' : '0';
    fuzz::check(viber::verify_signature(body, wrong, kToken) == VerifyResult::kBad,
                "a changed signature is refused");
    fuzz::check(viber::verify_signature(body, "", kToken) == VerifyResult::kMissing,
                "an empty signature is missing");
    // The header is attacker-controlled too: any bytes, any length.
    fuzz::check(viber::verify_signature(body, body.substr(0, 100), kToken) != VerifyResult::kOk,
                "the body's own bytes are not a signature");
    return 0;
}
