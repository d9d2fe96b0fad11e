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

LatenessChange PeriodRepo::lateness_change(const core::MonthPeriod& p, core::Instant deadline) {
    SQLite::Statement q(db_.handle(),
                        "SELECT ifnull(sum(late = 0 AND first_submitted_at >= :d), 0), "
                        "ifnull(sum(late <> 0 AND first_submitted_at < :d), 0) "
                        "FROM report_status WHERE period = :p");
    q.bind(":d", static_cast<std::int64_t>(core::to_unix(deadline)));
    q.bind(":p", p.str());
    LatenessChange c;
    if (q.executeStep()) {
        c.to_late = q.getColumn(0).getInt64();
        c.to_on_time = q.getColumn(1).getInt64();
    }
    return c;
}

LatenessChange PeriodRepo::move_deadline(const core::MonthPeriod& p,
                                         std::optional<core::Instant> deadline, core::Instant now) {
    return with_transaction(db_, [&] {
        const core::Instant at = core::effective_deadline(p, deadline);
        const LatenessChange change = lateness_change(p, at);
        if (deadline)
            set_extension(p, *deadline, now);
        else
            clear_extension(p);
        const auto d = static_cast<std::int64_t>(core::to_unix(at));
        SQLite::Statement status(db_.handle(),
                                 "UPDATE report_status SET late = (first_submitted_at >= ?1) "
                                 "WHERE period = ?2 AND late <> (first_submitted_at >= ?1)");
        status.bind(1, d);
        status.bind(2, p.str());
        status.exec();
        SQLite::Statement reports(db_.handle(),
                                  "UPDATE reports SET late = (submitted_at >= ?1) "
                                  "WHERE period = ?2 AND late <> (submitted_at >= ?1)");
        reports.bind(1, d);
        reports.bind(2, p.str());
        reports.exec();
        return change;
    });
}

core::Instant PeriodRepo::deadline(const core::MonthPeriod& p) {
    return core::effective_deadline(p, extension(p));
}

}  // namespace tcns::storage
