// PROXY protocol v1/v2 encoding, for sending a header to an upstream the way HAProxy's
// `send-proxy` / `send-proxy-v2` do (spec: HAProxy doc/proxy-protocol.txt).
//
// Contract:
// - v1: "PROXY TCP4|TCP6 src dst sport dport\r\n"; addresses in RFC 5952 / dotted-quad text.
//   v1 has no LOCAL command and no TLVs: asking for them is kInvalidValue.
// - v2: PROXY with family INET when both addresses are IPv4, otherwise INET6 (an IPv4 address
//   is then written IPv4-mapped, as HAProxy does); transport STREAM. LOCAL is written with the
//   UNSPEC family and no address block; its TLVs still follow.
// - TLVs are written in this order: ALPN, AUTHORITY, UNIQUE_ID, SSL (client, verify, then the
//   sub-TLVs VERSION, CN, CIPHER, SIG_ALG, KEY_ALG, GROUP, SIG_SCHEME, CLIENT_CERT), then
//   CRC32C last (over the whole header with its own value zeroed, spec §2.2.3).
// - A UNIQUE_ID over 128 bytes is kInvalidValue; a header whose length field would exceed
//   ProxyHeader::kMaxV2Length is kProxyTooLarge.
// - Property (tested and fuzzed): ProxyDecoder decodes every header encode_proxy_header()
//   produces back to the same fields.
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "doorman/ip_address.h"
#include "doorman/proxy_protocol.h"
#include "doorman/result.h"

namespace doorman {

struct ProxyHeaderFields {
  ProxyVersion version = ProxyVersion::kV2;
  ProxyCommand command = ProxyCommand::kProxy;
  Endpoint source{}, destination{};  // ignored for LOCAL
  std::optional<std::string_view> alpn{}, authority{}, unique_id{};
  std::optional<SslTlv> ssl{};
  bool crc32c = false;  // append a PP2_TYPE_CRC32C TLV (v2 only)
};

// Writes the header into `out` (at least ProxyHeader::kMaxHeaderSize bytes) and returns its size.
Result<std::size_t> encode_proxy_header(const ProxyHeaderFields& fields, std::span<uint8_t> out);
// The same, into a new vector.
Result<std::vector<uint8_t>> encode_proxy_header(const ProxyHeaderFields& fields);

// Whether `header` carries exactly `fields` (what a decoded encode_proxy_header() output must
// satisfy): version, command, addresses and the family they imply, the typed TLVs, and a
// verified CRC32C exactly when one was asked for.
bool proxy_header_matches(const ProxyHeader& header, const ProxyHeaderFields& fields);

}  // namespace doorman
