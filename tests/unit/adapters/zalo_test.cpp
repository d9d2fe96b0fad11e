#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "adapters/zalo/zalo_adapter.hpp"
#include "core/time.hpp"
#include "core/utf8.hpp"
#include "tests/unit/adapters/adapter_test_support.hpp"

using namespace tcns;
using adapters::ParseError;
using adapters::SendOutcomeKind;
using adapters::VerifyResult;
using nlohmann::json;
namespace zalo = tcns::adapters::zalo;

namespace {

constexpr std::string_view kAppId = "50554360515256678";
constexpr std::string_view kOaSecret = "Xk9pQ2vR7tY1uI3oP5aS";

/// The header Zalo would send for this body, computed independently with OpenSSL.
std::string mac_for(std::string_view body, std::string_view timestamp,
                    std::string_view app_id = kAppId, std::string_view secret = kOaSecret) {
    std::string input;
    input.append(app_id).append(body).append(timestamp).append(secret);
    return "mac=" + test::openssl_sha256(input);
}

core::InboundEvent only_event(std::string_view fixture) {
    const auto r = zalo::parse_webhook(test::read_fixture(fixture));
    REQUIRE(r.has_value());
    REQUIRE(r->events.size() == 1);
    return r->events[0];
}

}  // namespace

// ---- signature -------------------------------------------------------------------------------

TEST_CASE("a Zalo body signed with app id, body, timestamp and OA secret verifies",
          "[adapters][zalo]") {
    const std::string body = test::read_fixture("zalo/user_send_text.json");
    const std::string header = mac_for(body, "1717061839659");
    CHECK(zalo::verify_signature(body, header, kAppId, kOaSecret) == VerifyResult::kOk);
    // the mac= prefix is optional, and hex case does not matter
    CHECK(zalo::verify_signature(body, header.substr(4), kAppId, kOaSecret) == VerifyResult::kOk);
    CHECK(zalo::verify_signature(body, "MAC=" + test::upper(header.substr(4)), kAppId, kOaSecret) ==
          VerifyResult::kOk);
    CHECK(zalo::verify_signature(body, " " + header + " ", kAppId, kOaSecret) == VerifyResult::kOk);
}

TEST_CASE("a Zalo signature with the wrong secret, app id or body is refused", "[adapters][zalo]") {
    const std::string body = test::read_fixture("zalo/user_send_text.json");
    const std::string ts = "1717061839659";
    CHECK(zalo::verify_signature(body, mac_for(body, ts, kAppId, "app-secret-not-oa-secret"),
                                 kAppId, kOaSecret) == VerifyResult::kBad);
    CHECK(zalo::verify_signature(body, mac_for(body, ts, "388613280878808645"), kAppId,
                                 kOaSecret) == VerifyResult::kBad);
    // HMAC of the body alone, a common wrong implementation
    CHECK(zalo::verify_signature(body, "mac=" + test::openssl_hmac_sha256(kOaSecret, body), kAppId,
                                 kOaSecret) == VerifyResult::kBad);
    // a re-serialised body
    const std::string dumped = json::parse(body).dump();
    REQUIRE(dumped != body);
    CHECK(zalo::verify_signature(dumped, mac_for(body, ts), kAppId, kOaSecret) ==
          VerifyResult::kBad);
    // malformed header values
    CHECK(zalo::verify_signature(body, "mac=", kAppId, kOaSecret) == VerifyResult::kBad);
    CHECK(zalo::verify_signature(body, "mac=abc", kAppId, kOaSecret) == VerifyResult::kBad);
    // unset credentials never accept
    CHECK(zalo::verify_signature(body, mac_for(body, ts, "", ""), "", "") == VerifyResult::kBad);
}

