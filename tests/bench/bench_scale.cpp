// Deadline-day scale benchmark (issue 7): a synthetic national roster (default 80,000 teams
// under 34 provinces → communes → hamlets, a leader with a Zalo account each) with 12 months of
// reports, then the operations that must stay fast at that size:
//   * a province roll-up for a month (rollup export of one province's subtree), target < 200 ms;
//   * the admin page's per-province compliance for a month;
//   * the web pages (issue 16): rendered through bot/'s page entry points, as the admin token
//     (national, by province and by commune) and as officials signed in through a link (a
//     province page, a commune page; with --districts, a district page too), target < 300 ms;
//   * a month's `reports` export (every team, one row each) through the real `tcns` binary,
//     target < 3 s, with its peak RSS (constant memory: compare a small export's RSS), and the
//     same export as XLSX (libxlsxwriter's constant-memory mode), target < 10 s and < 100 MB;
//   * the scheduler tick that enqueues the D-1 reminders (when the scheduler is built in).
// Usage: bench_scale --db FILE --tcns PATH/tcns [--teams 80000] [--months 12] [--only pages]
//                    [--districts N]  (when generating: N districts between provinces and
//                                      communes, the structure before 2025; default none)
// The database is generated once and reused when it exists. `--only pages` times the pages and
// the compliance queries only (no exports, no scheduler tick); `--only officials` the officials'
// pages alone.
#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <random>
#include <sstream>

#include "bot/admin/admin_page.hpp"
#include "bot/admin/admin_session.hpp"
#include "bot/admin/web_access.hpp"
#include "bot/admin/web_page.hpp"
#include "bot/config.hpp"
#include "bot/export_support.hpp"
#include "bot/http/http_types.hpp"
#include "bot/jobs/scheduler.hpp"
#include "bot/templates.hpp"
#include "core/csv_writer.hpp"
#include "core/period.hpp"
#include "storage/admin_overview.hpp"
#include "storage/compliance.hpp"
#include "storage/database.hpp"
#include "storage/exports.hpp"

using namespace tcns;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point t) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

