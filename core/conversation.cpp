#include "core/conversation.hpp"

#include <algorithm>
#include <cctype>

#include "core/number.hpp"
#include "core/utf8.hpp"
#include "core/vietnamese.hpp"

namespace tcns::core {
namespace {

constexpr int kMaxWrongCodes = 5;
constexpr std::chrono::hours kWrongCodeWindow{1};

// ---- words and commands -------------------------------------------------------------------

/// Folded text without trailing punctuation: "Bỏ Qua!" -> "bo qua".
std::string command_key(std::string_view text) {
    std::string k = fold_vietnamese(text);
    while (!k.empty() && (k.back() == '.' || k.back() == '!' || k.back() == ' ' ||
                          k.back() == ',' || k.back() == ';')) {
        k.pop_back();
    }
    return k;
}

bool is_one_of(const std::string& key, std::initializer_list<std::string_view> words) {
    return std::any_of(words.begin(), words.end(), [&](std::string_view w) { return key == w; });
}

enum class Cmd {
    kNone,
    kReport,
    kStatus,
    kHelp,
    kBack,
    kSkip,
    kSubmit,
    kEdit,
    kCancel,
    kYes,
    kNo,
    kSummary,
    kMissing,
    kWeb,
};

/// Recognises the fixed commands; `arg` receives what follows "sửa".
Cmd parse_command(const std::string& key, std::string& arg) {
    if (is_one_of(key, {"bao cao", "bc", "baocao", "nop bao cao", "bao cao thang"}))
        return Cmd::kReport;
    if (is_one_of(key, {"trang thai", "tt", "tinh trang"})) return Cmd::kStatus;
    if (is_one_of(key, {"huong dan", "?", "hd", "help", "tro giup", "menu", "lenh"}))
        return Cmd::kHelp;
    if (is_one_of(key, {"quay lai", "ql", "lui", "tro lai"})) return Cmd::kBack;
    if (is_one_of(key, {"bo qua", "bq", "skip", "qua"})) return Cmd::kSkip;
    if (is_one_of(key, {"gui", "nop", "gui bao cao", "gui di", "send"})) return Cmd::kSubmit;
    if (is_one_of(key, {"huy", "huy bo", "huy bao cao"})) return Cmd::kCancel;
    if (is_one_of(key, {"co", "dong y", "xac nhan", "ok", "dung", "giu nguyen", "giu", "yes", "u",
                        "uh", "vang", "da", "co huy"}))
        return Cmd::kYes;
    if (is_one_of(key, {"khong", "ko", "k", "no", "thoi", "khong huy"})) return Cmd::kNo;
    if (is_one_of(key, {"web", "dang nhap", "dang nhap web"})) return Cmd::kWeb;
    for (std::string_view w : {"tong hop", "th", "chua nop"}) {
        if (key == w || key.rfind(std::string(w) + " ", 0) == 0) {
            arg = key.size() > w.size() ? std::string(trim(key.substr(w.size()))) : "";
            // "chưa nộp được vì mất sóng" is a sentence, not "chưa nộp 2026-10".
            if (w != "tong hop" && !arg.empty() &&
                (arg.find(' ') != std::string::npos ||
                 !std::isdigit(static_cast<unsigned char>(arg.front())))) {
                arg.clear();
                return Cmd::kNone;
            }
            return w == "chua nop" ? Cmd::kMissing : Cmd::kSummary;
        }
    }
    if (key == "sua" || key.rfind("sua ", 0) == 0) {
        arg = key.size() > 4 ? key.substr(4) : "";
        return Cmd::kEdit;
    }
    return Cmd::kNone;
}

/// "khó khăn: mất sóng" → "mất sóng" (original spelling kept); nullopt when not a difficulty.
std::optional<std::string> difficulty_text(std::string_view text) {
    const std::string_view t = trim(text);
    const std::size_t colon = t.find(':');
    if (colon != std::string_view::npos) {
        const std::string head = command_key(t.substr(0, colon));
        if (is_one_of(head, {"kho khan", "kk", "vuong mac", "kho khan vuong mac"})) {
            return std::string(trim(t.substr(colon + 1)));
        }
        return std::nullopt;
    }
    const std::string key = fold_vietnamese(t);
    if (key.rfind("kho khan ", 0) == 0 || key == "kho khan") {
        // Drop the first two words of the original text.
        std::size_t pos = 0;
        for (int words = 0; words < 2; ++words) {
            while (pos < t.size() && t[pos] != ' ') ++pos;
            while (pos < t.size() && t[pos] == ' ') ++pos;
        }
        return std::string(trim(t.substr(pos)));
    }
    return std::nullopt;
}

/// "bc 120 45 30" → the values' words; nullopt when not a quick report.
std::optional<std::vector<std::string>> quick_report_values(std::string_view text) {
    const std::string key = fold_vietnamese(text);
    std::string_view rest;
    if (key.rfind("bc ", 0) == 0) {
        rest = std::string_view(key).substr(3);
    } else if (key.rfind("bao cao ", 0) == 0) {
        rest = std::string_view(key).substr(8);
    } else {
        return std::nullopt;
    }
    rest = trim(rest);
    if (rest.empty() || !std::isdigit(static_cast<unsigned char>(rest.front())))
        return std::nullopt;
    std::vector<std::string> values;
    std::string cur;
    for (char c : rest) {
        if (c == ' ' || c == ';' || c == '/' || c == '|' || c == '\t') {
            if (!cur.empty()) values.push_back(std::move(cur));
            cur.clear();
        } else {
            cur.push_back(c);
        }
    }
    if (!cur.empty()) values.push_back(std::move(cur));
    return values;
}

// ---- formatting ---------------------------------------------------------------------------

/// 1200 → "1.200", the way Vietnamese writes thousands.
std::string format_count(std::int64_t v) {
    std::string digits = std::to_string(v);
    std::string out;
    const int n = static_cast<int>(digits.size());
    for (int i = 0; i < n; ++i) {
        if (i > 0 && (n - i) % 3 == 0) out.push_back('.');
        out.push_back(digits[static_cast<std::size_t>(i)]);
    }
    return out;
}

std::string period_display(const std::string& period) {
    // "2026-11" → "11/2026"
    if (period.size() == 7) return period.substr(5, 2) + "/" + period.substr(0, 4);
    return period;
}

// ---- the machine --------------------------------------------------------------------------

class Machine {
  public:
    Machine(const ConversationState& s, const InboundEvent& e, Instant now,
            const ConversationContext& ctx)
        : st_(s), ev_(e), now_(now), ctx_(ctx), items_(ctx.form.enabled_items()) {}