TEST_CASE("a Zalo request without a signature is reported as missing", "[adapters][zalo]") {
    const std::string body = test::read_fixture("zalo/user_send_text.json");
    CHECK(zalo::verify_signature(body, "", kAppId, kOaSecret) == VerifyResult::kMissing);
    CHECK(zalo::verify_signature(body, " \t", kAppId, kOaSecret) == VerifyResult::kMissing);
}

TEST_CASE("the Zalo signature timestamp is read exactly from the body", "[adapters][zalo]") {
    CHECK(zalo::signature_timestamp(R"({"timestamp":"1717061839659"})") == "1717061839659");
    // numbers are printed from the integer, never via a double
    CHECK(zalo::signature_timestamp(R"({"timestamp":9007199254740993})") == "9007199254740993");
    CHECK(zalo::signature_timestamp(R"({"timestamp":"154390853474"})") == "154390853474");
    CHECK_FALSE(zalo::signature_timestamp(R"({"timestamp":1.5e12})").has_value());
    CHECK_FALSE(zalo::signature_timestamp(R"({"event_name":"follow"})").has_value());
    CHECK_FALSE(zalo::signature_timestamp("not json").has_value());

    const std::string numeric = test::read_fixture("zalo/user_send_text_numeric_ids.json");
    CHECK(zalo::verify_signature(numeric, mac_for(numeric, "1717061839660"), kAppId, kOaSecret) ==
          VerifyResult::kOk);
    // A body that is not JSON is reported as such (the webhook route answers 400, not 403).
    CHECK(zalo::verify_signature("{\"app_id\":", "mac=" + std::string(64, 'a'), kAppId,
                                 kOaSecret) == VerifyResult::kMalformedBody);
    // A body without a timestamp cannot be verified.
    const std::string no_ts = R"({"app_id":"1","event_name":"follow"})";
    CHECK(zalo::verify_signature(no_ts, mac_for(no_ts, ""), kAppId, kOaSecret) ==
          VerifyResult::kBad);
}

// ---- parsing ---------------------------------------------------------------------------------

TEST_CASE("a Zalo text becomes a text event keyed by its msg_id", "[adapters][zalo]") {
    const auto e = only_event("zalo/user_send_text.json");
    CHECK(e.kind == core::EventKind::kText);
    CHECK(e.channel == "zalo");
    CHECK(e.event_id == "e2a641af6661713b2874");
    CHECK(e.user_id == "5510185758261927916");
    CHECK(e.text == "Báo cáo tháng 11: đã hỗ trợ 25 hộ cài VNeID");
    CHECK(core::to_unix(e.at) == 1717061839);
}

TEST_CASE("Zalo ids sent as large numbers stay exact", "[adapters][zalo]") {
    const auto e = only_event("zalo/user_send_text_numeric_ids.json");
    CHECK(e.user_id == "9223372036854775807");
    CHECK(e.text == "2");
    CHECK(core::to_unix(e.at) == 1717061839);
}

TEST_CASE("Zalo media messages become unsupported events naming their type", "[adapters][zalo]") {
    for (const std::string type : {"image", "sticker", "gif", "audio", "video", "file", "location",
                                   "link", "business_card"}) {
        INFO(type);
        const auto e = only_event("zalo/user_send_" + type + ".json");
        CHECK(e.kind == core::EventKind::kUnsupported);
        CHECK(e.media_type == type);
        CHECK(e.user_id == "5510185758261927916");
        CHECK(e.event_id.size() == 20);
        CHECK(e.text.empty());
    }
}

TEST_CASE("follow and chat-now start a conversation, unfollow ends it", "[adapters][zalo]") {
    const auto f = only_event("zalo/follow.json");
    CHECK(f.kind == core::EventKind::kStarted);
    CHECK(f.user_id == "246845883529197922");
    CHECK(f.event_id == "follow:246845883529197922:1543979782740");

    const auto c = only_event("zalo/user_click_chatnow.json");
    CHECK(c.kind == core::EventKind::kStarted);
    CHECK(c.user_id == "246845883529197922");

    const auto u = only_event("zalo/unfollow.json");
    CHECK(u.kind == core::EventKind::kUnsubscribed);
    CHECK(u.user_id == "246845883529197922");
    CHECK(u.event_id == "unfollow:246845883529197922:1543979799999");
}

