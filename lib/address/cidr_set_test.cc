#include "doorman/cidr_set.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace doorman {
namespace {

CidrSet set_of(std::initializer_list<const char*> texts) {
  std::vector<Cidr> cidrs;
  for (const char* t : texts) cidrs.push_back(*parse_cidr(t));
  return CidrSet(cidrs);
}

struct LookupCase {
  std::string name;
  std::string address;
  bool contained;
};

class CidrSetLookup : public ::testing::TestWithParam<LookupCase> {};

TEST_P(CidrSetLookup, MatchesAnyBlockOfTheSameFamily) {
  // Overlapping, adjacent and nested blocks, so that merging is exercised.
  static const CidrSet set =
      set_of({"10.0.0.0/8", "10.1.0.0/16", "192.0.2.0/25", "192.0.2.128/25", "198.51.100.7",
              "0.0.0.0/32", "255.255.255.255/32", "2001:db8::/32", "2001:db8:1::/48", "fd00::/8",
              "::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"});
  const LookupCase& c = GetParam();
  EXPECT_EQ(set.contains(*IpAddress::parse(c.address)), c.contained) << c.address;
}

const LookupCase kLookupCases[] = {
    {"V4InBigBlock", "10.200.0.1", true},
    {"V4InNestedBlock", "10.1.2.3", true},
    {"V4BelowFirst", "9.255.255.255", false},
    {"V4AfterBigBlock", "11.0.0.0", false},
    {"V4AdjacentHalvesLow", "192.0.2.0", true},
    {"V4AdjacentHalvesHigh", "192.0.2.255", true},
    {"V4AfterAdjacent", "192.0.3.0", false},
    {"V4Host", "198.51.100.7", true},
    {"V4HostNeighbour", "198.51.100.8", false},
    {"V4Zero", "0.0.0.0", true},
    {"V4One", "0.0.0.1", false},
    {"V4Top", "255.255.255.255", true},
    {"V4MappedForm", "::ffff:10.9.9.9", true},
    {"V6InBlock", "2001:db8:ffff::1", true},
    {"V6AfterBlock", "2001:db9::", false},
    {"V6Ula", "fd12::1", true},
    {"V6Loopback", "::1", true},
    {"V6Unspecified", "::", false},
    {"V6Top", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true},
    {"V6BelowTop", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", false},
    {"V6DoesNotMatchV4Blocks", "::a00:1", false},
};

INSTANTIATE_TEST_SUITE_P(Cases, CidrSetLookup, ::testing::ValuesIn(kLookupCases),
                         [](const auto& info) { return info.param.name; });

TEST(CidrSet, EmptyContainsNothing) {
  const CidrSet empty;
  EXPECT_TRUE(empty.empty());
  EXPECT_FALSE(empty.contains(*IpAddress::parse("0.0.0.0")));
  EXPECT_FALSE(empty.contains(*IpAddress::parse("::")));
}

TEST(CidrSet, EverythingPerFamily) {
  const CidrSet v4 = set_of({"0.0.0.0/0"});
  EXPECT_TRUE(v4.contains(*IpAddress::parse("203.0.113.1")));
  EXPECT_FALSE(v4.contains(*IpAddress::parse("2001:db8::1")));
  const CidrSet v6 = set_of({"::/0"});
  EXPECT_TRUE(v6.contains(*IpAddress::parse("2001:db8::1")));
  EXPECT_FALSE(v6.contains(*IpAddress::parse("203.0.113.1")));
}

TEST(CidrSet, ListsNormalisedSortedUniqueBlocks) {
  const CidrSet set = set_of({"2001:db8::1/32", "10.0.0.1/8", "10.0.0.0/8", "192.0.2.0/24"});
  std::vector<std::string> listed;
  for (const Cidr& c : set) listed.push_back(c.to_string());
  EXPECT_EQ(listed, (std::vector<std::string>{"10.0.0.0/8", "192.0.2.0/24", "2001:db8::/32"}));
  EXPECT_EQ(set.size(), 3u);
}

TEST(CidrSet, LoopbackAndTrusted) {
  const CidrSet loopback = CidrSet::loopback();
  EXPECT_TRUE(loopback.contains(*IpAddress::parse("127.0.0.1")));
  EXPECT_TRUE(loopback.contains(*IpAddress::parse("127.255.0.9")));
  EXPECT_TRUE(loopback.contains(*IpAddress::parse("::1")));
  EXPECT_TRUE(loopback.contains(*IpAddress::parse("::ffff:127.0.0.1")));
  EXPECT_FALSE(loopback.contains(*IpAddress::parse("::2")));
  EXPECT_FALSE(loopback.contains(*IpAddress::parse("128.0.0.1")));
  EXPECT_EQ(loopback.size(), 2u);
  const std::vector<Cidr> extra{*parse_cidr("fd00::/8")};
  const CidrSet trusted = CidrSet::trusted(extra);
  EXPECT_TRUE(trusted.contains(*IpAddress::parse("fd00::1")));
  EXPECT_TRUE(trusted.contains(*IpAddress::parse("127.0.0.1")));
  EXPECT_EQ(trusted.size(), 3u);
}

// The merged binary search agrees with a linear scan of the blocks on random sets.
TEST(CidrSet, AgreesWithLinearScanOracle) {
  std::mt19937_64 rng(20261123);  // fixed seed: deterministic
  for (int round = 0; round < 40; ++round) {
    std::vector<Cidr> cidrs;
    for (int i = 0; i < 60; ++i) {
      std::array<uint8_t, 16> bytes{};
      const bool v4 = rng() % 2;
      for (auto& b : bytes) b = static_cast<uint8_t>(rng());
      // Few distinct high bytes so that blocks overlap and touch.
      bytes[0] = static_cast<uint8_t>(rng() % 3);
      IpAddress a = v4 ? IpAddress::from_v4(static_cast<uint32_t>(rng() % 3) << 30 |
                                            static_cast<uint32_t>(rng() >> 34))
                       : IpAddress::from_v6(bytes);
      cidrs.push_back(Cidr::from(a, static_cast<uint8_t>(rng() % (a.is_v4() ? 33 : 129))));
    }
    const CidrSet set(cidrs);
    for (int probe = 0; probe < 500; ++probe) {
      std::array<uint8_t, 16> bytes{};
      for (auto& b : bytes) b = static_cast<uint8_t>(rng());
      bytes[0] = static_cast<uint8_t>(rng() % 3);
      const Cidr& near = cidrs[rng() % cidrs.size()];
      // Probe near block edges half of the time.
      IpAddress a = probe % 2 ? IpAddress::from_v6(bytes) : near.network;
      if (probe % 4 == 0 && a.is_v4()) a = IpAddress::from_v4(a.v4() - 1);
      bool expected = false;
      for (const Cidr& c : cidrs) expected = expected || c.contains(a);
      ASSERT_EQ(set.contains(a), expected) << a.to_string();
    }
  }
}

struct ListCase {
  std::string name;
  std::string text;
  std::string blocks;  // comma-joined to_string() of the set; "!" + "line:column:code" on error
};

class CidrListParse : public ::testing::TestWithParam<ListCase> {};

TEST_P(CidrListParse, OnePerLineWithComments) {
  const ListCase& c = GetParam();
  auto set = parse_cidr_list(c.text);
  std::string got;
  if (!set) {
    got = "!" + std::to_string(set.error().line) + ":" + std::to_string(set.error().column) + ":" +
          std::string(error_code_name(set.error().code));
  } else {
    for (const Cidr& cidr : *set) got += (got.empty() ? "" : ",") + cidr.to_string();
  }
  EXPECT_EQ(got, c.blocks);
}

const ListCase kListCases[] = {
    {"Empty", "", ""},
    {"OnlyComments", "# Cloudflare\n\n# end\n", ""},
    {"Simple", "10.0.0.0/8\n2001:db8::/32\n", "10.0.0.0/8,2001:db8::/32"},
    {"NoTrailingNewline", "10.0.0.0/8", "10.0.0.0/8"},
    {"CrLf", "10.0.0.0/8\r\n192.0.2.0/24\r\n", "10.0.0.0/8,192.0.2.0/24"},
    {"SpacesAndTabs", "  10.0.0.0/8\t\n\t \n", "10.0.0.0/8"},
    {"TrailingComment", "10.0.0.0/8   # office\n", "10.0.0.0/8"},
    {"HostBitsNormalised", "10.0.0.1/8\n", "10.0.0.0/8"},
    {"BareAddress", "192.0.2.1\n", "192.0.2.1/32"},
    {"ErrorNamesLine", "# header\n10.0.0.0/8\n10.0.0.0/33\n", "!3:10:invalid_prefix"},
    {"ErrorNamesColumnAfterIndent", "10.0.0.0/8\n   bogus\n", "!2:4:invalid_address"},
    {"ErrorLeadingZero", "010.0.0.0/8\n", "!1:1:leading_zero"},
    {"TwoOnOneLine", "10.0.0.0/8 192.0.2.0/24\n", "!1:10:invalid_prefix"},
};

INSTANTIATE_TEST_SUITE_P(Cases, CidrListParse, ::testing::ValuesIn(kListCases),
                         [](const auto& info) { return info.param.name; });

TEST(CidrListError, ToString) {
  EXPECT_EQ((CidrListError{ErrorCode::kInvalidPrefix, 3, 9}).to_string(),
            "line 3, column 9: invalid_prefix");
}

}  // namespace
}  // namespace doorman
