#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "adapters/viber/viber_adapter.hpp"
#include "adapters/zalo/zalo_adapter.hpp"
#include "tests/unit/adapters/adapter_test_support.hpp"

using namespace tcns;
namespace viber = tcns::adapters::viber;
namespace zalo = tcns::adapters::zalo;

namespace {

std::vector<std::string> fixtures(const std::string& channel) {
    std::vector<std::string> out;
    const auto dir = std::filesystem::path(TCNS_SOURCE_DIR) / "tests" / "fixtures" / channel;
    for (const auto& entry : std::filesystem::directory_iterator(dir))
        if (entry.path().extension() == ".json")
            out.push_back(channel + "/" + entry.path().filename().string());
    REQUIRE_FALSE(out.empty());
    return out;
}

/// Every prefix of the body, and the body with each byte replaced by a few troublemakers.
std::vector<std::string> mangle(const std::string& body) {
    std::vector<std::string> out;
    for (std::size_t n = 0; n < body.size(); n += 3) out.push_back(body.substr(0, n));
    for (std::size_t i = 0; i < body.size(); i += 2) {
        for (char c : {'"', '}', '0', '\xff', '\0', '-'}) {
            std::string m = body;
            m[i] = c;
            out.push_back(std::move(m));
        }
    }
    return out;
}

}  // namespace

TEST_CASE("mangled Viber webhooks never throw and never verify", "[adapters][viber]") {
    const std::string token = "token";
    for (const auto& name : fixtures("viber")) {
        const std::string body = test::read_fixture(name);
        const std::string sig = test::openssl_hmac_sha256(token, body);
        int accepted = 0;
        for (const auto& m : mangle(body)) {
            (void)viber::parse_webhook(m);  // an exception fails the test case
            if (m != body && viber::verify_signature(m, sig, token) == adapters::VerifyResult::kOk)
                ++accepted;
        }
        INFO(name);
        CHECK(accepted == 0);
    }
}

TEST_CASE("mangled Zalo webhooks never throw and never verify", "[adapters][zalo]") {
    for (const auto& name : fixtures("zalo")) {
        const std::string body = test::read_fixture(name);
        const auto ts = zalo::signature_timestamp(body);
        REQUIRE(ts.has_value());
        const std::string sig = "mac=" + test::openssl_sha256("app" + body + *ts + "secret");
        REQUIRE(zalo::verify_signature(body, sig, "app", "secret") == adapters::VerifyResult::kOk);
        int accepted = 0;
        for (const auto& m : mangle(body)) {
            (void)zalo::parse_webhook(m);  // an exception fails the test case
            if (m != body &&
                zalo::verify_signature(m, sig, "app", "secret") == adapters::VerifyResult::kOk)
                ++accepted;
        }
        INFO(name);
        CHECK(accepted == 0);
    }
}

TEST_CASE("every fixture parses", "[adapters]") {
    for (const auto& name : fixtures("viber")) {
        INFO(name);
        CHECK(viber::parse_webhook(test::read_fixture(name)).has_value());
    }
    for (const auto& name : fixtures("zalo")) {
        INFO(name);
        CHECK(zalo::parse_webhook(test::read_fixture(name)).has_value());
    }
}
