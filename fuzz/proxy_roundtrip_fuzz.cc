// Fuzzes the encoder against the decoder: for any fields the encoder accepts,
// decode(encode(fields)) carries exactly those fields (proxy_header_matches), whole and split
// at a fuzzer-chosen point. The encoder may only refuse with the codes its contract names.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string_view>

#include "doorman/proxy_protocol.h"
#include "doorman/proxy_protocol_encoder.h"

namespace {

using namespace doorman;

// Hands out pieces of the fuzz input; zeros once it runs dry.
class Reader {
 public:
  explicit Reader(std::span<const uint8_t> in) : in_(in) {}
  uint8_t byte() { return in_.empty() ? 0 : take(1)[0]; }
  uint16_t u16() { return static_cast<uint16_t>(byte() << 8 | byte()); }
  uint32_t u32() { return uint32_t{u16()} << 16 | u16(); }
  bool coin() { return byte() & 1; }
  std::string_view text() {
    const std::size_t n = std::min<std::size_t>(byte(), in_.size());
    auto s = take(n);
    return {reinterpret_cast<const char*>(s.data()), s.size()};
  }
  IpAddress address() {
    if (coin()) return IpAddress::from_v4(u32());
    std::array<uint8_t, 16> b{};
    for (auto& x : b) x = byte();
    return IpAddress::from_v6(b);
  }

 private:
  std::span<const uint8_t> take(std::size_t n) {
    n = std::min(n, in_.size());
    auto s = in_.first(n);
    in_ = in_.subspan(n);
    return s;
  }
  std::span<const uint8_t> in_;
};

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Reader r(std::span(data, size));
  ProxyHeaderFields f;
  const uint8_t flags = r.byte();
  f.version = flags & 1 ? ProxyVersion::kV1 : ProxyVersion::kV2;
  f.command = flags & 2 ? ProxyCommand::kLocal : ProxyCommand::kProxy;
  f.crc32c = flags & 4;
  const std::size_t split = r.u16();
  f.source = {r.address(), r.u16()};
  f.destination = {r.address(), r.u16()};
  if (flags & 8) f.alpn = r.text();
  if (flags & 16) f.authority = r.text();
  if (flags & 32) f.unique_id = r.text();
  if (flags & 64) {
    SslTlv s{.client = r.byte(), .verify = r.u32()};
    const uint8_t present = r.byte();
    std::optional<std::string_view>* subs[] = {&s.version, &s.cn,    &s.cipher,     &s.sig_alg,
                                               &s.key_alg, &s.group, &s.sig_scheme, &s.client_cert};
    for (int i = 0; i < 8; ++i) {
      if (present & (1 << i)) *subs[i] = r.text();
    }
    f.ssl = s;
  }
  auto bytes = encode_proxy_header(f);
  if (!bytes) {
    check(bytes.error().code == ErrorCode::kInvalidValue ||
          bytes.error().code == ErrorCode::kProxyTooLarge);
    return 0;
  }
  check(bytes->size() <= ProxyHeader::kMaxHeaderSize);
  ProxyDecoder whole;
  const DecodeStep step = whole.feed(*bytes);
  check(step.status == DecodeStatus::kComplete && step.consumed == bytes->size());
  check(proxy_header_matches(whole.header(), f));

  const std::span<const uint8_t> all(*bytes);
  const std::size_t cut = split % (all.size() + 1);
  ProxyDecoder pieces;
  const DecodeStep first = pieces.feed(all.first(cut));
  DecodeStep last = first;
  if (first.status == DecodeStatus::kNeedMore) last = pieces.feed(all.subspan(cut));
  check(last.status == DecodeStatus::kComplete);
  check(pieces.header() == whole.header());
  return 0;
}
