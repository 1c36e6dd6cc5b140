// Cidr: an address block, "192.0.2.0/24" or "2001:db8::/32".
//
// Contract:
// - The prefix length counts bits of the block's own family: 0-32 for IPv4, 0-128 for IPv6.
//   `network` always has its host bits cleared.
// - Families never mix: an IPv4 block contains only IPv4 addresses, an IPv6 block only IPv6
//   addresses. IPv4-mapped IPv6 addresses are IPv4 (see ip_address.h), so "::ffff:10.0.0.0/104"
//   parses as 10.0.0.0/8, and "::/0" means "every IPv6 address", not "everything".
// - parse_cidr() is strict about syntax (decimal prefix 0-32/0-128 without leading zeros or sign,
//   the address per IpAddress::parse, no zone, no spaces). A bare address is a /32 or /128.
//   Host bits ("10.0.0.1/8"): HostBits::kNormalize (the default) accepts and clears them, giving
//   10.0.0.0/8 — operators copy such lines from interface configs and mean the network;
//   HostBits::kReject refuses them with kHostBitsSet.
// Thread safety: a plain value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "doorman/ip_address.h"
#include "doorman/result.h"

namespace doorman {

enum class HostBits : uint8_t {
  kNormalize,  // "10.0.0.1/8" -> 10.0.0.0/8
  kReject,     // "10.0.0.1/8" -> kHostBitsSet
};

struct Cidr {
  // Longest text format_to() writes: an IPv6 address, '/', three digits.
  static constexpr std::size_t kMaxTextLength = IpAddress::kMaxTextLength + 4;

  IpAddress network;   // host bits are zero
  uint8_t prefix = 0;  // 0-32 for IPv4, 0-128 for IPv6

  // The block of exactly one address.
  static Cidr host(const IpAddress& address) {
    return Cidr{address, static_cast<uint8_t>(address.is_v4() ? 32 : 128)};
  }
  // REQUIRES: prefix <= 32 (IPv4) or <= 128 (IPv6). Host bits of `address` are cleared.
  static Cidr from(const IpAddress& address, uint8_t prefix);

  bool is_v4() const { return network.is_v4(); }
  // Whether `address` is in this block (same family, same leading `prefix` bits).
  bool contains(const IpAddress& address) const;

  // "10.0.0.0/8", "2001:db8::/32" (RFC 5952 address); out holds at least kMaxTextLength bytes.
  std::size_t format_to(char* out) const;
  std::string to_string() const;

  friend bool operator==(const Cidr&, const Cidr&) = default;
  friend auto operator<=>(const Cidr&, const Cidr&) = default;
};

// Parses "address/prefix" or a bare address. Errors: kEmpty, the IpAddress::parse codes for the
// address part, kInvalidPrefix (missing, non-decimal, leading zero, too long for the family),
// kHostBitsSet (HostBits::kReject only).
Result<Cidr> parse_cidr(std::string_view text, HostBits host_bits = HostBits::kNormalize);

}  // namespace doorman
