// CidrSet: an immutable set of address blocks with a fast membership test.
//
// Contract:
// - Built once (from Cidrs or from text) and never modified; share it by const reference or
//   shared_ptr<const CidrSet> and swap snapshots atomically (STYLE.md habit 12).
// - contains() is allocation-free and O(log n): each family keeps its blocks merged into sorted,
//   disjoint [first, last] intervals (IPv4 as 32-bit, IPv6 as 128-bit integers), looked up with a
//   binary search. Building is O(n log n). Families never mix (see cidr.h): an IPv4 address is
//   only matched by IPv4 blocks, an IPv4-mapped IPv6 address counts as IPv4.
// - cidrs() lists the blocks as given, normalised, sorted (IPv4 first) and without exact
//   duplicates; overlapping blocks are all listed (only the lookup tables are merged).
// - Text form (parse_cidr_list): one CIDR per line, '#' starts a comment (whole line or after a
//   CIDR), spaces, tabs and a trailing CR are ignored, blank lines are skipped. Errors name the
//   1-based line and column.
// Thread safety: const methods are safe to call concurrently.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <expected>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "doorman/cidr.h"
#include "doorman/ip_address.h"
#include "doorman/result.h"

namespace doorman {

class CidrSet {
 public:
  CidrSet() = default;  // empty: contains() is always false
  explicit CidrSet(std::span<const Cidr> cidrs);
  CidrSet(std::initializer_list<Cidr> cidrs) : CidrSet(std::span<const Cidr>(cidrs)) {}

  // 127.0.0.0/8 and ::1.
  static CidrSet loopback();
  // The trusted set of DESIGN.md: loopback plus the operator's trusted_proxies.
  static CidrSet trusted(std::span<const Cidr> trusted_proxies);

  // Inline: the walk asks once per X-Forwarded-For element.
  bool contains(const IpAddress& address) const {
    if (address.is_v4()) return intervals_contain(v4_, address.v4());
    // The 128-bit value, from the 16 network-order bytes.
    uint64_t high, low;
    std::memcpy(&high, address.bytes().data(), 8);
    std::memcpy(&low, address.bytes().data() + 8, 8);
    if constexpr (std::endian::native == std::endian::little) {
      high = __builtin_bswap64(high);
      low = __builtin_bswap64(low);
    }
    return intervals_contain(v6_, (static_cast<unsigned __int128>(high) << 64) | low);
  }

  std::size_t size() const { return cidrs_.size(); }
  bool empty() const { return cidrs_.empty(); }
  std::span<const Cidr> cidrs() const { return cidrs_; }
  auto begin() const { return cidrs_.begin(); }
  auto end() const { return cidrs_.end(); }

 private:
  // Per family, the merged intervals as parallel arrays (sorted by first, disjoint, not
  // adjacent): the binary search reads only the `first` array, which keeps it in fewer cache
  // lines.
  template <typename Key>
  struct Intervals {
    std::vector<Key> first, last;
  };
  // The interval whose first is the greatest <= key, if any, contains key iff key <= its last.
  // Branch-free lower bound: log2(n) iterations whose only branch is the loop itself, which
  // compiles to conditional moves.
  template <typename Key>
  static bool intervals_contain(const Intervals<Key>& intervals, Key key) {
    std::size_t n = intervals.first.size();
    if (n == 0 || key < intervals.first[0]) return false;
    const Key* base = intervals.first.data();
    while (n > 1) {
      const std::size_t half = n / 2;
      base = (base[half] <= key) ? base + half : base;
      n -= half;
    }
    return key <= intervals.last[static_cast<std::size_t>(base - intervals.first.data())];
  }

  std::vector<Cidr> cidrs_;
  Intervals<uint32_t> v4_;
  Intervals<unsigned __int128> v6_;
};

// Where a CIDR list failed to parse.
struct CidrListError {
  ErrorCode code;
  std::size_t line = 0;    // 1-based
  std::size_t column = 0;  // 1-based, within the line
  // "line 3, column 9: invalid_prefix"
  std::string to_string() const;
  friend bool operator==(const CidrListError&, const CidrListError&) = default;
};

// Parses the text form described above (HostBits::kNormalize for every line).
std::expected<CidrSet, CidrListError> parse_cidr_list(std::string_view text);

}  // namespace doorman
