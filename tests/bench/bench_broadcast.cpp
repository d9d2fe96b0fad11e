// Issue 14's benchmark: a D-1 reminder broadcast of 28,600 teams drains through the real
// `tcns serve` at Zalo's production rate (50 sends/s; the fake platform is Viber's API, the
// dispatcher does not care which) while 200 leaders walk through the monthly form. Reports the
// time from each webhook to its reply reaching the fake platform (p50/p99), and the drain time.
//
//   build/tests/bench/bench_broadcast [teams=28600] [leaders=200] [rate=50] [think_s=30]
#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "adapters/common/crypto.hpp"
#include "core/time.hpp"
#include "storage/database.hpp"
#include "tests/support/serve_process.hpp"
#include "tests/support/temp_dir.hpp"

using namespace tcns;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kToken = "445da6az1s345z78-dazcczb2542zv51a-e0vc5fva17480im9";
const std::string kReminderMark = "chưa gửi báo cáo tháng";

const std::vector<std::string> kDialogue = {
    "bao cao", "120", "45", "30", "25", "12",  "10", "40",
    "khong",   "3",   "15", "2",  "35", "110", "1",  "song yeu o cuoi ap",
    "bo qua",  "gui"};

/// The platform: accepts every send, remembers when each receiver got what.
struct Fake {
    httplib::Server server;
    std::thread thread;
    int port = 0;
    std::mutex mu;
    std::condition_variable cv;
    std::map<std::string, std::vector<Clock::time_point>> replies;  // non-reminder texts
    std::vector<Clock::time_point> reminders;
    long ids = 0;

    Fake() {
        server.Post("/pa/send_message",
                    [this](const httplib::Request& req, httplib::Response& res) {
                        const auto t = Clock::now();
                        const auto j = nlohmann::json::parse(req.body, nullptr, false);
                        {
                            std::lock_guard lock(mu);
                            if (j.is_object()) {
                                const std::string text = j.value("text", "");
                                if (text.find(kReminderMark) != std::string::npos)
                                    reminders.push_back(t);
                                else
                                    replies[j.value("receiver", "")].push_back(t);
                            }
                            ++ids;
                        }
                        cv.notify_all();
                        res.set_content(R"({"status":0,"status_message":"ok","message_token":)" +
                                            std::to_string(ids) + "}",
                                        "application/json");
                    });
        server.new_task_queue = [] { return new httplib::ThreadPool(16); };
        port = server.bind_to_any_port("127.0.0.1");
        thread = std::thread([this] { server.listen_after_bind(); });
    }
    ~Fake() {
        server.stop();
        thread.join();
    }
    std::size_t reminder_count() {
        std::lock_guard lock(mu);
        return reminders.size();
    }
};

std::string user(int i) {
    return "B" + std::to_string(i) + "=";
}

void seed(const std::string& path, int teams, core::Instant deadline, const std::string& period) {
    storage::Database db(path);
    auto& h = db.handle();
    storage::with_transaction(db, [&] {
        h.exec(
            "INSERT INTO units (id, code, name, type, level, parent_id) VALUES (1, 'P', 'Tỉnh', "
            "'Tỉnh', 'province', NULL)");
        constexpr int kCommunes = 300;
        SQLite::Statement u(h,
                            "INSERT INTO units (id, code, name, type, level, parent_id) VALUES "
                            "(?, ?, ?, 'Xã', 'commune', 1)");
        for (int c = 0; c < kCommunes; ++c) {
            u.reset();
            u.bind(1, 2 + c);
            u.bind(2, "C" + std::to_string(c));
            u.bind(3, "Xã " + std::to_string(c));
            u.exec();
        }
        SQLite::Statement t(h, "INSERT INTO teams (id, code, unit_id, name) VALUES (?, ?, ?, ?)");
        SQLite::Statement p(h, "INSERT INTO people (id, phone, full_name) VALUES (?, ?, ?)");
        SQLite::Statement r(h,
                            "INSERT INTO roles (person_id, role, team_id) VALUES (?, 'leader', ?)");
        SQLite::Statement a(h,
                            "INSERT INTO chat_accounts (channel, platform_user_id, person_id, "
                            "display_name, created_at, linked_at, last_inbound_at) VALUES "
                            "('viber', ?, ?, 'L', ?, ?, ?)");
        const auto now = core::to_unix(
            std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()));
        for (int i = 0; i < teams; ++i) {
            const std::int64_t id = 1 + i;
            for (auto* s : {&t, &p, &r, &a}) s->reset();
            t.bind(1, id);
            t.bind(2, "T" + std::to_string(i));
            t.bind(3, 2 + (i * 7919) % kCommunes);  // communes of uneven size, interleaved
            t.bind(4, "Tổ CNS " + std::to_string(i));
            t.exec();
            p.bind(1, id);
            p.bind(2, fmt::format("849{:08}", i));
            p.bind(3, "Người " + std::to_string(i));
            p.exec();
            r.bind(1, id);
            r.bind(2, id);
            r.exec();
            a.bind(1, user(i));
            a.bind(2, id);
            a.bind(3, now - 3600);
            a.bind(4, now - 3600);
            a.bind(5, now - 3600);
            a.exec();
        }
        SQLite::Statement d(
            h, "INSERT INTO period_deadlines (period, deadline_at, updated_at) VALUES (?, ?, 0)");
        d.bind(1, period);
        d.bind(2, core::to_unix(deadline));
        d.exec();
    });
}

