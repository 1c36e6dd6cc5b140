// Histogram: a Prometheus histogram with fixed bucket bounds (seconds), plain counters for one
// writer. The bounds cover a loopback upstream (sub-millisecond) to a slow one (10 s).
// Thread safety: one writer; copies are values.
#pragma once

#include <array>
#include <cstdint>

namespace doorman::metrics {

class Histogram {
 public:
  static constexpr std::array<double, 14> kBounds{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                  0.1,    0.25,  0.5,    1,     2.5,  5,     10};

  void observe(double seconds) {
    std::size_t i = 0;
    while (i < kBounds.size() && seconds > kBounds[i]) ++i;
    ++buckets_[i];  // buckets_[kBounds.size()] is +Inf only
    sum_ += seconds;
    ++count_;
  }
  void merge(const Histogram& other) {
    for (std::size_t i = 0; i < buckets_.size(); ++i) buckets_[i] += other.buckets_[i];
    sum_ += other.sum_;
    count_ += other.count_;
  }
  // Non-cumulative count of bucket i (i == kBounds.size(): above the last bound).
  uint64_t bucket(std::size_t i) const { return buckets_[i]; }
  double sum() const { return sum_; }
  uint64_t count() const { return count_; }
  // The upper bound of the bucket holding quantile q (0..1), or 0 with no observation: what the
  // status page shows as "p50 <= 1 ms".
  double quantile_bound(double q) const;

 private:
  std::array<uint64_t, kBounds.size() + 1> buckets_{};
  double sum_ = 0;
  uint64_t count_ = 0;
};

}  // namespace doorman::metrics
