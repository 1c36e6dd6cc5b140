#include "ranges/ranges_validate.h"

#include <algorithm>
#include <cstdio>
#include <utility>
#include <vector>

namespace doorman::ranges {
namespace {

using U128 = unsigned __int128;
struct Interval {
  U128 first, last;  // inclusive
};

// The family's blocks as sorted, merged, inclusive intervals (IPv4 in the low 32 bits).
std::vector<Interval> merged(const CidrSet& set, bool v4) {
  std::vector<Interval> out;
  for (const Cidr& c : set) {
    if (c.is_v4() != v4) continue;
    U128 value = 0;
    const int bits = v4 ? 32 : 128;
    if (v4) {
      value = c.network.v4();
    } else {
      for (uint8_t b : c.network.bytes()) value = (value << 8) | b;
    }
    const int host_bits = bits - c.prefix;
    const U128 span = host_bits >= 128 ? ~U128{0} : ((U128{1} << host_bits) - 1);
    out.push_back({value, value + span});
  }
  std::sort(out.begin(), out.end(),
            [](const Interval& a, const Interval& b) { return a.first < b.first; });
  std::vector<Interval> m;
  for (const Interval& i : out) {
    if (!m.empty() && (i.first <= m.back().last || i.first - 1 == m.back().last))
      m.back().last = std::max(m.back().last, i.last);
    else
      m.push_back(i);
  }
  return m;
}

long double count(const Interval& i) {
  return static_cast<long double>(i.last - i.first) + 1.0L;
}

long double total(const std::vector<Interval>& v) {
  long double n = 0;
  for (const Interval& i : v) n += count(i);
  return n;
}

long double intersection(const std::vector<Interval>& a, const std::vector<Interval>& b) {
  long double n = 0;
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    const U128 lo = std::max(a[i].first, b[j].first);
    const U128 hi = std::min(a[i].last, b[j].last);
    if (lo <= hi) n += count({lo, hi});
    if (a[i].last < b[j].last)
      ++i;
    else
      ++j;
  }
  return n;
}

std::string percent(long double part, long double whole) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f%%", static_cast<double>(100.0L * part / whole));
  return text;
}

}  // namespace

Coverage coverage_of(const CidrSet& set) {
  return {total(merged(set, true)), total(merged(set, false))};
}

Coverage overlap_of(const CidrSet& a, const CidrSet& b) {
  return {intersection(merged(a, true), merged(b, true)),
          intersection(merged(a, false), merged(b, false))};
}

std::expected<void, std::string> validate_update(const CidrSet& current, const CidrSet& next,
                                                 bool force) {
  if (next.empty()) return std::unexpected(std::string("the new list is empty"));
  if (force) return {};
  const Coverage before = coverage_of(current);
  const Coverage kept = overlap_of(current, next);
  const std::pair<const char*, std::pair<long double, long double>> families[] = {
      {"IPv4", {before.v4, kept.v4}}, {"IPv6", {before.v6, kept.v6}}};
  for (const auto& [name, counts] : families) {
    const auto [had, still] = counts;
    const long double dropped = had - still;
    if (had > 0 && dropped * 2 > had)
      return std::unexpected(std::string("the new list drops ") + percent(dropped, had) +
                             " of the current " + name +
                             " addresses (more than half; use --force to accept it)");
  }
  return {};
}

}  // namespace doorman::ranges
