// RateLimiter::check(): one thread (the cost a request pays), and 2 threads on distinct keys
// (shards contend only by hash collision) and on one hot key (worst case: one shard's mutex).
#include <benchmark/benchmark.h>

#include <chrono>

#include "doorman/rate_limit.h"

namespace {

using doorman::IpAddress;
using doorman::RateLimiter;
using doorman::RateLimitPolicy;
using doorman::RateTime;

RateLimiter& shared_limiter() {
  static RateLimiter limiter({.max_keys = 100'000});
  return limiter;
}

const RateLimitPolicy kPolicy{.requests = 1'000'000, .per = std::chrono::seconds(1), .burst = 0};

void BM_Gcra_Step(benchmark::State& state) {
  int64_t tat = 0;
  int64_t now = 1'000'000'000;
  for (auto _ : state) {
    const auto step = doorman::gcra_step(kPolicy, tat, now);
    tat = step.tat;
    now += 1000;
    benchmark::DoNotOptimize(step);
  }
}
BENCHMARK(BM_Gcra_Step);

// Distinct client keys spread over the table (10,000 clients, IPv4 and IPv6 alternating).
void BM_Check_ManyClients(benchmark::State& state) {
  RateLimiter& limiter = shared_limiter();
  const uint32_t base = static_cast<uint32_t>(state.thread_index()) << 20;
  uint32_t i = 0;
  int64_t now = 1'000'000'000;
  for (auto _ : state) {
    const uint32_t n = base + (i++ % 10'000);
    std::array<uint8_t, 16> v6{0x20, 0x01, 0x0d, 0xb8};
    v6[4] = static_cast<uint8_t>(n >> 16);
    v6[5] = static_cast<uint8_t>(n >> 8);
    v6[6] = static_cast<uint8_t>(n);
    const IpAddress client = (n & 1) ? IpAddress::from_v4(0x0a000000 + n) : IpAddress::from_v6(v6);
    benchmark::DoNotOptimize(limiter.check(0, kPolicy, client, RateTime(now)));
    now += 100;
  }
}
BENCHMARK(BM_Check_ManyClients)->Threads(1)->Threads(2)->UseRealTime();

// Every thread on the same client: one shard, one mutex; the contended worst case.
void BM_Check_OneHotClient(benchmark::State& state) {
  RateLimiter& limiter = shared_limiter();
  const IpAddress client = IpAddress::from_v4(0xc0000201);
  int64_t now = 1'000'000'000;
  for (auto _ : state) {
    benchmark::DoNotOptimize(limiter.check(1, kPolicy, client, RateTime(now)));
    now += 100;
  }
}
BENCHMARK(BM_Check_OneHotClient)->Threads(1)->Threads(2)->UseRealTime();

}  // namespace
