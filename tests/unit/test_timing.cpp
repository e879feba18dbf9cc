// Timing statistics and the limit math of the timing plugin.
#include <pgorch/perf_stats.hpp>

#include <catch2/catch.hpp>

#include <limits>

using namespace pgorch::sdk;

TEST_CASE("statistics of an odd number of samples", "[timing]") {
    TimingStats s = compute_stats({12, 10, 50, 11, 13});
    CHECK(s.samples == std::vector<double>{12, 10, 50, 11, 13});
    CHECK(s.min == 10);
    CHECK(s.max == 50);
    CHECK(s.median == 12);
    CHECK(s.p95 == 50);
    CHECK(s.spread == 40);
    CHECK(s.mean == Approx(19.2));
    CHECK(s.stddev == Approx(15.4324).epsilon(1e-4));  // population: sqrt(1190.8 / 5)
}

TEST_CASE("median of an even number of samples is the mean of the middle two", "[timing]") {
    CHECK(compute_stats({4, 1, 3, 2}).median == 2.5);
    CHECK(compute_stats({7}).median == 7);
    CHECK(compute_stats({}).median == 0);
}

TEST_CASE("p95 uses the nearest rank", "[timing]") {
    std::vector<double> v;
    for (int i = 1; i <= 100; ++i) v.push_back(i);
    CHECK(percentile_sorted(v, 95) == 95);
    CHECK(percentile_sorted(v, 100) == 100);
    CHECK(percentile_sorted({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}, 95) == 19);
}

TEST_CASE("limit is expected time divided by the coefficient", "[timing]") {
    CHECK(timing_limit_ms(1500, 0.8) == Approx(1875));
    CHECK(timing_limit_ms(1000, 1.0) == 1000);
    CHECK(timing_limit_ms(1000, 2.0) == 500);  // a host faster than the reference
    // the seed's pg_sleep(1) fixture: about 1000 ms against a 1875 ms limit passes
    CHECK(1003.0 <= timing_limit_ms(1500, 0.8));
}

TEST_CASE("a coefficient must be above zero", "[timing]") {
    CHECK(check_performance_coefficient(0.8).empty());
    CHECK(check_performance_coefficient(1.5).empty());
    CHECK_FALSE(check_performance_coefficient(0).empty());
    CHECK_FALSE(check_performance_coefficient(-1).empty());
    CHECK_FALSE(check_performance_coefficient(std::numeric_limits<double>::quiet_NaN()).empty());
}
