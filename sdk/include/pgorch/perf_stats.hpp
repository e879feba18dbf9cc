// pgorch SDK: timing statistics of the perf checks: the samples of one timing query, their
// summary, and the limit a median is compared with. Header-only, standard library only; the
// timing plugin computes with it and the host's reports read the same fields.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <string>
#include <vector>

namespace pgorch::sdk {

// Summary of wall-time samples in milliseconds. Percentiles use the nearest-rank method on the
// sorted samples (p95 of 5 samples is the largest); `spread` is max - min and `stddev` the
// population standard deviation. All zero when there is no sample.
struct TimingStats {
    std::vector<double> samples;   // in execution order
    double min = 0, median = 0, p95 = 0, max = 0, mean = 0, stddev = 0, spread = 0;
};

// The nearest-rank percentile (p in (0,100]) of sorted values: the smallest value with at least
// p% of the values at or below it; 0 for an empty list.
inline double percentile_sorted(const std::vector<double>& sorted, double p) {
    if (sorted.empty()) return 0;
    double rank = std::ceil(p / 100.0 * static_cast<double>(sorted.size()));
    std::size_t index = rank < 1 ? 0 : static_cast<std::size_t>(rank) - 1;
    return sorted[std::min(index, sorted.size() - 1)];
}

// The summary of `samples` (kept in execution order); the order statistics come from a sorted copy.
inline TimingStats compute_stats(std::vector<double> samples) {
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

// The time allowed: expected_time_ms / performance_coefficient (0.8 allows 1.25x the expected
// time; above 1.0 is a host faster than the reference). Check the coefficient first.
inline double timing_limit_ms(double expected_time_ms, double performance_coefficient) {
    return expected_time_ms / performance_coefficient;
}

// Why a coefficient cannot be used ("" when it can): it must be a finite number above 0.
inline std::string check_performance_coefficient(double coefficient) {
    if (!std::isfinite(coefficient) || coefficient <= 0)
        return "performance_coefficient must be a number above 0, not " + std::to_string(coefficient);
    return {};
}

}  // namespace pgorch::sdk
