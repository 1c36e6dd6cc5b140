#include "doorman/cloudflare_ranges.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace doorman {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(BundledCloudflareRanges, EmbedsTheProjectCopiesVerbatim) {
  EXPECT_EQ(bundled_cloudflare_ranges_v4_text(),
            read_file(std::string(DOORMAN_SOURCE_DIR) + "/data/cloudflare-ips-v4.txt"));
  EXPECT_EQ(bundled_cloudflare_ranges_v6_text(),
            read_file(std::string(DOORMAN_SOURCE_DIR) + "/data/cloudflare-ips-v6.txt"));
  // The source line says where the list came from.
  EXPECT_TRUE(bundled_cloudflare_ranges_v4_text().starts_with("# source:"));
  EXPECT_TRUE(bundled_cloudflare_ranges_v6_text().starts_with("# source:"));
}

TEST(BundledCloudflareRanges, ParsesEveryLine) {
  const CidrSet& set = bundled_cloudflare_ranges();
  EXPECT_EQ(set.size(), 15u + 7u);
  EXPECT_EQ(&set, &bundled_cloudflare_ranges());  // built once
}

struct MemberCase {
  std::string name;
  std::string address;
  bool member;
};

class BundledCloudflareMembers : public ::testing::TestWithParam<MemberCase> {};

TEST_P(BundledCloudflareMembers, Lookup) {
  const MemberCase& c = GetParam();
  EXPECT_EQ(bundled_cloudflare_ranges().contains(*IpAddress::parse(c.address)), c.member);
}

const MemberCase kMemberCases[] = {
    {"V4FirstRange", "173.245.48.1", true},
    {"V4RangeEnd", "173.245.63.255", true},
    {"V4JustAfterRange", "173.245.64.0", false},
    {"V4Big", "104.16.0.1", true},
    {"V4Last", "131.0.75.255", true},
    {"V4Documentation", "192.0.2.1", false},
    {"V4Loopback", "127.0.0.1", false},
    {"V4Mapped", "::ffff:162.158.1.1", true},
    {"V6First", "2400:cb00::1", true},
    {"V6Slash29", "2a06:98c7:ffff::1", true},
    {"V6AfterSlash29", "2a06:98c8::1", false},
    {"V6Documentation", "2001:db8::1", false},
    {"V6Loopback", "::1", false},
};

INSTANTIATE_TEST_SUITE_P(Cases, BundledCloudflareMembers, ::testing::ValuesIn(kMemberCases),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace doorman
