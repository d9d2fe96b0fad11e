// The writer's share of a webhook: applies pre-parsed events through WebhookService (inbox,
// conversation step, outbox, group commit), one job per event as tcns serve does, without HTTP,
// and prints the cost per event. Usage: bench_engine DB REQUESTS_FILE [N]
#include <fmt/format.h>
#include <sqlite3.h>

#include <chrono>
#include <condition_variable>
#include <fstream>
#include <iostream>
#include <mutex>

#include "adapters/viber/viber_adapter.hpp"
#include "adapters/zalo/zalo_adapter.hpp"
#include "bot/http/webhook_service.hpp"
#include "bot/http/write_queue.hpp"
#include "bot/jobs/conversation_engine.hpp"
#include "bot/templates.hpp"

using namespace tcns;

int main(int argc, char** argv) {
    if (argc < 3) return 2;
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);  // as bot/main.cpp: what tcns serve runs with
    const std::size_t n = argc > 3 ? std::stoul(argv[3]) : 20000;
    std::vector<core::InboundEvent> events;
    std::ifstream in(argv[2]);
    std::string line;
    while (events.size() < n && std::getline(in, line)) {
        const auto tab = line.rfind('\t');
        const std::string body = line.substr(tab + 1);
        auto parsed = line.rfind("/webhook/viber", 0) == 0 ? adapters::viber::parse_webhook(body)
                                                           : adapters::zalo::parse_webhook(body);
        if (parsed)
            for (auto& e : parsed->events) events.push_back(std::move(e));
    }
    const auto templates = bot::load_templates(TCNS_SOURCE_DIR "/templates");
    bot::WriteQueue writes(argv[1]);
    bot::ConversationEngine engine(templates);
    bot::WebhookService service(writes, engine);
    const auto now =
        std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
    const auto t0 = std::chrono::steady_clock::now();
    // Each event is its own job, as each webhook is in tcns serve, submitted 32 at a time: the
    // writer takes them as one batch of 32 jobs.
    for (std::size_t i = 0; i < events.size(); i += 32) {
        std::mutex m;
        std::condition_variable cv;
        std::size_t left = std::min(events.size(), i + 32) - i;
        for (std::size_t k = i; k < i + left; ++k)
            service.apply_async({events[k]}, now, false,
                                [&m, &cv, &left](bot::ApplyOutcome, std::exception_ptr) {
                                    std::lock_guard lock(m);
                                    if (--left == 0) cv.notify_one();
                                });
        std::unique_lock lock(m);
        cv.wait(lock, [&] { return left == 0; });
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::cout << fmt::format("{} events in {:.2f} s: {:.0f} µs each, {:.0f} events/s\n",
                             events.size(), s, 1e6 * s / events.size(), events.size() / s);
}