void generate(const std::string& path, int teams, int months, const core::MonthPeriod& last,
              int districts) {
    const auto started = Clock::now();
    storage::Database db(path);
    auto& h = db.handle();
    h.exec("PRAGMA synchronous = OFF");  // generation only
    storage::WriteTransaction tx(db);
    const int provinces = 34;
    const int communes = std::max(provinces, teams / 24);
    SQLite::Statement unit(h,
                           "INSERT INTO units (id, code, name, type, level, parent_id, generated) "
                           "VALUES (?, ?, ?, ?, ?, ?, 1)");
    auto add_unit = [&](std::int64_t id, const std::string& code, const std::string& name,
                        const char* type, const char* level, std::optional<std::int64_t> parent) {
        unit.reset();
        unit.bind(1, id);
        unit.bind(2, code);
        unit.bind(3, name);
        unit.bind(4, type);
        unit.bind(5, level);
        if (parent)
            unit.bind(6, *parent);
        else
            unit.bind(6);
        unit.exec();
    };
    for (int p = 0; p < provinces; ++p)
        add_unit(p + 1, fmt::format("P{:02d}", p + 1), fmt::format("Tỉnh {}", p + 1), "Tỉnh",
                 "province", std::nullopt);
    // With districts (the structure before 2025): province → district → commune → hamlet.
    for (int d = 0; d < districts; ++d)
        add_unit(500000 + d, fmt::format("D{:04d}", d), fmt::format("Huyện {}", d), "Huyện",
                 "district", 1 + d % provinces);
    for (int c = 0; c < communes; ++c)
        add_unit(1000 + c, fmt::format("C{:05d}", c), fmt::format("Xã {}", c), "Xã", "commune",
                 districts > 0 ? 500000 + c % districts : 1 + c % provinces);
    SQLite::Statement team(
        h, "INSERT INTO teams (id, code, unit_id, name, generated) VALUES (?, ?, ?, ?, 1)");
    SQLite::Statement person(
        h, "INSERT INTO people (id, phone, full_name, generated) VALUES (?, ?, ?, 1)");
    SQLite::Statement role(h,
                           "INSERT INTO roles (person_id, role, team_id) VALUES (?, 'leader', ?)");
    SQLite::Statement account(
        h,
        "INSERT INTO chat_accounts (id, channel, platform_user_id, person_id, "
        "created_at, linked_at, last_inbound_at) VALUES (?, 'zalo', ?, ?, 0, 0, ?)");
    const std::int64_t now_unix = core::to_unix(core::default_monthly_deadline(last)) - 86400 * 2;
    for (int i = 0; i < teams; ++i) {
        const std::int64_t hamlet = 100000 + i;
        add_unit(hamlet, fmt::format("H{:06d}", i), fmt::format("Ấp {}", i % 24 + 1), "Ấp",
                 "hamlet", 1000 + i % communes);
        team.reset();
        team.bind(1, std::int64_t{i + 1});
        team.bind(2, fmt::format("T{:06d}", i));
        team.bind(3, hamlet);
        team.bind(4, fmt::format("Tổ CNS Ấp {}", i % 24 + 1));
        team.exec();
        person.reset();
        person.bind(1, std::int64_t{i + 1});
        person.bind(2, fmt::format("849{:08d}", i));
        person.bind(3, fmt::format("Tổ trưởng {}", i));
        person.exec();
        role.reset();
        role.bind(1, std::int64_t{i + 1});
        role.bind(2, std::int64_t{i + 1});
        role.exec();
        account.reset();
        account.bind(1, std::int64_t{i + 1});
        account.bind(2, fmt::format("{}", 7000000000000000000LL + i));
        account.bind(3, std::int64_t{i + 1});
        account.bind(4, now_unix - (i % 10) * 86400);
        account.exec();
    }
    const char* codes[] = {"LH01", "HO01", "ID01", "DV01", "DV02", "TT01", "TT02",
                           "TM01", "KS01", "YT01", "KN01", "KN02", "AT01"};
    SQLite::Statement report(h,
                             "INSERT INTO reports (id, team_id, period, revision, form_id, "
                             "form_version, submitted_at, submitted_by, late) "
                             "VALUES (?, ?, ?, 1, 'monthly-report', 1, ?, ?, ?)");
    SQLite::Statement value(
        h, "INSERT INTO report_values (report_id, item_code, value_int) VALUES (?, ?, ?)");
    SQLite::Statement status(
        h,
        "INSERT INTO report_status (team_id, period, first_submitted_at, "
        "last_submitted_at, latest_report_id, revision, late) VALUES (?, ?, ?, ?, ?, 1, ?)");
    std::mt19937 rng(42);
    std::int64_t report_id = 0;
    core::MonthPeriod p = last;
    for (int m = 1; m < months; ++m) p = p.previous();
    // The last month is the one in progress: only 40% have reported two days before its deadline.
    for (int m = 0; m < months; ++m, p = p.next()) {
        const bool current = m == months - 1;
        const auto deadline = core::to_unix(core::default_monthly_deadline(p));
        for (int i = 0; i < teams; ++i) {
            const int roll = static_cast<int>(rng() % 100);
            if (roll >= (current ? 40 : 92)) continue;
            const bool late = !current && roll >= 84;
            const std::int64_t at =
                late ? deadline + 3600 * (1 + roll) : deadline - 3600 * (24 + roll);
            ++report_id;
            report.reset();
            report.bind(1, report_id);
            report.bind(2, std::int64_t{i + 1});
            report.bind(3, p.str());
            report.bind(4, at);
            report.bind(5, std::int64_t{i + 1});
            report.bind(6, late ? 1 : 0);
            report.exec();
            const std::int64_t lh = 50 + rng() % 200;
            for (const char* code : codes) {
                value.reset();
                value.bind(1, report_id);
                value.bind(2, code);
                value.bind(3, std::string(code) == "LH01"
                                  ? lh
                                  : static_cast<std::int64_t>(rng() % (lh / 2 + 1)));
                value.exec();
            }
            status.reset();
            status.bind(1, std::int64_t{i + 1});
            status.bind(2, p.str());
            status.bind(3, at);
            status.bind(4, at);
            status.bind(5, report_id);
            status.bind(6, late ? 1 : 0);
            status.exec();
        }
    }
    // Targets as a provincial department assigns them: a yearly target for five items per team
    // (400,000 rows) and a monthly one per commune; exports and roll-ups read them per team.
    SQLite::Statement target(h,
                             "INSERT INTO targets (unit_id, team_id, item_code, period, value) "
                             "VALUES (?, ?, ?, ?, ?)");
    const int year = last.year;
    for (int i = 0; i < teams; ++i) {
        for (int k = 0; k < 5; ++k) {
            target.reset();
            target.bind(1);
            target.bind(2, std::int64_t{i + 1});
            target.bind(3, codes[k]);
            target.bind(4, std::to_string(year));
            target.bind(5, 600 + (i + k) % 300);
            target.exec();
        }
    }
    for (int c = 0; c < communes; ++c) {
        for (p = core::MonthPeriod{year, 1}; p.year == year; p = p.next()) {
            target.reset();
            target.bind(1, std::int64_t{1000 + c});
            target.bind(2);
            target.bind(3, codes[0]);
            target.bind(4, p.str());
            target.bind(5, 1000);
            target.exec();
        }
    }
    tx.commit();
    h.exec("PRAGMA synchronous = FULL");
    h.exec("ANALYZE");
    std::cerr << fmt::format("generated {} teams, {} reports, targets in {:.1f} s\n", teams,
                             report_id, ms_since(started) / 1000);
}

