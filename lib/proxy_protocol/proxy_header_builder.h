// Internal to lib/proxy_protocol: the v1 and v2 parsers that fill a ProxyHeader in place. The
// decoder (proxy_decoder.cc) owns framing; these functions see a buffer that holds the whole
// header (or, for the *_prefix checks, the bytes received so far).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "doorman/proxy_protocol.h"
#include "doorman/result.h"

namespace doorman {

struct ProxyHeaderBuilder {
  // Fixed v2 values (spec §2.2).
  static constexpr uint8_t kV2Signature[12] = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
                                               0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
  static constexpr std::size_t kV2FixedSize = 16;

  static uint8_t* data(ProxyHeader& h) { return h.bytes_.data(); }
  static void set_size(ProxyHeader& h, std::size_t n) { h.size_ = static_cast<uint16_t>(n); }

  // Rejects a v1 line prefix (no LF yet) that no further bytes can make valid. The first five
  // bytes are already known to be "PROXY".
  static Result<void> check_v1_prefix(std::span<const uint8_t> prefix);
  // Parses the complete v1 line h.bytes() (ending in CRLF) into h.
  static Result<void> parse_v1(ProxyHeader& h);

  // Checks the v2 fixed part as far as `prefix` goes (13th byte onwards; the signature is checked
  // by the decoder). Returns the total header size once the 16 bytes are in, 0 before.
  static Result<std::size_t> check_v2_fixed(std::span<const uint8_t> prefix);
  // Parses the complete v2 header h.bytes() into h: addresses, TLVs, CRC32C. A CRC mismatch is
  // kProxyCrcMismatch with every field already filled in.
  static Result<void> parse_v2(ProxyHeader& h);

 private:
  static Result<void> parse_tlvs(ProxyHeader& h, std::size_t begin, std::size_t end);
  // Where a LOCAL header's TLVs are, when anywhere (see proxy_v2.cc).
  static Result<void> parse_local_tlvs(ProxyHeader& h);
  // Settles h.crc_ once the TLVs are parsed: kVerified, or kMismatch (and kProxyCrcMismatch).
  static Result<void> verify_crc(ProxyHeader& h);
  static Result<void> parse_ssl(ProxyHeader& h, std::size_t begin, std::size_t end);
};

}  // namespace doorman
