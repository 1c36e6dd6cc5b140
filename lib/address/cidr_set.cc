#include "doorman/cidr_set.h"

#include <algorithm>

namespace doorman {
namespace {

using U128 = unsigned __int128;

U128 to_u128(const IpAddress& a) {
  return (U128{a.high64()} << 64) | a.low64();
}

// Sorts [first, last] intervals and merges overlapping or adjacent ones, so that a lookup is one
// binary search over disjoint intervals.
template <typename Range>
void merge_ranges(std::vector<Range>& ranges) {
  std::sort(ranges.begin(), ranges.end(),
            [](const Range& a, const Range& b) { return a.first < b.first; });
  std::size_t out = 0;
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    // `last + 1` would overflow at the top of the space; compare `first - 1` instead.
    if (out > 0 && (ranges[i].first == 0 || ranges[i].first - 1 <= ranges[out - 1].last)) {
      ranges[out - 1].last = std::max(ranges[out - 1].last, ranges[i].last);
    } else {
      ranges[out++] = ranges[i];
    }
  }
  ranges.resize(out);
  ranges.shrink_to_fit();
}

// The interval whose first is the greatest <= key, if any, contains key iff key <= its last.
// Branch-light lower bound: the loop runs log2(n) times with no data-dependent branch.
template <typename Range, typename Key>
bool ranges_contain(const std::vector<Range>& ranges, Key key) {
  const Range* base = ranges.data();
  std::size_t n = ranges.size();
  if (n == 0 || key < base[0].first) return false;
  while (n > 1) {
    const std::size_t half = n / 2;
    base = (base[half].first <= key) ? base + half : base;
    n -= half;
  }
  return key <= base->last;
}

}  // namespace

CidrSet::CidrSet(std::span<const Cidr> cidrs) : cidrs_(cidrs.begin(), cidrs.end()) {
  for (Cidr& c : cidrs_) c = Cidr::from(c.network, c.prefix);  // tolerate unmasked input
  std::sort(cidrs_.begin(), cidrs_.end(), [](const Cidr& a, const Cidr& b) {
    if (a.is_v4() != b.is_v4()) return a.is_v4();
    return a < b;
  });
  cidrs_.erase(std::unique(cidrs_.begin(), cidrs_.end()), cidrs_.end());
  for (const Cidr& c : cidrs_) {
    if (c.is_v4()) {
      const uint32_t first = c.network.v4();
      const uint32_t host_mask =
          c.prefix == 0 ? ~uint32_t{0} : (uint32_t{1} << (32 - c.prefix)) - 1;
      v4_.push_back({first, first | host_mask});
    } else {
      const U128 first = to_u128(c.network);
      const U128 host_mask = c.prefix == 0 ? ~U128{0} : (U128{1} << (128 - c.prefix)) - 1;
      v6_.push_back({first, first | host_mask});
    }
  }
  merge_ranges(v4_);
  merge_ranges(v6_);
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

bool CidrSet::contains(const IpAddress& address) const {
  if (address.is_v4()) return ranges_contain(v4_, address.v4());
  return ranges_contain(v6_, to_u128(address));
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
