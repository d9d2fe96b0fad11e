#include "storage/demo_history.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <optional>
#include <string>
#include <vector>

#include "core/demo_history.hpp"
#include "core/period.hpp"
#include "storage/chat_store.hpp"
#include "storage/period_repo.hpp"

namespace tcns::storage {

namespace {

struct DemoTeam {
    std::int64_t id = 0;
    std::string code;
    std::optional<std::int64_t> leader;
};

std::vector<DemoTeam> demo_teams(Database& db) {
    SQLite::Statement q(db.handle(), R"sql(
SELECT t.id, t.code, lr.person_id
FROM teams t LEFT JOIN roles lr ON lr.team_id = t.id AND lr.role = 'leader'
WHERE t.generated = 1 AND t.active = 1
ORDER BY t.id
)sql");
    std::vector<DemoTeam> out;
    while (q.executeStep()) {
        DemoTeam t;
        t.id = q.getColumn(0).getInt64();
        t.code = q.getColumn(1).getString();
        if (!q.getColumn(2).isNull()) t.leader = q.getColumn(2).getInt64();
        out.push_back(std::move(t));
    }
    return out;
}

}  // namespace

DemoHistoryCounts seed_demo_history(Database& db, const core::Form& form, int months,
                                    std::uint64_t seed, core::Instant now) {
    DemoHistoryCounts c;
    const std::vector<DemoTeam> teams = demo_teams(db);
    c.teams = static_cast<int>(teams.size());
    c.months = months;
    PeriodRepo periods(db);
    ReportRepo reports(db);
    const core::MonthPeriod current = core::current_period(now);
    for (int back = months; back >= 1; --back) {
        core::MonthPeriod p = current;
        for (int i = 0; i < back; ++i) p = p.previous();
        const core::Instant deadline = periods.deadline(p);
        for (const DemoTeam& team : teams) {
            if (reports.submitted(team.id, p)) {
                ++c.already_there;
                continue;
            }
            const core::DemoReport plan =
                core::plan_demo_report(form, team.code, p, deadline, now, seed);
            if (plan.outcome == core::DemoOutcome::kMissing) {
                ++c.left_missing;
                continue;
            }
            core::SubmitReport r;
            r.team = team.id;
            r.period = p.str();
            r.late = plan.outcome == core::DemoOutcome::kLate;
            r.answers = plan.answers;
            reports.submit(r, form, team.leader, std::nullopt, plan.submitted_at);
            ++(r.late ? c.filed_late : c.filed_on_time);
            for (const auto& [code, answer] : plan.answers) {
                const core::FormItem* item = form.find(code);
                if (item && item->type == core::ItemType::kText && !item->choices.empty() &&
                    !answer.text.empty())
                    ++c.difficulties;
            }
        }
    }
    return c;
}

}  // namespace tcns::storage
