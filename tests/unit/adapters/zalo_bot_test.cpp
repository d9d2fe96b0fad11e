#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "adapters/zalo_bot/zalo_bot_adapter.hpp"
#include "core/time.hpp"
#include "core/utf8.hpp"
#include "tests/unit/adapters/adapter_test_support.hpp"

using namespace tcns;
using adapters::ParseError;
using adapters::SendOutcomeKind;
using adapters::VerifyResult;
using nlohmann::json;
namespace zb = tcns::adapters::zalo_bot;

namespace {

core::InboundEvent only_event(std::string_view fixture) {
    const auto r = zb::parse_webhook(test::read_fixture(fixture));
    REQUIRE(r.has_value());
    REQUIRE(r->events.size() == 1);
    return r->events[0];
}

}  // namespace

TEST_CASE("the Zalo Bot secret header is compared exactly", "[adapters][zalo_bot]") {
    const std::string secret = "s3cret-token-0123456789";
    CHECK(zb::verify_secret(secret, secret) == VerifyResult::kOk);
    CHECK(zb::verify_secret(" " + secret + "\r\n", secret) == VerifyResult::kOk);
    CHECK(zb::verify_secret("", secret) == VerifyResult::kMissing);
    CHECK(zb::verify_secret("   ", secret) == VerifyResult::kMissing);
    CHECK(zb::verify_secret("s3cret-token-012345678X", secret) == VerifyResult::kBad);
    CHECK(zb::verify_secret("s3cret-token-0123456789X", secret) == VerifyResult::kBad);
    CHECK(zb::verify_secret("S3CRET-TOKEN-0123456789", secret) == VerifyResult::kBad);
    // An unset secret accepts nothing, not even an empty-looking match.
    CHECK(zb::verify_secret(secret, "") == VerifyResult::kBad);
}

TEST_CASE("a Zalo Bot text message becomes a text event", "[adapters][zalo_bot]") {
    const auto e = only_event("zalo_bot/text.json");
    CHECK(e.kind == core::EventKind::kText);
    CHECK(e.channel == "zalo-bot");
    CHECK(e.user_id == "e4ea2cd5189df1c3a88c");
    CHECK(e.user_name == "Nguyen Van A");
    CHECK(e.text == "Xin chào");
    CHECK(e.event_id == "message.text.received:16f6366b3f02645a3d15");
    CHECK(core::to_unix(e.at) == 1766619597);
}

TEST_CASE("a Zalo Bot body wrapped in ok/result parses the same", "[adapters][zalo_bot]") {
    const auto e = only_event("zalo_bot/text_wrapped.json");
    CHECK(e.kind == core::EventKind::kText);
    CHECK(e.text == "bc");
    CHECK(e.user_name == "Nguyen Van A");  // first_name
    CHECK(e.event_id == "message.text.received:26f6366b3f02645a3d16");
}

TEST_CASE("Zalo Bot image, sticker and unsupported events are unsupported media",
          "[adapters][zalo_bot]") {
    const auto image = only_event("zalo_bot/image.json");
    CHECK(image.kind == core::EventKind::kUnsupported);
    CHECK(image.media_type == "image");
    CHECK(image.event_id == "message.image.received:36f6366b3f02645a3d17");
    const auto sticker = only_event("zalo_bot/sticker.json");
    CHECK(sticker.kind == core::EventKind::kUnsupported);
    CHECK(sticker.media_type == "sticker");
    const auto other = only_event("zalo_bot/unsupported.json");
    CHECK(other.kind == core::EventKind::kUnsupported);
    CHECK(other.media_type == "unsupported");
    CHECK(other.user_id == "e4ea2cd5189df1c3a88c");
}

TEST_CASE("a replayed Zalo Bot delivery has the same dedupe key", "[adapters][zalo_bot]") {
    const auto a = only_event("zalo_bot/text.json");
    const auto b = only_event("zalo_bot/text.json");
    CHECK(a.event_id == b.event_id);
    // The key includes the event name: a sticker and a text never share one.
    CHECK(only_event("zalo_bot/sticker.json").event_id != a.event_id);
}

TEST_CASE("a Zalo Bot group message names the group and its sender", "[adapters][zalo_bot]") {
    const auto r = zb::parse_webhook(test::read_fixture("zalo_bot/group_text.json"));
    REQUIRE(r.has_value());
    CHECK(r->event_type == "message.text.received");
    REQUIRE(r->events.size() == 1);
    const auto& e = r->events[0];
    CHECK(e.group_id == "9a8b7c6d5e4f3a2b1c0d");
    CHECK(e.user_id == "e4ea2cd5189df1c3a88c");
    CHECK(e.text == "bc");
    // A private message names no group.
    CHECK(only_event("zalo_bot/text.json").group_id.empty());
}

