#include "bot/dispatcher.hpp"

#include <pthread.h>

#include <algorithm>
#include <cmath>
#include <future>
#include <random>

#include "bot/health.hpp"
#include "bot/log.hpp"
#include "bot/metrics.hpp"

namespace tcns::bot {

std::string_view send_class_name(SendClass c) {
    switch (c) {
        case SendClass::kSuccess:
            return "success";
        case SendClass::kRetryable:
            return "retryable";
        case SendClass::kUnreachable:
            return "unreachable";
        case SendClass::kPermanent:
            return "permanent";
    }
    return "permanent";
}

std::chrono::seconds backoff_delay(int attempt, const DispatcherOptions& o, double unit) {
    const double base = static_cast<double>(o.base_backoff.count());
    const double cap = static_cast<double>(o.max_backoff.count());
    const double d = std::min(cap, base * std::pow(2.0, std::max(0, attempt - 1)));
    const double jittered = d * (0.5 + 0.5 * std::clamp(unit, 0.0, 1.0));
    return std::chrono::seconds(std::max<long long>(1, std::llround(jittered)));
}

Dispatcher::Dispatcher(std::string db_path, std::vector<std::shared_ptr<ChannelSender>> senders,
                       DispatcherOptions options, Clock clock, WriteQueue* writes)
    : writes_(writes),
      db_path_(std::move(db_path)),
      senders_(std::move(senders)),
      options_(options),
      clock_(std::move(clock)) {
    storage::Database::Options o;
    o.migrate = false;
    db_ = std::make_unique<storage::Database>(db_path_, o);
}

Dispatcher::~Dispatcher() {
    stop();
}

core::Instant Dispatcher::now() const {
    if (clock_) return clock_();
    return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

void Dispatcher::take_token(Bucket& b, double rate) {
    if (rate <= 0) return;
    // A fifth of a second's worth: after an idle spell or an outage the backlog starts at
    // about the configured rate instead of a full second's burst on top of it.
    const double burst = std::max(1.0, rate / 5);
    while (true) {
        const auto t = std::chrono::steady_clock::now();
        if (b.last.time_since_epoch().count() == 0) {
            b.last = t;
            b.tokens = burst;
        }
        // Refill at the rate in force (the channel's own, not the default: with a default of 0
        // the bucket never refilled and the dispatcher slept forever).
        b.tokens =
            std::min(burst, b.tokens + std::chrono::duration<double>(t - b.last).count() * rate);
        b.last = t;
        if (b.tokens >= 1) {
            b.tokens -= 1;
            return;
        }
        std::this_thread::sleep_for(std::chrono::duration<double>((1 - b.tokens) / rate));
    }
}

void Dispatcher::hold_channel(const std::string& channel, const SendResult& r, double unit) {
    if (options_.channel_backoff.count() <= 0) return;
    Hold& h = holds_[channel];
    h.failures = std::min(h.failures + 1, 30);
    const double base = static_cast<double>(options_.channel_backoff.count());
    const double cap = static_cast<double>(options_.max_channel_backoff.count());
    const double d = std::min(cap, base * std::pow(2.0, h.failures - 1));
    auto pause = std::chrono::milliseconds(
        std::max<long long>(1, std::llround(d * (0.5 + 0.5 * std::clamp(unit, 0.0, 1.0)))));
    // The platform's Retry-After, within reason (a wild value must not silence a channel).
    if (r.retry_after)
        pause = std::max(pause, std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::min(*r.retry_after, options_.max_backoff)));
    h.until = std::chrono::steady_clock::now() + pause;
    log::warn("outbox.channel_paused", {{"channel", channel},
                                        {"failures", h.failures},
                                        {"pause_ms", static_cast<double>(pause.count())},
                                        {"reason", r.reason}});
}

std::chrono::milliseconds Dispatcher::held_for(const std::string& channel) {
    const auto it = holds_.find(channel);
    if (it == holds_.end()) return std::chrono::milliseconds(0);
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        it->second.until - std::chrono::steady_clock::now());
    return std::max(left, std::chrono::milliseconds(0));
}

