#include "ranges/ranges_validate.h"

#include <gtest/gtest.h>

#include <string>

namespace doorman::ranges {
namespace {

CidrSet set_of(std::string_view text) {
  auto parsed = parse_cidr_list(text);
  EXPECT_TRUE(parsed) << parsed.error().to_string();
  return parsed ? std::move(*parsed) : CidrSet();
}

TEST(Coverage, CountsAddressesPerFamilyOverlapsOnce) {
  const Coverage c =
      coverage_of(set_of("10.0.0.0/24\n10.0.0.128/25\n10.0.1.0/24\n2001:db8::/64\n"));
  EXPECT_EQ(c.v4, 512.0L);
  EXPECT_EQ(c.v6, 18446744073709551616.0L);
}

TEST(Coverage, WholeSpaceDoesNotOverflow) {
  const Coverage c = coverage_of(set_of("0.0.0.0/0\n::/0\n"));
  EXPECT_EQ(c.v4, 4294967296.0L);
  EXPECT_GT(c.v6, 3.4e38L);
}

TEST(Coverage, OverlapOfTwoSets) {
  const Coverage o = overlap_of(set_of("10.0.0.0/23\n"), set_of("10.0.1.0/24\n10.0.2.0/24\n"));
  EXPECT_EQ(o.v4, 256.0L);
  EXPECT_EQ(o.v6, 0.0L);
}

struct ValidateCase {
  std::string name;
  std::string current;
  std::string next;
  bool force;
  bool ok;
  std::string error_contains;
};

class ValidateUpdate : public ::testing::TestWithParam<ValidateCase> {};

TEST_P(ValidateUpdate, Decides) {
  const ValidateCase& c = GetParam();
  auto r = validate_update(set_of(c.current), set_of(c.next), c.force);
  ASSERT_EQ(r.has_value(), c.ok) << (r ? "" : r.error());
  if (!c.ok) {
    EXPECT_NE(r.error().find(c.error_contains), std::string::npos) << r.error();
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, ValidateUpdate,
    ::testing::Values(
        ValidateCase{"SameList", "10.0.0.0/8\n2001:db8::/32\n", "10.0.0.0/8\n2001:db8::/32\n",
                     false, true, ""},
        ValidateCase{"AddsARange", "10.0.0.0/8\n", "10.0.0.0/8\n192.0.2.0/24\n", false, true, ""},
        ValidateCase{"EmptyRefused", "10.0.0.0/8\n", "", false, false, "empty"},
        ValidateCase{"EmptyRefusedEvenForced", "10.0.0.0/8\n", "", true, false, "empty"},
        ValidateCase{"DropsExactlyHalfAccepted", "10.0.0.0/23\n", "10.0.0.0/24\n", false, true, ""},
        ValidateCase{"DropsMoreThanHalfRefused", "10.0.0.0/23\n", "10.0.0.0/25\n", false, false,
                     "drops 75.0% of the current IPv4"},
        ValidateCase{"DropsMoreThanHalfForced", "10.0.0.0/23\n", "10.0.0.0/25\n", true, true, ""},
        ValidateCase{"MovedToOtherAddressesRefused", "10.0.0.0/24\n", "192.0.2.0/24\n", false,
                     false, "drops 100.0%"},
        ValidateCase{"LosingAllIpv6Refused", "10.0.0.0/8\n2001:db8::/32\n", "10.0.0.0/8\n", false,
                     false, "IPv6"},
        ValidateCase{"SmallV4DropIgnoresV6Size", "10.0.0.0/24\n10.0.1.0/24\n2001:db8::/32\n",
                     "10.0.0.0/24\n2001:db8::/32\n", false, true, ""},
        ValidateCase{"ManySmallBlocksToCoveringBlock", "10.0.0.0/24\n10.0.1.0/24\n",
                     "10.0.0.0/16\n", false, true, ""},
        ValidateCase{"FromEmptyCurrent", "", "10.0.0.0/8\n", false, true, ""}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace doorman::ranges