    StepResult run();

  private:
    // helpers
    std::string msg(std::string_view key, const Params& p = {}) const {
        return ctx_.messages.render(key, p);
    }
    void say(std::string text, std::vector<QuickReply> buttons = {}, bool number = false) {
        OutboundMessage m;
        m.text = std::move(text);
        m.buttons = std::move(buttons);
        m.expects_number = number;
        out_.replies.push_back(std::move(m));
    }
    QuickReply button(std::string_view label_key, std::string_view payload_key) const {
        return QuickReply{msg(label_key), msg(payload_key)};
    }
    const TeamFacts* team(std::optional<TeamId> id) const {
        if (!id) return nullptr;
        for (const auto& t : ctx_.teams)
            if (t.id == *id) return &t;
        return nullptr;
    }
    std::vector<const TeamFacts*> filing_teams() const {
        std::vector<const TeamFacts*> out;
        for (const auto& t : ctx_.teams)
            if (can_file_report(t.role)) out.push_back(&t);
        return out;
    }
    std::string time_left() const;
    /// The last minute a report is on time: "23:59 29/11/2026" for a deadline at 00:00 on the
    /// 30th, which is how people read "before the 30th".
    std::string deadline_text() const {
        return format_vietnam_short(ctx_.deadline - std::chrono::seconds{1});
    }
    bool draft_active() const {
        return st_.step == Step::kAsking || st_.step == Step::kConfirmingCheck ||
               st_.step == Step::kSummary ||
               (st_.step == Step::kConfirmingCancel && st_.cancel_return != Step::kIdle);
    }
    std::string value_text(const FormItem& item, const Answer* a) const;

    // flows
    void unlinked();
    void linked_text();
    void unsupported();
    void help();
    void status();
    void start_report(std::optional<TeamId> chosen, std::optional<std::vector<std::string>> quick);
    void begin_draft(const TeamFacts& t);
    void quick_report(const TeamFacts& t, const std::vector<std::string>& values);
    void ask();
    void answer(const std::string& raw);
    void store_and_advance(const FormItem& item, Answer a);
    void summary();
    void submit();
    void edit(const std::string& arg);
    void difficulty(const std::string& text);
    void summary_request(Cmd cmd, const std::string& arg);
    void reprompt();
    void reset_draft() {
        const int wrong = st_.wrong_codes;
        const auto since = st_.wrong_codes_since;
        st_ = ConversationState{};
        st_.wrong_codes = wrong;
        st_.wrong_codes_since = since;
    }

