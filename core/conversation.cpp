#include "core/conversation.hpp"

#include <algorithm>
#include <cctype>
#include <tuple>
#include <utility>

#include "core/number.hpp"
#include "core/utf8.hpp"
#include "core/vietnamese.hpp"

namespace tcns::core {
namespace {

/// Whether a soft check holds for its two values (failed_checks and a count's acceptance).
bool check_holds(CheckKind kind, std::int64_t va, std::int64_t vb) {
    return kind == CheckKind::kAtMost ? va <= vb : (vb == 0 || va >= vb);
}

constexpr int kMaxWrongCodes = 5;
constexpr std::chrono::hours kWrongCodeWindow{1};
constexpr std::size_t kMaxDifficulty = 1000;  // characters of a "khó khăn: …" message

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

/// The commands by their names in templates/words.vi.json, which holds their words.
constexpr std::pair<std::string_view, Cmd> kCommandNames[] = {
    {"report", Cmd::kReport}, {"status", Cmd::kStatus},  {"help", Cmd::kHelp},
    {"back", Cmd::kBack},     {"skip", Cmd::kSkip},      {"submit", Cmd::kSubmit},
    {"edit", Cmd::kEdit},     {"cancel", Cmd::kCancel},  {"yes", Cmd::kYes},
    {"no", Cmd::kNo},         {"rollup", Cmd::kSummary}, {"missing", Cmd::kMissing},
    {"web", Cmd::kWeb},
};

/// The command a folded message is; `arg` receives what follows "sửa", "tổng hợp", "chưa nộp".
Cmd parse_command(const Words& words, const std::string& key, std::string& arg) {
    const auto m = words.command(key);
    if (!m) return Cmd::kNone;
    for (const auto& [name, cmd] : kCommandNames) {
        if (name == m->command) {
            arg = m->arg;
            return cmd;
        }
    }
    return Cmd::kNone;
}

/// True when the folded `key` is a word of `list` or one followed by a space and more.
bool starts_with_word(std::string_view key, std::string_view w) {
    return key.substr(0, w.size()) == w && (key.size() == w.size() || key[w.size()] == ' ');
}

/// "khó khăn: mất sóng" → "mất sóng" (original spelling kept); nullopt when not a difficulty.
std::optional<std::string> difficulty_text(const Words& words, std::string_view text) {
    const std::string_view t = trim(text);
    const std::size_t colon = t.find(':');
    if (colon != std::string_view::npos) {
        const std::string head = command_key(t.substr(0, colon));
        if (words.listed("difficulty", head)) {
            std::string_view rest = trim(t.substr(colon + 1));
            while (!rest.empty() && (rest.front() == '-' || rest.front() == ':'))
                rest = trim(rest.substr(1));
            return std::string(rest);
        }
        return std::nullopt;
    }
    const std::string key = fold_vietnamese(t);
    for (const std::string& w : words.list("difficulty_without_colon")) {
        if (!starts_with_word(key, w)) continue;
        // Drop the word's words from the original text.
        const auto n = std::count(w.begin(), w.end(), ' ') + 1;
        std::size_t pos = 0;
        for (int i = 0; i < n; ++i) {
            while (pos < t.size() && t[pos] != ' ') ++pos;
            while (pos < t.size() && t[pos] == ' ') ++pos;
        }
        std::string_view rest = trim(t.substr(pos));
        // "KHÓ KHĂN - mất điện": the dash separates, it is not part of the difficulty.
        while (!rest.empty() && (rest.front() == '-' || rest.front() == ':' ||
                                 rest.front() == ',' || rest.front() == '.'))
            rest = trim(rest.substr(1));
        if (rest.rfind("\xE2\x80\x93", 0) == 0 || rest.rfind("\xE2\x80\x94", 0) == 0)
            rest = trim(rest.substr(3));  // an en or em dash
        return std::string(rest);
    }
    return std::nullopt;
}

/// "bc 120 45 30", "bc: 120, 45", "bc120 45", "báo cáo 120 …" → the text of the values, as
/// typed; nullopt when not a quick report.
std::optional<std::string> quick_report_text(const Words& words, std::string_view text) {
    const std::string_view t = trim(text);
    for (const std::string& w : words.list("quick_report")) {
        // The shortest start of the text (whole characters) that folds to the word: "Báo cáo"
        // for "bao cao", "BC" for "bc"; the values may follow glued ("bc120").
        std::size_t pos = 0;
        std::string folded;
        while (pos < t.size() && folded.size() < w.size()) {
            pos += std::max<std::size_t>(1, utf8_offset(t.substr(pos), 1));
            folded = fold_vietnamese(t.substr(0, pos));
        }
        if (folded != w) continue;
        std::string_view rest = t.substr(pos);
        while (!rest.empty() && (rest.front() == ' ' || rest.front() == ':')) rest.remove_prefix(1);
        const std::string values = normalize_width(rest);
        if (values.empty() || !std::isdigit(static_cast<unsigned char>(values.front()))) continue;
        return std::string(rest);
    }
    return std::nullopt;
}

/// A long text shown back to its author is cut: the author knows what they wrote.
std::string shorten(std::string_view text) {
    constexpr std::size_t kMax = 40;
    const std::string_view t = trim(text);
    if (utf8_length(t) <= kMax) return std::string(t);
    return std::string(t.substr(0, utf8_offset(t, kMax))) + "…";
}

/// A form item's count unit: its unit and synonyms, and the size above which a value is asked
/// (ten times last month's, twice the target, at least 10,000).
CountUnit count_unit(const FormItem& item, const TeamFacts* team) {
    CountUnit u;
    if (!item.unit.empty()) u.words.push_back(item.unit);
    u.words.insert(u.words.end(), item.unit_words.begin(), item.unit_words.end());
    u.usual_max = 10'000;
    if (team) {
        if (auto it = team->last_values.find(item.code); it != team->last_values.end())
            u.usual_max = std::max(u.usual_max, it->second * 10);
        if (auto it = team->targets.find(item.code); it != team->targets.end())
            u.usual_max = std::max(u.usual_max, it->second * 2);
    }
    return u;
}

// ---- formatting ---------------------------------------------------------------------------

std::string period_display(const std::string& period) {
    // "2026-11" → "11/2026"
    if (period.size() == 7) return period.substr(5, 2) + "/" + period.substr(0, 4);
    return period;
}

/// "12/2026", "thang 12", "t12", "2026-12" (and "12" when `bare`) name the month `p` (folded
/// text). A bare number is only a month after "bc tháng": answering the month question, "10"
/// may well be a count typed too early.
bool month_matches(const Words& words, std::string_view key, const MonthPeriod& p,
                   bool bare = false) {
    key = trim(key);
    if (auto rest = words.after("month", key)) {
        key = *rest;
        bare = true;
    }
    if (key.empty() || key.size() > 7) return false;
    std::string k(key);
    if (auto m = MonthPeriod::parse(k)) return *m == p;
    const auto slash = k.find('/');
    const std::string month = k.substr(0, slash);
    if (month.empty() || month.size() > 2 ||
        !std::all_of(month.begin(), month.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return false;
    if (std::stoi(month) != p.month) return false;
    if (slash == std::string::npos) return bare;
    const std::string year = k.substr(slash + 1);
    return year == std::to_string(p.year) || year == std::to_string(p.year % 100);
}

/// "bc tháng 12", "báo cáo tháng 12/2026" → "12" / "12/2026"; nullopt otherwise.
std::optional<std::string> report_month_arg(const Words& words, const std::string& key) {
    for (const std::string& w : words.list("report_month")) {
        if (key.compare(0, w.size(), w) != 0) continue;
        const std::string arg(trim(std::string_view(key).substr(w.size())));
        if (!arg.empty() && std::isdigit(static_cast<unsigned char>(arg.front()))) return arg;
    }
    return std::nullopt;
}

// ---- the machine --------------------------------------------------------------------------

class Machine {
  public:
    Machine(const ConversationState& s, const InboundEvent& e, Instant now,
            const ConversationContext& ctx)
        : st_(s),
          ev_(e),
          now_(now),
          ctx_(ctx),
          items_(ctx.form.enabled_items()),
          period_(ctx.period),
          deadline_(ctx.deadline),
          teams_(&ctx.teams) {}

    StepResult run();

  private:
    // helpers
    std::string msg(std::string_view key, const Params& p = {}) const {
        return ctx_.messages.render(key, p);
    }
    void say(std::string text, std::vector<QuickReply> buttons = {}, bool number = false) {
        OutboundMessage m;
        m.text = note_.empty() ? std::move(text) : note_ + "\n" + text;
        note_.clear();
        m.buttons = std::move(buttons);
        m.expects_number = number;
        out_.replies.push_back(std::move(m));
    }
    QuickReply button(std::string_view label_key, std::string_view payload_key) const {
        return QuickReply{msg(label_key), msg(payload_key)};
    }
    const TeamFacts* team(std::optional<TeamId> id) const {
        if (!id) return nullptr;
        for (const auto& t : *teams_)
            if (t.id == *id) return &t;
        return nullptr;
    }
    std::vector<const TeamFacts*> filing_teams() const {
        std::vector<const TeamFacts*> out;
        for (const auto& t : *teams_)
            if (can_file_report(t.role)) out.push_back(&t);
        return out;
    }
    std::string time_left() const;
    /// What this person can do, by their role: leaders and deputies file, members see the
    /// status and send difficulties, officials read summaries.
    std::string own_welcome() const {
        const auto teams = filing_teams();
        if (!teams.empty()) return welcome("", teams.front()->role, false, teams.front()->name);
        if (ctx_.official) return welcome("", std::nullopt, true, "");
        if (!ctx_.teams.empty())
            return welcome("", ctx_.teams.front().role, false, ctx_.teams.front().name);
        return welcome("", std::nullopt, false, "");
    }
    /// The one wording of the deadline, as reminders write it: "hết ngày 29/11/2026" for a
    /// deadline at 00:00 on the 30th, which is how people read "before the 30th".
    std::string deadline_text() const { return deadline_words(deadline_, ctx_.messages); }
    Step step() const { return st_.step(); }
    /// The current step's own fields when it is `S`, else null.
    template <class S>
    S* at() {
        return std::get_if<S>(&st_.at);
    }
    /// Moves to another step (its fields start afresh).
    void go(StepState s) { st_.at = std::move(s); }
    /// The chosen category of the text item asked, if any.
    std::string category() const {
        const auto* a = std::get_if<steps::Asking>(&st_.at);
        return a ? a->category : std::string();
    }
    /// True while a draft is in progress: every step of one, and "hủy?" asked during one.
    bool draft_active() const {
        const auto* c = std::get_if<steps::ConfirmingCancel>(&st_.at);
        return step() == Step::kAsking || step() == Step::kConfirmingCheck ||
               step() == Step::kConfirmingValue || step() == Step::kConfirmingQuick ||
               step() == Step::kSummary || (c && c->back != Step::kIdle);
    }
    std::string value_text(const FormItem& item, const Answer* a) const;
    /// True when the folded `key` is one of the words of `list` in templates/words.vi.json.
    bool said(std::string_view list, const std::string& key) const;
    Cmd command(const std::string& key, std::string& arg) const;
    std::string welcome(std::string_view name, std::optional<Role> role, bool official,
                        const std::string& team_name) const;
    std::string refusal_text(const CountRefusal& r, std::string_view raw,
                             const FormItem& item) const;

    /// A text message as every handler reads it.
    struct Input {
        const std::string& raw;
        std::string key;  ///< folded, without trailing punctuation
        Cmd cmd = Cmd::kNone;
        std::string arg;  ///< what followed "sửa", "tổng hợp", "chưa nộp"
        /// The form asks a text item: "khó khăn: …", "tổng hợp …" and greetings are its answer.
        bool asking_text = false;
    };

    // flows
    void unlinked();
    void linked_text();
    // Commands tried first, whatever the step, in this order (kGlobalCommands); each returns
    // true when it took the message.
    bool global_difficulty(const Input& in);
    bool global_help(const Input& in);
    bool global_status(const Input& in);
    bool global_greeting(const Input& in);
    bool global_summary(const Input& in);
    bool global_web(const Input& in);
    bool global_report_month(const Input& in);
    bool global_quick_report(const Input& in);
    bool global_report(const Input& in);
    // Then the step's own handler: one per step type (std::visit needs every one).
    void on(const steps::Idle&, const Input& in);
    void on(const steps::ChoosingTeam& s, const Input& in);
    void on(const steps::ChoosingPeriod&, const Input& in);
    void on(const steps::Asking&, const Input& in);
    void on(const steps::ConfirmingCheck& s, const Input& in);
    void on(const steps::ConfirmingValue& s, const Input& in);
    void on(const steps::ConfirmingQuick&, const Input& in);
    void on(const steps::Summary&, const Input& in);
    void on(const steps::ConfirmingCancel& s, const Input& in);
    /// "hủy" during a draft: asks to confirm, coming back to `back`.
    void confirm_cancel(Step back, std::string category = {});
    void unsupported();
    void help();
    void status();
    /// Which month a report files at the month boundary: not asked yet, the missed one, or the
    /// current one.
    enum class Month { kAsk, kMissed, kCurrent };
    void start_report(std::optional<TeamId> chosen, std::optional<std::string> quick,
                      Month month = Month::kAsk);
    void begin_draft(const TeamFacts& t);
    void quick_report(const TeamFacts& t, const std::string& text);
    void quick_confirm_hint();
    void accept_count(const FormItem& item, std::int64_t value);
    void ask();
    void answer(const std::string& raw);
    void store_and_advance(const FormItem& item, Answer a);
    void summary();
    void submit();
    void edit(const std::string& arg);
    void difficulty(const std::string& text);
    void summary_request(Cmd cmd, const std::string& arg);
    void reprompt();
    // shared drafts, form changes and the month boundary
    bool sync_draft();
    void finish();
    void conflict(const TeamFacts& t);
    /// The items whose values differ, with the value texts before and after.
    std::vector<std::tuple<const FormItem*, std::string, std::string>> differences(
        const Answers& before, const Answers& after) const {
        std::vector<std::tuple<const FormItem*, std::string, std::string>> out;
        for (const FormItem* item : items_) {
            const auto a = before.find(item->code);
            const auto b = after.find(item->code);
            std::string ta = value_text(*item, a == before.end() ? nullptr : &a->second);
            std::string tb = value_text(*item, b == after.end() ? nullptr : &b->second);
            if (ta != tb) out.emplace_back(item, std::move(ta), std::move(tb));
        }
        return out;
    }
    bool enabled(const std::string& code) const {
        for (const FormItem* item : items_)
            if (item->code == code) return true;
        return false;
    }
    const TeamFacts* missed_team(TeamId id) const {
        if (!ctx_.missed) return nullptr;
        for (const auto& t : ctx_.missed->teams)
            if (t.id == id && t.revision == 0) return &t;
        return nullptr;
    }
    void use_missed() {
        period_ = ctx_.missed->period;
        deadline_ = ctx_.missed->deadline;
        teams_ = &ctx_.missed->teams;
    }
    void ask_period(const TeamFacts& t);
    void month_command(const std::string& arg);
    void reset_draft() {
        const int wrong = st_.wrong_codes;
        const auto since = st_.wrong_codes_since;
        st_ = ConversationState{};
        st_.wrong_codes = wrong;
        st_.wrong_codes_since = since;
    }

    /// What was read ("Ghi nhận: 120 người."), said at the top of the next message: one
    /// message, not two, since channels bill bot messages.
    std::string note_;
    ConversationState st_;
    const InboundEvent& ev_;
    Instant now_;
    const ConversationContext& ctx_;
    std::vector<const FormItem*> items_;
    // The month in play and its facts: the context's, or the missed month once chosen.
    MonthPeriod period_;
    Instant deadline_;
    const std::vector<TeamFacts>* teams_;
    StepResult out_;
    std::optional<DraftChange> drop_;  ///< the shared draft cancelled in this step
    /// The answers this person last saw, when the other filer changed the shared draft since.
    std::optional<Answers> seen_;
};

std::string Machine::time_left() const {
    const auto left = deadline_ - now_;
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

bool Machine::said(std::string_view list, const std::string& key) const {
    return ctx_.words.listed(list, key);
}

Cmd Machine::command(const std::string& key, std::string& arg) const {
    return parse_command(ctx_.words, key, arg);
}

std::string Machine::welcome(std::string_view name, std::optional<Role> role, bool official,
                             const std::string& team_name) const {
    const char* key = "can_do_member";
    if (role == Role::kLeader) {
        key = "can_do_leader";
    } else if (role == Role::kDeputy) {
        key = "can_do_deputy";
    } else if (official) {
        key = "can_do_official";
    } else if (!role) {
        key = "no_team";
    }
    return msg(key, {{"name", std::string(name)}, {"team", team_name}});
}

std::string Machine::refusal_text(const CountRefusal& r, std::string_view raw,
                                  const FormItem& item) const {
    const char* key = "answer_not_number";
    switch (r.reason) {
        case CountError::kNegative:
            key = "answer_negative";
            break;
        case CountError::kFraction:
            key = "answer_fraction";
            break;
        case CountError::kTooLarge:
            key = "answer_too_large";
            break;
        case CountError::kAmbiguous:
        case CountError::kSpacedThousands:
            key = "answer_ambiguous";
            break;
        case CountError::kApproximate:
            key = "answer_approximate";
            break;
        case CountError::kPercent:
            key = "answer_percent";
            break;
        case CountError::kRange:
            key = "answer_range";
            break;
        default:
            break;
    }
    return msg(
        key,
        {{"input", shorten(raw)}, {"label", item.label}, {"word", r.word}, {"unit", item.unit}});
}

StepResult Machine::run() {
    // Receipts and unsubscribes never get an answer.
    if (ev_.kind == EventKind::kReceipt || ev_.kind == EventKind::kUnsubscribed) {
        out_.state = st_;
        return std::move(out_);
    }
    if (!ctx_.person) {
        unlinked();
    } else if (!sync_draft()) {
        // The form changed under the draft: it reopened at its summary; the message was meant
        // for a question that may no longer be there.
    } else if (ev_.kind == EventKind::kUnsupported || ev_.kind == EventKind::kSharedPhone) {
        unsupported();
    } else if (ev_.kind == EventKind::kStarted || ev_.kind == EventKind::kSubscribed) {
        say(msg("greeting_name", {{"name", ctx_.person_name}}) + " " + own_welcome());
        if (draft_active()) {
            reprompt();
        }
    } else {
        linked_text();
    }
    if (!note_.empty()) say(std::exchange(note_, std::string()));
    if (ctx_.person) finish();
    out_.state = st_;
    return std::move(out_);
}

bool Machine::sync_draft() {
    if (!draft_active()) return true;
    const TeamFacts* t = team(st_.team);
    if (!t || st_.period != period_.str()) return true;
    if (st_.form_version == 0) {
        // A state written before positions were item codes: its index was taken against the
        // form of its time, which is the form now unless it changed since (nothing tells).
        st_.form_version = ctx_.form.version;
        if (st_.revising && st_.base_revision == 0) st_.base_revision = t->revision;
    } else if (st_.form_version == ctx_.form.version) {
        st_.index = items_.size();
        for (std::size_t i = 0; i < items_.size(); ++i)
            if (items_[i]->code == st_.item) st_.index = i;
    }
    // The team's draft is shared: what the other filer answered since is part of it. A person
    // whose draft began before a submission keeps their own view until they see the changes.
    if (t->draft && t->draft->base_revision == st_.base_revision &&
        st_.base_revision == t->revision) {
        if (!(st_.answers == t->draft->answers)) seen_ = st_.answers;
        st_.answers = t->draft->answers;
    }
    std::size_t dropped = 0;
    for (auto it = st_.answers.begin(); it != st_.answers.end();) {
        if (enabled(it->first)) {
            ++it;
        } else {
            it = st_.answers.erase(it);
            ++dropped;
        }
    }
    if (st_.form_version == ctx_.form.version) return true;
    st_.form_version = ctx_.form.version;
    st_.return_to_summary = false;
    say(msg("form_changed", {{"dropped", std::to_string(dropped)}}));
    summary();
    return false;
}

void Machine::finish() {
    if (drop_) out_.draft = std::move(drop_);
    if (!draft_active()) return;
    st_.item = st_.index < items_.size() ? items_[st_.index]->code : std::string();
    st_.form_version = ctx_.form.version;
    const TeamFacts* t = team(st_.team);
    // A stale view (the report was submitted since it began) is not written over the team's.
    if (!t || st_.period != period_.str() || st_.base_revision != t->revision) return;
    const Draft* d = t->draft ? &*t->draft : nullptr;
    if (d && d->base_revision == st_.base_revision && d->form_version == ctx_.form.version &&
        d->answers == st_.answers)
        return;
    DraftChange c;
    c.team = t->id;
    c.period = st_.period;
    c.base_revision = st_.base_revision;
    c.form_version = ctx_.form.version;
    c.answers = st_.answers;
    out_.draft = std::move(c);
}

void Machine::conflict(const TeamFacts& t) {
    std::string text = msg("conflict_submitted",
                           {{"period", period_display(st_.period)},
                            {"by", t.submitted_by},
                            {"revision", std::to_string(t.revision)},
                            {"time", t.submitted_at ? format_vietnam_short(*t.submitted_at) : ""}});
    const auto changes = differences(t.submitted, st_.answers);
    for (const auto& [item, submitted, mine] : changes)
        text += "\n" + msg("conflict_line", {{"code", item->code},
                                             {"label", item->label},
                                             {"submitted", submitted},
                                             {"mine", mine}});
    if (changes.empty()) text += "\n" + msg("conflict_same");
    text += "\n" + msg("conflict_confirm", {{"revision", std::to_string(t.revision + 1)}});
    say(std::move(text));
    st_.base_revision = t.revision;
    st_.revising = true;
    summary();
}

void Machine::ask_period(const TeamFacts& t) {
    reset_draft();
    go(steps::ChoosingPeriod{});
    st_.team = t.id;
    const std::string missed = period_display(ctx_.missed->period.str());
    const std::string current = period_display(period_.str());
    say(msg("choose_period", {{"team", t.name},
                              {"missed", missed},
                              {"current", current},
                              {"deadline", deadline_words(ctx_.missed->deadline, ctx_.messages)}}),
        {QuickReply{msg("choose_period_button", {{"month", missed}}), "1"},
         QuickReply{msg("choose_period_button", {{"month", current}}), "2"}});
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
            say(msg(ctx_.phone_match->team_name.empty() ? "link_welcome_no_team" : "link_welcome",
                    {{"name", ctx_.phone_match->person_name},
                     {"team", ctx_.phone_match->team_name}}) +
                "\n" +
                welcome(ctx_.phone_match->person_name, ctx_.phone_match->role,
                        ctx_.phone_match->official, ctx_.phone_match->team_name));
            st_ = ConversationState{};
        } else {
            say(msg("link_phone_not_found"));
        }
        return;
    }
    const bool has_code = ev_.kind == EventKind::kText ||
                          (ev_.kind == EventKind::kStarted && !trim(ev_.text).empty());
    const std::optional<std::string> code =
        has_code ? find_invite_code(ev_.text) : std::optional<std::string>{};
    if (!code) {
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
        out_.effects.push_back(LinkAccount{ctx_.invite->person, *code});
        say(msg(ctx_.invite->team_name.empty() ? "link_welcome_no_team" : "link_welcome",
                {{"name", ctx_.invite->person_name}, {"team", ctx_.invite->team_name}}) +
            "\n" +
            welcome(ctx_.invite->person_name, ctx_.invite->role, ctx_.invite->official,
                    ctx_.invite->team_name));
        st_ = ConversationState{};
        return;
    }
    if (st_.wrong_codes == 0) st_.wrong_codes_since = now_;
    ++st_.wrong_codes;
    const auto status = ctx_.invite ? ctx_.invite->status : InviteCheck::Status::kUnknown;
    const int left = kMaxWrongCodes - st_.wrong_codes;
    const char* key = status == InviteCheck::Status::kExpired ? "link_code_expired"
                      : status == InviteCheck::Status::kUsed  ? "link_code_used"
                      : left > 0                              ? "link_code_unknown"
                                                              : "link_code_unknown_last";
    const auto minutes = std::chrono::duration_cast<std::chrono::minutes>(kWrongCodeWindow).count();
    say(msg(key, {{"left", std::to_string(left)}, {"minutes", std::to_string(minutes)}}));
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
    // At the month boundary the missed month comes first: it is the one to act on.
    if (const TeamFacts* m = missed_team(t->id); m && st_.period != ctx_.missed->period.str()) {
        const std::string missed = period_display(ctx_.missed->period.str());
        text = msg("status_missed",
                   {{"period", missed},
                    {"team", m->name},
                    {"deadline", deadline_words(ctx_.missed->deadline, ctx_.messages)},
                    {"month", missed}}) +
               "\n";
    }
    if (t->revision > 0 && t->submitted_at) {
        p.push_back({"revision", std::to_string(t->revision)});
        p.push_back({"time", format_vietnam_short(*t->submitted_at)});
        text += msg(t->late ? "status_submitted_late" : "status_submitted", p);
        if (t->revised_after_deadline) text += " " + msg("status_revised_after_deadline");
    } else {
        text += msg("status_not_submitted", p);
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

// ---- commands tried first, whatever the step ----------------------------------------------

void Machine::linked_text() {
    /// The order in which the commands that work in every step are tried. To add one: its
    /// words in templates/words.vi.json (and its name in kCommandNames), then its row here.
    static constexpr bool (Machine::*kGlobalCommands[])(const Input&) = {
        &Machine::global_difficulty,   &Machine::global_help,         &Machine::global_status,
        &Machine::global_greeting,     &Machine::global_summary,      &Machine::global_web,
        &Machine::global_report_month, &Machine::global_quick_report, &Machine::global_report,
    };
    Input in{ev_.text, command_key(ev_.text)};
    in.cmd = command(in.key, in.arg);
    // While the form's own difficulty question is open, "khó khăn: …" answers it.
    in.asking_text = step() == Step::kAsking && st_.index < items_.size() &&
                     items_[st_.index]->type == ItemType::kText;
    for (const auto global : kGlobalCommands)
        if ((this->*global)(in)) return;
    // The step's own handler, on a copy: a handler may move to another step.
    const StepState at = st_.at;
    std::visit([&](const auto& s) { on(s, in); }, at);
}

bool Machine::global_difficulty(const Input& in) {
    if (in.asking_text) return false;
    auto d = difficulty_text(ctx_.words, in.raw);
    if (!d) return false;
    difficulty(*d);
    return true;
}

bool Machine::global_help(const Input& in) {
    if (in.cmd != Cmd::kHelp) return false;
    help();
    return true;
}

bool Machine::global_status(const Input& in) {
    if (in.cmd != Cmd::kStatus) return false;
    status();
    return true;
}

bool Machine::global_greeting(const Input& in) {
    if (in.cmd != Cmd::kNone || in.asking_text) return false;
    const bool thanks = said("thanks", in.key);
    if (!thanks && !said("greeting", in.key)) return false;
    say(thanks ? msg("thanks_reply")
               : msg("greeting_name", {{"name", ctx_.person_name}}) + " " + own_welcome());
    if (draft_active()) reprompt();
    return true;
}

bool Machine::global_summary(const Input& in) {
    // Typed while the form asks for a text ("tổng hợp ý kiến …"), it is the answer.
    if ((in.cmd != Cmd::kSummary && in.cmd != Cmd::kMissing) || in.asking_text) return false;
    summary_request(in.cmd, in.arg);
    return true;
}

bool Machine::global_web(const Input& in) {
    if (in.cmd != Cmd::kWeb || in.asking_text) return false;
    if (ctx_.official && ctx_.official_unit && ctx_.person)
        out_.effects.push_back(RequestSignInLink{*ctx_.person, *ctx_.official_unit});
    else
        say(msg("web.not_official"));
    if (draft_active()) reprompt();
    return true;
}

bool Machine::global_report_month(const Input& in) {
    auto month = report_month_arg(ctx_.words, in.key);
    if (!month) return false;
    month_command(*month);
    return true;
}

bool Machine::global_quick_report(const Input& in) {
    auto quick = quick_report_text(ctx_.words, in.raw);
    if (!quick) return false;
    start_report(std::nullopt, quick);
    return true;
}

bool Machine::global_report(const Input& in) {
    if (in.cmd != Cmd::kReport) return false;
    // Asked which month: "bc" again takes the default, the missed month.
    if (step() == Step::kChoosingPeriod) {
        start_report(st_.team, std::nullopt, Month::kMissed);
        return true;
    }
    if (draft_active() && step() != Step::kConfirmingCancel) {
        const TeamFacts* t = team(st_.team);
        if (t && t->revision != st_.base_revision) {
            conflict(*t);
            return true;
        }
        std::size_t answered = 0;
        for (const FormItem* item : items_)
            if (st_.answers.count(item->code)) ++answered;
        say(msg("report_resume", {{"period", period_display(st_.period)},
                                  {"team", t ? t->name : ""},
                                  {"answered", std::to_string(answered)},
                                  {"total", std::to_string(items_.size())}}));
        if (step() == Step::kSummary)
            summary();
        else
            reprompt();
        return true;
    }
    start_report(std::nullopt, std::nullopt);
    return true;
}

// ---- each step's own handler --------------------------------------------------------------

void Machine::confirm_cancel(Step back, std::string category) {
    go(steps::ConfirmingCancel{back, std::move(category)});
    say(msg(back == Step::kSummary && st_.revising ? "cancel_revision_confirm" : "cancel_confirm"),
        {button("button_yes", "payload_yes"), button("button_no", "payload_no")});
}

void Machine::on(const steps::Idle&, const Input& in) {
    if (in.cmd == Cmd::kEdit) return start_report(std::nullopt, std::nullopt);
    if (in.cmd == Cmd::kSubmit || in.cmd == Cmd::kBack || in.cmd == Cmd::kSkip ||
        in.cmd == Cmd::kCancel) {
        say(filing_teams().empty() ? msg("no_draft_member") + " " + own_welcome()
                                   : msg("no_draft"));
        return;
    }
    // What this person can do, by role: officials and members are not told "bc".
    say(msg("not_understood") + " " + own_welcome());
}

void Machine::on(const steps::ChoosingPeriod&, const Input& in) {
    if (in.cmd == Cmd::kCancel || in.cmd == Cmd::kBack) {
        reset_draft();
        say(msg("cancel_done"));
        return;
    }
    const std::optional<TeamId> id = st_.team;
    if (in.key == "1" || in.cmd == Cmd::kYes ||
        (ctx_.missed && month_matches(ctx_.words, in.key, ctx_.missed->period)))
        return start_report(id, std::nullopt, Month::kMissed);
    if (in.key == "2" || month_matches(ctx_.words, in.key, period_))
        return start_report(id, std::nullopt, Month::kCurrent);
    say(msg("choose_period_invalid"));
    return start_report(id, std::nullopt);
}

void Machine::on(const steps::ChoosingTeam& s, const Input& in) {
    if (in.cmd == Cmd::kCancel || in.cmd == Cmd::kBack) {
        reset_draft();
        say(msg("cancel_done"));
        return;
    }
    std::optional<TeamId> chosen;
    for (std::size_t i = 0; i < s.choices.size(); ++i) {
        const TeamFacts* t = team(s.choices[i]);
        if (!t) continue;
        if (in.key == std::to_string(i + 1) || in.key == fold_vietnamese(t->code) ||
            in.key == fold_vietnamese(t->name)) {
            chosen = t->id;
        }
    }
    if (!chosen) {
        say(msg("choose_team_invalid"));
        return start_report(std::nullopt, std::nullopt);
    }
    return start_report(chosen, std::nullopt);
}

void Machine::on(const steps::Asking& s, const Input& in) {
    if (in.cmd == Cmd::kCancel) return confirm_cancel(Step::kAsking, s.category);
    if (in.cmd == Cmd::kBack) {
        go(steps::Asking{});
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
    if (in.cmd == Cmd::kEdit && !in.arg.empty()) return edit(in.arg);
    if (in.cmd == Cmd::kSubmit && st_.return_to_summary) {
        st_.return_to_summary = false;
        return summary();
    }
    return answer(in.raw);
}

void Machine::on(const steps::ConfirmingCheck& s, const Input& in) {
    if (in.cmd == Cmd::kYes) {
        const FormItem* item = ctx_.form.find(s.item);
        go(steps::Asking{});
        if (!item) return ask();
        Answer a;
        a.number = s.value;
        return store_and_advance(*item, std::move(a));
    }
    go(steps::Asking{});
    if (in.cmd == Cmd::kBack || in.cmd == Cmd::kNo) return ask();
    if (in.cmd == Cmd::kCancel) return confirm_cancel(Step::kAsking);
    // Anything else is a corrected value for the same question.
    return answer(in.raw);
}

void Machine::on(const steps::ConfirmingValue& s, const Input& in) {
    const FormItem* item = ctx_.form.find(s.item);
    const std::int64_t value = s.value;
    go(steps::Asking{});
    if (in.cmd == Cmd::kYes && item) return accept_count(*item, value);
    if (in.cmd == Cmd::kBack || in.cmd == Cmd::kNo || in.cmd == Cmd::kYes) return ask();
    if (in.cmd == Cmd::kEdit && !in.arg.empty()) return edit(in.arg);
    if (in.cmd == Cmd::kCancel) return confirm_cancel(Step::kAsking);
    // Anything else is the value typed again.
    return answer(in.raw);
}

void Machine::on(const steps::ConfirmingQuick&, const Input& in) {
    if (in.cmd == Cmd::kYes) return summary();
    if (in.cmd == Cmd::kCancel) {
        const bool revising = st_.revising;
        reset_draft();
        say(msg(revising ? "cancel_revision_done" : "cancel_done"));
        return;
    }
    return quick_confirm_hint();
}

void Machine::on(const steps::Summary&, const Input& in) {
    if (in.cmd == Cmd::kSubmit || in.cmd == Cmd::kYes) return submit();
    if (in.cmd == Cmd::kEdit) return edit(in.arg);
    if (in.cmd == Cmd::kBack) {
        st_.index = items_.empty() ? 0 : items_.size() - 1;
        go(steps::Asking{});
        return ask();
    }
    if (in.cmd == Cmd::kCancel) return confirm_cancel(Step::kSummary);
    // "sửa" is the usual slip: a bare item number or code means "edit it".
    for (std::size_t i = 0; i < items_.size(); ++i) {
        if (in.key == std::to_string(i + 1) || in.key == fold_vietnamese(items_[i]->code)) {
            return edit(in.key);
        }
    }
    say(msg("summary_hint"));
}

void Machine::on(const steps::ConfirmingCancel& s, const Input& in) {
    if (in.cmd == Cmd::kYes) {
        const bool revising = st_.revising;
        // The team's draft goes too (unless this view began before a submission).
        if (const TeamFacts* t = team(st_.team);
            t && st_.period == period_.str() && st_.base_revision == t->revision) {
            DraftChange d;
            d.team = t->id;
            d.period = st_.period;
            d.remove = true;
            drop_ = std::move(d);
        }
        reset_draft();
        say(msg(revising ? "cancel_revision_done" : "cancel_done"));
        return;
    }
    say(msg("cancel_aborted"));
    switch (s.back) {
        case Step::kSummary:
            go(steps::Summary{});
            return summary();
        case Step::kAsking:
            go(steps::Asking{s.category});
            return ask();
        default:
            go(steps::Idle{});
            return;
    }
}

void Machine::start_report(std::optional<TeamId> chosen, std::optional<std::string> quick,
                           Month month) {
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
        steps::ChoosingTeam choosing;
        std::vector<QuickReply> buttons;
        std::string list;
        for (std::size_t i = 0; i < teams.size(); ++i) {
            choosing.choices.push_back(teams[i]->id);
            buttons.push_back(QuickReply{teams[i]->name, teams[i]->code});
            list += "\n" + std::to_string(i + 1) + ". " + teams[i]->name + " (" +
                    teams[i]->unit_name + ")";
        }
        go(std::move(choosing));
        say(msg("choose_team", {{"teams", list}}), std::move(buttons));
        return;
    }
    // The month boundary: the team has not filed last month, whose late window is still open.
    if (month != Month::kCurrent && missed_team(t->id)) {
        if (month == Month::kAsk && !quick) return ask_period(*t);
        const TeamId id = t->id;
        use_missed();
        t = team(id);
        if (quick) say(msg("quick_missed_month", {{"period", period_display(period_.str())}}));
    }
    if (quick) return quick_report(*t, *quick);
    begin_draft(*t);
}

void Machine::month_command(const std::string& arg) {
    if (draft_active() && month_matches(ctx_.words, arg, period_, true)) {
        const TeamFacts* t = team(st_.team);
        if (t && t->revision != st_.base_revision) return conflict(*t);
        say(msg("report_resume", {{"period", period_display(st_.period)},
                                  {"team", t ? t->name : ""},
                                  {"answered", std::to_string(st_.answers.size())},
                                  {"total", std::to_string(items_.size())}}));
        return reprompt();
    }
    if (ctx_.missed && month_matches(ctx_.words, arg, ctx_.missed->period, true))
        return start_report(draft_active() ? st_.team : std::nullopt, std::nullopt, Month::kMissed);
    if (month_matches(ctx_.words, arg, period_, true))
        return start_report(draft_active() ? st_.team : std::nullopt, std::nullopt,
                            Month::kCurrent);
    say(msg("month_not_open", {{"input", arg}, {"period", period_display(period_.str())}}));
    if (draft_active()) reprompt();
}

void Machine::begin_draft(const TeamFacts& t) {
    reset_draft();
    st_.team = t.id;
    st_.period = period_.str();
    st_.base_revision = t.revision;
    st_.form_version = ctx_.form.version;
    if (t.draft && t.draft->base_revision == t.revision) {
        // The team's draft, begun by this person or the other filer: carry on with it.
        for (const auto& [code, a] : t.draft->answers)
            if (enabled(code)) st_.answers[code] = a;
        st_.revising = t.revision > 0;
        say(msg("report_resume_shared", {{"period", period_display(st_.period)},
                                         {"team", t.name},
                                         {"answered", std::to_string(st_.answers.size())},
                                         {"total", std::to_string(items_.size())},
                                         {"by", t.draft->updated_by_name}}));
        for (std::size_t i = 0; i < items_.size(); ++i) {
            if (!st_.answers.count(items_[i]->code)) {
                st_.index = i;
                return ask();
            }
        }
        return summary();
    }
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
    go(steps::Asking{});
    st_.index = 0;
    ask();
}

void Machine::quick_report(const TeamFacts& t, const std::string& text) {
    std::vector<std::string> unit_words;
    for (const FormItem* item : items_) {
        if (item->type != ItemType::kCount) continue;
        unit_words.push_back(item->unit);
        unit_words.insert(unit_words.end(), item->unit_words.begin(), item->unit_words.end());
    }
    const auto split = split_quick_values(text, unit_words);
    if (!split) {
        const std::string& w = split.error().word;
        if (split.error().reason == CountError::kSpacedThousands) {
            const auto space = w.find(' ');
            const std::string first = w.substr(0, space);
            std::string merged;
            for (char c : w)
                if (c != ' ') merged.push_back(c);
            say(msg("quick_spaced", {{"input", w},
                                     {"first", first},
                                     {"rest", w.substr(space + 1)},
                                     {"merged", format_count(std::stoll(merged))}}));
        } else {
            say(msg("quick_comma_thousands", {{"input", w}}));
        }
        return;
    }
    const std::vector<std::string>& values = *split;
    std::vector<const FormItem*> counts;
    for (const FormItem* item : items_)
        if (item->type == ItemType::kCount) counts.push_back(item);
    if (values.size() > counts.size()) {
        say(msg("quick_too_many", {{"given", std::to_string(values.size())},
                                   {"expected", std::to_string(counts.size())}}));
        return;
    }
    Answers answers;
    std::string read;  // what was read, item by item
    std::string asks;  // readings to confirm
    for (std::size_t i = 0; i < values.size(); ++i) {
        const FormItem& item = *counts[i];
        const auto n = parse_count(values[i], count_unit(item, &t));
        Params p{{"position", std::to_string(i + 1)},
                 {"code", item.code},
                 {"label", item.label},
                 {"input", shorten(values[i])},
                 {"min", format_count(item.min)},
                 {"max", format_count(item.max)}};
        if (!n && n.error().reason != CountError::kNotNumber &&
            n.error().reason != CountError::kEmpty) {
            p.push_back({"reason", refusal_text(n.error(), values[i], item)});
            say(msg("quick_bad_reason", p));
            return;
        }
        if (!n || n->value < item.min || n->value > item.max) {
            say(msg("quick_bad_value", p));
            return;
        }
        Answer a;
        a.number = n->value;
        answers[item.code] = a;
        read += (read.empty() ? "" : " · ") + item.code + " " + format_count(n->value);
        if (n->how == CountReading::How::kConfirm) {
            asks += "\n" + msg("quick_confirm_value", {{"position", std::to_string(i + 1)},
                                                       {"code", item.code},
                                                       {"label", item.label},
                                                       {"input", shorten(values[i])},
                                                       {"value", format_count(n->value)},
                                                       {"unit", item.unit}});
        }
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
    st_.period = period_.str();
    st_.revising = revising;
    st_.base_revision = t.revision;
    st_.form_version = ctx_.form.version;
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
    // Say what was read; readings out of the ordinary and failed soft checks are confirmed
    // before the summary offers "Gửi", as in the step-by-step flow.
    std::string said_read =
        msg("quick_read", {{"count", std::to_string(values.size())}, {"values", read}});
    for (const auto& [a, b] : failed_checks(ctx_.form, st_.answers)) {
        const SoftCheck* check = nullptr;
        for (const auto& c : ctx_.form.checks)
            if (c.item == a && c.other == b) check = &c;
        const FormItem* ia = ctx_.form.find(a);
        const FormItem* ib = ctx_.form.find(b);
        if (!check || !ia || !ib) continue;
        asks += "\n" + msg(check->kind == CheckKind::kAtMost ? "quick_check_at_most"
                                                             : "quick_check_at_least",
                           {{"label", ia->label},
                            {"value", format_count(*st_.answers[a].number)},
                            {"other_label", ib->label},
                            {"other_value", format_count(*st_.answers[b].number)}});
    }
    if (asks.empty()) {
        note_ = std::move(said_read);
        return summary();
    }
    go(steps::ConfirmingQuick{});
    say(said_read + "\n" + msg("quick_confirm_header") + asks + "\n" + msg("quick_confirm_footer"),
        {button("button_right", "payload_right"), button("button_cancel", "payload_cancel")});
}

void Machine::quick_confirm_hint() {
    say(msg("quick_confirm_hint"),
        {button("button_right", "payload_right"), button("button_cancel", "payload_cancel")});
}

void Machine::ask() {
    if (!at<steps::Asking>()) go(steps::Asking{});
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
        (item.type == ItemType::kText && !item.choices.empty() && category().empty())) {
        if (item.type == ItemType::kText) text += "\n" + msg("choose_category");
        for (const auto& c : item.choices) buttons.push_back(QuickReply{c.label, c.label});
    } else if (item.type == ItemType::kText && !category().empty()) {
        std::string label = category();
        for (const auto& c : item.choices)
            if (c.code == category()) label = c.label;
        text = msg("category_text_prompt", {{"category", label}, {"label", item.label}});
    }
    if (number) buttons.push_back(button("button_zero", "payload_zero"));
    if (!item.required) buttons.push_back(button("button_skip", "payload_skip"));
    if (st_.index > 0 || st_.return_to_summary)
        buttons.push_back(button("button_back", "payload_back"));
    say(std::move(text), std::move(buttons), number);
}

void Machine::reprompt() {
    if (step() == Step::kSummary) return summary();
    if (step() == Step::kConfirmingQuick) return quick_confirm_hint();
    if (const auto* v = at<steps::ConfirmingValue>()) {
        // Ask again: the value was read but not agreed.
        if (const FormItem* item = ctx_.form.find(v->item)) {
            say(msg("answer_confirm", {{"value", format_count(v->value)}, {"unit", item->unit}}),
                {button("button_right", "payload_right"), button("button_back", "payload_back")},
                true);
            return;
        }
        go(steps::Asking{});
    }
    if (step() == Step::kConfirmingCheck) go(steps::Asking{});
    if (step() == Step::kAsking) return ask();
}

void Machine::answer(const std::string& raw) {
    if (st_.index >= items_.size()) return summary();
    const FormItem& item = *items_[st_.index];
    const std::string key = command_key(raw);
    std::string arg;
    const Cmd cmd = command(key, arg);
    if (cmd == Cmd::kSkip) {
        if (item.required) {
            say(msg("answer_required", {{"label", item.label}}));
            return ask();
        }
        Answer a;
        a.skipped = true;
        return store_and_advance(item, std::move(a));
    }
    switch (item.type) {
        case ItemType::kCount: {
            const auto n = parse_count(raw, count_unit(item, team(st_.team)));
            if (!n) {
                say(refusal_text(n.error(), raw, item), {}, true);
                return ask();
            }
            if (n->value < item.min || n->value > item.max) {
                say(msg("answer_out_of_range", {{"label", item.label},
                                                {"min", format_count(item.min)},
                                                {"max", format_count(item.max)}}));
                return ask();
            }
            const Params p{{"value", format_count(n->value)},
                           {"unit", item.unit},
                           {"word", n->word},
                           {"input", shorten(raw)}};
            if (n->how == CountReading::How::kConfirm) {
                // Never store a reading the leader may not have meant: ask first.
                go(steps::ConfirmingValue{item.code, n->value});
                say(msg(n->why == CountReading::Why::kForeignWord ? "answer_confirm_word"
                                                                  : "answer_confirm",
                        p),
                    {button("button_right", "payload_right"),
                     button("button_back", "payload_back")},
                    true);
                return;
            }
            if (n->how == CountReading::How::kEcho) note_ = msg("answer_echo", p);
            return accept_count(item, n->value);
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
            const std::string chosen = category();
            if (!item.choices.empty() && chosen.empty()) {
                for (const auto& c : item.choices) {
                    if (key == fold_vietnamese(c.label) || key == fold_vietnamese(c.code)) {
                        go(steps::Asking{c.code});
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
                return store_and_advance(item, std::move(a));
            }
            if (utf8_length(text) > item.max_length) {
                // Refused whole: a cut text would store words the leader did not send.
                say(msg("answer_text_too_long", {{"max", std::to_string(item.max_length)},
                                                 {"length", std::to_string(utf8_length(text))}}));
                return ask();
            }
            Answer a;
            a.text = std::string(text);
            if (!item.choices.empty()) {
                a.choice = chosen.empty() ? classify_difficulty(text, ctx_.words) : chosen;
            }
            return store_and_advance(item, std::move(a));
        }
    }
}

void Machine::accept_count(const FormItem& item, std::int64_t value) {
    // Soft checks against the answers already given, this value in place: failed_checks() on the
    // answers with this one stored, keeping the checks that involve this item, in form order,
    // without copying the answers (on the writer's path for every count).
    const auto number = [&](const std::string& code) -> std::optional<std::int64_t> {
        if (code == item.code) return value;
        const auto it = st_.answers.find(code);
        return it == st_.answers.end() ? std::nullopt : it->second.number;
    };
    for (const auto& failing : ctx_.form.checks) {
        if (failing.item != item.code && failing.other != item.code) continue;
        const auto va = number(failing.item);
        const auto vb = number(failing.other);
        if (!va || !vb || check_holds(failing.kind, *va, *vb)) continue;
        const std::string& a = failing.item;
        const std::string& b = failing.other;
        // The message follows the last check on the pair, as for the quick report.
        const SoftCheck* check = nullptr;
        for (const auto& c : ctx_.form.checks)
            if (c.item == a && c.other == b) check = &c;
        const FormItem* ia = ctx_.form.find(a);
        const FormItem* ib = ctx_.form.find(b);
        if (!check || !ia || !ib) continue;
        go(steps::ConfirmingCheck{item.code, value});
        say(msg(check->kind == CheckKind::kAtMost ? "check_at_most" : "check_at_least",
                {{"label", ia->label},
                 {"value", format_count(*va)},
                 {"other_label", ib->label},
                 {"other_value", format_count(*vb)}}),
            {button("button_keep", "payload_keep"), button("button_back", "payload_back")}, true);
        return;
    }
    Answer a;
    a.number = value;
    store_and_advance(item, std::move(a));
}

void Machine::store_and_advance(const FormItem& item, Answer a) {
    st_.answers[item.code] = std::move(a);
    go(steps::Asking{});
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
    go(steps::Summary{});
    st_.return_to_summary = false;
    const TeamFacts* t = team(st_.team);
    std::string text = msg(st_.revising ? "summary_header_revision" : "summary_header",
                           {{"period", period_display(st_.period)}, {"team", t ? t->name : ""}});
    if (st_.revising && t && t->revision > 0 && t->submitted_at) {
        text += "\n" +
                msg(t->submitted_by.empty() ? "summary_revision_of_unknown" : "summary_revision_of",
                    {{"time", format_vietnam_short(*t->submitted_at)},
                     {"by", t->submitted_by},
                     {"revision", std::to_string(t->revision)}});
    }
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
    if (step() == Step::kIdle) return start_report(std::nullopt, std::nullopt);
    const std::string a = std::string(trim(arg));
    if (a.empty()) {
        say(msg("edit_which"), {}, true);
        return;
    }
    for (std::size_t i = 0; i < items_.size(); ++i) {
        if (a == std::to_string(i + 1) || a == fold_vietnamese(items_[i]->code)) {
            st_.index = i;
            st_.return_to_summary = true;
            go(steps::Asking{});
            return ask();
        }
    }
    say(msg("edit_unknown", {{"input", shorten(a)}, {"total", std::to_string(items_.size())}}));
}

void Machine::submit() {
    const TeamFacts* t = team(st_.team);
    if (!t) {
        reset_draft();
        say(msg("no_team"));
        return;
    }
    // The revision counter: a report submitted since this draft began is never overwritten
    // unseen; the person sees what differs and confirms again.
    if (t->revision != st_.base_revision) return conflict(*t);
    // The other filer changed the shared draft since this person saw it: show what, and let
    // them confirm what they now send.
    if (seen_) {
        const auto changes = differences(*seen_, st_.answers);
        if (!changes.empty()) {
            std::string text =
                msg("draft_changed_by_other", {{"by", t->draft ? t->draft->updated_by_name : ""}});
            for (const auto& [item, before, after] : changes)
                text += "\n" + msg("draft_change_line", {{"code", item->code},
                                                         {"label", item->label},
                                                         {"before", before},
                                                         {"after", after}});
            say(std::move(text));
            return summary();
        }
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
    r.base_revision = t->revision;
    r.late = now_ >= deadline_;
    for (const FormItem* item : items_) {
        if (auto it = st_.answers.find(item->code); it != st_.answers.end()) {
            r.answers[item->code] = it->second;
            // Who answered what survives the draft: the shared draft's record where its value
            // is the one sent, else the person sending.
            std::optional<PersonId> by = ctx_.person;
            if (t->draft && t->draft->base_revision == st_.base_revision) {
                const auto d = t->draft->answers.find(item->code);
                const auto w = t->draft->answered_by.find(item->code);
                if (d != t->draft->answers.end() && d->second == it->second &&
                    w != t->draft->answered_by.end())
                    by = w->second;
            }
            if (by) r.answered_by[item->code] = *by;
        }
    }
    Params p{{"period", period_display(st_.period)},
             {"team", t->name},
             {"time", format_vietnam_short(now_)},
             {"revision", std::to_string(r.revision)},
             {"deadline", deadline_text()}};
    std::string text = msg(r.revision == 1 ? "receipt" : "receipt_revision", p);
    // Timeliness is the first submission's; a revision after the deadline says so.
    const char* timeliness = r.revision == 1 ? (r.late ? "receipt_late" : "receipt_on_time")
                             : t->late       ? "receipt_late"
                             : r.late        ? "receipt_revised_after_deadline"
                                             : "receipt_on_time";
    text += "\n" + msg(timeliness, p);
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
    const std::string period = draft_active() ? st_.period : period_.str();
    RecordDifficulty d;
    d.team = t->id;
    d.period = period;
    d.category = classify_difficulty(text, ctx_.words);
    if (utf8_length(trim(text)) > kMaxDifficulty) {
        say(msg("difficulty_too_long", {{"max", std::to_string(kMaxDifficulty)},
                                        {"length", std::to_string(utf8_length(trim(text)))}}));
        if (draft_active()) reprompt();
        return;
    }
    d.text = std::string(trim(text));
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
            say(msg("summary.bad_period", {{"input", shorten(arg)}}));
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
        case Step::kChoosingPeriod:
            return "choosing_period";
        case Step::kConfirmingValue:
            return "confirming_value";
        case Step::kConfirmingQuick:
            return "confirming_quick";
    }
    return "idle";
}

std::optional<Step> parse_step(std::string_view s) {
    for (Step st : {Step::kIdle, Step::kChoosingTeam, Step::kAsking, Step::kConfirmingCheck,
                    Step::kSummary, Step::kConfirmingCancel, Step::kChoosingPeriod,
                    Step::kConfirmingValue, Step::kConfirmingQuick}) {
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

std::optional<std::string> find_invite_code(std::string_view text) {
    if (looks_like_invite_code(text)) return std::string(trim(text));
    // One word of six letters and digits in a sentence. Vietnamese words of six ASCII letters
    // ("nguyen", "truong") are common, so the word needs a digit or capitals.
    std::optional<std::string> found;
    const std::string_view t = trim(text);
    std::size_t i = 0;
    while (i < t.size()) {
        std::size_t j = i;
        while (j < t.size() && std::isalnum(static_cast<unsigned char>(t[j]))) ++j;
        const bool word_end = j >= t.size() || static_cast<unsigned char>(t[j]) < 0x80;
        const bool word_start = i == 0 || static_cast<unsigned char>(t[i - 1]) < 0x80;
        if (j - i == 6 && word_end && word_start) {
            const std::string_view w = t.substr(i, 6);
            const bool digit = std::any_of(w.begin(), w.end(), [](char c) {
                return std::isdigit(static_cast<unsigned char>(c));
            });
            const bool caps = std::all_of(w.begin(), w.end(), [](char c) {
                return std::isupper(static_cast<unsigned char>(c)) ||
                       std::isdigit(static_cast<unsigned char>(c));
            });
            if (digit || caps) {
                if (found) return std::nullopt;  // two candidates: ask for the code alone
                found = std::string(w);
            }
        }
        i = j == i ? i + 1 : j;
    }
    return found;
}

MonthPeriod filing_period(Instant now, bool previous_submitted,
                          std::optional<Instant> previous_deadline) {
    const MonthPeriod current = MonthPeriod::containing(now);
    if (!previous_submitted && previous_deadline && now < *previous_deadline) {
        return current.previous();
    }
    return current;
}

std::string classify_difficulty(std::string_view text, const Words& words) {
    const std::string k = fold_vietnamese(text);
    constexpr std::string_view kPrefix = "difficulty_category.";
    for (const std::string& list : words.list_names()) {
        if (list.compare(0, kPrefix.size(), kPrefix) != 0) continue;
        for (const std::string& w : words.list(list))
            if (k.find(w) != std::string::npos) return list.substr(kPrefix.size());
    }
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
        if (!check_holds(c.kind, *a->second.number, *b->second.number))
            out.emplace_back(c.item, c.other);
    }
    return out;
}

}  // namespace tcns::core
