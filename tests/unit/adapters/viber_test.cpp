#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "adapters/viber/viber_adapter.hpp"
#include "core/time.hpp"
#include "core/utf8.hpp"
#include "tests/unit/adapters/adapter_test_support.hpp"

using namespace tcns;
using adapters::ParseError;
using adapters::SendOutcomeKind;
using adapters::VerifyResult;
using nlohmann::json;
namespace viber = tcns::adapters::viber;

namespace {

constexpr std::string_view kToken = "4453b6ac12345678-e02c5f12174805f9-daec9cbb5b4c2fd1";

core::InboundEvent only_event(std::string_view fixture) {
    const auto r = viber::parse_webhook(test::read_fixture(fixture));
    REQUIRE(r.has_value());
    REQUIRE(r->events.size() == 1);
    return r->events[0];
}

}  // namespace

// ---- signature -------------------------------------------------------------------------------

TEST_CASE("the official Viber signature test vector verifies", "[adapters][viber]") {
    const std::string token = "44dafb7e0f40021e-61a47a1e6778d187-f2c5a676a07050b3";
    const std::string body =
        R"({"event":"webhook","timestamp":4977069964384421269,"message_token":1478683725125})";
    const std::string sig = "d21b343448c8aee33b8e93768ef6ceb64a6ba6163099973a2b8bd028fea510ef";
    CHECK(viber::verify_signature(body, sig, token) == VerifyResult::kOk);
    CHECK(viber::verify_signature(body, test::upper(sig), token) == VerifyResult::kOk);
    CHECK(viber::verify_signature(body, " " + sig + "\r\n", token) == VerifyResult::kOk);
}

TEST_CASE("a re-serialised Viber body no longer verifies", "[adapters][viber]") {
    const std::string token = "44dafb7e0f40021e-61a47a1e6778d187-f2c5a676a07050b3";
    const std::string sig = "d21b343448c8aee33b8e93768ef6ceb64a6ba6163099973a2b8bd028fea510ef";
    const std::string reserialised =
        R"({"event": "webhook", "timestamp": 4977069964384421269, "message_token": 1478683725125})";
    CHECK(viber::verify_signature(reserialised, sig, token) == VerifyResult::kBad);
    const std::string raw = test::read_fixture("viber/message_text.json");
    const std::string dumped = json::parse(raw).dump();
    REQUIRE(dumped != raw);
    CHECK(viber::verify_signature(dumped, test::openssl_hmac_sha256(kToken, raw), kToken) ==
          VerifyResult::kBad);
}

TEST_CASE("a Viber fixture signed with the bot token verifies, and nothing else does",
          "[adapters][viber]") {
    const std::string body = test::read_fixture("viber/message_text.json");
    const std::string sig = test::openssl_hmac_sha256(kToken, body);
    CHECK(viber::verify_signature(body, sig, kToken) == VerifyResult::kOk);
    CHECK(viber::verify_signature(body, test::upper(sig), kToken) == VerifyResult::kOk);
    // wrong key
    CHECK(viber::verify_signature(body, test::openssl_hmac_sha256("other-token", body), kToken) ==
          VerifyResult::kBad);
    // one byte of the body changed
    std::string tampered = body;
    tampered[tampered.find("báo") == std::string::npos ? 10 : tampered.find("báo")] = 'B';
    CHECK(viber::verify_signature(tampered, sig, kToken) == VerifyResult::kBad);
    // malformed header values
    CHECK(viber::verify_signature(body, sig.substr(0, 63), kToken) == VerifyResult::kBad);
    CHECK(viber::verify_signature(body, "sha256=" + sig, kToken) == VerifyResult::kBad);
    CHECK(viber::verify_signature(body, std::string(64, 'z'), kToken) == VerifyResult::kBad);
    // an unset token never accepts
    CHECK(viber::verify_signature(body, test::openssl_hmac_sha256("", body), "") ==
          VerifyResult::kBad);
}

TEST_CASE("a Viber request without a signature is reported as missing", "[adapters][viber]") {
    const std::string body = test::read_fixture("viber/message_text.json");
    CHECK(viber::verify_signature(body, "", kToken) == VerifyResult::kMissing);
    CHECK(viber::verify_signature(body, "  ", kToken) == VerifyResult::kMissing);
}

// ---- parsing ---------------------------------------------------------------------------------

