// PROXY protocol decode (and encode) micro-benchmarks. Target (issue 3): a v2 header without
// CRC32C decodes in <= 50 ns.
#include <benchmark/benchmark.h>

#include <array>
#include <string_view>
#include <vector>

#include "doorman/crc32c.h"
#include "doorman/proxy_protocol.h"
#include "doorman/proxy_protocol_encoder.h"

namespace {

using namespace doorman;

Endpoint ep(std::string_view ip, uint16_t port) {
  return {*IpAddress::parse(ip), port};
}

std::vector<uint8_t> encode(const ProxyHeaderFields& f) {
  return *encode_proxy_header(f);
}

void decode_loop(benchmark::State& state, const std::vector<uint8_t>& bytes) {
  for (auto _ : state) {
    ProxyDecoder d;
    const DecodeStep step = d.feed(bytes);
    benchmark::DoNotOptimize(step);
    benchmark::DoNotOptimize(d.header().source());
    if (step.status != DecodeStatus::kComplete) state.SkipWithError("did not decode");
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes.size()));
}

void BM_DecodeV1Tcp4(benchmark::State& state) {
  const std::string_view line = "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n";
  decode_loop(state, std::vector<uint8_t>(line.begin(), line.end()));
}
BENCHMARK(BM_DecodeV1Tcp4);

void BM_DecodeV1Tcp6(benchmark::State& state) {
  const std::string_view line = "PROXY TCP6 2001:db8::1 2001:db8::11 56324 443\r\n";
  decode_loop(state, std::vector<uint8_t>(line.begin(), line.end()));
}
BENCHMARK(BM_DecodeV1Tcp6);

void BM_DecodeV2Tcp4(benchmark::State& state) {
  decode_loop(state,
              encode({.source = ep("192.0.2.1", 56324), .destination = ep("198.51.100.11", 443)}));
}
BENCHMARK(BM_DecodeV2Tcp4);

void BM_DecodeV2Tcp6ThreeTlvs(benchmark::State& state) {
  decode_loop(state, encode({.source = ep("2001:db8::1", 56324),
                             .destination = ep("2001:db8::11", 443),
                             .alpn = "h2",
                             .authority = "www.example.com",
                             .unique_id = "4f2b1d3c-9a8e-4e6f-b1c2-0d9e8f7a6b5c"}));
}
BENCHMARK(BM_DecodeV2Tcp6ThreeTlvs);

void BM_DecodeV2Tcp6ThreeTlvsCrc32c(benchmark::State& state) {
  decode_loop(state, encode({.source = ep("2001:db8::1", 56324),
                             .destination = ep("2001:db8::11", 443),
                             .alpn = "h2",
                             .authority = "www.example.com",
                             .unique_id = "4f2b1d3c-9a8e-4e6f-b1c2-0d9e8f7a6b5c",
                             .crc32c = true}));
}
BENCHMARK(BM_DecodeV2Tcp6ThreeTlvsCrc32c);

void BM_DecodeV2Tcp4SslCrc32c(benchmark::State& state) {
  decode_loop(
      state,
      encode({.source = ep("192.0.2.1", 56324),
              .destination = ep("198.51.100.11", 443),
              .authority = "www.example.com",
              .ssl = SslTlv{.client = 1, .version = "TLSv1.3", .cipher = "TLS_AES_256_GCM_SHA384"},
              .crc32c = true}));
}
BENCHMARK(BM_DecodeV2Tcp4SslCrc32c);

void BM_EncodeV2Tcp6ThreeTlvs(benchmark::State& state) {
  const ProxyHeaderFields f{.source = ep("2001:db8::1", 56324),
                            .destination = ep("2001:db8::11", 443),
                            .alpn = "h2",
                            .authority = "www.example.com",
                            .unique_id = "4f2b1d3c-9a8e-4e6f-b1c2-0d9e8f7a6b5c"};
  std::array<uint8_t, ProxyHeader::kMaxHeaderSize> out;
  for (auto _ : state) benchmark::DoNotOptimize(encode_proxy_header(f, out));
}
BENCHMARK(BM_EncodeV2Tcp6ThreeTlvs);

void crc_loop(benchmark::State& state, uint32_t (*impl)(std::span<const uint8_t>, uint32_t)) {
  std::vector<uint8_t> data(static_cast<std::size_t>(state.range(0)), 0xA5);
  for (auto _ : state) benchmark::DoNotOptimize(impl(data, 0));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * data.size()));
}

void BM_Crc32cHardware(benchmark::State& state) {
  if (!crc32c_hardware_available()) return state.SkipWithError("no SSE4.2");
  crc_loop(state, crc32c_hardware);
}
BENCHMARK(BM_Crc32cHardware)->Arg(100)->Arg(552);

void BM_Crc32cPortable(benchmark::State& state) {
  crc_loop(state, crc32c_portable);
}
BENCHMARK(BM_Crc32cPortable)->Arg(100)->Arg(552);

}  // namespace
