#include "doorman/cidr.h"

#include <gtest/gtest.h>

#include <string>

namespace doorman {
namespace {

struct ParseCase {
  std::string name;
  std::string input;
  std::string normalised;  // "": rejected
  ErrorCode error = ErrorCode::kInvalidPrefix;
  HostBits host_bits = HostBits::kNormalize;
};

class CidrParse : public ::testing::TestWithParam<ParseCase> {};

TEST_P(CidrParse, StrictSyntaxNormalisedNetwork) {
  const ParseCase& c = GetParam();
  auto cidr = parse_cidr(c.input, c.host_bits);
  if (c.normalised.empty()) {
    ASSERT_FALSE(cidr.has_value()) << c.input << " parsed as " << cidr->to_string();
    EXPECT_EQ(error_code_name(cidr.error().code), error_code_name(c.error));
    return;
  }
  ASSERT_TRUE(cidr.has_value()) << c.input << ": " << error_code_name(cidr.error().code);
  EXPECT_EQ(cidr->to_string(), c.normalised);
  // The text form is canonical: it parses back to the same value, even strictly.
  auto again = parse_cidr(cidr->to_string(), HostBits::kReject);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*again, *cidr);
}

const ParseCase kParseCases[] = {
    {"V4", "10.0.0.0/8", "10.0.0.0/8"},
    {"V4Host", "192.0.2.1/32", "192.0.2.1/32"},
    {"V4BareAddressIsHost", "192.0.2.1", "192.0.2.1/32"},
    {"V4Everything", "0.0.0.0/0", "0.0.0.0/0"},
    {"V4HostBitsNormalised", "10.0.0.1/8", "10.0.0.0/8"},
    {"V4HostBitsNormalisedOddPrefix", "192.0.2.255/25", "192.0.2.128/25"},
    {"V4HostBitsRejectedWhenStrict", "10.0.0.1/8", "", ErrorCode::kHostBitsSet, HostBits::kReject},
    {"V4StrictAcceptsClean", "10.0.0.0/8", "10.0.0.0/8", ErrorCode::kInvalidPrefix,
     HostBits::kReject},
    {"V4PrefixTooLong", "10.0.0.0/33", ""},
    {"V4PrefixLeadingZero", "10.0.0.0/08", ""},
    {"V4PrefixEmpty", "10.0.0.0/", ""},
    {"V4PrefixSign", "10.0.0.0/+8", ""},
    {"V4PrefixNegative", "10.0.0.0/-1", ""},
    {"V4PrefixLetters", "10.0.0.0/abc", ""},
    {"V4PrefixHuge", "10.0.0.0/1000", ""},
    {"V4PrefixSpace", "10.0.0.0/ 8", ""},
    {"V4TwoSlashes", "10.0.0.0/8/8", ""},
    {"V4LeadingZeroOctet", "010.0.0.0/8", "", ErrorCode::kLeadingZero},
    {"V4BadAddress", "10.0.0/8", "", ErrorCode::kInvalidAddress},
    {"Empty", "", "", ErrorCode::kEmpty},
    {"OnlySlash", "/8", "", ErrorCode::kEmpty},
    {"V6", "2001:db8::/32", "2001:db8::/32"},
    {"V6Uppercase", "2001:DB8::/32", "2001:db8::/32"},
    {"V6Host", "2001:db8::1/128", "2001:db8::1/128"},
    {"V6BareAddressIsHost", "::1", "::1/128"},
    {"V6Everything", "::/0", "::/0"},
    {"V6HostBitsNormalised", "2001:db8::1/64", "2001:db8::/64"},
    {"V6HostBitsNormalisedMidGroup", "2001:db8:ffff::/36", "2001:db8:f000::/36"},
    {"V6HostBitsRejectedWhenStrict", "2001:db8::1/64", "", ErrorCode::kHostBitsSet,
     HostBits::kReject},
    {"V6PrefixTooLong", "2001:db8::/129", ""},
    {"V6Prefix128", "::1/128", "::1/128"},
    {"V6Zone", "fe80::1%eth0/64", "", ErrorCode::kZoneNotAllowed},
    {"V6Brackets", "[2001:db8::]/32", "", ErrorCode::kInvalidAddress},
    {"MappedV6BecomesV4", "::ffff:10.0.0.0/104", "10.0.0.0/8"},
    {"MappedV6HostBecomesV4", "::ffff:192.0.2.1", "192.0.2.1/32"},
    {"MappedV6WholeSpaceIsV4Everything", "::ffff:0:0/96", "0.0.0.0/0"},
    {"MappedV6HexForm", "::ffff:c000:200/120", "192.0.2.0/24"},
    {"MappedV6ShortPrefixStaysV6", "::ffff:0:0/95", "::fffe:0:0/95"},
};

INSTANTIATE_TEST_SUITE_P(Cases, CidrParse, ::testing::ValuesIn(kParseCases),
                         [](const auto& info) { return info.param.name; });

struct ContainsCase {
  std::string name;
  std::string cidr;
  std::string address;
  bool contained;
};

class CidrContains : public ::testing::TestWithParam<ContainsCase> {};

TEST_P(CidrContains, SameFamilySamePrefixBits) {
  const ContainsCase& c = GetParam();
  EXPECT_EQ(parse_cidr(c.cidr)->contains(*IpAddress::parse(c.address)), c.contained);
}

const ContainsCase kContainsCases[] = {
    {"V4Inside", "10.0.0.0/8", "10.255.255.255", true},
    {"V4First", "10.0.0.0/8", "10.0.0.0", true},
    {"V4JustBelow", "10.0.0.0/8", "9.255.255.255", false},
    {"V4JustAbove", "10.0.0.0/8", "11.0.0.0", false},
    {"V4Host", "192.0.2.1/32", "192.0.2.1", true},
    {"V4HostOther", "192.0.2.1/32", "192.0.2.2", false},
    {"V4EverythingHasV4", "0.0.0.0/0", "203.0.113.9", true},
    {"V4EverythingHasNoV6", "0.0.0.0/0", "2001:db8::1", false},
    {"V4BlockMatchesMappedAddress", "10.0.0.0/8", "::ffff:10.1.2.3", true},
    {"MappedBlockMatchesV4Address", "::ffff:10.0.0.0/104", "10.1.2.3", true},
    {"V6Inside", "2001:db8::/32", "2001:db8:ffff::1", true},
    {"V6Outside", "2001:db8::/32", "2001:db9::", false},
    {"V6OddPrefix", "2001:db8:8000::/33", "2001:db8:7fff::1", false},
    {"V6OddPrefixInside", "2001:db8:8000::/33", "2001:db8:8000::1", true},
    {"V6EverythingHasNoV4", "::/0", "192.0.2.1", false},
    {"V6EverythingHasNoMappedV4", "::/0", "::ffff:192.0.2.1", false},
    {"V6EverythingHasV6", "::/0", "2001:db8::1", true},
    {"V6LoopbackHost", "::1/128", "::1", true},
    {"V6LoopbackIsNotV4Loopback", "::1/128", "127.0.0.1", false},
};

INSTANTIATE_TEST_SUITE_P(Cases, CidrContains, ::testing::ValuesIn(kContainsCases),
                         [](const auto& info) { return info.param.name; });

TEST(Cidr, FromClearsHostBits) {
  EXPECT_EQ(Cidr::from(*IpAddress::parse("192.0.2.77"), 24).to_string(), "192.0.2.0/24");
  EXPECT_EQ(Cidr::from(*IpAddress::parse("2001:db8::77"), 0).to_string(), "::/0");
  EXPECT_EQ(Cidr::host(*IpAddress::parse("2001:db8::77")).to_string(), "2001:db8::77/128");
}

}  // namespace
}  // namespace doorman
