#include "doorman/cidr.h"

#include <array>

namespace doorman {
namespace {

// Clears every bit of `bytes` after the first `bits` bits.
std::array<uint8_t, 16> mask_bytes(std::array<uint8_t, 16> bytes, unsigned bits) {
  for (unsigned i = 0; i < 16; ++i) {
    const unsigned first_bit = i * 8;
    if (first_bit >= bits) {
      bytes[i] = 0;
    } else if (bits - first_bit < 8) {
      bytes[i] &= static_cast<uint8_t>(0xff00u >> (bits - first_bit));
    }
  }
  return bytes;
}

// The prefix length in bits of the 128-bit storage (IPv4 lives at ::ffff:0:0/96).
unsigned storage_bits(bool v4, uint8_t prefix) {
  return v4 ? 96u + prefix : prefix;
}

}  // namespace

Cidr Cidr::from(const IpAddress& address, uint8_t prefix) {
  const std::array<uint8_t, 16> masked =
      mask_bytes(address.bytes(), storage_bits(address.is_v4(), prefix));
  return Cidr{IpAddress::from_v6(masked), prefix};
}

bool Cidr::contains(const IpAddress& address) const {
  if (address.is_v4() != network.is_v4()) return false;
  return mask_bytes(address.bytes(), storage_bits(network.is_v4(), prefix)) == network.bytes();
}

std::size_t Cidr::format_to(char* out) const {
  std::size_t n = network.format_to(out);
  out[n++] = '/';
  if (prefix >= 100) out[n++] = static_cast<char>('0' + prefix / 100);
  if (prefix >= 10) out[n++] = static_cast<char>('0' + prefix / 10 % 10);
  out[n++] = static_cast<char>('0' + prefix % 10);
  return n;
}

std::string Cidr::to_string() const {
  char buf[kMaxTextLength];
  return std::string(buf, format_to(buf));
}

Result<Cidr> parse_cidr(std::string_view text, HostBits host_bits) {
  if (text.empty()) return fail(ErrorCode::kEmpty);
  const std::size_t slash = text.find('/');
  auto address = IpAddress::parse(text.substr(0, slash));
  if (!address) return std::unexpected(address.error());
  const bool v4_text = text.substr(0, slash).find(':') == std::string_view::npos;
  if (slash == std::string_view::npos) return Cidr::host(*address);

  // Decimal prefix, no sign, no leading zero ("/08" is refused like "010" octets are).
  const std::string_view digits = text.substr(slash + 1);
  if (digits.empty() || digits.size() > 3 || (digits.size() > 1 && digits[0] == '0'))
    return fail(ErrorCode::kInvalidPrefix, slash + 1);
  unsigned prefix = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return fail(ErrorCode::kInvalidPrefix, slash + 1);
    prefix = prefix * 10 + static_cast<unsigned>(c - '0');
  }
  // The prefix counts bits of the family the text was written in; an IPv4-mapped IPv6 block
  // ("::ffff:10.0.0.0/104") is then re-expressed as IPv4 when it lies inside ::ffff:0:0/96.
  if (prefix > (v4_text ? 32u : 128u)) return fail(ErrorCode::kInvalidPrefix, slash + 1);
  unsigned bits = v4_text ? 96 + prefix : prefix;
  const std::array<uint8_t, 16> masked = mask_bytes(address->bytes(), bits);
  if (host_bits == HostBits::kReject && masked != address->bytes())
    return fail(ErrorCode::kHostBitsSet, slash + 1);
  const IpAddress network = IpAddress::from_v6(masked);
  if (network.is_v4() && bits >= 96) return Cidr{network, static_cast<uint8_t>(bits - 96)};
  if (network.is_v4()) {
    // Only reachable for v6 text with a prefix < 96 whose masked network is exactly the mapped
    // space, which masking makes impossible; keep the family rule explicit anyway.
    return fail(ErrorCode::kInvalidPrefix, slash + 1);
  }
  return Cidr{network, static_cast<uint8_t>(bits)};
}

}  // namespace doorman