TEST_CASE("bad Zalo Bot bodies are refused without throwing", "[adapters][zalo_bot]") {
    auto err = [](std::string_view body) {
        const auto r = zb::parse_webhook(body);
        REQUIRE_FALSE(r.has_value());
        return r.error();
    };
    CHECK(err(test::read_fixture("zalo_bot/malformed.json")) == ParseError::kMalformedJson);
    CHECK(err("") == ParseError::kMalformedJson);
    CHECK(err("[1,2]") == ParseError::kMalformedJson);
    CHECK(err("{}") == ParseError::kMissingField);
    CHECK(err(R"({"event_name":7})") == ParseError::kMissingField);
    CHECK(err(test::read_fixture("zalo_bot/text_no_id.json")) == ParseError::kMissingField);
    CHECK(err(R"({"event_name":"message.text.received","message":"x"})") ==
          ParseError::kMissingField);
    CHECK(err(R"({"event_name":"message.text.received","message":{"message_id":"m",)"
              R"("chat":{"id":"c"},"text":5}})") == ParseError::kMissingField);
    // Events that are not messages are acknowledged with nothing to do.
    const auto follow = zb::parse_webhook(R"({"event_name":"follow","user":{"id":"x"}})");
    REQUIRE(follow.has_value());
    CHECK(follow->events.empty());
}

TEST_CASE("Zalo Bot replies are split at 2,000 characters with options as text",
          "[adapters][zalo_bot]") {
    core::OutboundMessage m;
    m.text = std::string(1500, 'a') + "\n" + std::string(1500, 'b');
    m.buttons = {{"Gửi", "gửi"}, {"0 (không có)", "0"}, {"Tiếp", "next"}};
    const auto bodies = zb::render_send_message("chat-1", m);
    REQUIRE(bodies.size() == 2);
    const json first = json::parse(bodies[0]);
    const json last = json::parse(bodies[1]);
    CHECK(first["chat_id"] == "chat-1");
    CHECK(first["text"] == std::string(1500, 'a'));
    const std::string t = last["text"];
    CHECK(t.rfind(std::string(1500, 'b'), 0) == 0);
    CHECK(t.find("\n• Gửi") != std::string::npos);
    CHECK(t.find("(gửi)") == std::string::npos);
    CHECK(t.find("\n• 0 (không có)") != std::string::npos);
    CHECK(t.find("\n• Tiếp (next)") != std::string::npos);
    for (const auto& b : bodies)
        CHECK(core::utf8_length(json::parse(b)["text"].get<std::string>()) <= zb::kMaxTextChars);

    core::OutboundMessage vn;
    vn.text = "";
    for (int i = 0; i < 1500; ++i) vn.text += "ệ ";
    for (const auto& b : zb::render_send_message("c", vn))
        CHECK(core::utf8_length(json::parse(b)["text"].get<std::string>()) <= zb::kMaxTextChars);
}

TEST_CASE("Zalo Bot API paths carry the token", "[adapters][zalo_bot]") {
    CHECK(zb::method_path("123:abc", "sendMessage") == "/bot123:abc/sendMessage");
    const json j = json::parse(zb::render_set_webhook("https://x.example/webhook/zalo-bot", "sss"));
    CHECK(j["url"] == "https://x.example/webhook/zalo-bot");
    CHECK(j["secret_token"] == "sss");
}

TEST_CASE("Zalo Bot send answers are classified", "[adapters][zalo_bot]") {
    auto kind = [](std::optional<int> http, std::string_view body) {
        return zb::classify_send_response(http, body).kind;
    };
    const auto ok = zb::classify_send_response(
        200, R"({"ok":true,"result":{"message_id":"abc123","date":1766619597466}})");
    CHECK(ok.kind == SendOutcomeKind::kSuccess);
    CHECK(ok.message_id == "abc123");
    CHECK(kind(std::nullopt, "") == SendOutcomeKind::kRetryable);
    CHECK(kind(429, "") == SendOutcomeKind::kRetryable);
    CHECK(kind(502, "<html>") == SendOutcomeKind::kRetryable);
    CHECK(kind(200, "not json") == SendOutcomeKind::kRetryable);
    CHECK(kind(404, "not json") == SendOutcomeKind::kPermanent);
    const auto refused = zb::classify_send_response(
        400, R"({"ok":false,"error_code":400,"description":"chat not found"})");
    CHECK(refused.kind == SendOutcomeKind::kPermanent);
    CHECK(refused.code == 400);
    CHECK(refused.reason == "chat not found");
    CHECK(kind(200, R"({"ok":false,"error_code":429,"description":"slow down"})") ==
          SendOutcomeKind::kRetryable);
    CHECK(kind(200, R"({"ok":false})") == SendOutcomeKind::kPermanent);
}

TEST_CASE("Zalo Bot getMe answers are read", "[adapters][zalo_bot]") {
    const auto info = zb::parse_get_me(
        R"({"ok":true,"result":{"id":"2009","account_name":"bot.xa","account_type":"BASIC",)"
        R"("can_join_groups":false}})");
    REQUIRE(info.has_value());
    CHECK(info->id == "2009");
    CHECK(info->account_name == "bot.xa");
    CHECK(info->account_type == "BASIC");
    REQUIRE(info->can_join_groups.has_value());
    CHECK_FALSE(*info->can_join_groups);
    const auto unknown = zb::parse_get_me(R"({"ok":true,"result":{"id":"1"}})");
    REQUIRE(unknown.has_value());
    CHECK_FALSE(unknown->can_join_groups.has_value());
    const auto bad =
        zb::parse_get_me(R"({"ok":false,"error_code":401,"description":"Unauthorized"})");
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().code == 401);
    CHECK_FALSE(zb::parse_get_me("garbage").has_value());
}
