#include <catch2/catch.hpp>

#include "bot/metrics.hpp"

using tcns::bot::Metrics;

TEST_CASE("metrics render counters and histograms in the Prometheus text format", "[metrics]") {
    Metrics& m = Metrics::instance();
    m.describe("tcns_test_events_total", "Test events.");
    m.add("tcns_test_events_total", "channel=\"viber\",outcome=\"ok\"");
    m.add("tcns_test_events_total", "channel=\"viber\",outcome=\"ok\"", 2);
    m.observe("tcns_test_latency_seconds", "", 0.003);
    m.observe("tcns_test_latency_seconds", "", 5.0);
    m.gauge("tcns_test_depth", "Depth.", [] {
        return std::vector<std::pair<std::string, double>>{{"status=\"pending\"", 4}};
    });
    const std::string text = m.render();
    CHECK_THAT(text, Catch::Contains("# HELP tcns_test_events_total Test events."));
    CHECK_THAT(text, Catch::Contains("tcns_test_events_total{channel=\"viber\",outcome=\"ok\"} 3"));
    CHECK_THAT(text, Catch::Contains("tcns_test_latency_seconds_bucket{le=\"0.0025\"} 0"));
    CHECK_THAT(text, Catch::Contains("tcns_test_latency_seconds_bucket{le=\"0.005\"} 1"));
    CHECK_THAT(text, Catch::Contains("tcns_test_latency_seconds_bucket{le=\"+Inf\"} 2"));
    CHECK_THAT(text, Catch::Contains("tcns_test_latency_seconds_count 2"));
    CHECK_THAT(text, Catch::Contains("tcns_test_depth{status=\"pending\"} 4"));
}
