// Fuzzes the PROXY decoder. Properties, beyond "no crash, no sanitizer report":
// - consumed never exceeds the input, and a decoded header is a prefix of the input of at most
//   ProxyHeader::kMaxHeaderSize bytes;
// - decode is stable under splitting: every single split point, and byte-at-a-time feeding,
//   give the same status, error code, consumed total and header as one read;
// - a decoded header decodes again, alone, to an equal header.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <span>

#include "doorman/proxy_protocol.h"

namespace {

using doorman::DecodeStatus;
using doorman::DecodeStep;
using doorman::ProxyDecoder;
using doorman::ProxyHeader;

struct Outcome {
  DecodeStatus status;
  doorman::ErrorCode code;
  std::size_t consumed;
  std::optional<ProxyHeader> header;
};

void check(bool ok) {
  if (!ok) std::abort();
}

// Feeds input in pieces of `chunk` bytes after a first piece of `first` bytes.
Outcome run(std::span<const uint8_t> input, std::size_t first, std::size_t chunk) {
  ProxyDecoder d;
  DecodeStep step;
  std::size_t consumed = 0, pos = 0;
  bool first_piece = true;
  do {
    const std::size_t n = std::min(first_piece ? first : chunk, input.size() - pos);
    first_piece = false;
    step = d.feed(input.subspan(pos, n));
    check(step.consumed <= n);
    consumed += step.consumed;
    pos += n;
  } while (step.status == DecodeStatus::kNeedMore && pos < input.size());
  if (step.status == DecodeStatus::kNeedMore) step = d.finish();
  Outcome out{step.status, step.error.code, d.has_header() ? consumed : 0, std::nullopt};
  if (d.has_header()) out.header = d.header();
  return out;
}

bool same(const Outcome& a, const Outcome& b) {
  return a.status == b.status && a.code == b.code && a.consumed == b.consumed &&
         a.header.has_value() == b.header.has_value() && (!a.header || *a.header == *b.header);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> input(data, size);
  const Outcome whole = run(input, size, size);
  check(whole.consumed <= size);
  if (whole.header) {
    const ProxyHeader& h = *whole.header;
    check(h.size() == whole.consumed && h.size() <= ProxyHeader::kMaxHeaderSize);
    check(std::memcmp(h.bytes().data(), data, h.size()) == 0);
    // Alone, the header decodes to the same thing.
    const Outcome again = run(h.bytes(), h.size(), h.size());
    check(same(again, whole));
  }
  // Splits beyond the longest header cannot matter; cap the quadratic work there.
  const std::size_t limit = std::min<std::size_t>(size, ProxyHeader::kMaxHeaderSize + 2);
  for (std::size_t cut = 0; cut <= limit; ++cut) check(same(run(input, cut, size), whole));
  check(same(run(input, 1, 1), whole));
  return 0;
}
