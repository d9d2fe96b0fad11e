// Faults of the platform APIs (issue 7 part 4): fake Viber and Zalo APIs that answer 500, 429,
// rate-limit codes, too late, garbage or by closing the connection, against the real outbox
// dispatcher and senders. During an outage the dispatcher backs off (few requests, little CPU),
// loses nothing, and after recovery drains the backlog in order per recipient within its rate.
#include <SQLiteCpp/SQLiteCpp.h>
#include <time.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "bot/channels/channel_senders.hpp"
#include "bot/channels/http_client.hpp"
#include "bot/channels/zalo_tokens.hpp"
#include "bot/jobs/dispatcher.hpp"
#include "storage/outbox_repo.hpp"
#include "storage/zalo_token_repo.hpp"
#include "tests/fakes/fake_platform.hpp"
#include "tests/support/small_roster.hpp"
#include "tests/support/temp_dir.hpp"

using namespace tcns;
using Fault = test::FakePlatform::Fault;
using namespace std::chrono_literals;

namespace {

constexpr const char* kViberToken = "445da6az1s345z78-dazcczb2542zv51a-e0vc5fva17480im9";

double cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

std::int64_t scalar(const std::string& path, const std::string& sql) {
    storage::Database db(path);
    SQLite::Statement q(db.handle(), sql);
    q.executeStep();
    return q.getColumn(0).getInt64();
}

/// A database with a backlog, the fake platform and a dispatcher sending to it.
struct Rig {
    test::TempDir dir;
    std::string path = dir.file("faults.db");
    test::FakePlatform fake;
    bot::HttpClient http{300ms};  // the fake's slow answers take 1 s
    std::unique_ptr<bot::ZaloTokenManager> tokens;
    std::unique_ptr<bot::Dispatcher> dispatcher;
    std::string channel;
    std::string path_part;  ///< the send endpoint in the fake's records

