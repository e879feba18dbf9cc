// Timing statistics of the perf module: the samples of one timing query, their summary, and the
// limit a median is compared with. Self-contained so that the timing plugin compiles it in.
#pragma once

#include <string>
#include <vector>

namespace pgorch::report {

// Summary of wall-time samples in milliseconds. Percentiles use the nearest-rank method on the
// sorted samples (p95 of 5 samples is the largest); `spread` is max - min and `stddev` the
// population standard deviation. All zero when there is no sample.
struct TimingStats {
    std::vector<double> samples;   // in execution order
    double min = 0, median = 0, p95 = 0, max = 0, mean = 0, stddev = 0, spread = 0;
};

TimingStats compute_stats(std::vector<double> samples);

// The nearest-rank percentile (p in (0,100]) of sorted values; 0 for an empty list.
double percentile_sorted(const std::vector<double>& sorted, double p);

// The time allowed: expected_time_ms / performance_coefficient (0.8 allows 1.25x the expected
// time; above 1.0 is a host faster than the reference). The coefficient must be > 0.
double timing_limit_ms(double expected_time_ms, double performance_coefficient);

// Why a coefficient cannot be used ("" when it can): it must be a finite number above 0.
std::string check_performance_coefficient(double coefficient);

}  // namespace pgorch::report