double pct(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<std::size_t>(p * (v.size() - 1) + 0.5))];
}

}  // namespace

int main(int argc, char** argv) {
    const int teams = argc > 1 ? std::stoi(argv[1]) : 28600;
    const int leaders = argc > 2 ? std::stoi(argv[2]) : 200;
    const int rate = argc > 3 ? std::stoi(argv[3]) : 50;
    const int think_s = argc > 4 ? std::stoi(argv[4]) : 30;  // a leader thinks 1/6 to all of it
    test::TempDir dir;
    const std::string db = dir.file("broadcast.db");
    Fake fake;
    // Today is the last day to report (the deadline is 00:00 tomorrow, Vietnam time), and the
    // one reminder step, D-1, is due all day: the scheduler's first tick queues the broadcast.
    const auto now =
        std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
    const core::Date today = core::to_vietnam(now).date;
    const core::Instant deadline = core::vietnam_day_start(core::add_days(today, 1));
    const std::string period = fmt::format("{:04}-{:02}", today.year, today.month);
    seed(db, teams, deadline, period);
    const std::string config = dir.file("config.json");
    std::ofstream(config) << nlohmann::json{
        {"database", db},
        {"templates_dir", TCNS_SOURCE_DIR "/templates"},
        {"log_level", "warn"},
        {"server", {{"listen", "127.0.0.1"}, {"threads", 8}}},
        {"viber",
         {{"enabled", true},
          {"api_base", "http://127.0.0.1:" + std::to_string(fake.port) + "/pa"},
          {"rate_per_second", rate}}},
        {"scheduler",
         {{"enabled", true},
          {"reminder_days", {1}},
          {"send_hour", 0},
          {"quiet_hours",
           {{"from", 0},
            {"until", 0}}}}}}.dump();
    const int port = test::free_loopback_port();
    test::ServeProcess serve(
        {TCNS_BINARY, "--config", config, "serve", "--port", std::to_string(port)},
        {"TCNS_VIBER_TOKEN=" + std::string(kToken), "PATH=/usr/bin:/bin", "LANG=C.UTF-8"},
        dir.file("serve.log"));
    const auto t_start = Clock::now();
    if (!serve.start(port)) {
        std::cerr << "tcns serve did not start\n";
        return 1;
    }
    // The leaders start once the broadcast is draining.
    while (fake.reminder_count() < 200 && Clock::now() - t_start < 120s)
        std::this_thread::sleep_for(100ms);
    const auto t_first = Clock::now();
    std::cout << fmt::format("{} teams, broadcast draining {:.1f} s after start; {} leaders walk\n",
                             teams, std::chrono::duration<double>(t_first - t_start).count(),
                             leaders);

    std::mutex mu;
    std::vector<double> latencies;
    std::atomic<int> posted{0}, failed{0}, no_reply{0};
    std::vector<std::thread> threads;
    for (int l = 0; l < leaders; ++l) {
        threads.emplace_back([&, l] {
            std::mt19937 rng(static_cast<unsigned>(l) * 7919u + 17);
            httplib::Client c("127.0.0.1", port);
            c.set_read_timeout(10, 0);
            c.set_keep_alive(true);
            c.set_tcp_nodelay(true);
            // Leaders start spread over the first think time, then think 1/6 to all of it per
            // answer (5-30 s by default).
            const unsigned think_ms = static_cast<unsigned>(think_s) * 1000u;
            std::this_thread::sleep_for(std::chrono::milliseconds(rng() % think_ms));
            const std::string who = user(l);
            for (std::size_t step = 0; step < kDialogue.size(); ++step) {
                const std::string body =
                    nlohmann::json{{"event", "message"},
                                   {"timestamp", 1764475200000LL},
                                   {"message_token", 6'000'000'000'000'000'000LL + l * 1000LL +
                                                         static_cast<long long>(step)},
                                   {"sender", {{"id", who}, {"name", "L"}}},
                                   {"message", {{"type", "text"}, {"text", kDialogue[step]}}}}
                        .dump();
                std::size_t before = 0;
                {
                    std::lock_guard lock(fake.mu);
                    before = fake.replies[who].size();
                }
                const auto t0 = Clock::now();
                bool ok = false;
                for (int attempt = 0; attempt < 5 && !ok; ++attempt) {
                    ++posted;
                    auto r = c.Post(
                        "/webhook/viber",
                        {{"X-Viber-Content-Signature", adapters::hmac_sha256_hex(kToken, body)}},
                        body, "application/json");
                    ok = r && r->status == 200;
                }
                if (!ok) {
                    ++failed;
                    continue;
                }
                std::unique_lock lock(fake.mu);
                const bool got =
                    fake.cv.wait_for(lock, 60s, [&] { return fake.replies[who].size() > before; });
                if (!got) {
                    ++no_reply;
                    continue;
                }
                const double s =
                    std::chrono::duration<double>(fake.replies[who][before] - t0).count();
                lock.unlock();
                {
                    std::lock_guard g(mu);
                    latencies.push_back(s);
                }
                std::this_thread::sleep_for(
                    std::chrono::milliseconds(think_ms / 6 + rng() % (think_ms * 5 / 6)));
            }
        });
    }
    for (auto& t : threads) t.join();
    const auto t_walked = Clock::now();
    // Let the broadcast finish (bounded: twice its nominal time).
    const auto bound = t_start + std::chrono::seconds(2 * teams / std::max(1, rate) + 120);
    auto pending = [&] {
        storage::Database::Options o;
        o.migrate = false;
        storage::Database d(db, o);
        return d.handle()
            .execAndGet("SELECT count(*) FROM outbox WHERE status = 'pending'")
            .getInt64();
    };
    while (pending() > 0 && Clock::now() < bound) std::this_thread::sleep_for(500ms);
    serve.stop(SIGTERM);

    storage::Database d(db);
    auto count = [&](const std::string& where) {
        return d.handle().execAndGet("SELECT count(*) FROM outbox WHERE " + where).getInt64();
    };
    Clock::time_point first_reminder{}, last_reminder{};
    std::size_t reminders = 0;
    {
        std::lock_guard lock(fake.mu);
        reminders = fake.reminders.size();
        if (reminders) {
            first_reminder = fake.reminders.front();
            last_reminder = fake.reminders.back();
        }
    }
    const double drain = std::chrono::duration<double>(last_reminder - first_reminder).count();
    std::cout << fmt::format(
        "broadcast: {} reminders queued, {} delivered, {} stale (their team reported first), {} "
        "still pending; drained in {:.0f} s ({:.1f}/s), the leaders' walk took {:.0f} s\n",
        count("kind = 'reminder'"), reminders, count("kind = 'reminder' AND status = 'stale'"),
        count("status = 'pending'"), drain, drain > 0 ? reminders / drain : 0.0,
        std::chrono::duration<double>(t_walked - t_first).count());
    std::cout << fmt::format(
        "replies: {} webhooks answered, {} failed, {} without a reply in 60 s; webhook -> reply "
        "handed to the platform: p50 {:.3f} s, p90 {:.3f} s, p99 {:.3f} s, max {:.3f} s\n",
        latencies.size(), failed.load(), no_reply.load(), pct(latencies, 0.5), pct(latencies, 0.9),
        pct(latencies, 0.99), pct(latencies, 1.0));
    return 0;
}