    ConversationState st_;
    const InboundEvent& ev_;
    Instant now_;
    const ConversationContext& ctx_;
    std::vector<const FormItem*> items_;
    StepResult out_;
};

std::string Machine::time_left() const {
    const auto left = ctx_.deadline - now_;
    if (left <= std::chrono::seconds{0}) return msg("deadline_passed");
    const auto hours = std::chrono::duration_cast<std::chrono::hours>(left).count();
    return msg("time_left",
               {{"days", std::to_string(hours / 24)}, {"hours", std::to_string(hours % 24)}});
}

std::string Machine::value_text(const FormItem& item, const Answer* a) const {
    if (!a) return msg("summary_missing");
    if (a->skipped) return msg("summary_skipped");
    if (item.type == ItemType::kCount && a->number) {
        return item.unit.empty() ? format_count(*a->number)
                                 : format_count(*a->number) + " " + item.unit;
    }
    if (item.type == ItemType::kChoice || !a->choice.empty()) {
        std::string label = a->choice;
        for (const auto& c : item.choices)
            if (c.code == a->choice) label = c.label;
        if (item.type == ItemType::kChoice) return label;
        return "[" + label + "] " + a->text;
    }
    return a->text;
}

StepResult Machine::run() {
    // Receipts and unsubscribes never get an answer.
    if (ev_.kind == EventKind::kReceipt || ev_.kind == EventKind::kUnsubscribed) {
        out_.state = st_;
        return std::move(out_);
    }
    if (!ctx_.person) {
        unlinked();
    } else if (ev_.kind == EventKind::kUnsupported || ev_.kind == EventKind::kSharedPhone) {
        unsupported();
    } else if (ev_.kind == EventKind::kStarted || ev_.kind == EventKind::kSubscribed) {
        say(msg("welcome_back", {{"name", ctx_.person_name}}));
        if (draft_active()) {
            reprompt();
        }
    } else {
        linked_text();
    }
    out_.state = st_;
    return std::move(out_);
}

void Machine::unlinked() {
    // Throttle: after 5 wrong codes in an hour the account waits out the hour.
    if (st_.wrong_codes_since && now_ - *st_.wrong_codes_since >= kWrongCodeWindow) {
        st_.wrong_codes = 0;
        st_.wrong_codes_since.reset();
    }
    if (ev_.kind == EventKind::kSharedPhone) {
        if (ctx_.phone_match && ctx_.phone_match->status == InviteCheck::Status::kValid) {
            out_.effects.push_back(LinkAccount{ctx_.phone_match->person, ""});
            say(msg("link_welcome", {{"name", ctx_.phone_match->person_name},
                                     {"team", ctx_.phone_match->team_name}}));
            st_ = ConversationState{};
        } else {
            say(msg("link_phone_not_found"));
        }
        return;
    }
    const bool has_code = ev_.kind == EventKind::kText ||
                          (ev_.kind == EventKind::kStarted && !trim(ev_.text).empty());
    if (!has_code || !looks_like_invite_code(ev_.text)) {
        if (ev_.kind == EventKind::kUnsupported) {
            say(msg("unsupported_media"));
        }
        say(msg("link_ask_code"));
        return;
    }
    if (st_.wrong_codes >= kMaxWrongCodes && st_.wrong_codes_since) {
        const auto wait = *st_.wrong_codes_since + kWrongCodeWindow - now_;
        const auto minutes = std::chrono::duration_cast<std::chrono::minutes>(wait).count() + 1;
        say(msg("link_wait", {{"minutes", std::to_string(minutes)}}));
        return;
    }
    if (ctx_.invite && ctx_.invite->status == InviteCheck::Status::kValid) {
        out_.effects.push_back(LinkAccount{ctx_.invite->person, std::string(trim(ev_.text))});
        say(msg("link_welcome",
                {{"name", ctx_.invite->person_name}, {"team", ctx_.invite->team_name}}));
        st_ = ConversationState{};
        return;
    }
    if (st_.wrong_codes == 0) st_.wrong_codes_since = now_;
    ++st_.wrong_codes;
    const auto status = ctx_.invite ? ctx_.invite->status : InviteCheck::Status::kUnknown;
    const char* key = status == InviteCheck::Status::kExpired ? "link_code_expired"
                      : status == InviteCheck::Status::kUsed  ? "link_code_used"
                                                              : "link_code_unknown";
    say(msg(key, {{"left", std::to_string(kMaxWrongCodes - st_.wrong_codes)}}));
}

void Machine::unsupported() {
    say(msg("unsupported_media"));
    if (draft_active()) reprompt();
}

void Machine::help() {
    const bool files = !filing_teams().empty();
    say(msg(files ? "help_leader" : (ctx_.official ? "help_official" : "help_member")));
    if (draft_active()) reprompt();
}

void Machine::status() {
    const auto teams = filing_teams();
    const TeamFacts* t = team(st_.team);
    if (!t && !teams.empty()) t = teams.front();
    if (!t && !ctx_.teams.empty()) t = &ctx_.teams.front();
    if (!t) {
        say(msg(ctx_.official ? "help_official" : "no_team"));
        return;
    }
    const std::string period = st_.period.empty() ? ctx_.period.str() : st_.period;
    Params p{{"period", period_display(period)},
             {"team", t->name},
             {"deadline", deadline_text()},
             {"time_left", time_left()}};
    std::string text;
    if (t->revision > 0 && t->submitted_at) {
        p.push_back({"revision", std::to_string(t->revision)});
        p.push_back({"time", format_vietnam_short(*t->submitted_at)});
        text = msg(t->late ? "status_submitted_late" : "status_submitted", p);
    } else {
        text = msg("status_not_submitted", p);
    }
    if (draft_active()) {
        std::size_t answered = 0;
        for (const FormItem* item : items_)
            if (st_.answers.count(item->code)) ++answered;
        text += "\n" + msg("status_draft", {{"answered", std::to_string(answered)},
                                            {"total", std::to_string(items_.size())}});
    }
    say(std::move(text));
    if (draft_active()) reprompt();
}

void Machine::linked_text() {
    const std::string& raw = ev_.text;
    // While the form's own difficulty question is open, "khó khăn: …" answers it.
    const bool asking_text = st_.step == Step::kAsking && st_.index < items_.size() &&
                             items_[st_.index]->type == ItemType::kText;
    if (auto d = difficulty_text(raw); d && !asking_text) {
        difficulty(*d);
        return;
    }
    const std::string key = command_key(raw);
    std::string arg;
    const Cmd cmd = parse_command(key, arg);

    // Commands that work in every state.
    if (cmd == Cmd::kHelp) return help();
    if (cmd == Cmd::kStatus) return status();
    // Typed while the form asks for a text ("tổng hợp ý kiến …"), it is the answer.
    if ((cmd == Cmd::kSummary || cmd == Cmd::kMissing) && !asking_text)
        return summary_request(cmd, arg);
    if (cmd == Cmd::kWeb && !asking_text) {
        if (ctx_.official && ctx_.official_unit && ctx_.person)
            out_.effects.push_back(RequestSignInLink{*ctx_.person, *ctx_.official_unit});
        else
            say(msg("web.not_official"));
        if (draft_active()) reprompt();
        return;
    }
    if (auto quick = quick_report_values(raw)) return start_report(std::nullopt, quick);
    if (cmd == Cmd::kReport) {
        if (draft_active() && st_.step != Step::kConfirmingCancel) {
            const TeamFacts* t = team(st_.team);
            std::size_t answered = 0;
            for (const FormItem* item : items_)
                if (st_.answers.count(item->code)) ++answered;
            say(msg("report_resume", {{"period", period_display(st_.period)},
                                      {"team", t ? t->name : ""},
                                      {"answered", std::to_string(answered)},
                                      {"total", std::to_string(items_.size())}}));
            if (st_.step == Step::kSummary) return summary();
            return reprompt();
        }
        return start_report(std::nullopt, std::nullopt);
    }

    switch (st_.step) {
        case Step::kIdle:
            if (cmd == Cmd::kEdit) return start_report(std::nullopt, std::nullopt);
            if (cmd == Cmd::kSubmit || cmd == Cmd::kBack || cmd == Cmd::kSkip ||
                cmd == Cmd::kCancel) {
                say(msg("no_draft"));
                return;
            }
            say(msg("not_understood"));
            return;
        case Step::kChoosingTeam: {
            if (cmd == Cmd::kCancel || cmd == Cmd::kBack) {
                reset_draft();
                say(msg("cancel_done"));
                return;
            }
            std::optional<TeamId> chosen;
            for (std::size_t i = 0; i < st_.team_choices.size(); ++i) {
                const TeamFacts* t = team(st_.team_choices[i]);
                if (!t) continue;
                if (key == std::to_string(i + 1) || key == fold_vietnamese(t->code) ||
                    key == fold_vietnamese(t->name)) {
                    chosen = t->id;
                }
            }
            if (!chosen) {
                say(msg("choose_team_invalid"));
                return start_report(std::nullopt, std::nullopt);
            }
            return start_report(chosen, std::nullopt);
        }
        case Step::kAsking:
            if (cmd == Cmd::kCancel) {
                st_.cancel_return = st_.step;
                st_.step = Step::kConfirmingCancel;
                say(msg("cancel_confirm"),
                    {button("button_yes", "payload_yes"), button("button_no", "payload_no")});
                return;
            }
            if (cmd == Cmd::kBack) {
                st_.pending_category.clear();
                if (st_.return_to_summary) {
                    st_.return_to_summary = false;
                    return summary();
                }
                if (st_.index == 0) {
                    say(msg("back_first_question"));
                    return ask();
                }
                --st_.index;
                return ask();
            }
            if (cmd == Cmd::kEdit && !arg.empty()) return edit(arg);
            if (cmd == Cmd::kSubmit && st_.return_to_summary) {
                st_.return_to_summary = false;
                return summary();
            }
            return answer(raw);
        case Step::kConfirmingCheck: {
            if (cmd == Cmd::kYes) {
                const FormItem* item = ctx_.form.find(st_.pending_item);
                st_.step = Step::kAsking;
                if (!item) return ask();
                Answer a;
                a.number = st_.pending_value;
                st_.pending_item.clear();
                return store_and_advance(*item, std::move(a));
            }
            if (cmd == Cmd::kBack || cmd == Cmd::kNo) {
                st_.pending_item.clear();
                st_.step = Step::kAsking;
                return ask();
            }
            if (cmd == Cmd::kCancel) {
                st_.pending_item.clear();
                st_.cancel_return = Step::kAsking;
                st_.step = Step::kConfirmingCancel;
                say(msg("cancel_confirm"),
                    {button("button_yes", "payload_yes"), button("button_no", "payload_no")});
                return;
            }
            // Anything else is a corrected value for the same question.
            st_.pending_item.clear();
            st_.step = Step::kAsking;
            return answer(raw);
        }
        case Step::kSummary:
            if (cmd == Cmd::kSubmit || cmd == Cmd::kYes) return submit();
            if (cmd == Cmd::kEdit) return edit(arg);
            if (cmd == Cmd::kBack) {
                st_.index = items_.empty() ? 0 : items_.size() - 1;
                st_.step = Step::kAsking;
                return ask();
            }
            if (cmd == Cmd::kCancel) {
                st_.cancel_return = Step::kSummary;
                st_.step = Step::kConfirmingCancel;
                say(msg(st_.revising ? "cancel_revision_confirm" : "cancel_confirm"),
                    {button("button_yes", "payload_yes"), button("button_no", "payload_no")});
                return;
            }
            // "sửa" is the usual slip: a bare item number or code means "edit it".
            for (std::size_t i = 0; i < items_.size(); ++i) {
                if (key == std::to_string(i + 1) || key == fold_vietnamese(items_[i]->code)) {
                    return edit(key);
                }
            }
            say(msg("summary_hint"));
            return;
        case Step::kConfirmingCancel:
            if (cmd == Cmd::kYes) {
                const bool revising = st_.revising;
                reset_draft();
                say(msg(revising ? "cancel_revision_done" : "cancel_done"));
                return;
            }
            st_.step = st_.cancel_return;
            say(msg("cancel_aborted"));
            if (st_.step == Step::kSummary) return summary();
            if (st_.step == Step::kAsking) return ask();
            return;
    }
}

void Machine::start_report(std::optional<TeamId> chosen,
                           std::optional<std::vector<std::string>> quick) {
    const auto teams = filing_teams();
    if (teams.empty()) {
        if (!ctx_.teams.empty()) {
            say(msg("member_cannot_report", {{"team", ctx_.teams.front().name}}));
        } else {
            say(msg(ctx_.official ? "official_no_report" : "no_team"));
        }
        return;
    }
    const TeamFacts* t = nullptr;
    if (chosen) {
        t = team(chosen);
    } else if (teams.size() == 1) {
        t = teams.front();
    } else if (draft_active() && team(st_.team)) {
        t = team(st_.team);
    }
    if (!t) {
        st_ = [&] {
            ConversationState s;
            s.wrong_codes = st_.wrong_codes;
            s.wrong_codes_since = st_.wrong_codes_since;
            return s;
        }();
        st_.step = Step::kChoosingTeam;
        std::vector<QuickReply> buttons;
        std::string list;
        for (std::size_t i = 0; i < teams.size(); ++i) {
            st_.team_choices.push_back(teams[i]->id);
            buttons.push_back(QuickReply{teams[i]->name, teams[i]->code});
            list += "\n" + std::to_string(i + 1) + ". " + teams[i]->name + " (" +
                    teams[i]->unit_name + ")";
        }
        say(msg("choose_team", {{"teams", list}}), std::move(buttons));
        return;
    }
    if (quick) return quick_report(*t, *quick);
    begin_draft(*t);
}

void Machine::begin_draft(const TeamFacts& t) {
    reset_draft();
    st_.team = t.id;
    st_.period = ctx_.period.str();
    if (t.revision > 0) {
        // Already submitted: start a revision from the latest values, at the summary.
        st_.answers = t.submitted;
        st_.revising = true;
        say(msg("already_submitted",
                {{"period", period_display(st_.period)},
                 {"team", t.name},
                 {"revision", std::to_string(t.revision)},
                 {"time", t.submitted_at ? format_vietnam_short(*t.submitted_at) : ""}}));
        return summary();
    }
    say(msg("report_start", {{"period", period_display(st_.period)},
                             {"team", t.name},
                             {"unit", t.unit_name},
                             {"total", std::to_string(items_.size())},
                             {"deadline", deadline_text()}}));
    st_.step = Step::kAsking;
    st_.index = 0;
    ask();
}

void Machine::quick_report(const TeamFacts& t, const std::vector<std::string>& values) {
    std::vector<const FormItem*> counts;
    for (const FormItem* item : items_)
        if (item->type == ItemType::kCount) counts.push_back(item);
    if (values.size() > counts.size()) {
        say(msg("quick_too_many", {{"given", std::to_string(values.size())},
                                   {"expected", std::to_string(counts.size())}}));
        return;
    }
    Answers answers;
    for (std::size_t i = 0; i < values.size(); ++i) {
        const FormItem& item = *counts[i];
        const auto n = parse_count(values[i]);
        if (!n || *n < item.min || *n > item.max) {
            say(msg("quick_bad_value", {{"position", std::to_string(i + 1)},
                                        {"code", item.code},
                                        {"label", item.label},
                                        {"input", values[i]},
                                        {"min", format_count(item.min)},
                                        {"max", format_count(item.max)}}));
            return;
        }
        Answer a;
        a.number = *n;
        answers[item.code] = a;
    }
    for (std::size_t i = values.size(); i < counts.size(); ++i) {
        if (counts[i]->required) {
            say(msg("quick_missing", {{"position", std::to_string(i + 1)},
                                      {"code", counts[i]->code},
                                      {"label", counts[i]->label},
                                      {"given", std::to_string(values.size())}}));
            return;
        }
    }
    const bool revising = t.revision > 0;
    reset_draft();
    st_.team = t.id;
    st_.period = ctx_.period.str();
    st_.revising = revising;
    // Optional text items keep what a revision had; otherwise they are simply skipped.
    for (const FormItem* item : items_) {
        if (item->type != ItemType::kCount) {
            const auto it = t.submitted.find(item->code);
            if (revising && it != t.submitted.end()) {
                answers[item->code] = it->second;
            } else if (!item->required) {
                Answer skip;
                skip.skipped = true;
                answers[item->code] = skip;
            }
        }
    }
    st_.answers = std::move(answers);
    summary();
}

void Machine::ask() {
    st_.step = Step::kAsking;
    if (st_.index >= items_.size()) return summary();
    const FormItem& item = *items_[st_.index];
    const TeamFacts* t = team(st_.team);
    Params p{{"n", std::to_string(st_.index + 1)},
             {"total", std::to_string(items_.size())},
             {"code", item.code},
             {"label", item.label},
             {"prompt", item.prompt},
             {"unit", item.unit}};
    std::string text = msg("question", p);
    if (t && item.type == ItemType::kCount) {
        if (auto it = t->last_values.find(item.code); it != t->last_values.end()) {
            text += "\n" + msg("question_last",
                               {{"value", format_count(it->second)}, {"unit", item.unit}});
        }
        if (auto it = t->targets.find(item.code); it != t->targets.end()) {
            text += "\n" + msg("question_target",
                               {{"value", format_count(it->second)}, {"unit", item.unit}});
        }
    }
    if (auto it = st_.answers.find(item.code); it != st_.answers.end()) {
        text += "\n" + msg("question_current", {{"value", value_text(item, &it->second)}});
    }
    std::vector<QuickReply> buttons;
    bool number = item.type == ItemType::kCount;
    if (item.type == ItemType::kChoice ||
        (item.type == ItemType::kText && !item.choices.empty() && st_.pending_category.empty())) {
        if (item.type == ItemType::kText) text += "\n" + msg("choose_category");
        for (const auto& c : item.choices) buttons.push_back(QuickReply{c.label, c.label});
    } else if (item.type == ItemType::kText && !st_.pending_category.empty()) {
        std::string label = st_.pending_category;
        for (const auto& c : item.choices)
            if (c.code == st_.pending_category) label = c.label;
        text = msg("category_text_prompt", {{"category", label}, {"label", item.label}});
    }
    if (number) buttons.push_back(button("button_zero", "payload_zero"));
    if (!item.required) buttons.push_back(button("button_skip", "payload_skip"));
    if (st_.index > 0 || st_.return_to_summary)
        buttons.push_back(button("button_back", "payload_back"));
    say(std::move(text), std::move(buttons), number);
}

void Machine::reprompt() {
    if (st_.step == Step::kSummary) return summary();
    if (st_.step == Step::kConfirmingCheck) {
        st_.step = Step::kAsking;
        st_.pending_item.clear();
    }
    if (st_.step == Step::kAsking) return ask();
}

void Machine::answer(const std::string& raw) {
    if (st_.index >= items_.size()) return summary();
    const FormItem& item = *items_[st_.index];
    const std::string key = command_key(raw);
    std::string arg;
    const Cmd cmd = parse_command(key, arg);
    if (cmd == Cmd::kSkip) {
        if (item.required) {
            say(msg("answer_required", {{"label", item.label}}));
            return ask();
        }
        Answer a;
        a.skipped = true;
        st_.pending_category.clear();
        return store_and_advance(item, std::move(a));
    }
    switch (item.type) {
        case ItemType::kCount: {
            const auto n = parse_count(raw);
            if (!n) {
                const char* key_err = "answer_not_number";
                switch (n.error()) {
                    case CountError::kNegative:
                        key_err = "answer_negative";
                        break;
                    case CountError::kFraction:
                        key_err = "answer_fraction";
                        break;
                    case CountError::kTooLarge:
                        key_err = "answer_too_large";
                        break;
                    case CountError::kAmbiguous:
                        key_err = "answer_ambiguous";
                        break;
                    default:
                        break;
                }
                say(msg(key_err, {{"input", std::string(trim(raw))}, {"label", item.label}}), {},
                    true);
                return ask();
            }
            if (*n < item.min || *n > item.max) {
                say(msg("answer_out_of_range", {{"label", item.label},
                                                {"min", format_count(item.min)},
                                                {"max", format_count(item.max)}}));
                return ask();
            }
            // Soft checks against the answers already given.
            Answers trial = st_.answers;
            trial[item.code].number = *n;
            trial[item.code].skipped = false;
            for (const auto& [a, b] : failed_checks(ctx_.form, trial)) {
                if (a != item.code && b != item.code) continue;
                const SoftCheck* check = nullptr;
                for (const auto& c : ctx_.form.checks)
                    if (c.item == a && c.other == b) check = &c;
                const FormItem* ia = ctx_.form.find(a);
                const FormItem* ib = ctx_.form.find(b);
                if (!check || !ia || !ib) continue;
                st_.step = Step::kConfirmingCheck;
                st_.pending_item = item.code;
                st_.pending_value = *n;
                say(msg(check->kind == CheckKind::kAtMost ? "check_at_most" : "check_at_least",
                        {{"label", ia->label},
                         {"value", format_count(*trial[a].number)},
                         {"other_label", ib->label},
                         {"other_value", format_count(*trial[b].number)}}),
                    {button("button_keep", "payload_keep"), button("button_back", "payload_back")},
                    true);
                return;
            }
            Answer a;
            a.number = *n;
            return store_and_advance(item, std::move(a));
        }
        case ItemType::kChoice: {
            for (std::size_t i = 0; i < item.choices.size(); ++i) {
                const auto& c = item.choices[i];
                if (key == fold_vietnamese(c.label) || key == fold_vietnamese(c.code) ||
                    key == std::to_string(i + 1)) {
                    Answer a;
                    a.choice = c.code;
                    return store_and_advance(item, std::move(a));
                }
            }
            say(msg("answer_choose_one"));
            return ask();
        }
        case ItemType::kText: {
            if (!item.choices.empty() && st_.pending_category.empty()) {
                for (const auto& c : item.choices) {
                    if (key == fold_vietnamese(c.label) || key == fold_vietnamese(c.code)) {
                        st_.pending_category = c.code;
                        return ask();
                    }
                }
            }
            const std::string_view text = trim(raw);
            if (text.empty()) return ask();
            if (cmd == Cmd::kNo && !item.required) {
                // "không" to "any difficulties?" means none.
                Answer a;
                a.skipped = true;
                st_.pending_category.clear();
                return store_and_advance(item, std::move(a));
            }
            Answer a;
            a.text = std::string(text.substr(0, utf8_offset(text, item.max_length)));
            if (!item.choices.empty()) {
                a.choice =
                    st_.pending_category.empty() ? classify_difficulty(text) : st_.pending_category;
            }
            st_.pending_category.clear();
            if (utf8_length(text) > item.max_length) {
                say(msg("answer_text_cut", {{"max", std::to_string(item.max_length)}}));
            }
            return store_and_advance(item, std::move(a));
        }
    }
}

void Machine::store_and_advance(const FormItem& item, Answer a) {
    st_.answers[item.code] = std::move(a);
    st_.step = Step::kAsking;
    if (st_.return_to_summary) {
        st_.return_to_summary = false;
        return summary();
    }
    ++st_.index;
    // Questions are always asked in order; one already answered shows its current value.
    if (st_.index >= items_.size()) return summary();
    ask();
}

void Machine::summary() {
    st_.step = Step::kSummary;
    st_.return_to_summary = false;
    const TeamFacts* t = team(st_.team);
    std::string text = msg(st_.revising ? "summary_header_revision" : "summary_header",
                           {{"period", period_display(st_.period)}, {"team", t ? t->name : ""}});
    for (std::size_t i = 0; i < items_.size(); ++i) {
        const FormItem& item = *items_[i];
        const auto it = st_.answers.find(item.code);
        text += "\n" +
                msg("summary_line",
                    {{"n", std::to_string(i + 1)},
                     {"code", item.code},
                     {"label", item.label},
                     {"value", value_text(item, it == st_.answers.end() ? nullptr : &it->second)}});
    }
    for (const auto& [a, b] : failed_checks(ctx_.form, st_.answers)) {
        const FormItem* ia = ctx_.form.find(a);
        const FormItem* ib = ctx_.form.find(b);
        if (ia && ib)
            text +=
                "\n" + msg("summary_warning", {{"label", ia->label}, {"other_label", ib->label}});
    }
    text += "\n" + msg("summary_footer");
    say(std::move(text),
        {button("button_send", "payload_send"), button("button_edit", "payload_edit"),
         button("button_cancel", "payload_cancel")});
}

void Machine::edit(const std::string& arg) {
    if (st_.step == Step::kIdle) return start_report(std::nullopt, std::nullopt);
    const std::string a = std::string(trim(arg));
    if (a.empty()) {
        say(msg("edit_which"), {}, true);
        return;
    }
    for (std::size_t i = 0; i < items_.size(); ++i) {
        if (a == std::to_string(i + 1) || a == fold_vietnamese(items_[i]->code)) {
            st_.index = i;
            st_.return_to_summary = true;
            st_.pending_category.clear();
            return ask();
        }
    }
    say(msg("edit_unknown", {{"input", a}, {"total", std::to_string(items_.size())}}));
}

void Machine::submit() {
    const TeamFacts* t = team(st_.team);
    if (!t) {
        reset_draft();
        say(msg("no_team"));
        return;
    }
    for (std::size_t i = 0; i < items_.size(); ++i) {
        const FormItem& item = *items_[i];
        if (item.required && !st_.answers.count(item.code)) {
            say(msg("submit_missing", {{"label", item.label}}));
            st_.index = i;
            return ask();
        }
    }
    SubmitReport r;
    r.team = t->id;
    r.period = st_.period;
    r.revision = t->revision + 1;
    r.late = now_ >= ctx_.deadline;
    for (const FormItem* item : items_) {
        if (auto it = st_.answers.find(item->code); it != st_.answers.end())
            r.answers[item->code] = it->second;
    }
    Params p{{"period", period_display(st_.period)},
             {"team", t->name},
             {"time", format_vietnam_short(now_)},
             {"revision", std::to_string(r.revision)},
             {"deadline", deadline_text()}};
    std::string text = msg(r.revision == 1 ? "receipt" : "receipt_revision", p);
    text += "\n" + msg(r.late ? "receipt_late" : "receipt_on_time", p);
    out_.effects.push_back(std::move(r));
    reset_draft();
    say(std::move(text));
}

void Machine::difficulty(const std::string& text) {
    const TeamFacts* t = team(st_.team);
    if (!t && !ctx_.teams.empty()) {
        const auto teams = filing_teams();
        t = teams.empty() ? &ctx_.teams.front() : teams.front();
    }
    if (!t) {
        say(msg("difficulty_no_team"));
        return;
    }
    if (trim(text).empty()) {
        say(msg("difficulty_empty"));
        return;
    }
    const std::string period = draft_active() ? st_.period : ctx_.period.str();
    RecordDifficulty d;
    d.team = t->id;
    d.period = period;
    d.category = classify_difficulty(text);
    d.text = std::string(trim(text).substr(0, utf8_offset(trim(text), 1000)));
    std::string label = d.category;
    for (const FormItem* item : items_)
        for (const auto& c : item->choices)
            if (c.code == d.category) label = c.label;
    say(msg("difficulty_recorded",
            {{"team", t->name}, {"period", period_display(period)}, {"category", label}}));
    out_.effects.push_back(std::move(d));
    if (draft_active()) reprompt();
}

/// "2026-10" or "10/2026"; nullopt otherwise.
std::optional<MonthPeriod> parse_month_arg(const std::string& arg) {
    if (auto p = MonthPeriod::parse(arg)) return p;
    const auto slash = arg.find('/');
    if (slash == std::string::npos) return std::nullopt;
    std::string month = arg.substr(0, slash);
    if (month.size() == 1) month = "0" + month;
    return MonthPeriod::parse(arg.substr(slash + 1) + "-" + month);
}

void Machine::summary_request(Cmd cmd, const std::string& arg) {
    if (!ctx_.official || !ctx_.official_unit) {
        say(msg("summary.not_official"));
        if (draft_active()) reprompt();
        return;
    }
    // Without a month: the one just closed during the first ten days (late reports still come
    // in and officials chase them), then the month in progress.
    MonthPeriod period = ctx_.period;
    if (to_vietnam(now_).date.day <= 10) period = MonthPeriod::containing(now_).previous();
    if (!arg.empty()) {
        const auto p = parse_month_arg(arg);
        if (!p) {
            say(msg("summary.bad_period", {{"input", arg}}));
            return;
        }
        period = *p;
    }
    out_.effects.push_back(
        RequestSummary{*ctx_.official_unit, period.str(),
                       cmd == Cmd::kMissing ? SummaryKind::kMissing : SummaryKind::kRollup});
}

}  // namespace

std::string_view step_name(Step s) {
    switch (s) {
        case Step::kIdle:
            return "idle";
        case Step::kChoosingTeam:
            return "choosing_team";
        case Step::kAsking:
            return "asking";
        case Step::kConfirmingCheck:
            return "confirming_check";
        case Step::kSummary:
            return "summary";
        case Step::kConfirmingCancel:
            return "confirming_cancel";
    }
    return "idle";
}

std::optional<Step> parse_step(std::string_view s) {
    for (Step st : {Step::kIdle, Step::kChoosingTeam, Step::kAsking, Step::kConfirmingCheck,
                    Step::kSummary, Step::kConfirmingCancel}) {
        if (step_name(st) == s) return st;
    }
    return std::nullopt;
}

StepResult step(const ConversationState& state, const InboundEvent& event, Instant now,
                const ConversationContext& ctx) {
    return Machine(state, event, now, ctx).run();
}

bool looks_like_invite_code(std::string_view text) {
    // Codes are 6 letters or digits; people add spaces or a dash when copying from paper
    // ("K7M 2QX"). Anything else (a greeting, a question) is not counted as a wrong code.
    std::size_t n = 0;
    for (char c : trim(text)) {
        if (c == ' ' || c == '-') continue;
        if (!std::isalnum(static_cast<unsigned char>(c))) return false;
        ++n;
    }
    return n == 6;
}

MonthPeriod filing_period(Instant now, bool previous_submitted,
                          std::optional<Instant> previous_deadline) {
    const MonthPeriod current = MonthPeriod::containing(now);
    if (!previous_submitted && previous_deadline && now < *previous_deadline) {
        return current.previous();
    }
    return current;
}

std::string classify_difficulty(std::string_view text) {
    const std::string k = " " + fold_vietnamese(text) + " ";
    auto has = [&](std::initializer_list<std::string_view> words) {
        for (auto w : words)
            if (k.find(w) != std::string::npos) return true;
        return false;
    };
    if (has({"vneid", "xac thuc", "dinh danh", "muc 2", "kich hoat"})) return "vneid";
    if (has({"nguoi gia", "cao tuoi", "lon tuoi", "nguoi gia", "cu gia", "ong ba"}))
        return "elderly";
    if (has({"song", "mang", "internet", "wifi", "4g", "3g", "ket noi", "mat tin hieu"}))
        return "network";
    if (has({"dien thoai", "thiet bi", "smartphone", "may tinh", "may cu", "cuc gach"}))
        return "devices";
    return "other";
}

std::vector<std::pair<std::string, std::string>> failed_checks(const Form& form,
                                                               const Answers& answers) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& c : form.checks) {
        const auto a = answers.find(c.item);
        const auto b = answers.find(c.other);
        if (a == answers.end() || b == answers.end()) continue;
        if (!a->second.number || !b->second.number) continue;
        const std::int64_t va = *a->second.number;
        const std::int64_t vb = *b->second.number;
        const bool ok = c.kind == CheckKind::kAtMost ? va <= vb : (vb == 0 || va >= vb);
        if (!ok) out.emplace_back(c.item, c.other);
    }
    return out;
}

}  // namespace tcns::core
