#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace tcns::bot {

/// Process-wide counters, gauges and latency histograms, rendered in the Prometheus text
/// format at GET /metrics. Updating a metric is lock-free after its first use.
class Metrics {
  public:
    static Metrics& instance();

    /// Adds to a counter identified by name and a label string such as
    /// `channel="viber",outcome="ok"` (already escaped; labels come from code, not users).
    void add(const std::string& name, const std::string& labels, std::uint64_t n = 1);
    /// Records a latency in seconds in a histogram.
    void observe(const std::string& name, const std::string& labels, double seconds);
    /// A gauge computed when /metrics is read (e.g. outbox depth from the database).
    void gauge(const std::string& name, std::string help,
               std::function<std::vector<std::pair<std::string, double>>()> read);
    /// Sets the HELP text of a counter or histogram.
    void describe(const std::string& name, std::string help);

    std::string render();

    static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                        0.05,   0.1,   0.25,   0.5,   1.0,  2.5};

  private:
    struct Histogram {
        std::array<std::atomic<std::uint64_t>, kBuckets.size() + 1> buckets{};
        std::atomic<std::uint64_t> count{0};
        std::atomic<std::uint64_t> sum_us{0};
    };
    struct Gauge {
        std::string help;
        std::function<std::vector<std::pair<std::string, double>>()> read;
    };
    std::atomic<std::uint64_t>& counter(const std::string& name, const std::string& labels);
    Histogram& histogram(const std::string& name, const std::string& labels);

    std::mutex mu_;
    std::map<std::string, std::map<std::string, std::atomic<std::uint64_t>>> counters_;
    std::map<std::string, std::map<std::string, Histogram>> histograms_;
    std::map<std::string, Gauge> gauges_;
    std::map<std::string, std::string> help_;
};

}  // namespace tcns::bot