/// Runs the tcns binary; returns (wall ms, peak RSS MB, exit status).
std::tuple<double, double, int> run_child(const std::vector<std::string>& args) {
    const auto started = Clock::now();
    const pid_t pid = fork();
    if (pid == 0) {
        std::vector<char*> argv;
        for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        execv(argv[0], argv.data());
        _exit(127);
    }
    int status = 0;
    rusage ru{};
    wait4(pid, &status, 0, &ru);
    return {ms_since(started), ru.ru_maxrss / 1024.0, WIFEXITED(status) ? WEXITSTATUS(status) : -1};
}

// The pages' entry points in bot/ and their path, timed below: when the page gets other entry
// points (one per page), change these three lines only (the requests already name the unit).
constexpr const char* kPagePath = "/admin";
bot::HttpResponse province_page(const bot::Config& c, bot::AdminSessions& s,
                                const bot::HttpRequest& r) {
    return bot::admin_page_get(c, s, r);
}
bot::HttpResponse district_page(const bot::Config& c, bot::AdminSessions& s,
                                const bot::HttpRequest& r) {
    return bot::admin_page_get(c, s, r);
}
/// The drill-down page by area (issue 16): breadcrumbs, children worst first, indicators against
/// targets, the 12-month trend.
constexpr const char* kAreaPath = "/admin/area";
bot::HttpResponse area_page(const bot::Config& c, bot::AdminSessions& s,
                            const bot::HttpRequest& r) {
    return bot::area_page_get(c, s, r);
}

/// A web session for an official of unit `code` (made once, as if they had used a sign-in link):
/// the cookie token. The official is person 900000 + the unit's id.
std::string official_session(storage::Database& db, const std::string& code) {
    return storage::with_transaction(db, [&] {
        SQLite::Statement u(db.handle(), "SELECT id FROM units WHERE code = ?");
        u.bind(1, code);
        if (!u.executeStep()) throw std::runtime_error("no unit " + code);
        const std::int64_t unit = u.getColumn(0).getInt64();
        const std::int64_t person = 900000 + unit;
        SQLite::Statement p(db.handle(),
                            "INSERT OR IGNORE INTO people (id, phone, full_name) VALUES (?, ?, ?)");
        p.bind(1, person);
        p.bind(2, fmt::format("8498{:07d}", unit));
        p.bind(3, "Cán bộ " + code);
        p.exec();
        SQLite::Statement r(db.handle(),
                            "INSERT OR IGNORE INTO roles (person_id, role, unit_id) "
                            "VALUES (?, 'official', ?)");
        r.bind(1, person);
        r.bind(2, unit);
        r.exec();
        const auto now =
            std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
        const std::string link = bot::web::create_link(db, person, unit, now);
        const auto redeemed = bot::web::redeem_link(db, link, now, "bench");
        if (!redeemed) throw std::runtime_error("sign-in link refused");
        return redeemed->token;
    });
}

bot::HttpRequest page_request(const std::string& query, const std::string& auth,
                              const std::string& cookie, const std::string& path = kPagePath) {
    bot::HttpRequest r;
    r.method = "GET";
    r.path = path;
    r.target = path + (query.empty() ? std::string() : "?" + query);
    r.peer = r.client = "127.0.0.1";
    if (!auth.empty()) r.headers.emplace_back("Authorization", auth);
    if (!cookie.empty()) r.headers.emplace_back("Cookie", cookie);
    for (std::size_t at = 0; at < query.size();) {
        const auto amp = std::min(query.find('&', at), query.size());
        const std::string kv = query.substr(at, amp - at);
        const auto eq = kv.find('=');
        if (eq != std::string::npos) r.params.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
        at = amp + 1;
    }
    return r;
}