TEST_CASE("user_submit_info shares the user's phone", "[adapters][zalo]") {
    const auto e = only_event("zalo/user_submit_info.json");
    CHECK(e.kind == core::EventKind::kSharedPhone);
    CHECK(e.phone == "84912345678");
    CHECK(e.user_id == "246845883529697922");
    CHECK(e.user_name == "Phạm Thị Dung");
    CHECK(e.event_id == "user_submit_info:246845883529697922:1540368141908");
    // a numeric phone is read from the integer
    const auto r = zalo::parse_webhook(
        R"({"event_name":"user_submit_info","sender":{"id":"1"},"timestamp":"2","info":{"phone":84912345678}})");
    REQUIRE(r.has_value());
    CHECK(r->events.at(0).phone == "84912345678");
}

TEST_CASE("Zalo delivery and read receipts name our message", "[adapters][zalo]") {
    const auto d = only_event("zalo/user_received_message.json");
    CHECK(d.kind == core::EventKind::kReceipt);
    CHECK(d.receipt == "delivered");
    CHECK(d.user_id == "5510185758261927916");
    CHECK(d.message_id == "5f1b9a7d4f21b97fe030");
    CHECK(d.event_id == "user_received_message:5f1b9a7d4f21b97fe030");

    const auto r = zalo::parse_webhook(test::read_fixture("zalo/user_seen_message.json"));
    REQUIRE(r.has_value());
    REQUIRE(r->events.size() == 2);  // msg_id and msg_ids[] merged without duplicates
    CHECK(r->events[0].receipt == "seen");
    CHECK(r->events[0].message_id == "5f1b9a7d4f21b97fe030");
    CHECK(r->events[1].message_id == "6a2c8b8e5032c8a0f141");
    CHECK(r->events[1].event_id == "user_seen_message:6a2c8b8e5032c8a0f141");
}

TEST_CASE("echoes of our own sends and unknown events give no events", "[adapters][zalo]") {
    const auto echo = zalo::parse_webhook(test::read_fixture("zalo/oa_send_text.json"));
    REQUIRE(echo.has_value());
    CHECK(echo->event_type == "oa_send_text");
    CHECK(echo->events.empty());
    for (const std::string name :
         {"user_send_group_text", "user_reacted_message", "add_user_to_tag"}) {
        const auto r = zalo::parse_webhook(R"({"event_name":")" + name +
                                           R"(","sender":{"id":"1"},"timestamp":"2"})");
        REQUIRE(r.has_value());
        CHECK(r->event_type == name);
        CHECK(r->events.empty());
    }
}

TEST_CASE("a Zalo message without msg_id gets a stable composed id", "[adapters][zalo]") {
    const std::string body =
        R"({"event_name":"user_send_text","sender":{"id":"55"},"message":{"text":"hi"},"timestamp":"1717061839659"})";
    const auto a = zalo::parse_webhook(body);
    const auto b = zalo::parse_webhook(body);
    REQUIRE(a.has_value());
    CHECK(a->events.at(0).event_id == "user_send_text:55:1717061839659");
    CHECK(a->events.at(0).event_id == b->events.at(0).event_id);
}

