#include "report/perf_stats.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace pgorch::report {

// Nearest rank: the smallest value with at least p% of the values at or below it.
double percentile_sorted(const std::vector<double>& sorted, double p) {
    if (sorted.empty()) return 0;
    double rank = std::ceil(p / 100.0 * static_cast<double>(sorted.size()));
    std::size_t index = rank < 1 ? 0 : static_cast<std::size_t>(rank) - 1;
    return sorted[std::min(index, sorted.size() - 1)];
}

// Sorts a copy for the order statistics; the mean and deviation come from the samples as given.
TimingStats compute_stats(std::vector<double> samples) {
    TimingStats s;
    s.samples = std::move(samples);
    if (s.samples.empty()) return s;
    std::vector<double> sorted = s.samples;
    std::sort(sorted.begin(), sorted.end());
    const std::size_t n = sorted.size();
    s.min = sorted.front();
    s.max = sorted.back();
    s.median = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    s.p95 = percentile_sorted(sorted, 95);
    s.mean = std::accumulate(sorted.begin(), sorted.end(), 0.0) / static_cast<double>(n);
    double sq = 0;
    for (double v : sorted) sq += (v - s.mean) * (v - s.mean);
    s.stddev = std::sqrt(sq / static_cast<double>(n));
    s.spread = s.max - s.min;
    return s;
}

// expected / coefficient; callers check the coefficient first.
double timing_limit_ms(double expected_time_ms, double performance_coefficient) {
    return expected_time_ms / performance_coefficient;
}

// A coefficient of 0, a negative one, NaN or infinity cannot scale a limit.
std::string check_performance_coefficient(double coefficient) {
    if (!std::isfinite(coefficient) || coefficient <= 0)
        return "performance_coefficient must be a number above 0, not " + std::to_string(coefficient);
    return {};
}

}  // namespace pgorch::report