/// CPU time of this process so far (user + system), ms: on a shared machine the wall time
/// includes waiting for a core, the CPU time does not.
double cpu_ms() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
           (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

/// Renders a page `runs` times; prints the best wall time (and its CPU time), the first, its
/// status and size.
void time_page(const char* what,
               bot::HttpResponse (*page)(const bot::Config&, bot::AdminSessions&,
                                         const bot::HttpRequest&),
               const bot::Config& config, const bot::HttpRequest& req, int runs = 3) {
    bot::AdminSessions sessions;
    double first = 0, best = 1e18, best_cpu = 0;
    int status = 0;
    std::size_t bytes = 0;
    for (int i = 0; i < runs; ++i) {
        const auto t = Clock::now();
        const double cpu = cpu_ms();
        const bot::HttpResponse res = page(config, sessions, req);
        const double ms = ms_since(t);
        if (i == 0) first = ms;
        if (ms < best) {
            best = ms;
            best_cpu = cpu_ms() - cpu;
        }
        status = res.status;
        bytes = res.body.size();
    }
    std::cout << fmt::format(
        "{}: {:.1f} ms, CPU {:.1f} ms (first of {}: {:.1f} ms; HTTP {}, {} kB)   target < 300 ms\n",
        what, best, best_cpu, runs, first, status, bytes / 1000);
}

}  // namespace