TEST_CASE("malformed or incomplete Zalo bodies are refused without throwing", "[adapters][zalo]") {
    CHECK(zalo::parse_webhook("").error() == ParseError::kMalformedJson);
    CHECK(zalo::parse_webhook("{\"event_name\":\"user_send_text\"").error() ==
          ParseError::kMalformedJson);
    CHECK(zalo::parse_webhook("\"just a string\"").error() == ParseError::kMalformedJson);
    CHECK(zalo::parse_webhook("{}").error() == ParseError::kMissingField);
    CHECK(
        zalo::parse_webhook(R"({"event_name":"user_send_text","message":{"text":"x"}})").error() ==
        ParseError::kMissingField);
    CHECK(zalo::parse_webhook(R"({"event_name":"user_send_text","sender":{"id":"1"},"message":{}})")
              .error() == ParseError::kMissingField);
    CHECK(zalo::parse_webhook(R"({"event_name":"follow","timestamp":"1"})").error() ==
          ParseError::kMissingField);
    CHECK(zalo::parse_webhook(R"({"event_name":"user_submit_info","sender":{"id":"1"},"info":{}})")
              .error() == ParseError::kMissingField);
    CHECK(zalo::parse_webhook(
              R"({"event_name":"user_seen_message","recipient":{"id":"1"},"message":{}})")
              .error() == ParseError::kMissingField);
    CHECK(zalo::parse_webhook(
              R"({"event_name":"user_send_text","sender":{"id":1.5},"message":{"text":"x"}})")
              .error() == ParseError::kMissingField);
}

// ---- rendering -------------------------------------------------------------------------------

TEST_CASE("a Zalo message without buttons renders as plain text", "[adapters][zalo]") {
    const auto bodies = zalo::render_cs_message("5510185758261927916", {"Xin chào!", {}, false});
    REQUIRE(bodies.size() == 1);
    const json j = json::parse(bodies[0]);
    CHECK(j["recipient"]["user_id"] == "5510185758261927916");
    CHECK(j["message"]["text"] == "Xin chào!");
    CHECK_FALSE(j["message"].contains("attachment"));
}

TEST_CASE("Zalo buttons render as oa.query.show template buttons", "[adapters][zalo]") {
    core::OutboundMessage msg{"Tháng này tổ đã họp chưa?", {{"Có", "yes"}, {"Chưa", "no"}}, false};
    const json j = json::parse(zalo::render_cs_message("55", msg).at(0));
    const json& att = j["message"]["attachment"];
    CHECK(j["message"]["text"] == "Tháng này tổ đã họp chưa?");
    CHECK(att["type"] == "template");
    const json& buttons = att["payload"]["buttons"];
    REQUIRE(buttons.size() == 2);
    CHECK(buttons[0]["type"] == "oa.query.show");
    CHECK(buttons[0]["title"] == "Có");
    CHECK(buttons[0]["payload"] == "yes");
    CHECK(buttons[1]["payload"] == "no");
}

TEST_CASE("Zalo buttons are capped in number and title length", "[adapters][zalo]") {
    core::OutboundMessage msg;
    msg.text = "Chọn thôn";
    for (int i = 0; i < 8; ++i)
        msg.buttons.push_back(
            {"Thôn số " + std::to_string(i) + " xã Đông Hưng huyện Tiên Lữ tỉnh Hưng Yên",
             "thon:" + std::to_string(i)});
    const json j = json::parse(zalo::render_cs_message("55", msg).at(0));
    const json& buttons = j["message"]["attachment"]["payload"]["buttons"];
    REQUIRE(buttons.size() == zalo::kMaxButtons);
    for (const auto& b : buttons) {
        CHECK(core::utf8_length(b["title"].get<std::string>()) <= zalo::kMaxButtonTitleChars);
        CHECK(core::is_valid_utf8(b["title"].get<std::string>()));
    }
    CHECK(buttons[4]["payload"] == "thon:4");
}

TEST_CASE("a long Zalo message is split at 2000 characters with buttons last", "[adapters][zalo]") {
    core::OutboundMessage msg;
    for (int i = 0; i < 120; ++i)
        msg.text += "Thôn " + std::to_string(i) + ": chưa báo cáo số liệu tháng.\n";
    msg.buttons = {{"Nhắc lại", "remind"}};
    const auto bodies = zalo::render_cs_message("55", msg);
    REQUIRE(bodies.size() >= 2);
    for (std::size_t i = 0; i < bodies.size(); ++i) {
        const json j = json::parse(bodies[i]);
        CHECK(core::utf8_length(j["message"]["text"].get<std::string>()) <= zalo::kMaxTextChars);
        CHECK(j["message"].contains("attachment") == (i + 1 == bodies.size()));
    }
}

