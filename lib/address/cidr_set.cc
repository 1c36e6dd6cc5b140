#include "doorman/cidr_set.h"

#include <algorithm>
#include <bit>
#include <cstring>

namespace doorman {
namespace {

using U128 = unsigned __int128;

// The address as two host-order 64-bit halves, read straight from the 16 network-order bytes.
struct Halves {
  uint64_t high, low;
};
inline Halves halves(const IpAddress& a) {
  uint64_t h, l;
  std::memcpy(&h, a.bytes().data(), 8);
  std::memcpy(&l, a.bytes().data() + 8, 8);
  if constexpr (std::endian::native == std::endian::little) {
    h = __builtin_bswap64(h);
    l = __builtin_bswap64(l);
  }
  return {h, l};
}

template <typename Key>
struct Range {
  Key first, last;
};

// Sorts [first, last] intervals and merges overlapping or adjacent ones, so that a lookup is one
// binary search over disjoint intervals.
template <typename Key, typename Out>
void build_intervals(std::vector<Range<Key>> ranges, Out& out) {
  std::sort(ranges.begin(), ranges.end(),
            [](const Range<Key>& a, const Range<Key>& b) { return a.first < b.first; });
  std::vector<Range<Key>> merged;
  for (const Range<Key>& r : ranges) {
    // `last + 1` would overflow at the top of the space; compare `first - 1` instead.
    if (!merged.empty() && (r.first == 0 || r.first - 1 <= merged.back().last)) {
      merged.back().last = std::max(merged.back().last, r.last);
    } else {
      merged.push_back(r);
    }
  }
  for (const Range<Key>& r : merged) {
    out.first.push_back(r.first);
    out.last.push_back(r.last);
  }
}

}  // namespace

CidrSet::CidrSet(std::span<const Cidr> cidrs) : cidrs_(cidrs.begin(), cidrs.end()) {
  for (Cidr& c : cidrs_) c = Cidr::from(c.network, c.prefix);  // tolerate unmasked input
  std::sort(cidrs_.begin(), cidrs_.end(), [](const Cidr& a, const Cidr& b) {
    if (a.is_v4() != b.is_v4()) return a.is_v4();
    return a < b;
  });
  cidrs_.erase(std::unique(cidrs_.begin(), cidrs_.end()), cidrs_.end());
  std::vector<Range<uint32_t>> v4;
  std::vector<Range<U128>> v6;
  for (const Cidr& c : cidrs_) {
    if (c.is_v4()) {
      const uint32_t first = c.network.v4();
      const uint32_t host_mask =
          c.prefix == 0 ? ~uint32_t{0} : (uint32_t{1} << (32 - c.prefix)) - 1;
      v4.push_back({first, first | host_mask});
    } else {
      const Halves h = halves(c.network);
      const U128 first = (U128{h.high} << 64) | h.low;
      const U128 host_mask = c.prefix == 0 ? ~U128{0} : (U128{1} << (128 - c.prefix)) - 1;
      v6.push_back({first, first | host_mask});
    }
  }
  build_intervals(std::move(v4), v4_);
  build_intervals(std::move(v6), v6_);
}

CidrSet CidrSet::loopback() {
  return trusted({});
}

CidrSet CidrSet::trusted(std::span<const Cidr> trusted_proxies) {
  std::vector<Cidr> all(trusted_proxies.begin(), trusted_proxies.end());
  all.push_back(Cidr::from(IpAddress::from_v4(0x7f000000), 8));
  all.push_back(Cidr::host(*IpAddress::parse("::1")));
  return CidrSet(all);
}

std::string CidrListError::to_string() const {
  return "line " + std::to_string(line) + ", column " + std::to_string(column) + ": " +
         std::string(error_code_name(code));
}

std::expected<CidrSet, CidrListError> parse_cidr_list(std::string_view text) {
  std::vector<Cidr> cidrs;
  std::size_t line_number = 0;
  while (!text.empty() || line_number == 0) {
    ++line_number;
    const std::size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
    line = line.substr(0, line.find('#'));
    std::size_t begin = 0;
    while (begin < line.size() && (line[begin] == ' ' || line[begin] == '\t')) ++begin;
    std::size_t end = line.size();
    while (end > begin && (line[end - 1] == ' ' || line[end - 1] == '\t' || line[end - 1] == '\r'))
      --end;
    if (begin == end) continue;
    auto cidr = parse_cidr(line.substr(begin, end - begin));
    if (!cidr)
      return std::unexpected(
          CidrListError{cidr.error().code, line_number, begin + cidr.error().offset + 1});
    cidrs.push_back(*cidr);
  }
  return CidrSet(cidrs);
}

}  // namespace doorman