int main(int argc, char** argv) {
    std::string db_path, tcns_bin;
    int teams = 80000, months = 12;
    std::string only;
    int districts = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i], v = argv[i + 1];
        if (a == "--db")
            db_path = v;
        else if (a == "--tcns")
            tcns_bin = v;
        else if (a == "--teams")
            teams = std::stoi(v);
        else if (a == "--months")
            months = std::stoi(v);
        else if (a == "--only")
            only = v;
        else if (a == "--districts")
            districts = std::stoi(v);
    }
    if (db_path.empty() || tcns_bin.empty()) {
        std::cerr << "usage: bench_scale --db FILE --tcns PATH [--teams N] [--months N] [--only "
                     "pages] [--districts N]\n";
        return 2;
    }
    const core::MonthPeriod last{2026, 11};
    const core::MonthPeriod closed = last.previous();
    if (!std::filesystem::exists(db_path)) generate(db_path, teams, months, last, districts);

    const auto templates = bot::load_export_templates(TCNS_SOURCE_DIR "/templates");
    storage::Database db(db_path);
    std::cout << fmt::format("roster: {} teams, {} months of reports, database {:.0f} MB\n", teams,
                             months, std::filesystem::file_size(db_path) / 1e6);

    const bool all = only.empty();
    // Province roll-up for a closed month (one province's subtree).
    if (all) {
        storage::ExportRequest r;
        r.from = r.to = closed;
        r.unit = "P01";
        r.level = "province";
        std::ostringstream sink;
        core::CsvWriter out(sink);
        const auto t = Clock::now();
        const auto rows = storage::write_export(db, storage::ExportKind::kRollup, templates.form, r,
                                                templates.vietnamese, out);
        std::cout << fmt::format(
            "province roll-up (P01, {}): {:.1f} ms ({} row)   target < 200 ms\n", closed.str(),
            ms_since(t), rows ? *rows : 0);
    }
    if (all) {
        storage::ExportRequest r;
        r.from = r.to = closed;
        r.level = "province";
        std::ostringstream sink;
        core::CsvWriter out(sink);
        const auto t = Clock::now();
        const auto rows = storage::write_export(db, storage::ExportKind::kRollup, templates.form, r,
                                                templates.vietnamese, out);
        std::cout << fmt::format("national roll-up by province ({}): {:.1f} ms ({} rows)\n",
                                 closed.str(), ms_since(t), rows ? *rows : 0);
    }
    if (only != "officials") {
        const auto t = Clock::now();
        const auto o = storage::compliance_overview(db, closed, "province", 200);
        std::cout << fmt::format("admin page compliance by province: {:.1f} ms ({} units)\n",
                                 ms_since(t), o.units.size());
    }
    {
        const auto t = Clock::now();
        const auto o = storage::compliance_overview(db, closed, "commune", 200, 1);
        std::cout << fmt::format(
            "admin page compliance of one province by commune: {:.1f} ms ({} "
            "units)\n",
            ms_since(t), o.units.size());
    }
    // The web pages (issue 16) through bot/'s entry points, each opening its own connection as
    // a request does: as the admin token, and as officials signed in through a link.
    {
        bot::Config config;
        config.database = db_path;
        config.templates_dir = TCNS_SOURCE_DIR "/templates";
        config.secrets.admin_token = "bench-admin-token-0123456789abcdef";
        const std::string bearer = "Bearer " + config.secrets.admin_token;
        const std::string month = "period=" + closed.str();
        const std::string cookie = std::string(bot::web::kCookieName) + "=";
        const std::string province = cookie + official_session(db, "P01");
        if (only != "officials") {
            time_page("page: national, by province (admin token)", province_page, config,
                      page_request(month + "&level=province", bearer, ""));
            time_page("page: national, by commune (admin token, the default level)", province_page,
                      config, page_request(month, bearer, ""));
        }
        time_page("page: province P01 (its official)", province_page, config,
                  page_request("unit=P01&" + month, "", province));
        bool districts = false;
        {
            SQLite::Statement q(db.handle(),
                                "SELECT 1 FROM units WHERE level = 'district' LIMIT 1");
            districts = q.executeStep();
        }
        if (districts)
            time_page(
                "page: district D0000 (its official)", district_page, config,
                page_request("unit=D0000&" + month, "", cookie + official_session(db, "D0000")));
        time_page(
            "page: commune C00000 (its official)", district_page, config,
            page_request("unit=C00000&" + month, "", cookie + official_session(db, "C00000")));
        time_page("area page: province P01 (its official)", area_page, config,
                  page_request("unit=P01&" + month, "", province, kAreaPath));
        if (districts)
            time_page("area page: district D0000 (its official)", area_page, config,
                      page_request("unit=D0000&" + month, "",
                                   cookie + official_session(db, "D0000"), kAreaPath));
        time_page("area page: commune C00000 (its official)", area_page, config,
                  page_request("unit=C00000&" + month, "", cookie + official_session(db, "C00000"),
                               kAreaPath));
    }
    if (!all) return 0;
    // A month's reports export through the real binary: time and peak memory.
    {
        const auto [ms, rss, rc] = run_child({tcns_bin, "--db", db_path, "export", "reports",
                                              "--period", closed.str(), "--out", "/dev/null"});
        const auto [ms_small, rss_small, rc_small] =
            run_child({tcns_bin, "--db", db_path, "export", "reports", "--period", closed.str(),
                       "--unit", "C00000", "--out", "/dev/null"});
        std::cout << fmt::format(
            "reports export, {} teams ({}): {:.0f} ms, peak RSS {:.1f} MB (exit {})   target < 3 "
            "s\n"
            "reports export, one commune: {:.0f} ms, peak RSS {:.1f} MB (exit {})   constant "
            "memory: the national export needs {:+.1f} MB more\n",
            teams, closed.str(), ms, rss, rc, ms_small, rss_small, rc_small, rss - rss_small);
        // The same export as a workbook: written to a file beside the database (the workbook's
        // temporary files go to TMPDIR), then measured and removed.
        const std::string xlsx = db_path + ".reports.xlsx";
        const auto [ms_x, rss_x, rc_x] =
            run_child({tcns_bin, "--db", db_path, "export", "reports", "--period", closed.str(),
                       "--format", "xlsx", "--out", xlsx});
        std::error_code ec;
        const auto size = std::filesystem::file_size(xlsx, ec);
        std::filesystem::remove(xlsx, ec);
        std::cout << fmt::format(
            "reports export as XLSX, {} teams ({}): {:.0f} ms, peak RSS {:.1f} MB, {:.1f} MB file "
            "(exit {})   target < 10 s, < 100 MB\n",
            teams, closed.str(), ms_x, rss_x, size / 1e6, rc_x);
    }
    // The scheduler tick that enqueues the D-1 reminders (08:00 Vietnam time, the day before the
    // deadline of the month in progress), from an empty outbox, then a second tick (nothing new).
    {
        db.handle().exec("DELETE FROM outbox");
        const auto templates_all = bot::load_templates(TCNS_SOURCE_DIR "/templates");
        bot::Scheduler scheduler(templates_all, bot::SchedulerConfig{});
        const auto at = *core::parse_instant("2026-11-29T08:00");
        auto t = Clock::now();
        const auto first = scheduler.tick(db, at);
        const double first_ms = ms_since(t);
        bot::Scheduler restarted(templates_all, bot::SchedulerConfig{});
        t = Clock::now();
        const auto again = restarted.tick(db, at);
        std::cout << fmt::format(
            "scheduler tick at D-1 08:00: {:.0f} ms, {} reminders queued, {} recorded as not "
            "sendable   target < 2 s\nthe same tick after a restart: {:.0f} ms, {} new, {} already "
            "spent\n",
            first_ms, first.queued, first.recorded, ms_since(t), again.queued, again.existing);
    }
    return 0;
}