// ---- send classification ---------------------------------------------------------------------

TEST_CASE("Zalo send answers are classified by HTTP status and error code", "[adapters][zalo]") {
    const auto ok = zalo::classify_send_response(
        200,
        R"({"error":0,"message":"Success","data":{"message_id":"5f1b9a7d4f21b97fe030","user_id":"55","quota":{"quota_type":"reply"}}})");
    CHECK(ok.kind == SendOutcomeKind::kSuccess);
    CHECK(ok.message_id == "5f1b9a7d4f21b97fe030");

    struct Row {
        std::optional<int> http;
        std::string body;
        SendOutcomeKind kind;
        int code;
    };
    const auto err = [](int code) {
        return R"({"error":)" + std::to_string(code) + R"(,"message":"m)" + std::to_string(code) +
               "\"}";
    };
    const std::vector<Row> table = {
        {std::nullopt, "", SendOutcomeKind::kRetryable, 0},
        {502, "", SendOutcomeKind::kRetryable, 502},
        {429, "", SendOutcomeKind::kRetryable, 429},
        {200, "gateway says hi", SendOutcomeKind::kRetryable, 200},
        {200, err(-32), SendOutcomeKind::kRetryable, -32},
        {200, err(-216), SendOutcomeKind::kTokenExpired, -216},
        {200, err(-220), SendOutcomeKind::kTokenExpired, -220},
        {401, "", SendOutcomeKind::kTokenExpired, 401},
        {200, err(-213), SendOutcomeKind::kUnreachable, -213},
        {200, err(-227), SendOutcomeKind::kUnreachable, -227},
        {200, err(-230), SendOutcomeKind::kUnreachable, -230},
        {200, err(-232), SendOutcomeKind::kUnreachable, -232},
        {200, err(-244), SendOutcomeKind::kUnreachable, -244},
        {200, err(-201), SendOutcomeKind::kPermanent, -201},
        {200, err(-210), SendOutcomeKind::kPermanent, -210},
        {200, err(-211), SendOutcomeKind::kPermanent, -211},
        {200,
         R"({"error":"-230","message":"User has not interacted with the OA in the past 7 days"})",
         SendOutcomeKind::kUnreachable, -230},
        {404, "", SendOutcomeKind::kPermanent, 404},
    };
    for (const auto& row : table) {
        INFO(row.http.value_or(-1) << " " << row.body);
        const auto o = zalo::classify_send_response(row.http, row.body);
        CHECK(o.kind == row.kind);
        CHECK(o.code == row.code);
        CHECK_FALSE(o.reason.empty());
    }
    CHECK(zalo::classify_send_response(200, err(-230)).reason == "m-230");
}

// ---- OAuth refresh ---------------------------------------------------------------------------

TEST_CASE("the refresh form carries the refresh token, app id and grant type", "[adapters][zalo]") {
    CHECK(zalo::render_refresh_form("rt+/=abc", "50554360515256678") ==
          "refresh_token=rt%2B%2F%3Dabc&app_id=50554360515256678&grant_type=refresh_token");
}

TEST_CASE("a token answer gives both tokens and the lifetime as string or number",
          "[adapters][zalo]") {
    const auto s = zalo::parse_token_response(
        R"({"access_token":"AT-new","refresh_token":"RT-new","expires_in":"90000"})");
    REQUIRE(s.has_value());
    CHECK(s->access_token == "AT-new");
    CHECK(s->refresh_token == "RT-new");
    CHECK(s->expires_in_seconds == 90000);
    const auto n =
        zalo::parse_token_response(R"({"access_token":"a","refresh_token":"r","expires_in":3600})");
    REQUIRE(n.has_value());
    CHECK(n->expires_in_seconds == 3600);
    const auto missing = zalo::parse_token_response(R"({"access_token":"a","refresh_token":"r"})");
    REQUIRE(missing.has_value());
    CHECK(missing->expires_in_seconds == zalo::kDefaultExpiresInSeconds);
}

