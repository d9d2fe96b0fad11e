#include "storage/period_repo.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include "storage/facts_cache.hpp"

namespace tcns::storage {

std::optional<core::Instant> PeriodRepo::extension(const core::MonthPeriod& p) {
    const std::string period = p.str();
    FactsCache* cache = db_.facts_cache();
    if (cache)
        if (auto known = cache->extension(period)) return *known;
    auto& q = db_.cached("SELECT deadline_at FROM period_deadlines WHERE period = ?");
    q.bind(1, period);
    std::optional<core::Instant> at;
    if (q.executeStep()) at = core::from_unix(q.getColumn(0).getInt64());
    q.reset();
    if (cache) cache->put_extension(period, at);
    return at;
}

void PeriodRepo::set_extension(const core::MonthPeriod& p, core::Instant deadline,
                               core::Instant now) {
    SQLite::Statement q(db_.handle(),
                        "INSERT INTO period_deadlines(period, deadline_at, updated_at) "
                        "VALUES (?, ?, ?) ON CONFLICT(period) DO UPDATE SET "
                        "deadline_at = excluded.deadline_at, updated_at = excluded.updated_at");
    q.bind(1, p.str());
    q.bind(2, static_cast<std::int64_t>(core::to_unix(deadline)));
    q.bind(3, static_cast<std::int64_t>(core::to_unix(now)));
    q.exec();
}

void PeriodRepo::clear_extension(const core::MonthPeriod& p) {
    SQLite::Statement q(db_.handle(), "DELETE FROM period_deadlines WHERE period = ?");
    q.bind(1, p.str());
    q.exec();
}

core::Instant PeriodRepo::deadline(const core::MonthPeriod& p) {
    return core::effective_deadline(p, extension(p));
}

}  // namespace tcns::storage
