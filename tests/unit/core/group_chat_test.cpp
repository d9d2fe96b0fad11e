#include "core/group_chat.hpp"

#include <catch2/catch.hpp>

#include "bot/templates.hpp"

using namespace tcns::core;

namespace {

/// The words of templates/words.vi.json, as in production.
const Words& words() {
    static const Words w = tcns::bot::load_templates(TCNS_SOURCE_DIR "/templates").words;
    return w;
}

GroupCommandKind kind(std::string_view text) {
    return classify_group_text(text, words()).kind;
}

}  // namespace

TEST_CASE("a group link is read with or without diacritics, the code after the words") {
    for (const char* text : {"liên kết nhóm K7P2XM", "lien ket nhom k7p2xm",
                             "Liên Kết Nhóm  K7P2XM!", "LIÊN KẾT NHÓM K7P2XM"}) {
        INFO(text);
        const auto c = classify_group_text(text, words());
        CHECK(c.kind == GroupCommandKind::kLink);
        CHECK((c.arg == "k7p2xm"));
    }
    const auto bare = classify_group_text("liên kết nhóm", words());
    CHECK(bare.kind == GroupCommandKind::kLink);
    CHECK(bare.arg.empty());
}

TEST_CASE("a group's roll-up and missing-teams questions carry their month") {
    CHECK(kind("tổng hợp") == GroupCommandKind::kRollup);
    CHECK(kind("tong hop") == GroupCommandKind::kRollup);
    CHECK(kind("Chưa nộp") == GroupCommandKind::kMissing);
    CHECK(kind("chua nop") == GroupCommandKind::kMissing);
    const auto c = classify_group_text("chưa nộp 10/2026", words());
    CHECK(c.kind == GroupCommandKind::kMissing);
    CHECK(c.arg == "10/2026");
}

TEST_CASE(
    "report commands, quick reports, difficulties and bare numbers are sent to a private "
    "chat") {
    for (const char* text : {"bc", "báo cáo", "BC 120 45 30", "bc120", "bc tháng 11", "bc t11",
                             "sửa 3", "tt", "khó khăn: mất sóng", "120", "120 45, 30"}) {
        INFO(text);
        CHECK(kind(text) == GroupCommandKind::kPrivateOnly);
    }
}

TEST_CASE("group chatter gets no answer") {
    for (const char* text : {"ok", "có", "gửi anh nhé", "chào cả nhà", "cảm ơn", "qua", "k", "",
                             "bcd", "mai họp lúc 8 giờ", "chưa nộp được vì mất sóng"}) {
        INFO(text);
        CHECK(kind(text) == GroupCommandKind::kNone);
    }
}

TEST_CASE("a group's summary month is the month just closed in the first ten days") {
    const Instant early = from_vietnam(LocalDateTime{{2026, 12, 7}, 9, 0, 0});
    const Instant later = from_vietnam(LocalDateTime{{2026, 12, 11}, 9, 0, 0});
    CHECK(group_summary_period("", early)->str() == "2026-11");
    CHECK(group_summary_period("", later)->str() == "2026-12");
    CHECK(group_summary_period("9/2026", later)->str() == "2026-09");
    CHECK(group_summary_period("2026-10", later)->str() == "2026-10");
    CHECK_FALSE(group_summary_period("hôm qua", later));
}

TEST_CASE("a group's copy of a notice has its own key beside the officials'") {
    CHECK(group_notice_key("summary:C:2026-11", 3) == "summary:C:2026-11:g3");
    CHECK(group_notice_key("difficulty:17", 12) == "difficulty:17:g12");
}
