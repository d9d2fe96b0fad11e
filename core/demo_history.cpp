#include "core/demo_history.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <random>
#include <string>

namespace tcns::core {

namespace {

std::uint64_t fnv1a(std::string_view s, std::uint64_t h = 1469598103934665603ull) {
    for (unsigned char c : s) {
        h ^= c;
        h *= 1099511628211ull;
    }
    return h;
}

// mt19937_64's output is fixed by the standard (the distributions are not): draw with modulo,
// so that a seed gives the same history on every platform.
class Rng {
  public:
    Rng(std::uint64_t seed, std::string_view key)
        : gen_(fnv1a(key, seed ^ 0xC2B2AE3D27D4EB4Full)) {}
    std::int64_t between(std::int64_t lo, std::int64_t hi) {  // inclusive
        return lo + static_cast<std::int64_t>(gen_() % static_cast<std::uint64_t>(hi - lo + 1));
    }
    bool percent(int p) { return between(0, 99) < p; }
    template <std::size_t N>
    std::string_view pick(const std::string_view (&list)[N]) {
        return list[static_cast<std::size_t>(between(0, N - 1))];
    }

  private:
    std::mt19937_64 gen_;
};

/// A month's typical range for the indicators of the repository's form; `per` makes an
/// indicator a multiple of another (attendance per training session). Unknown codes get a
/// small generic range, then bounds and soft checks apply.
struct Typical {
    std::string_view code;
    std::int64_t lo;
    std::int64_t hi;
    std::string_view per = {};
};
constexpr Typical kTypical[] = {
    {"LH01", 40, 160},        {"HO01", 5, 35},   {"ID01", 3, 30}, {"DV01", 5, 40},
    {"DV02", 2, 25},          {"DV03", 0, 15},   {"TT01", 1, 15}, {"TT02", 5, 40},
    {"TT03", 0, 5},           {"TM01", 0, 6},    {"TM02", 0, 12}, {"KS01", 0, 8},
    {"YT01", 3, 30},          {"YT02", 0, 10},   {"GD01", 0, 25}, {"KN01", 0, 3},
    {"KN02", 12, 35, "KN01"}, {"AT01", 10, 120}, {"PA01", 0, 6},  {"PA02", 0, 6},
};

// What leaders write when something is in the way, by difficulty category.
constexpr std::string_view kNetwork[] = {"Sóng 4G yếu ở cuối ấp, người dân khó cài ứng dụng.",
                                         "Mạng chập chờn vào buổi tối, nhiều hồ sơ phải nộp lại."};
constexpr std::string_view kDevices[] = {"Nhiều người cao tuổi chỉ có điện thoại phím bấm.",
                                         "Tổ chưa có máy tính bảng để hỗ trợ tại nhà."};
constexpr std::string_view kVneid[] = {
    "Nhiều trường hợp không nhận được mã OTP khi kích hoạt VNeID.",
    "Ảnh chân dung bị từ chối nhiều lần khi xác thực VNeID."};
constexpr std::string_view kElderly[] = {"Người cao tuổi quên mật khẩu, cần hỗ trợ lại nhiều lần.",
                                         "Người cao tuổi ngại dùng thanh toán không tiền mặt."};
constexpr std::string_view kOther[] = {"Thành viên tổ bận việc mùa vụ, ít thời gian hỗ trợ.",
                                       "Thiếu tài liệu hướng dẫn in sẵn để phát cho người dân."};
constexpr std::string_view kProposals[] = {
    "Đề nghị xã tổ chức thêm lớp tập huấn về chữ ký số.",
    "Đề nghị hỗ trợ kinh phí 4G cho thành viên tổ.",
    "Đề nghị cấp thêm tờ rơi hướng dẫn phòng chống lừa đảo trực tuyến."};

std::string_view difficulty_text(Rng& rng, std::string_view category) {
    if (category == "network") return rng.pick(kNetwork);
    if (category == "devices") return rng.pick(kDevices);
    if (category == "vneid") return rng.pick(kVneid);
    if (category == "elderly") return rng.pick(kElderly);
    return rng.pick(kOther);
}

const Typical* typical(std::string_view code) {
    for (const auto& t : kTypical)
        if (t.code == code) return &t;
    return nullptr;
}

/// A Vietnam wall-clock instant on `day` of the period (clamped to the month) at `hour`.
Instant local_instant(const MonthPeriod& p, int day, int hour, int minute) {
    LocalDateTime t;
    t.date = Date{p.year, p.month, std::min(day, days_in_month(p.year, p.month))};
    t.hour = hour;
    t.minute = minute;
    return from_vietnam(t);
}

Answers plan_answers(const Form& form, Rng& rng, int scale_pct) {
    Answers answers;
    for (const FormItem* item : form.enabled_items()) {
        Answer a;
        switch (item->type) {
            case ItemType::kCount: {
                const Typical* t = typical(item->code);
                std::int64_t v = 0;
                if (t && !t->per.empty()) {
                    const auto base = answers.find(std::string(t->per));
                    const std::int64_t n =
                        base != answers.end() && base->second.number ? *base->second.number : 0;
                    v = n * rng.between(t->lo, t->hi);
                } else {
                    v = t ? rng.between(t->lo, t->hi) : rng.between(0, 20);
                    v = v * scale_pct / 100;
                }
                a.number = std::clamp(v, item->min, item->max);
                break;
            }
            case ItemType::kChoice:
                if (item->choices.empty()) continue;
                a.choice =
                    item->choices[static_cast<std::size_t>(rng.between(
                                      0, static_cast<std::int64_t>(item->choices.size() - 1)))]
                        .code;
                break;
            case ItemType::kText:
                if (!item->choices.empty()) {  // a difficulty with its category
                    if (!rng.percent(12)) continue;
                    a.choice =
                        item->choices[static_cast<std::size_t>(rng.between(
                                          0, static_cast<std::int64_t>(item->choices.size() - 1)))]
                            .code;
                    a.text = std::string(difficulty_text(rng, a.choice));
                } else {
                    if (!rng.percent(6)) continue;
                    a.text = std::string(rng.pick(kProposals));
                }
                if (a.text.size() > item->max_length) a.text.resize(item->max_length);
                break;
        }
        answers.emplace(item->code, std::move(a));
    }
    // Make the soft checks hold, as a leader would after the bot asked to confirm.
    for (const auto& c : form.checks) {
        const auto a = answers.find(c.item);
        const auto b = answers.find(c.other);
        if (a == answers.end() || b == answers.end()) continue;
        if (!a->second.number || !b->second.number) continue;
        std::int64_t& va = *a->second.number;
        const std::int64_t vb = *b->second.number;
        if (c.kind == CheckKind::kAtMost)
            va = std::min(va, vb);
        else if (vb > 0)
            va = std::max(va, vb);
    }
    return answers;
}

}  // namespace

DemoReport plan_demo_report(const Form& form, std::string_view team_code, const MonthPeriod& period,
                            Instant deadline, Instant now, std::uint64_t seed) {
    Rng team_rng(seed, fmt::format("history-team:{}", team_code));
    const bool unreliable = team_rng.percent(10);
    const int scale_pct = static_cast<int>(team_rng.between(60, 140));  // a team's size

    Rng rng(seed, fmt::format("history:{}:{}", team_code, period.str()));
    const int roll = static_cast<int>(rng.between(0, 99));
    const int missing_pct = unreliable ? 35 : 4;
    const int late_pct = unreliable ? 30 : 10;

    DemoReport r;
    if (roll < missing_pct) return r;
    if (roll < missing_pct + late_pct) {
        // Late: between one hour and five days after the deadline, and not in the future.
        const auto window = std::min<std::int64_t>(5 * 24 * 3600, to_unix(now) - to_unix(deadline));
        if (window < 3600) return r;
        r.outcome = DemoOutcome::kLate;
        r.submitted_at = deadline + std::chrono::seconds(rng.between(3600, window));
    } else {
        r.outcome = DemoOutcome::kOnTime;
        const int day = static_cast<int>(rng.between(8, 28));
        r.submitted_at = local_instant(period, day, static_cast<int>(rng.between(7, 21)),
                                       static_cast<int>(rng.between(0, 59)));
        // An early deadline (set by hand) still leaves the report on time.
        if (r.submitted_at >= deadline) r.submitted_at = deadline - std::chrono::hours(2);
        if (r.submitted_at > now) return DemoReport{};
    }
    r.answers = plan_answers(form, rng, scale_pct);
    return r;
}

}  // namespace tcns::core
