// IpAddress: an IPv4 or IPv6 address as a 16-byte value type.
//
// Contract:
// - IPv4 is stored as the IPv4-mapped IPv6 address (::ffff:a.b.c.d), so an IPv4-mapped IPv6
//   address and the IPv4 address are the same value: equal, same hash, printed as IPv4
//   (DESIGN.md "Address normalization"). is_v4() is true for both.
// - parse() is strict and allocation-free: dotted-quad IPv4 with no leading zeros and no
//   shorthand; IPv6 per RFC 4291 §2.2 (with a trailing dotted quad); no brackets, no port, no
//   zone. parse_allowing_zone() accepts and drops a "%zone" suffix (for socket peers only;
//   header values never carry one).
// - format_to()/to_string() write RFC 5952 text (lowercase, longest zero run compressed).
// Thread safety: a plain value; immutable operations only.
#pragma once

#include <array>
#include <bit>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include "doorman/result.h"

namespace doorman {

class IpAddress {
 public:
  // Longest text format_to() writes: 8 groups of 4 hex digits and 7 colons.
  static constexpr std::size_t kMaxTextLength = 39;

  // The IPv4 unspecified address 0.0.0.0.
  constexpr IpAddress() : bytes_{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0} {}

  // From an IPv4 address in host byte order (0x7f000001 is 127.0.0.1).
  static constexpr IpAddress from_v4(uint32_t host_order) {
    IpAddress a;
    if (!std::is_constant_evaluated()) {
      // All 16 bytes in one value and one store: a copy of the address right after (the walk
      // makes several) then reads it back from that one store, which the CPU forwards; a
      // 16-byte read across two smaller stores would wait for them to reach the cache.
      using U128 = unsigned __int128;
      // Bytes 10-11 are 0xff, 12-15 the address in network order (as integers in memory order).
      const U128 value = std::endian::native == std::endian::little
                             ? U128{__builtin_bswap32(host_order)} << 96 | U128{0xffff} << 80
                             : U128{0xffff} << 32 | host_order;
      std::memcpy(a.bytes_.data(), &value, 16);
      return a;
    }
    a.bytes_[12] = static_cast<uint8_t>(host_order >> 24);
    a.bytes_[13] = static_cast<uint8_t>(host_order >> 16);
    a.bytes_[14] = static_cast<uint8_t>(host_order >> 8);
    a.bytes_[15] = static_cast<uint8_t>(host_order);
    return a;
  }
  // From 16 network-order bytes; an IPv4-mapped address becomes IPv4.
  static constexpr IpAddress from_v6(std::span<const uint8_t, 16> bytes) {
    IpAddress a;
    for (std::size_t i = 0; i < 16; ++i) a.bytes_[i] = bytes[i];
    return a;
  }

  // Strict parse of a bare address (see the contract above). Errors: kEmpty, kInvalidAddress,
  // kLeadingZero, kZoneNotAllowed.
  static Result<IpAddress> parse(std::string_view text);
  // As parse(), but a "%zone" suffix on an IPv6 address is accepted and dropped.
  static Result<IpAddress> parse_allowing_zone(std::string_view text);

  constexpr bool is_v4() const {
    if (!std::is_constant_evaluated()) {
      // Two loads instead of twelve byte compares (the walk asks once per element).
      uint64_t zeros;
      uint32_t marker;
      std::memcpy(&zeros, bytes_.data(), 8);
      std::memcpy(&marker, bytes_.data() + 8, 4);
      constexpr uint32_t kMapped =
          std::endian::native == std::endian::little ? 0xffff0000u : 0x0000ffffu;
      return zeros == 0 && marker == kMapped;
    }
    for (int i = 0; i < 10; ++i)
      if (bytes_[i] != 0) return false;
    return bytes_[10] == 0xff && bytes_[11] == 0xff;
  }
  constexpr bool is_v6() const { return !is_v4(); }
  // The IPv4 address in host byte order. REQUIRES: is_v4().
  constexpr uint32_t v4() const {
    return (uint32_t{bytes_[12]} << 24) | (uint32_t{bytes_[13]} << 16) |
           (uint32_t{bytes_[14]} << 8) | uint32_t{bytes_[15]};
  }
  // The 16 network-order bytes (IPv4 as ::ffff:a.b.c.d).
  constexpr const std::array<uint8_t, 16>& bytes() const { return bytes_; }
  // The 128-bit value split in two host-order halves, for fast prefix arithmetic.
  uint64_t high64() const;
  uint64_t low64() const;

  // 0.0.0.0 or ::
  bool is_unspecified() const;
  // 127.0.0.0/8 or ::1
  bool is_loopback() const;

  // Writes the RFC 5952 text to out (at least kMaxTextLength bytes) and returns its length.
  std::size_t format_to(char* out) const;
  std::string to_string() const;

  friend constexpr auto operator<=>(const IpAddress&, const IpAddress&) = default;
  friend constexpr bool operator==(const IpAddress&, const IpAddress&) = default;

 private:
  std::array<uint8_t, 16> bytes_;
};

// An address with a port, as found in X-Forwarded-For ("1.2.3.4:80", "[::1]:443") or PROXY
// headers. port == 0 means "no port given".
struct Endpoint {
  IpAddress address;
  uint16_t port = 0;
  friend constexpr bool operator==(const Endpoint&, const Endpoint&) = default;
};

}  // namespace doorman

template <>
struct std::hash<doorman::IpAddress> {
  std::size_t operator()(const doorman::IpAddress& a) const noexcept {
    // Mix both halves; addresses in one table rarely differ only in the high half.
    const uint64_t h = a.high64() * 0x9e3779b97f4a7c15ULL ^ a.low64();
    return static_cast<std::size_t>(h ^ (h >> 29));
  }
};