TEST_CASE("an error or empty token answer never yields a token pair", "[adapters][zalo]") {
    const auto refused = zalo::parse_token_response(
        R"({"error":-14020,"error_name":"Invalid refresh token","error_reason":"refresh token was used","error_description":"Refresh token is invalid"})");
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().reason.find("-14020") != std::string::npos);
    CHECK(refused.error().reason.find("Invalid refresh token") != std::string::npos);

    for (const std::string body :
         {R"({"access_token":"","refresh_token":"r","expires_in":"90000"})",
          R"({"access_token":"a","expires_in":"90000"})", R"({"refresh_token":"r"})",
          R"({"error_name":"invalid_grant","access_token":"a","refresh_token":"r"})",
          R"({"error":"-118","message":"Invalid app_id"})", R"({})", "", "<html>502</html>",
          R"({"access_token":null,"refresh_token":null})"}) {
        INFO(body);
        const auto r = zalo::parse_token_response(body);
        REQUIRE_FALSE(r.has_value());
        CHECK_FALSE(r.error().reason.empty());
    }
    // A refusal never echoes a token back into a log line.
    const auto partial =
        zalo::parse_token_response(R"({"access_token":"SECRET-AT","refresh_token":""})");
    REQUIRE_FALSE(partial.has_value());
    CHECK(partial.error().reason.find("SECRET-AT") == std::string::npos);
}

TEST_CASE("the signature timestamp is read as the DOM reader read it", "[adapters][zalo]") {
    // The former reader: parse the whole body, then id_string(root["timestamp"]).
    auto dom = [](const std::string& body) -> std::optional<std::string> {
        const auto root = nlohmann::json::parse(body, nullptr, false);
        if (root.is_discarded() || !root.is_object() || !root.contains("timestamp"))
            return std::nullopt;
        const auto& v = root["timestamp"];
        std::optional<std::string> s;
        if (v.is_string())
            s = v.get<std::string>();
        else if (v.is_number_unsigned())
            s = std::to_string(v.get<std::uint64_t>());
        else if (v.is_number_integer())
            s = std::to_string(v.get<std::int64_t>());
        if (!s || s->empty()) return std::nullopt;
        return s;
    };
    const std::vector<std::string> bodies = {
        R"({"timestamp":"1717061839659"})",
        R"({"a":1,"timestamp":1717061839659})",
        R"({"timestamp":-5})",
        R"({"timestamp":18446744073709551615})",
        R"({"timestamp":18446744073709551616})",
        R"({"timestamp":1.5})",
        R"({"timestamp":""})",
        R"({"timestamp":null})",
        R"({"timestamp":true})",
        R"({"timestamp":["1"]})",
        R"({"timestamp":{"timestamp":"1"}})",
        R"({"timestamp":"1","timestamp":"2"})",
        R"({"timestamp":"1","timestamp":{}})",
        R"({"timestamp":{},"timestamp":"3"})",
        R"({"message":{"timestamp":"9"},"x":[{"timestamp":"8"}]})",
        R"({"message":{"timestamp":"9"},"timestamp":"7"})",
        R"([{"timestamp":"1"}])",
        R"("timestamp")",
        R"({"timestamp":"1"} trailing)",
        R"({"timestamp":"1")",
        "{\"timestamp\":\"1\xff\"}",
        "",
    };
    for (const auto& b : bodies) {
        INFO(b);
        CHECK(zalo::signature_timestamp(b) == dom(b));
    }
}
