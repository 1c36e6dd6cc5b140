// IpAddress parsing and CidrSet lookup over 1,000 ranges (target: <= 20 ns per lookup).
#include <benchmark/benchmark.h>

#include <array>
#include <random>
#include <string>
#include <vector>

#include "doorman/cidr_set.h"
#include "doorman/ip_address.h"

namespace doorman {
namespace {

void BM_ParseV4(benchmark::State& state) {
  for (auto _ : state) {
    auto a = IpAddress::parse("198.51.100.217");
    benchmark::DoNotOptimize(a);
  }
}
BENCHMARK(BM_ParseV4);

void BM_ParseV6(benchmark::State& state) {
  for (auto _ : state) {
    auto a = IpAddress::parse("2001:db8:85a3::8a2e:370:7334");
    benchmark::DoNotOptimize(a);
  }
}
BENCHMARK(BM_ParseV6);

void BM_FormatV6(benchmark::State& state) {
  const IpAddress a = *IpAddress::parse("2001:db8:85a3::8a2e:370:7334");
  char buf[IpAddress::kMaxTextLength];
  for (auto _ : state) benchmark::DoNotOptimize(a.format_to(buf));
}
BENCHMARK(BM_FormatV6);

constexpr int kRanges = 1000;
constexpr int kProbes = 1024;  // rotated so that the branch predictor cannot learn one answer

// 1,000 disjoint IPv4 /24s and 1,000 disjoint IPv6 /48s spread over the space.
struct Fixture {
  CidrSet v4, v6;
  std::array<IpAddress, kProbes> v4_hits, v4_misses, v6_hits, v6_misses;

  Fixture() {
    std::mt19937 rng(42);
    std::vector<Cidr> v4_cidrs, v6_cidrs;
    for (int i = 0; i < kRanges; ++i) {
      // Networks at multiples of 2^22 (plus a /24 offset): disjoint, never adjacent.
      v4_cidrs.push_back(
          Cidr::from(IpAddress::from_v4(uint32_t(i) << 22 | (rng() & 0x3f) << 8), 24));
      std::array<uint8_t, 16> b{0x20,
                                0x01,
                                0x0d,
                                static_cast<uint8_t>(i >> 8),
                                static_cast<uint8_t>(i),
                                0,
                                0,
                                0,
                                0,
                                0,
                                0,
                                0,
                                0,
                                0,
                                0,
                                0};
      v6_cidrs.push_back(Cidr::from(IpAddress::from_v6(b), 48));
    }
    v4 = CidrSet(v4_cidrs);
    v6 = CidrSet(v6_cidrs);
    for (int i = 0; i < kProbes; ++i) {
      const Cidr& c4 = v4_cidrs[rng() % kRanges];
      v4_hits[i] = IpAddress::from_v4(c4.network.v4() | (rng() & 0xff));
      v4_misses[i] = IpAddress::from_v4(c4.network.v4() + 0x10000 + (rng() & 0xffff));
      std::array<uint8_t, 16> b = v6_cidrs[rng() % kRanges].network.bytes();
      for (int k = 6; k < 16; ++k) b[k] = static_cast<uint8_t>(rng());
      v6_hits[i] = IpAddress::from_v6(b);
      b[5] = 1;  // another /48 of the same /40: not in the set
      v6_misses[i] = IpAddress::from_v6(b);
    }
  }
};

const Fixture& fixture() {
  static const Fixture f;
  return f;
}

void lookup(benchmark::State& state, const CidrSet& set,
            const std::array<IpAddress, kProbes>& probes, bool expected) {
  std::size_t i = 0, wrong = 0;
  for (auto _ : state) {
    const bool found = set.contains(probes[i++ & (kProbes - 1)]);
    wrong += found != expected;
    benchmark::DoNotOptimize(found);
  }
  if (wrong != 0) state.SkipWithError("lookup gave a wrong answer");
}

void BM_CidrSetLookupV4Hit(benchmark::State& s) {
  lookup(s, fixture().v4, fixture().v4_hits, true);
}
void BM_CidrSetLookupV4Miss(benchmark::State& s) {
  lookup(s, fixture().v4, fixture().v4_misses, false);
}
void BM_CidrSetLookupV6Hit(benchmark::State& s) {
  lookup(s, fixture().v6, fixture().v6_hits, true);
}
void BM_CidrSetLookupV6Miss(benchmark::State& s) {
  lookup(s, fixture().v6, fixture().v6_misses, false);
}
BENCHMARK(BM_CidrSetLookupV4Hit);
BENCHMARK(BM_CidrSetLookupV4Miss);
BENCHMARK(BM_CidrSetLookupV6Hit);
BENCHMARK(BM_CidrSetLookupV6Miss);

}  // namespace
}  // namespace doorman
