// Helpers shared by the proxy_protocol tests: hex, and v2 headers assembled field by field.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "doorman/proxy_protocol.h"

namespace doorman::testing {

using Bytes = std::vector<uint8_t>;

inline Bytes from_text(std::string_view s) {
  return Bytes(s.begin(), s.end());
}

inline Bytes from_hex(std::string_view hex) {
  Bytes out;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  int high = -1;
  for (char c : hex) {
    const int n = nibble(c);
    if (n < 0) continue;  // spaces for readability
    if (high < 0) {
      high = n;
    } else {
      out.push_back(static_cast<uint8_t>(high << 4 | n));
      high = -1;
    }
  }
  return out;
}

inline std::string to_hex(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  for (uint8_t b : bytes) {
    s += kDigits[b >> 4];
    s += kDigits[b & 15];
  }
  return s;
}

inline void append(Bytes& out, const Bytes& more) {
  out.insert(out.end(), more.begin(), more.end());
}

inline Bytes tlv(uint8_t type, const Bytes& value) {
  // push_back rather than insert into a 3-byte vector: GCC 12 -O3 misreads the latter
  // (-Warray-bounds false positive).
  Bytes out;
  out.reserve(3 + value.size());
  out.push_back(type);
  out.push_back(static_cast<uint8_t>(value.size() >> 8));
  out.push_back(static_cast<uint8_t>(value.size()));
  for (uint8_t b : value) out.push_back(b);
  return out;
}

inline Bytes tlv(uint8_t type, std::string_view value) {
  return tlv(type, from_text(value));
}

inline Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) append(out, p);
  return out;
}

// A v2 header: signature, ver_cmd, fam, length computed from body (address block + TLVs).
inline Bytes v2(uint8_t ver_cmd, uint8_t fam, const Bytes& body) {
  Bytes out = from_hex("0D0A0D0A000D0A515549540A");
  out.push_back(ver_cmd);
  out.push_back(fam);
  out.push_back(static_cast<uint8_t>(body.size() >> 8));
  out.push_back(static_cast<uint8_t>(body.size()));
  append(out, body);
  return out;
}

// 192.0.2.1:56324 -> 198.51.100.11:443 as a v2 INET address block.
inline Bytes inet_block() {
  return from_hex("C0000201 C633640B DC04 01BB");
}
// [2001:db8::1]:56324 -> [2001:db8::11]:443 as a v2 INET6 address block.
inline Bytes inet6_block() {
  return from_hex("20010DB8000000000000000000000001 20010DB8000000000000000000000011 DC04 01BB");
}

// Feeds everything at once; then finish() if the decoder still wants more.
inline DecodeStep decode_all(ProxyDecoder& d, const Bytes& bytes) {
  DecodeStep step = d.feed(bytes);
  if (step.status == DecodeStatus::kNeedMore) step = d.finish();
  return step;
}

}  // namespace doorman::testing