    Rig(const std::string& ch, bot::DispatcherOptions o) : channel(ch) {
        {
            storage::Database db(path);
            test::seed_small_roster(db);
            storage::ZaloTokens t;
            t.access_token = "A0";
            t.refresh_token = "R0";
            t.access_expires_at = core::from_unix(4'000'000'000);
            t.refresh_expires_at = core::from_unix(4'000'000'000);
            storage::ZaloTokenRepo(db).save(t);
        }
        std::shared_ptr<bot::ChannelSender> sender;
        if (channel == "viber") {
            sender = std::make_shared<bot::ViberSender>(fake.viber_base(), kViberToken, "Tổ CNS",
                                                        "", http);
            path_part = "/send_message";
        } else {
            bot::ZaloTokenManager::Options z;
            z.oauth_base = fake.oauth_base();
            z.app_id = "50554360515256678";
            z.app_secret = "app-secret";
            tokens = std::make_unique<bot::ZaloTokenManager>(path, z, http);
            sender = std::make_shared<bot::ZaloSender>(fake.zalo_base(), *tokens, http);
            path_part = "/message/cs";
        }
        dispatcher = std::make_unique<bot::Dispatcher>(
            path, std::vector<std::shared_ptr<bot::ChannelSender>>{sender}, o);
    }
    ~Rig() { dispatcher->stop(); }

    /// Queues `per` messages for each of `recipients` people, interleaved like real traffic.
    void enqueue(int recipients, int per) {
        storage::Database db(path);
        storage::with_transaction(db, [&] {
            storage::OutboxRepo outbox(db);
            const auto now = std::chrono::time_point_cast<std::chrono::seconds>(
                std::chrono::system_clock::now());
            for (int k = 0; k < per; ++k) {
                for (int r = 0; r < recipients; ++r) {
                    storage::OutboxItem item;
                    item.channel = channel;
                    item.recipient = "U" + std::to_string(r);
                    item.message.text = "U" + std::to_string(r) + " m" + std::to_string(k);
                    outbox.enqueue(item, now);
                }
            }
        });
    }
    std::int64_t pending() {
        return scalar(path, "SELECT count(*) FROM outbox WHERE status = 'pending'");
    }
    /// Waits (bounded) until nothing is pending; returns the seconds it took.
    double wait_drained(std::chrono::seconds bound) {
        const auto t0 = std::chrono::steady_clock::now();
        while (pending() > 0 && std::chrono::steady_clock::now() - t0 < bound)
            std::this_thread::sleep_for(50ms);
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }
    /// The text of an accepted send (Viber "text", Zalo message.text).
    static std::string text_of(const test::FakePlatform::Request& r) {
        const auto j = nlohmann::json::parse(r.body, nullptr, false);
        if (!j.is_object()) return {};
        if (j.contains("text")) return j.value("text", "");
        if (j.contains("message") && j["message"].is_object())
            return j["message"].value("text", "");
        return {};
    }

    /// Texts of the rows that ended 'uncertain' (resent once after a send without an answer).
    std::set<std::string> uncertain_texts() {
        storage::Database db(path);
        SQLite::Statement q(db.handle(), "SELECT payload FROM outbox WHERE status = 'uncertain'");
        std::set<std::string> out;
        while (q.executeStep())
            out.insert(storage::OutboxRepo::decode(q.getColumn(0).getString()).text);
        return out;
    }

    /// Every queued message was accepted at least once, and a person's message k was never
    /// accepted before message k-1. Returns the number of duplicate deliveries.
    /// `no_answer`: the fault gave no HTTP answer, so a row may also end 'uncertain' after at
    /// most two sends (and, when the fake did not take them, never delivered: the person's
    /// next message may then go without it).
    std::size_t check_nothing_lost_and_in_order(int recipients, int per, bool no_answer = false) {
        const auto uncertain = no_answer ? uncertain_texts() : std::set<std::string>{};
        std::map<std::string, int> seen;
        std::map<std::string, int> highest;  // per recipient: highest message index accepted
        for (const auto& r : fake.accepted(path_part)) {
            const std::string text = text_of(r);
            ++seen[text];
            const auto space = text.find(' ');
            REQUIRE(space != std::string::npos);
            const std::string who = text.substr(0, space);
            const int k = std::stoi(text.substr(space + 2));
            auto it = highest.find(who);
            int before = it == highest.end() ? -1 : it->second;
            // An uncertain message the platform never took is a gap the order may skip.
            while (before + 1 < k && uncertain.count(who + " m" + std::to_string(before + 1)))
                ++before;
            INFO(text);
            CHECK(k <= before + 1);  // m(k) only after m(k-1): per-recipient order held
            highest[who] = std::max(before, k);
        }
        std::size_t duplicates = 0;
        for (int r = 0; r < recipients; ++r) {
            for (int k = 0; k < per; ++k) {
                const std::string text = "U" + std::to_string(r) + " m" + std::to_string(k);
                INFO(text);
                if (uncertain.count(text)) {
                    CHECK(seen[text] <= 2);  // the first send and its one resend at most
                } else {
                    CHECK(seen[text] >= 1);
                }
                if (seen[text] > 1) duplicates += static_cast<std::size_t>(seen[text] - 1);
            }
        }
        CHECK(scalar(path,
                     "SELECT count(*) FROM outbox WHERE status <> 'sent' AND status <> "
                     "'uncertain'") == 0);
        if (!no_answer)
            CHECK(scalar(path, "SELECT count(*) FROM outbox WHERE status <> 'sent'") == 0);
        return duplicates;
    }
};

bot::DispatcherOptions fast_options(double rate) {
    bot::DispatcherOptions o;
    o.rate_per_second = rate;
    o.base_backoff = 1s;
    o.max_backoff = 2s;
    o.channel_backoff = 250ms;
    o.max_channel_backoff = 1s;
    o.idle_wait = 500ms;
    return o;
}

/// One outage of `fault`, then recovery: backoff, nothing lost, order kept. Prints figures.
void outage_then_recovery(const std::string& channel, Fault fault, const char* name) {
    constexpr int kRecipients = 5, kPer = 4;
    Rig rig(channel, fast_options(50));
    rig.fake.set_fault(fault);
    rig.enqueue(kRecipients, kPer);
    rig.dispatcher->start();
    const double cpu0 = cpu_seconds();
    std::this_thread::sleep_for(1500ms);
    const double cpu = cpu_seconds() - cpu0;
    const std::size_t during = rig.fake.count(rig.path_part);
    rig.fake.set_fault(Fault::kNone);
    const double drain = rig.wait_drained(15s);
    // Without an HTTP answer a send may have been delivered: such a row is resent at most
    // once, then left 'uncertain' for an operator (issue 15) instead of drained.
    const bool no_answer = fault == Fault::kTimeout || fault == Fault::kCloseConnection;
    const std::size_t duplicates =
        rig.check_nothing_lost_and_in_order(kRecipients, kPer, no_answer);
    const auto uncertain =
        scalar(rig.path, "SELECT count(*) FROM outbox WHERE status = 'uncertain'");
    std::cout << "fault " << channel << " " << name << ": requests during 1.5 s outage " << during
              << ", CPU " << cpu * 1000 << " ms, drained 20 in " << drain << " s, duplicates "
              << duplicates << ", uncertain " << uncertain << "\n";
    if (!no_answer) CHECK(uncertain == 0);
    // Pauses of 125-250 ms doubling to 1 s, one probe each: a handful, never a hot loop. A
    // probe takes at most one wave of sends.
    CHECK(during <= 16);
    CHECK(cpu < 0.3);
    if (fault != Fault::kTimeout) CHECK(duplicates == 0);  // the fake took none of them
}

}  // namespace

TEST_CASE(
    "a 2-second Viber outage costs a few probes and little CPU, 200 queued replies then "
    "drain in order within the rate limit") {
    constexpr int kRecipients = 50, kPer = 4, kTotal = kRecipients * kPer;
    constexpr double kRate = 50;
    bot::DispatcherOptions o = fast_options(kRate);
    o.channel_backoff = 500ms;  // production-like doubling pauses, shortened
    o.max_channel_backoff = 4s;
    Rig rig("viber", o);
    rig.fake.set_fault(Fault::kHttp500);
    rig.enqueue(kRecipients, kPer);
    rig.dispatcher->start();

    const double cpu0 = cpu_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    std::this_thread::sleep_for(2s);
    const double outage_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double cpu = cpu_seconds() - cpu0;
    const std::size_t during = rig.fake.count("/send_message");
    CHECK(rig.pending() == kTotal);

    rig.fake.set_fault(Fault::kNone);
    const double cpu_drain0 = cpu_seconds();
    const double drain_s = rig.wait_drained(25s);
    const double cpu_drain = cpu_seconds() - cpu_drain0;
    const std::size_t duplicates = rig.check_nothing_lost_and_in_order(kRecipients, kPer);

    // The drain: accepted sends over time. The dispatcher's token bucket holds a fifth of a
    // second's worth (full after the outage) and refills at kRate/s: at most burst + kRate * t
    // sends in any span t.
    const auto sends = rig.fake.accepted("/send_message");
    REQUIRE(sends.size() >= static_cast<std::size_t>(kTotal));
    const double burst = kRate / 5;
    double worst_excess = -1e9;    // max over spans of sends - (burst + kRate * span)
    std::size_t worst_window = 0;  // most sends in any 1-second window
    for (std::size_t i = 0; i < sends.size(); ++i) {
        for (std::size_t j = i; j < sends.size(); ++j) {
            const double span = std::chrono::duration<double>(sends[j].at - sends[i].at).count();
            worst_excess =
                std::max(worst_excess, static_cast<double>(j - i + 1) - (burst + kRate * span));
            if (span < 1.0) worst_window = std::max(worst_window, j - i + 1);
        }
    }
    const std::size_t half = sends.size() / 2;
    const double second_half_rate =
        static_cast<double>(sends.size() - half - 1) /
        std::chrono::duration<double>(sends.back().at - sends[half].at).count();
    const double total_s =
        std::chrono::duration<double>(sends.back().at - sends.front().at).count();
    std::cout << "outage: " << during << " requests in " << outage_s << " s, CPU " << cpu * 1000
              << " ms (" << 100 * cpu / outage_s << "% of one core)\n"
              << "drain: " << sends.size() << " sends (" << duplicates << " duplicates) in "
              << total_s << " s from the first, " << drain_s << " s after recovery; second half at "
              << second_half_rate << "/s (limit " << kRate << "/s, burst " << burst
              << "); most in any 1 s window " << worst_window
              << "; worst excess over the bucket bound " << worst_excess << "; CPU while draining "
              << cpu_drain * 1000 << " ms (fake API included)\n";

    // One wave (8 sends) before the first failure is known, then single probes after pauses of
    // 0.25-0.5 s, 0.5-1 s, 1-2 s.
    CHECK(during <= 16);
    CHECK(cpu < 0.2);        // < 10% of a core, most of it the fake's own threads
    CHECK(duplicates == 0);  // 500s mean not taken
    CHECK(worst_excess <= 2);
    CHECK(second_half_rate <= kRate * 1.1);
    CHECK(worst_window <= static_cast<std::size_t>(kRate + burst) + 2);
}

TEST_CASE("Viber 500s: backoff, nothing lost, order kept") {
    outage_then_recovery("viber", Fault::kHttp500, "500");
}

TEST_CASE("Viber HTTP 429: backoff, nothing lost, order kept") {
    outage_then_recovery("viber", Fault::kHttp429, "429");
}

TEST_CASE("Viber status 12 (tooManyRequests): backoff, nothing lost, order kept") {
    outage_then_recovery("viber", Fault::kRateLimitCode, "status-12");
}

TEST_CASE(
    "Viber answers after the client timeout: backoff, at most one resend, then uncertain, "
    "nothing else lost") {
    outage_then_recovery("viber", Fault::kTimeout, "timeout");
}

TEST_CASE("Viber garbage 200 bodies: backoff, nothing lost, order kept") {
    outage_then_recovery("viber", Fault::kGarbage, "garbage");
}

TEST_CASE("Viber closes connections mid-answer: backoff, at most one resend, then uncertain") {
    outage_then_recovery("viber", Fault::kCloseConnection, "closed");
}

TEST_CASE("Zalo 500s: backoff, nothing lost, order kept") {
    outage_then_recovery("zalo", Fault::kHttp500, "500");
}

TEST_CASE("Zalo error -32 (API call limit): backoff, nothing lost, order kept") {
    outage_then_recovery("zalo", Fault::kRateLimitCode, "-32");
}

TEST_CASE("Zalo closes connections mid-answer: backoff, at most one resend, then uncertain") {
    outage_then_recovery("zalo", Fault::kCloseConnection, "closed");
}

TEST_CASE("a 429 with Retry-After pauses the channel at least that long") {
    Rig rig("viber", fast_options(50));
    rig.fake.set_fault(Fault::kHttp429);
    rig.fake.set_retry_after(2);
    rig.enqueue(5, 2);
    rig.dispatcher->start();
    std::this_thread::sleep_for(1500ms);
    CHECK(rig.fake.count("/send_message") == 5);  // the first wave, then silence
    rig.fake.set_fault(Fault::kNone);
    rig.wait_drained(10s);
    const auto all = rig.fake.requests("/send_message");
    const auto sent = rig.fake.accepted("/send_message");
    REQUIRE_FALSE(sent.empty());
    CHECK(sent.front().at - all.front().at >= 1900ms);
    CHECK(rig.check_nothing_lost_and_in_order(5, 2) == 0);
}