TEST_CASE("a Viber text message becomes a text event keyed by its token", "[adapters][viber]") {
    const auto e = only_event("viber/message_text.json");
    CHECK(e.kind == core::EventKind::kText);
    CHECK(e.channel == "viber");
    CHECK(e.event_id == "message:5741311803571721087");
    CHECK(e.user_id == "01234567890A=");
    CHECK(e.user_name == "Nguyễn Văn An");
    CHECK(e.text == "Tổ công nghệ số cộng đồng thôn Đông: đã báo cáo 😀");
    CHECK(core::to_unix(e.at) == 1735689600);
}

TEST_CASE("a Viber message token above 2^63 stays exact", "[adapters][viber]") {
    const auto e = only_event("viber/message_huge_token.json");
    CHECK(e.event_id == "message:18446744073709551615");
    CHECK(e.text == "1");
    CHECK(e.user_id == "jc9HsWTZ2Yf2NkRZ8KcNug==");
}

TEST_CASE("Viber media messages become unsupported events naming their type", "[adapters][viber]") {
    for (const std::string type : {"picture", "video", "file", "sticker", "location", "url"}) {
        INFO(type);
        const auto e = only_event("viber/message_" + type + ".json");
        CHECK(e.kind == core::EventKind::kUnsupported);
        CHECK(e.media_type == type);
        CHECK(e.user_id == "01234567890A=");
        CHECK(e.event_id.rfind("message:57413118035717210", 0) == 0);
        CHECK(e.text.empty());
    }
}

TEST_CASE("a shared Viber contact is unsupported but keeps the phone", "[adapters][viber]") {
    const auto e = only_event("viber/message_contact.json");
    CHECK(e.kind == core::EventKind::kUnsupported);
    CHECK(e.media_type == "contact");
    CHECK(e.phone == "+84912345678");
}

TEST_CASE("conversation_started carries the deep-link context as the invite code",
          "[adapters][viber]") {
    const auto e = only_event("viber/conversation_started.json");
    CHECK(e.kind == core::EventKind::kStarted);
    CHECK(e.text == "INV-7K3Q9");
    CHECK(e.user_id == "01234567890A=");
    CHECK(e.user_name == "Nguyễn Văn An");
    CHECK(e.event_id == "conversation_started:5741311803571721095");

    const auto plain = only_event("viber/conversation_started_no_context.json");
    CHECK(plain.kind == core::EventKind::kStarted);
    CHECK(plain.text.empty());
}

TEST_CASE("subscribed and unsubscribed become their events", "[adapters][viber]") {
    const auto s = only_event("viber/subscribed.json");
    CHECK(s.kind == core::EventKind::kSubscribed);
    CHECK(s.user_id == "01234567890A=");
    CHECK(s.event_id == "subscribed:5741311803571721097");

    const auto u = only_event("viber/unsubscribed.json");
    CHECK(u.kind == core::EventKind::kUnsubscribed);
    CHECK(u.user_id == "jc9HsWTZ2Yf2NkRZ8KcNug==");
    CHECK(u.event_id == "unsubscribed:5741311803571721098");
}

TEST_CASE("delivered, seen and failed become receipts for our message", "[adapters][viber]") {
    for (const std::string name : {"delivered", "seen", "failed"}) {
        INFO(name);
        const auto e = only_event("viber/" + name + ".json");
        CHECK(e.kind == core::EventKind::kReceipt);
        CHECK(e.receipt == name);
        CHECK(e.message_id == "5741311803571721099");
        CHECK(e.user_id == "jc9HsWTZ2Yf2NkRZ8KcNug==");
        CHECK(e.event_id == name + ":5741311803571721099:jc9HsWTZ2Yf2NkRZ8KcNug==");
    }
    CHECK(only_event("viber/failed.json").reason == "message validation failed");
}

TEST_CASE("the set-webhook callback and unknown events are accepted with no events",
          "[adapters][viber]") {
    for (const std::string name : {"webhook", "client_status"}) {
        const auto r = viber::parse_webhook(test::read_fixture("viber/" + name + ".json"));
        REQUIRE(r.has_value());
        CHECK(r->event_type == name);
        CHECK(r->events.empty());
    }
}

