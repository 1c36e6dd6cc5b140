// Properties of the chunked decoder on arbitrary bytes: no crash; consumed <= input and
// data <= consumed; feeding in arbitrary pieces gives the same accounting as feeding whole;
// next_segment() yields the same data bytes as feed(); after done, nothing more is consumed.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "doorman/http_chunked.h"

using namespace doorman;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

struct Totals {
  bool ok = true;
  bool done = false;
  uint64_t consumed = 0;
  uint64_t data = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t piece = static_cast<uint8_t>(data[0] % 16 + 1);  // piece size for the split feed
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  ChunkedOptions options;
  options.max_extension_length = 64;
  options.max_total_extension_bytes = 256;
  options.max_trailer_size = 256;

  Totals whole;
  ChunkedDecoder a(options);
  if (const auto r = a.feed(input)) {
    check(r->consumed <= input.size() && r->data_bytes <= r->consumed);
    check(r->done || r->consumed == input.size());
    whole = {true, r->done, r->consumed, r->data_bytes};
  } else {
    whole.ok = false;
    check(r.error().code == ErrorCode::kHttpBadChunk && r.error().offset < input.size());
  }

  Totals split;
  ChunkedDecoder b(options);
  for (std::size_t at = 0; at < input.size() && !split.done; at += piece) {
    const auto r = b.feed(input.substr(at, piece));
    if (!r) {
      split.ok = false;
      break;
    }
    split.consumed += r->consumed;
    split.data += r->data_bytes;
    split.done = r->done;
  }
  check(split.ok == whole.ok);
  if (whole.ok) {
    check(split.done == whole.done && split.consumed == whole.consumed && split.data == whole.data);
  }

  Totals segments;
  ChunkedDecoder c(options);
  std::string_view rest = input;
  while (!segments.done) {
    const auto s = c.next_segment(rest);
    if (!s) {
      segments.ok = false;
      break;
    }
    check(s->data_offset + s->data_length <= s->consumed || s->data_length == 0);
    segments.consumed += s->consumed;
    segments.data += s->data_length;
    segments.done = s->done;
    rest.remove_prefix(s->consumed);
    if (s->consumed == 0) break;
  }
  check(segments.ok == whole.ok);
  if (whole.ok) check(segments.data == whole.data && segments.consumed == whole.consumed);
  return 0;
}