std::size_t Dispatcher::run_once() {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    std::size_t handled = 0;
    auto& metrics = Metrics::instance();
    for (const auto& sender : senders_) {
        const std::string channel = sender->channel();
        if (held_for(channel).count() > 0) continue;
        storage::OutboxRepo outbox(*db_);
        const auto rows = outbox.due(channel, now(), options_.batch);
        db_->reset_cached();
        if (rows.empty()) continue;
        Bucket& bucket = buckets_[channel];
        // At most one row per recipient is due at a time, so these can go out concurrently.
        std::vector<SendResult> results(rows.size());
        const std::size_t width = static_cast<std::size_t>(std::max(1, options_.concurrency));
        std::optional<SendResult> channel_failure;
        for (std::size_t start = 0, end = 0; start < rows.size() && !channel_failure; start = end) {
            std::vector<std::future<SendResult>> inflight;
            // A channel coming out of a pause probes with one send before a full wave.
            end = std::min(rows.size(), start + (holds_.count(channel) ? 1 : width));
            for (std::size_t i = start; i < end; ++i) {
                take_token(bucket, sender->rate_per_second() > 0 ? sender->rate_per_second()
                                                                 : options_.rate_per_second);
                inflight.push_back(std::async(std::launch::async, [&, i] {
                    try {
                        return sender->send(rows[i]);
                    } catch (const std::exception& e) {
                        SendResult r;
                        r.cls = SendClass::kRetryable;
                        r.reason = std::string("sender error: ") + e.what();
                        return r;
                    }
                }));
            }
            for (std::size_t i = start; i < end; ++i) results[i] = inflight[i - start].get();
            // A success ends the channel's pause; a retryable failure (re)starts it below.
            for (std::size_t i = start; i < end; ++i) {
                if (results[i].cls == SendClass::kSuccess) holds_.erase(channel);
                if (results[i].cls == SendClass::kRetryable) channel_failure = results[i];
            }
            // One commit for the chunk's outcomes (the sends were concurrent anyway); through
            // the server's write queue when there is one, so the dispatcher never competes with
            // webhooks for SQLite's write lock.
            auto mark = [&](storage::Database& db) {
                storage::OutboxRepo o(db);
                for (std::size_t i = start; i < end; ++i) {
                    const auto& row = rows[i];
                    const auto& r = results[i];
                    const core::Instant t = now();
                    const int attempts = row.attempts + 1;
                    switch (r.cls) {
                        case SendClass::kSuccess:
                            o.mark_sent(row.id, r.message_id, t);
                            break;
                        case SendClass::kRetryable:
                            if (attempts >= options_.max_attempts) {
                                o.mark_final(row.id, "dead", "too many attempts; last: " + r.reason,
                                             t);
                            } else {
                                auto delay = backoff_delay(attempts, options_, unit(rng));
                                if (r.retry_after)
                                    delay = std::max(
                                        delay, std::min(*r.retry_after, options_.max_backoff));
                                o.mark_retry(row.id, attempts, t + delay, r.reason, t);
                            }
                            break;
                        case SendClass::kUnreachable:
                            o.mark_final(row.id, "unreachable", r.reason, t);
                            break;
                        case SendClass::kPermanent:
                            o.mark_final(row.id, "dead", r.reason, t);
                            break;
                    }
                }
            };
            try {
                if (writes_) {
                    writes_->run(mark);
                } else {
                    storage::with_transaction(*db_, [&] { mark(*db_); });
                }
            } catch (const std::exception& e) {
                db_->reset_cached();
                // The rows stay pending and are sent again: better twice than never.
                log::error("outbox.mark_failed", {{"channel", channel}, {"error", e.what()}});
            }
            for (std::size_t i = start; i < end; ++i) {
                const auto& r = results[i];
                metrics.add("tcns_outbox_sends_total", "channel=\"" + channel + "\",result=\"" +
                                                           std::string(send_class_name(r.cls)) +
                                                           "\"");
                log::info("outbox.send", {{"channel", channel},
                                          {"id", rows[i].id},
                                          {"kind", rows[i].kind},
                                          {"attempt", rows[i].attempts + 1},
                                          {"result", std::string(send_class_name(r.cls))},
                                          {"reason", r.reason}});
                ++handled;
            }
            // The rest of this batch waits for the channel's pause to end, untouched.
            if (channel_failure) hold_channel(channel, *channel_failure, unit(rng));
        }
    }
    return handled;
}

void Dispatcher::start() {
    if (thread_.joinable()) return;
    thread_ = std::thread([this] {
        pthread_setname_np(pthread_self(), "tcns-dispatch");  // seen in top -H, perf, gdb
        loop();
    });
}

void Dispatcher::stop() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void Dispatcher::wake() {
    {
        std::lock_guard lock(mu_);
        woken_ = true;
    }
    cv_.notify_all();
}

void Dispatcher::loop() {
    while (true) {
        heartbeat::beat("dispatcher");  // GET /readyz reports a thread that stopped passing
        {
            std::lock_guard lock(mu_);
            if (stopping_) return;
            woken_ = false;
        }
        std::size_t handled = 0;
        try {
            handled = run_once();
        } catch (const std::exception& e) {
            log::error("outbox.pass_failed", {{"error", e.what()}});
        }
        if (handled > 0) continue;  // more may be due right away
        // Nothing due: sleep until woken, the next due row (or the end of its channel's
        // pause), or the idle wait. During an outage rows are scheduled in the future and the
        // channel is paused, so this never spins.
        auto wait = options_.idle_wait;
        try {
            storage::OutboxRepo outbox(*db_);
            for (const auto& s : senders_) {
                auto next = outbox.next_due(s->channel());
                db_->reset_cached();
                if (next) {
                    const auto until = std::max(
                        std::chrono::duration_cast<std::chrono::milliseconds>(*next - now()),
                        held_for(s->channel()));
                    wait = std::clamp(until, std::chrono::milliseconds(10), wait);
                }
            }
        } catch (const std::exception&) {
        }
        std::unique_lock lock(mu_);
        cv_.wait_for(lock, wait, [&] { return stopping_ || woken_; });
        if (stopping_) return;
    }
}

}  // namespace tcns::bot
