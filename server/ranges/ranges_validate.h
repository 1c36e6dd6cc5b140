// Deciding whether a newly fetched range list may replace the one in force.
//
// Contract: validate_update(current, next, force) refuses
// - an empty list, always (even forced: an empty Cloudflare set would turn every
//   cloudflare-proxy request into a 403, and no operator means that);
// - a list that drops more than half of the current addresses, unless `force`.
//   "Addresses" are counted per family as the number of individual IP addresses covered by the
//   list after merging overlapping blocks: dropped = |current \ next|. The update is refused
//   when, for IPv4 or for IPv6 separately, dropped * 2 > |current| (so losing the whole IPv6
//   half of a list is refused even though IPv6 counts dwarf IPv4 ones). Adding addresses, or
//   replacing blocks with covering ones, never counts as dropping. A family with no current
//   addresses cannot shrink.
// Counts are long double (an IPv6 /0 holds 2^128 addresses); precision loss is far below the
// one-half threshold.
// Thread safety: pure functions.
#pragma once

#include <expected>
#include <string>

#include "doorman/cidr_set.h"

namespace doorman::ranges {

struct Coverage {
  long double v4 = 0;  // IPv4 addresses covered
  long double v6 = 0;  // IPv6 addresses covered
};

// Addresses covered by `set`, per family, overlaps counted once.
Coverage coverage_of(const CidrSet& set);
// Addresses covered by both sets, per family.
Coverage overlap_of(const CidrSet& a, const CidrSet& b);

std::expected<void, std::string> validate_update(const CidrSet& current, const CidrSet& next,
                                                 bool force);

}  // namespace doorman::ranges
