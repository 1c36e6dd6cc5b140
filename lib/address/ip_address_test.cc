#include "doorman/ip_address.h"

#include <gtest/gtest.h>

#include <string>

namespace doorman {
namespace {

struct ParseCase {
  std::string name;
  std::string input;
  std::string formatted;  // empty: must be rejected
  ErrorCode error = ErrorCode::kInvalidAddress;
};

class IpAddressParse : public ::testing::TestWithParam<ParseCase> {};

TEST_P(IpAddressParse, StrictParseAndRfc5952Format) {
  const ParseCase& c = GetParam();
  auto parsed = IpAddress::parse(c.input);
  if (c.formatted.empty()) {
    ASSERT_FALSE(parsed.has_value()) << c.input << " parsed as " << parsed->to_string();
    EXPECT_EQ(parsed.error().code, c.error) << error_code_name(parsed.error().code);
    return;
  }
  ASSERT_TRUE(parsed.has_value()) << c.input << ": " << error_code_name(parsed.error().code);
  EXPECT_EQ(parsed->to_string(), c.formatted);
  // Formatting is canonical: parsing the output gives the same value.
  auto again = IpAddress::parse(parsed->to_string());
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*again, *parsed);
}

const ParseCase kParseCases[] = {
    {"V4Simple", "192.0.2.1", "192.0.2.1"},
    {"V4Zero", "0.0.0.0", "0.0.0.0"},
    {"V4Max", "255.255.255.255", "255.255.255.255"},
    {"V4OctetOver255", "256.0.0.1", "", ErrorCode::kInvalidAddress},
    {"V4LeadingZero", "010.0.0.1", "", ErrorCode::kLeadingZero},
    {"V4LeadingZeroLastOctet", "10.0.0.01", "", ErrorCode::kLeadingZero},
    {"V4ThreeOctets", "10.0.1", ""},
    {"V4FiveOctets", "10.0.0.1.2", ""},
    {"V4TrailingDot", "10.0.0.1.", ""},
    {"V4Space", " 10.0.0.1", ""},
    {"V4WithPort", "10.0.0.1:80", ""},
    {"V4Hex", "0x0a.0.0.1", ""},
    {"V4FourDigitOctet", "1000.0.0.1", ""},
    {"Empty", "", "", ErrorCode::kEmpty},
    {"V6Loopback", "::1", "::1"},
    {"V6Unspecified", "::", "::"},
    {"V6Uppercase", "2001:DB8::A", "2001:db8::a"},
    {"V6LeadingZerosInGroups", "2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},
    {"V6LongestRunCompressed", "2001:db8:0:0:1:0:0:0", "2001:db8:0:0:1::"},
    {"V6FirstRunOnTie", "2001:0:0:1:0:0:1:1", "2001::1:0:0:1:1"},
    {"V6SingleZeroNotCompressed", "2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},
    {"V6DoubleColonForOneGroup", "2001:db8::1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},
    {"V6Full", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"},
    {"V6TrailingDoubleColon", "fe80::", "fe80::"},
    {"V6EmbeddedV4", "64:ff9b::192.0.2.33", "64:ff9b::c000:221"},
    {"V6MappedBecomesV4", "::ffff:192.0.2.1", "192.0.2.1"},
    {"V6MappedHexBecomesV4", "::ffff:c000:201", "192.0.2.1"},
    {"V6TwoDoubleColons", "1::2::3", ""},
    {"V6NineGroups", "1:2:3:4:5:6:7:8:9", ""},
    {"V6SevenGroups", "1:2:3:4:5:6:7", ""},
    {"V6FullPlusDoubleColon", "1:2:3:4:5:6:7:8::", ""},
    {"V6FiveHexDigits", "12345::1", ""},
    {"V6LeadingSingleColon", ":1::2", ""},
    {"V6TrailingSingleColon", "1::2:", ""},
    {"V6TripleColon", ":::", ""},
    {"V6Brackets", "[::1]", ""},
    {"V6Zone", "fe80::1%eth0", "", ErrorCode::kZoneNotAllowed},
    {"V6BadEmbeddedV4", "::ffff:1.2.3", ""},
    {"V6EmbeddedV4LeadingZero", "::ffff:01.2.3.4", "", ErrorCode::kLeadingZero},
    {"V6EmbeddedV4NotLast", "::1.2.3.4:1", ""},
    {"V6NonHex", "2001:db8::g", ""},
    // Dotted-quad edge cases (the fast path of parse() must keep the strict grammar).
    {"V4OctetJust256", "255.255.255.256", ""},
    {"V4Octet300", "300.1.1.1", ""},
    {"V4EmptyOctet", "1..2.3", ""},
    {"V4LeadingDot", ".1.2.3", ""},
    {"V4TrailingEmptyOctet", "1.2.3.", ""},
    {"V4LeadingZeroFirstOctet", "01.1.1.1", "", ErrorCode::kLeadingZero},
    {"V4LeadingZeroThreeDigits", "1.2.3.004", "", ErrorCode::kLeadingZero},
    {"V4SingleZeroOctets", "0.0.0.1", "0.0.0.1"},
    {"V4ThreeDigitOctets", "100.200.250.255", "100.200.250.255"},
    {"V4TrailingSpace", "10.0.0.1 ", ""},
    {"V4Zone", "10.0.0.1%eth0", ""},
    {"V4WithSlash", "10.0.0.1/8", ""},
    {"V4Plus", "+1.2.3.4", ""},
    {"V6MappedUppercase", "::FFFF:192.0.2.1", "192.0.2.1"},
    {"V6CompressedMiddle", "2001:db8:0:0:0:0:2:1", "2001:db8::2:1"},
};

INSTANTIATE_TEST_SUITE_P(Table, IpAddressParse, ::testing::ValuesIn(kParseCases),
                         [](const auto& info) { return info.param.name; });

TEST(IpAddress, ZoneAcceptedOnlyWhenAllowed) {
  auto a = IpAddress::parse_allowing_zone("fe80::1%eth0");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->to_string(), "fe80::1");
  EXPECT_FALSE(IpAddress::parse_allowing_zone("fe80::1%").has_value());
}

TEST(IpAddress, MappedAndPlainV4AreEqual) {
  EXPECT_EQ(*IpAddress::parse("::ffff:10.1.2.3"), *IpAddress::parse("10.1.2.3"));
  EXPECT_EQ(std::hash<IpAddress>{}(*IpAddress::parse("::ffff:10.1.2.3")),
            std::hash<IpAddress>{}(*IpAddress::parse("10.1.2.3")));
  EXPECT_TRUE(IpAddress::parse("::ffff:10.1.2.3")->is_v4());
}

TEST(IpAddress, LoopbackAndUnspecified) {
  EXPECT_TRUE(IpAddress::parse("127.8.9.10")->is_loopback());
  EXPECT_TRUE(IpAddress::parse("::1")->is_loopback());
  EXPECT_FALSE(IpAddress::parse("::2")->is_loopback());
  EXPECT_TRUE(IpAddress::parse("0.0.0.0")->is_unspecified());
  EXPECT_TRUE(IpAddress::parse("::")->is_unspecified());
  EXPECT_FALSE(IpAddress::parse("::")->is_v4());
}

TEST(IpAddress, V4ValueRoundTrip) {
  EXPECT_EQ(IpAddress::from_v4(0xc0000201).to_string(), "192.0.2.1");
  EXPECT_EQ(IpAddress::parse("192.0.2.1")->v4(), 0xc0000201u);
}

}  // namespace
}  // namespace doorman
