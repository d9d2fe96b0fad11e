#include "core/messages.hpp"

#include <fmt/format.h>

#include <iterator>

#include "core/vietnamese.hpp"

namespace tcns::core {

std::string fill_template(std::string_view tmpl, const Params& params) {
    std::string out;
    out.reserve(tmpl.size() + 32);
    std::size_t i = 0;
    while (i < tmpl.size()) {
        const char c = tmpl[i];
        if (c == '{') {
            const std::size_t close = tmpl.find('}', i + 1);
            if (close != std::string_view::npos) {
                const std::string_view name = tmpl.substr(i + 1, close - i - 1);
                bool found = false;
                for (const auto& [k, v] : params) {
                    if (k == name) {
                        out += v;
                        found = true;
                        break;
                    }
                }
                if (found) {
                    i = close + 1;
                    continue;
                }
            }
        }
        out.push_back(c);
        ++i;
    }
    return out;
}

Messages::Messages(std::map<std::string, std::string> texts)
    : texts_(std::make_move_iterator(texts.begin()), std::make_move_iterator(texts.end())) {}

std::string Messages::render(std::string_view key, const Params& params) const {
    const auto it = texts_.find(key);
    if (it == texts_.end()) return "[" + std::string(key) + "]";
    return fill_template(it->second, params);
}

}  // namespace tcns::core

namespace tcns::core {

std::string deadline_words(Instant deadline, const Messages& messages) {
    const LocalDateTime at = to_vietnam(deadline);
    if (at.hour == 0 && at.minute == 0 && at.second == 0) {
        const Date d = to_vietnam(deadline - std::chrono::seconds(1)).date;
        return messages.render("deadline.end_of_day",
                               {{"day", fmt::format("{:02}/{:02}/{:04}", d.day, d.month, d.year)}});
    }
    return messages.render(
        "deadline.at_time",
        {{"time", fmt::format("{:02}:{:02}", at.hour, at.minute)},
         {"day", fmt::format("{:02}/{:02}/{:04}", at.date.day, at.date.month, at.date.year)}});
}

const std::vector<std::string_view>& required_message_keys() {
    static const std::vector<std::string_view> kKeys = {
        "already_submitted",
        "answer_ambiguous",
        "answer_approximate",
        "answer_choose_one",
        "answer_confirm",
        "answer_confirm_word",
        "answer_echo",
        "answer_fraction",
        "answer_negative",
        "answer_not_number",
        "answer_out_of_range",
        "answer_percent",
        "answer_range",
        "answer_required",
        "deadline.end_of_day",
        "deadline.at_time",
        "answer_text_too_long",
        "answer_too_large",
        "back_first_question",
        "button_back",
        "button_cancel",
        "button_edit",
        "button_keep",
        "button_no",
        "button_right",
        "button_send",
        "button_skip",
        "button_yes",
        "button_zero",
        "can_do_deputy",
        "can_do_leader",
        "can_do_member",
        "can_do_official",
        "cancel_aborted",
        "cancel_confirm",
        "cancel_done",
        "cancel_revision_confirm",
        "cancel_revision_done",
        "category_text_prompt",
        "check_at_least",
        "check_at_most",
        "choose_category",
        "choose_team",
        "choose_team_invalid",
        "deadline_passed",
        "difficulty_empty",
        "difficulty_no_team",
        "difficulty_recorded",
        "difficulty_too_long",
        "edit_unknown",
        "edit_which",
        "greeting_name",
        "help_leader",
        "help_member",
        "help_official",
        "link_ask_code",
        "link_code_expired",
        "link_code_unknown",
        "link_code_unknown_last",
        "link_code_used",
        "link_phone_not_found",
        "link_wait",
        "link_welcome",
        "link_welcome_no_team",
        "member_cannot_report",
        "no_draft",
        "no_draft_member",
        "no_team",
        "not_understood",
        "official_no_report",
        "payload_back",
        "payload_cancel",
        "payload_edit",
        "payload_keep",
        "payload_no",
        "payload_right",
        "payload_send",
        "payload_skip",
        "payload_yes",
        "payload_zero",
        "question",
        "question_current",
        "question_last",
        "question_target",
        "quick_bad_reason",
        "quick_bad_value",
        "quick_check_at_least",
        "quick_check_at_most",
        "quick_comma_thousands",
        "quick_confirm_footer",
        "quick_confirm_header",
        "quick_confirm_hint",
        "quick_confirm_value",
        "quick_missing",
        "quick_read",
        "quick_spaced",
        "quick_too_many",
        "receipt",
        "receipt_late",
        "receipt_on_time",
        "receipt_revision",
        "report_resume",
        "report_start",
        "status_draft",
        "status_not_submitted",
        "status_submitted",
        "status_submitted_late",
        "submit_missing",
        "summary_footer",
        "summary_header",
        "summary_header_revision",
        "summary_hint",
        "summary_line",
        "summary_missing",
        "summary_skipped",
        "summary_warning",
        "thanks_reply",
        "time_left",
        "unsupported_media",
        "choose_period",
        "choose_period_button",
        "choose_period_invalid",
        "conflict_confirm",
        "conflict_line",
        "conflict_same",
        "conflict_submitted",
        "filed.revised",
        "filed.submitted",
        "draft_change_line",
        "draft_changed_by_other",
        "form_changed",
        "month_not_open",
        "quick_missed_month",
        "receipt_revised_after_deadline",
        "report_resume_shared",
        "status_missed",
        "status_revised_after_deadline",
        "summary_revision_of",
        "summary_revision_of_unknown",
    };
    return kKeys;
}

}  // namespace tcns::core
