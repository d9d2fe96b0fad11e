#include "core/demo_roster.hpp"

#include <fmt/format.h>

#include <map>
#include <random>

namespace tcns::core {

namespace {

std::uint64_t fnv1a(std::string_view s, std::uint64_t h = 1469598103934665603ull) {
    for (unsigned char c : s) {
        h ^= c;
        h *= 1099511628211ull;
    }
    return h;
}

// mt19937_64's output is fixed by the standard (the distributions are not): draw with modulo.
class Rng {
  public:
    Rng(std::uint64_t seed, std::string_view key)
        : gen_(fnv1a(key, seed ^ 0x9E3779B97F4A7C15ull)) {}
    std::size_t below(std::size_t n) { return static_cast<std::size_t>(gen_() % n); }
    template <std::size_t N>
    std::string_view pick(const std::string_view (&list)[N]) {
        return list[below(N)];
    }

  private:
    std::mt19937_64 gen_;
};

// Surnames roughly by frequency (Nguyễn about 38%).
constexpr std::string_view kSurnames[] = {
    "Nguyễn", "Nguyễn", "Nguyễn", "Nguyễn", "Nguyễn", "Nguyễn", "Nguyễn", "Nguyễn", "Trần", "Trần",
    "Trần",   "Lê",     "Lê",     "Phạm",   "Phạm",   "Hoàng",  "Huỳnh",  "Phan",   "Vũ",   "Võ",
    "Đặng",   "Bùi",    "Đỗ",     "Hồ",     "Ngô",    "Dương",  "Lý",     "Trương", "Đinh", "Lâm"};
constexpr std::string_view kMaleMiddle[] = {"Văn",  "Văn",   "Hữu",  "Đức",   "Minh",
                                            "Quốc", "Thanh", "Công", "Hoàng", "Ngọc"};
constexpr std::string_view kFemaleMiddle[] = {"Thị", "Thị", "Ngọc", "Thu",  "Thanh",
                                              "Kim", "Mỹ",  "Bích", "Hồng", "Phương"};
constexpr std::string_view kMaleGiven[] = {
    "An",  "Bình",  "Cường", "Dũng", "Đạt",   "Hải",  "Hiếu", "Hoàng", "Hùng",
    "Huy", "Khang", "Khoa",  "Long", "Minh",  "Nam",  "Phúc", "Quang", "Sơn",
    "Tài", "Thắng", "Thành", "Tiến", "Trung", "Tuấn", "Việt", "Vinh"};
constexpr std::string_view kFemaleGiven[] = {
    "Anh",   "Châu",   "Diệp",  "Dung", "Giang", "Hà",    "Hạnh", "Hằng", "Hoa",
    "Hương", "Lan",    "Linh",  "Loan", "Mai",   "My",    "Ngân", "Ngọc", "Nhung",
    "Oanh",  "Phương", "Quyên", "Thảo", "Trang", "Tuyết", "Vân",  "Yến"};

constexpr std::string_view kDeputyJobs[] = {"Bí thư Chi đoàn", "Công an viên",
                                            "Chi hội trưởng Phụ nữ", "Phó Trưởng {}"};
constexpr std::string_view kMemberJobs[] = {
    "Đoàn viên thanh niên", "Giáo viên",           "Nhân viên bưu điện",    "Nhân viên Viettel",
    "Kinh doanh",           "Nhân viên y tế",      "Hội viên Hội Nông dân", "Sinh viên",
    "Công an viên",         "Hội viên Hội Phụ nữ", "Nhân viên VNPT",        "Cựu chiến binh"};

// Mobile prefixes after the leading 0 (Viettel, Vinaphone, MobiFone).
constexpr std::string_view kMobilePrefixes[] = {
    "96", "97", "98", "86", "32", "33", "34", "35", "36", "37", "38", "39", "91", "94",
    "88", "81", "82", "83", "84", "85", "90", "93", "89", "70", "76", "77", "78", "79"};

// "Xã" -> "xã", "Thành phố" -> "thành phố" (types start with an ASCII capital or Đ).
std::string lower_first(std::string_view s) {
    std::string out(s);
    if (!out.empty() && out[0] >= 'A' && out[0] <= 'Z') out[0] = static_cast<char>(out[0] + 32);
    if (out.rfind("\xC4\x90", 0) == 0) out[1] = '\x91';  // Đ -> đ
    return out;
}

bool is_urban(std::string_view commune_type) {
    return commune_type == "Phường" || commune_type == "Thị trấn";
}

}  // namespace

DemoPhones::DemoPhones(std::set<std::string> taken, std::uint64_t seed)
    : used_(std::move(taken)), seed_(seed) {}

std::string DemoPhones::number(std::string_view key, std::string_view wanted) {
    if (!wanted.empty() && used_.insert(std::string(wanted)).second) return std::string(wanted);
    for (std::uint64_t attempt = 0;; ++attempt) {
        const std::uint64_t h = fnv1a(fmt::format("{}#{}", key, attempt), seed_);
        const auto prefix = kMobilePrefixes[h % std::size(kMobilePrefixes)];
        std::string phone = fmt::format("84{}{:07}", prefix, (h >> 16) % 10'000'000);
        // Keep the easy demo numbers 0912000xxx for the people the hint names.
        if (phone.rfind("84912000", 0) == 0) continue;
        if (used_.insert(phone).second) return phone;
    }
}

std::string demo_full_name(std::string_view key, std::uint64_t seed) {
    Rng rng(seed, fmt::format("name:{}", key));
    const bool female = rng.below(2) == 0;
    const auto surname = rng.pick(kSurnames);
    const auto middle = female ? rng.pick(kFemaleMiddle) : rng.pick(kMaleMiddle);
    const auto given = female ? rng.pick(kFemaleGiven) : rng.pick(kMaleGiven);
    return fmt::format("{} {} {}", surname, middle, given);
}

std::vector<UnitRecord> generate_demo_hamlets(const std::vector<UnitRecord>& units,
                                              std::uint64_t seed) {
    std::set<std::string> has_children;
    for (const auto& u : units)
        if (!u.parent_code.empty()) has_children.insert(u.parent_code);
    std::vector<UnitRecord> hamlets;
    for (const auto& commune : units) {
        if (commune.level != "commune" || has_children.count(commune.code)) continue;
        Rng rng(seed, "hamlets:" + commune.code);
        const bool urban = is_urban(commune.type);
        const std::size_t n = urban ? 3 + rng.below(6) : 5 + rng.below(5);
        for (std::size_t i = 1; i <= n; ++i) {
            UnitRecord h;
            h.code = fmt::format("{}-{:02}", commune.code, i);
            h.type = urban ? "Khu phố" : "Ấp";
            h.name = fmt::format("{} {}", h.type, i);
            h.level = "hamlet";
            h.parent_code = commune.code;
            hamlets.push_back(std::move(h));
        }
    }
    return hamlets;
}

std::vector<TeamRecord> generate_demo_teams(const std::vector<UnitRecord>& hamlets,
                                            std::uint64_t seed) {
    std::vector<TeamRecord> teams;
    for (const auto& h : hamlets) {
        Rng rng(seed, "team:" + h.code);
        TeamRecord t;
        t.code = "T-" + h.code;
        t.name = "Tổ công nghệ số cộng đồng " + h.name;
        t.unit_code = h.code;
        t.decision_no = fmt::format("{}/QĐ-UBND", 100 + rng.below(2900));
        t.decision_date = add_days(Date{2022, 4, 1}, static_cast<int>(rng.below(450)));
        t.decision_given = true;
        teams.push_back(std::move(t));
    }
    return teams;
}

std::vector<PersonRecord> generate_demo_team_people(const std::vector<TeamRecord>& teams,
                                                    const std::vector<UnitRecord>& hamlets,
                                                    DemoPhones& phones, std::uint64_t seed) {
    std::map<std::string, std::string> hamlet_type;
    for (const auto& h : hamlets) hamlet_type[h.code] = lower_first(h.type);
    std::vector<PersonRecord> people;
    bool first = true;
    for (const auto& t : teams) {
        Rng rng(seed, "people:" + t.code);
        const std::string hamlet = hamlet_type.count(t.unit_code) ? hamlet_type[t.unit_code] : "ấp";
        auto add = [&](Role role, std::string_view slot, std::string occupation,
                       std::string_view wanted_phone = {}) {
            const std::string key = fmt::format("{}/{}", t.code, slot);
            PersonRecord p;
            p.phone = phones.number(key, wanted_phone);
            p.full_name = demo_full_name(key, seed);
            p.occupation = std::move(occupation);
            p.occupation_given = true;
            RoleRecord r;
            r.role = role;
            r.team_code = t.code;
            p.roles.push_back(std::move(r));
            people.push_back(std::move(p));
        };
        add(Role::kLeader, "leader",
            rng.below(3) < 2 ? fmt::format("Trưởng {}", hamlet) : "Bí thư Chi bộ",
            first ? kDemoLeaderPhone : std::string_view());
        add(Role::kDeputy, "deputy", fmt::format(fmt::runtime(rng.pick(kDeputyJobs)), hamlet));
        const std::size_t members = 2 + rng.below(2);
        for (std::size_t m = 1; m <= members; ++m)
            add(Role::kMember, fmt::format("member{}", m), std::string(rng.pick(kMemberJobs)));
        first = false;
    }
    return people;
}

std::vector<PersonRecord> generate_demo_officials(const std::vector<UnitRecord>& units,
                                                  std::string_view first_commune,
                                                  DemoPhones& phones, std::uint64_t seed) {
    std::vector<PersonRecord> people;
    for (const auto& u : units) {
        std::string titles[2];
        const std::string kind = lower_first(u.type.empty() ? u.level : u.type);
        if (u.level == "province") {
            titles[0] = fmt::format("Phó Chủ tịch UBND {}", kind);
            titles[1] = "Phó Giám đốc Sở Thông tin và Truyền thông";
        } else if (u.level == "district") {
            titles[0] = fmt::format("Phó Chủ tịch UBND {}", kind);
            titles[1] = "Trưởng phòng Văn hóa và Thông tin";
        } else if (u.level == "commune") {
            titles[0] = fmt::format("Phó Chủ tịch UBND {}", kind);
            titles[1] = "Công chức Văn hóa - Xã hội";
        } else {
            continue;
        }
        for (int i = 0; i < 2; ++i) {
            const std::string key = fmt::format("official:{}/{}", u.code, i + 1);
            PersonRecord p;
            p.phone = phones.number(
                key, i == 0 && u.code == first_commune ? kDemoOfficialPhone : std::string_view());
            p.full_name = demo_full_name(key, seed);
            p.occupation = "Cán bộ, công chức";
            p.occupation_given = true;
            RoleRecord r;
            r.role = Role::kOfficial;
            r.unit_code = u.code;
            r.title = titles[i];
            p.roles.push_back(std::move(r));
            people.push_back(std::move(p));
        }
    }
    return people;
}

DemoRoster generate_demo_roster(const std::vector<UnitRecord>& units,
                                const std::set<std::string>& taken, std::uint64_t seed) {
    DemoRoster roster;
    roster.hamlets = generate_demo_hamlets(units, seed);
    roster.teams = generate_demo_teams(roster.hamlets, seed);
    DemoPhones phones(taken, seed);
    roster.people = generate_demo_team_people(roster.teams, roster.hamlets, phones, seed);
    const std::string first_commune =
        roster.hamlets.empty() ? std::string() : roster.hamlets.front().parent_code;
    auto officials = generate_demo_officials(units, first_commune, phones, seed);
    for (auto& p : officials) roster.people.push_back(std::move(p));
    return roster;
}

}  // namespace tcns::core