TEST_CASE("malformed or incomplete Viber bodies are refused without throwing",
          "[adapters][viber]") {
    CHECK(viber::parse_webhook("").error() == ParseError::kMalformedJson);
    CHECK(viber::parse_webhook("{\"event\":").error() == ParseError::kMalformedJson);
    CHECK(viber::parse_webhook("[1,2]").error() == ParseError::kMalformedJson);
    CHECK(viber::parse_webhook("\xff\xfe").error() == ParseError::kMalformedJson);
    CHECK(viber::parse_webhook("{}").error() == ParseError::kMissingField);
    CHECK(viber::parse_webhook(R"({"event":42})").error() == ParseError::kMissingField);
    CHECK(viber::parse_webhook(
              R"({"event":"message","message_token":1,"message":{"type":"text","text":"x"}})")
              .error() == ParseError::kMissingField);
    CHECK(
        viber::parse_webhook(
            R"({"event":"message","message_token":1,"sender":{"id":"u"},"message":{"type":"text"}})")
            .error() == ParseError::kMissingField);
    CHECK(viber::parse_webhook(R"({"event":"delivered","message_token":1})").error() ==
          ParseError::kMissingField);
    // A token too large for 64 bits has lost its digits: refused rather than rounded.
    CHECK(viber::parse_webhook(R"({"event":"delivered","message_token":1e30,"user_id":"u"})")
              .error() == ParseError::kMissingField);
}

TEST_CASE("a deeply nested Viber body is refused without crashing", "[adapters][viber]") {
    const std::string deep = std::string(100000, '[') + std::string(100000, ']');
    CHECK(viber::parse_webhook(deep).error() == ParseError::kMalformedJson);
    const std::string deep_field =
        R"({"event":"message","x":)" + std::string(50000, '[') + std::string(50000, ']') + "}";
    CHECK(viber::parse_webhook(deep_field).error() == ParseError::kMissingField);
}

// ---- rendering -------------------------------------------------------------------------------

TEST_CASE("a Viber message without buttons renders as plain text", "[adapters][viber]") {
    core::OutboundMessage msg{"Chào anh An!", {}, false};
    const auto bodies = viber::render_send_message("01234567890A=", msg, {"Tổ CNS", ""});
    REQUIRE(bodies.size() == 1);
    const json j = json::parse(bodies[0]);
    CHECK(j["receiver"] == "01234567890A=");
    CHECK(j["type"] == "text");
    CHECK(j["text"] == "Chào anh An!");
    CHECK(j["sender"]["name"] == "Tổ CNS");
    CHECK_FALSE(j["sender"].contains("avatar"));
    CHECK_FALSE(j.contains("keyboard"));
    CHECK_FALSE(j.contains("tracking_data"));
    CHECK(j["min_api_version"] == 1);
}

TEST_CASE("Viber buttons render as a reply keyboard with the needed API version",
          "[adapters][viber]") {
    core::OutboundMessage msg{"Tháng này tổ đã họp chưa?", {{"Có", "yes"}, {"Chưa", "no"}}, false};
    const auto bodies = viber::render_send_message(
        "01234567890A=", msg, {"Tổ CNS", "https://example.com/a.png"}, "step:3");
    REQUIRE(bodies.size() == 1);
    const json j = json::parse(bodies[0]);
    CHECK(j["sender"]["avatar"] == "https://example.com/a.png");
    CHECK(j["tracking_data"] == "step:3");
    CHECK(j["min_api_version"] == viber::kKeyboardMinApiVersion);
    const json& kb = j["keyboard"];
    CHECK(kb["Type"] == "keyboard");
    REQUIRE(kb["Buttons"].size() == 2);
    CHECK(kb["Buttons"][0]["ActionType"] == "reply");
    CHECK(kb["Buttons"][0]["ActionBody"] == "yes");
    CHECK(kb["Buttons"][0]["Text"] == "Có");
    CHECK(kb["Buttons"][1]["ActionBody"] == "no");
    CHECK(kb["Buttons"][0]["Columns"] == 3);
    CHECK(kb["Buttons"][0]["Rows"] == 1);
}

TEST_CASE("Viber button layout and labels stay within the keyboard limits", "[adapters][viber]") {
    core::OutboundMessage msg;
    msg.text = "Chọn thôn";
    for (int i = 0; i < 15; ++i)
        msg.buttons.push_back({"Thôn <" + std::to_string(i) + "> rất dài " + std::string(300, 'x'),
                               "thon:" + std::to_string(i)});
    const json j = json::parse(viber::render_send_message("u", msg, {"Bot", ""})[0]);
    const json& buttons = j["keyboard"]["Buttons"];
    CHECK(buttons.size() == 12);
    for (const auto& b : buttons) {
        CHECK(b["Columns"] == 6);
        CHECK(core::utf8_length(b["Text"].get<std::string>()) <= viber::kMaxButtonTextChars);
    }
    CHECK(buttons[0]["Text"].get<std::string>().rfind("Thôn &lt;0&gt;", 0) == 0);
    // A long sender name is cut to Viber's 28 characters.
    const json named = json::parse(
        viber::render_send_message("u", {"x", {}, false}, {std::string(40, 'N'), ""})[0]);
    CHECK(named["sender"]["name"] == std::string(28, 'N'));
}

