// Micro-benchmarks of the per-request HTTP work: parsing a typical browser request head
// (~10 headers), planning its upstream head, parsing a response head, and validating a chunked
// body.
#include <benchmark/benchmark.h>

#include <string>

#include "doorman/http_chunked.h"
#include "doorman/http_request.h"
#include "doorman/http_response.h"
#include "doorman/http_rewrite.h"

namespace doorman {
namespace {

const std::string kBrowserRequest =
    "GET /products/widgets?page=2&sort=price HTTP/1.1\r\n"
    "Host: www.example.com\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0\r\n"
    "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8\r\n"
    "Accept-Language: en-US,en;q=0.5\r\n"
    "Accept-Encoding: gzip, deflate, br\r\n"
    "Referer: https://www.example.com/products\r\n"
    "Connection: keep-alive\r\n"
    "Cookie: session=0123456789abcdef0123456789abcdef; theme=dark; consent=yes\r\n"
    "Upgrade-Insecure-Requests: 1\r\n"
    "Sec-Fetch-Dest: document\r\n"
    "Sec-Fetch-Mode: navigate\r\n"
    "\r\n";

void BM_ParseBrowserRequest(benchmark::State& state) {
  RequestHeadParser parser;
  for (auto _ : state) {
    parser.reset();
    HeadProgress p = parser.parse(kBrowserRequest);
    benchmark::DoNotOptimize(p);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kBrowserRequest.size()));
}
BENCHMARK(BM_ParseBrowserRequest);

void BM_PlanRequestRewrite(benchmark::State& state) {
  RequestHeadParser parser;
  if (!parser.parse(kBrowserRequest).complete()) state.SkipWithError("parse failed");
  RewriteInputs inputs;
  inputs.client_ip = *IpAddress::parse("2001:db8::42");
  inputs.request_id = "7f3a9c2e1b4d5f60";
  char scratch[kRewriteScratchSize];
  HeadPieces out;
  for (auto _ : state) {
    auto r = plan_request_rewrite(parser.head(), inputs, {}, scratch, out);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(out.size());
  }
}
BENCHMARK(BM_PlanRequestRewrite);

void BM_ParseAndRewrite(benchmark::State& state) {
  RequestHeadParser parser;
  RewriteInputs inputs;
  inputs.client_ip = *IpAddress::parse("203.0.113.9");
  inputs.request_id = "7f3a9c2e1b4d5f60";
  char scratch[kRewriteScratchSize];
  HeadPieces out;
  for (auto _ : state) {
    parser.reset();
    parser.parse(kBrowserRequest);
    auto r = plan_request_rewrite(parser.head(), inputs, {}, scratch, out);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_ParseAndRewrite);

void BM_ParseRequestByteByByte(benchmark::State& state) {
  RequestHeadParser parser;
  for (auto _ : state) {
    parser.reset();
    for (std::size_t n = 1; n <= kBrowserRequest.size(); ++n)
      if (!parser.parse(std::string_view(kBrowserRequest).substr(0, n)).need_more()) break;
  }
}
BENCHMARK(BM_ParseRequestByteByByte);

const std::string kResponse =
    "HTTP/1.1 200 OK\r\nDate: Mon, 23 Nov 2026 12:00:00 GMT\r\nServer: app\r\n"
    "Content-Type: text/html; charset=utf-8\r\nContent-Length: 5120\r\n"
    "Cache-Control: no-cache\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n";

void BM_ParseAndRewriteResponse(benchmark::State& state) {
  ResponseHeadParser parser;
  char scratch[64];
  HeadPieces out;
  for (auto _ : state) {
    parser.reset();
    parser.parse(kResponse, Method::kGet);
    auto r = plan_response_rewrite(parser.head(), {}, scratch, out);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_ParseAndRewriteResponse);

void BM_ChunkedBody64KiB(benchmark::State& state) {
  std::string body;
  for (int i = 0; i < 16; ++i) body += "1000\r\n" + std::string(4096, 'x') + "\r\n";
  body += "0\r\n\r\n";
  for (auto _ : state) {
    ChunkedDecoder decoder;
    auto r = decoder.feed(body);
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_ChunkedBody64KiB);

}  // namespace
}  // namespace doorman
