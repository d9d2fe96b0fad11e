#include "bot/metrics.hpp"

#include <unordered_map>

#include <fmt/format.h>

namespace tcns::bot {

Metrics& Metrics::instance() {
    static Metrics m;
    return m;
}

std::atomic<std::uint64_t>& Metrics::counter(const std::string& name, const std::string& labels) {
    // Each thread remembers where its series live, so the shared map and its lock are touched
    // once per thread and series (request threads update metrics on every webhook).
    thread_local std::unordered_map<std::string, std::atomic<std::uint64_t>*> cache;
    const std::string key = name + '\x1f' + labels;
    if (auto it = cache.find(key); it != cache.end()) return *it->second;
    std::lock_guard lock(mu_);
    auto* c = &counters_[name][labels];  // std::map nodes never move: the pointer stays valid
    cache.emplace(key, c);
    return *c;
}

Metrics::Histogram& Metrics::histogram(const std::string& name, const std::string& labels) {
    thread_local std::unordered_map<std::string, Histogram*> cache;
    const std::string key = name + '\x1f' + labels;
    if (auto it = cache.find(key); it != cache.end()) return *it->second;
    std::lock_guard lock(mu_);
    auto* h = &histograms_[name][labels];
    cache.emplace(key, h);
    return *h;
}

void Metrics::add(const std::string& name, const std::string& labels, std::uint64_t n) {
    counter(name, labels).fetch_add(n, std::memory_order_relaxed);
}

void Metrics::observe(const std::string& name, const std::string& labels, double seconds) {
    Histogram& h = histogram(name, labels);
    std::size_t i = 0;
    while (i < kBuckets.size() && seconds > kBuckets[i]) ++i;
    h.buckets[i].fetch_add(1, std::memory_order_relaxed);
    h.count.fetch_add(1, std::memory_order_relaxed);
    h.sum_us.fetch_add(static_cast<std::uint64_t>(seconds * 1e6), std::memory_order_relaxed);
}

void Metrics::gauge(const std::string& name, std::string help,
                    std::function<std::vector<std::pair<std::string, double>>()> read) {
    std::lock_guard lock(mu_);
    gauges_[name] = Gauge{std::move(help), std::move(read)};
}

void Metrics::describe(const std::string& name, std::string help) {
    std::lock_guard lock(mu_);
    help_[name] = std::move(help);
}

std::string Metrics::render() {
    std::string out;
    auto braces = [](const std::string& labels) {
        return labels.empty() ? std::string() : "{" + labels + "}";
    };
    auto join = [](const std::string& labels, const std::string& extra) {
        return labels.empty() ? extra : labels + "," + extra;
    };
    std::map<std::string, Gauge> gauges;
    {
        std::lock_guard lock(mu_);
        for (const auto& [name, series] : counters_) {
            if (auto h = help_.find(name); h != help_.end())
                out += fmt::format("# HELP {} {}\n", name, h->second);
            out += fmt::format("# TYPE {} counter\n", name);
            for (const auto& [labels, v] : series)
                out += fmt::format("{}{} {}\n", name, braces(labels), v.load());
        }
        for (const auto& [name, series] : histograms_) {
            if (auto h = help_.find(name); h != help_.end())
                out += fmt::format("# HELP {} {}\n", name, h->second);
            out += fmt::format("# TYPE {} histogram\n", name);
            for (const auto& [labels, h] : series) {
                std::uint64_t cumulative = 0;
                for (std::size_t i = 0; i < kBuckets.size(); ++i) {
                    cumulative += h.buckets[i].load();
                    out += fmt::format("{}_bucket{{{}}} {}\n", name,
                                       join(labels, fmt::format("le=\"{}\"", kBuckets[i])),
                                       cumulative);
                }
                cumulative += h.buckets[kBuckets.size()].load();
                out += fmt::format("{}_bucket{{{}}} {}\n", name, join(labels, "le=\"+Inf\""),
                                   cumulative);
                out += fmt::format("{}_sum{} {}\n", name, braces(labels),
                                   static_cast<double>(h.sum_us.load()) / 1e6);
                out += fmt::format("{}_count{} {}\n", name, braces(labels), h.count.load());
            }
        }
        gauges = gauges_;
    }
    // Gauges may query the database: read them outside the lock.
    for (const auto& [name, g] : gauges) {
        out += fmt::format("# HELP {} {}\n# TYPE {} gauge\n", name, g.help, name);
        for (const auto& [labels, v] : g.read())
            out += fmt::format("{}{} {}\n", name, braces(labels), v);
    }
    return out;
}

}  // namespace tcns::bot