TEST_CASE("a long Viber message is split with the keyboard on the last part", "[adapters][viber]") {
    core::OutboundMessage msg;
    for (int i = 0; i < 400; ++i)
        msg.text += "Dòng số " + std::to_string(i) + " của báo cáo tháng.\n";
    msg.buttons = {{"Xong", "done"}};
    REQUIRE(core::utf8_length(msg.text) > viber::kMaxTextChars);
    const auto bodies = viber::render_send_message("u", msg, {"Bot", ""});
    REQUIRE(bodies.size() == 2);
    const json first = json::parse(bodies[0]);
    const json last = json::parse(bodies[1]);
    CHECK(core::utf8_length(first["text"].get<std::string>()) <= viber::kMaxTextChars);
    CHECK_FALSE(first.contains("keyboard"));
    CHECK(last["keyboard"]["Buttons"].size() == 1);
    CHECK(bodies[0].size() < 30 * 1024);
}

TEST_CASE("a Viber message of emoji stays under the 30 KB request limit", "[adapters][viber]") {
    core::OutboundMessage msg;
    for (int i = 0; i < 7000; ++i) msg.text += "😀";  // 7,000 characters, 28,000 bytes
    msg.buttons = {{"Xong", "done"}};
    const auto bodies = viber::render_send_message("u", msg, {"Bot", ""});
    REQUIRE(bodies.size() == 2);
    for (const auto& b : bodies) CHECK(b.size() < 30 * 1024);
}

TEST_CASE("the Viber welcome message is a send_message body without a receiver",
          "[adapters][viber]") {
    core::OutboundMessage msg{"Chào mừng đến với Tổ CNS!", {{"Bắt đầu", "start"}}, false};
    const json j = json::parse(viber::render_welcome(msg, {"Tổ CNS", ""}));
    CHECK_FALSE(j.contains("receiver"));
    CHECK(j["type"] == "text");
    CHECK(j["text"] == "Chào mừng đến với Tổ CNS!");
    CHECK(j["sender"]["name"] == "Tổ CNS");
    CHECK(j["keyboard"]["Buttons"][0]["ActionBody"] == "start");
    CHECK(j["min_api_version"] == viber::kKeyboardMinApiVersion);
    CHECK_FALSE(j.contains("tracking_data"));
    CHECK(json::parse(viber::render_welcome(msg, {"B", ""}, "invite:INV-7K3Q9"))["tracking_data"] ==
          "invite:INV-7K3Q9");
    const json cut =
        json::parse(viber::render_welcome({std::string(8000, 'a'), {}, false}, {"B", ""}));
    CHECK(cut["text"].get<std::string>().size() == viber::kMaxTextChars);
}

// ---- send classification ---------------------------------------------------------------------

TEST_CASE("Viber send answers are classified by HTTP status and Viber status",
          "[adapters][viber]") {
    const auto ok = viber::classify_send_response(
        200,
        R"({"status":0,"status_message":"ok","message_token":18446744073709551615,"billing_status":1})");
    CHECK(ok.kind == SendOutcomeKind::kSuccess);
    CHECK(ok.message_id == "18446744073709551615");

    struct Row {
        std::optional<int> http;
        std::string body;
        SendOutcomeKind kind;
        int code;
    };
    const std::vector<Row> table = {
        {std::nullopt, "", SendOutcomeKind::kRetryable, 0},
        {500, "", SendOutcomeKind::kRetryable, 500},
        {503, "<html>", SendOutcomeKind::kRetryable, 503},
        {429, "", SendOutcomeKind::kRetryable, 429},
        {200, "<html>oops</html>", SendOutcomeKind::kRetryable, 200},
        {200, R"({"status":12,"status_message":"Too many requests"})", SendOutcomeKind::kRetryable,
         12},
        {200, R"({"status":5,"status_message":"receiverNotRegistered"})",
         SendOutcomeKind::kUnreachable, 5},
        {200, R"({"status":6,"status_message":"receiverNotSubscribed"})",
         SendOutcomeKind::kUnreachable, 6},
        {200, R"({"status":11,"status_message":"receiverNoSuitableDevice"})",
         SendOutcomeKind::kUnreachable, 11},
        {200, R"({"status":23,"status_message":"freeMessagesExceeded"})",
         SendOutcomeKind::kUnreachable, 23},
        {200, R"({"status":24,"status_message":"noBalance"})", SendOutcomeKind::kUnreachable, 24},
        {200, R"({"status":2,"status_message":"invalidAuthToken"})", SendOutcomeKind::kPermanent,
         2},
        {200, R"({"status":3,"status_message":"badData"})", SendOutcomeKind::kPermanent, 3},
        {200, R"({"status":13,"status_message":"apiVersionNotSupported"})",
         SendOutcomeKind::kPermanent, 13},
        {200, R"({"status":99})", SendOutcomeKind::kPermanent, 99},
        {400, "", SendOutcomeKind::kPermanent, 400},
        {401, "", SendOutcomeKind::kPermanent, 401},
    };
    for (const auto& row : table) {
        INFO(row.http.value_or(-1) << " " << row.body);
        const auto o = viber::classify_send_response(row.http, row.body);
        CHECK(o.kind == row.kind);
        CHECK(o.code == row.code);
        if (row.kind != SendOutcomeKind::kSuccess) CHECK_FALSE(o.reason.empty());
    }
    CHECK(viber::classify_send_response(200,
                                        R"({"status":6,"status_message":"receiverNotSubscribed"})")
              .reason == "receiverNotSubscribed");
}

