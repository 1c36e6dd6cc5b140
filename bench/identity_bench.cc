// resolve_client_ip over a 5-element X-Forwarded-For walk (target: <= 150 ns) and the RFC 7239
// Forwarded tokenizer.
#include <benchmark/benchmark.h>

#include <vector>

#include "doorman/client_ip.h"
#include "doorman/cloudflare_ranges.h"
#include "doorman/forwarded_headers.h"

namespace doorman {
namespace {

const CidrSet& trusted() {
  static const CidrSet set = CidrSet::trusted(std::vector<Cidr>{
      *parse_cidr("10.0.0.0/8"), *parse_cidr("172.16.0.0/12"), *parse_cidr("fd00::/8")});
  return set;
}

// A typical request head: the forwarding header among ordinary ones.
std::vector<HeaderField> request_headers(std::string_view name, std::string_view value) {
  return {{"Host", "app.example.com"},
          {"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/120.0"},
          {"Accept", "text/html,application/xhtml+xml"},
          {"Accept-Language", "en-US,en;q=0.5"},
          {"Accept-Encoding", "gzip, deflate, br"},
          {name, value},
          {"X-Forwarded-Proto", "https"},
          {"Connection", "keep-alive"}};
}

void resolve(benchmark::State& state, SourceIpMode mode, std::string_view peer,
             const std::vector<HeaderField>& headers) {
  ResolveRequest request;
  request.peer = *IpAddress::parse(peer);
  request.mode = mode;
  request.trusted = &trusted();
  request.cloudflare = &bundled_cloudflare_ranges();
  request.headers = headers;
  for (auto _ : state) {
    ClientIpDecision d = resolve_client_ip(request);
    benchmark::DoNotOptimize(d);
  }
}

// The client plus four trusted proxies: five elements walked, four hops recorded.
void BM_ResolveXffWalk5Hops(benchmark::State& state) {
  resolve(
      state, SourceIpMode::kTrustedProxy, "10.0.0.1",
      request_headers("X-Forwarded-For", "198.51.100.1, 10.0.0.2, 172.16.0.3, 10.0.0.4, 10.0.0.5"));
}
BENCHMARK(BM_ResolveXffWalk5Hops);

void BM_ResolveXffWalk5HopsV6(benchmark::State& state) {
  resolve(state, SourceIpMode::kAuto, "fd00::1",
          request_headers("X-Forwarded-For", "2001:db8::1, fd00::2, fd00::3, fd00::4, fd00::5"));
}
BENCHMARK(BM_ResolveXffWalk5HopsV6);

void BM_ResolveCloudflare(benchmark::State& state) {
  resolve(state, SourceIpMode::kAuto, "173.245.48.1",
          request_headers("CF-Connecting-IP", "198.51.100.1"));
}
BENCHMARK(BM_ResolveCloudflare);

void BM_ResolveUntrustedDirect(benchmark::State& state) {
  resolve(state, SourceIpMode::kAuto, "198.51.100.1",
          request_headers("X-Forwarded-For", "203.0.113.1"));
}
BENCHMARK(BM_ResolveUntrustedDirect);

void BM_ForwardedParse(benchmark::State& state) {
  const std::string_view lines[] = {
      "for=198.51.100.17;proto=https;host=app.example.com, for=\"[2001:db8:cafe::17]:4711\", "
      "for=10.0.0.5;by=10.0.0.1"};
  for (auto _ : state) {
    ForwardedReverseReader reader{HeaderLines(std::span<const std::string_view>(lines))};
    std::size_t n = 0;
    while (auto e = reader.next()) n += e->node.has_value();
    benchmark::DoNotOptimize(n);
  }
}
BENCHMARK(BM_ForwardedParse);

void BM_XffParse(benchmark::State& state) {
  const std::string_view lines[] = {"198.51.100.1, 10.0.0.2, 172.16.0.3, [fd00::4]:443, 10.0.0.5"};
  for (auto _ : state) {
    XffReverseReader reader{HeaderLines(std::span<const std::string_view>(lines))};
    std::size_t n = 0;
    while (auto e = reader.next()) n += e->node.has_value();
    benchmark::DoNotOptimize(n);
  }
}
BENCHMARK(BM_XffParse);

}  // namespace
}  // namespace doorman