// ---- set_webhook -----------------------------------------------------------------------------

TEST_CASE("set_webhook bodies name the URL and the wanted events", "[adapters][viber]") {
    const json all =
        json::parse(viber::render_set_webhook("https://bot.example.vn/viber", std::nullopt));
    CHECK(all["url"] == "https://bot.example.vn/viber");
    CHECK_FALSE(all.contains("event_types"));
    CHECK(all["send_name"] == true);
    CHECK(all["send_photo"] == false);
    const json some = json::parse(viber::render_set_webhook(
        "https://bot.example.vn/viber",
        std::vector<std::string>{"delivered", "failed", "conversation_started"}, false, true));
    CHECK(some["event_types"] == json::array({"delivered", "failed", "conversation_started"}));
    CHECK(some["send_name"] == false);
    const json none = json::parse(viber::render_set_webhook("", std::vector<std::string>{}));
    CHECK(none["url"] == "");
    CHECK(none["event_types"].empty());
}

TEST_CASE("set_webhook answers give the event types or the failure", "[adapters][viber]") {
    const auto ok = viber::parse_set_webhook_response(
        R"({"status":0,"status_message":"ok","event_types":["delivered","seen","failed","subscribed","unsubscribed","conversation_started"]})");
    REQUIRE(ok.has_value());
    CHECK(ok->size() == 6);
    const auto bad = viber::parse_set_webhook_response(
        R"({"status":1,"status_message":"Result[HttpResponse[HTTP/1.1 419 unknown status]]","chat_hostname":"SN-CHAT-06_"})");
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().status == 1);
    CHECK(bad.error().message.find("419") != std::string::npos);
    const auto garbage = viber::parse_set_webhook_response("not json");
    REQUIRE_FALSE(garbage.has_value());
    CHECK(garbage.error().status == -1);
}

TEST_CASE("a message without its keyboard lists the buttons' labels in the text",
          "[adapters][viber]") {
    core::OutboundMessage m;
    m.text = "Chọn một";
    m.buttons = {{"Có", "yes"}, {"Không", "no"}};
    const auto plain = adapters::viber::without_keyboard(m);
    CHECK(plain.buttons.empty());
    CHECK(plain.text == "Chọn một\n\n1. Có\n2. Không");
    const auto body = json::parse(adapters::viber::render_send_message("U", plain, {"Bot", ""})[0]);
    CHECK(body["min_api_version"] == 1);
    CHECK_FALSE(body.contains("keyboard"));

    // A message asking for a number: a typed digit is an answer, so no numbers on the options.
    m.expects_number = true;
    CHECK(adapters::viber::without_keyboard(m).text == "Chọn một\n\n• Có\n• Không");
    // Without buttons nothing changes.
    core::OutboundMessage bare;
    bare.text = "Cảm ơn";
    CHECK(adapters::viber::without_keyboard(bare).text == "Cảm ơn");
}

TEST_CASE("a send without any HTTP answer is flagged as maybe delivered", "[adapters][viber]") {
    CHECK(adapters::viber::classify_send_response(std::nullopt, "").no_answer);
    CHECK_FALSE(adapters::viber::classify_send_response(500, "").no_answer);
    CHECK(adapters::viber::classify_send_response(200, R"({"status":13})").kind ==
          SendOutcomeKind::kPermanent);
}
