#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "doorman/forwarded_headers.h"

namespace doorman {
namespace {

struct ElementCase {
  std::string name;
  std::string element;
  std::string address;  // empty: unparsable
  uint16_t port = 0;
  ErrorCode error = ErrorCode::kUnparsableElement;
};

class XffElement : public ::testing::TestWithParam<ElementCase> {};

TEST_P(XffElement, ParsesOnlyTheDesignForms) {
  const ElementCase& c = GetParam();
  auto node = parse_xff_element(c.element);
  if (c.address.empty()) {
    ASSERT_FALSE(node.has_value()) << c.element << " parsed as " << node->address.to_string();
    EXPECT_EQ(error_code_name(node.error().code), error_code_name(c.error));
    return;
  }
  ASSERT_TRUE(node.has_value()) << c.element << ": " << error_code_name(node.error().code);
  EXPECT_EQ(node->address.to_string(), c.address);
  EXPECT_EQ(node->port, c.port);
}

const ElementCase kElementCases[] = {
    {"V4", "192.0.2.1", "192.0.2.1"},
    {"V4WithPort", "192.0.2.1:8080", "192.0.2.1", 8080},
    {"V4PortMax", "192.0.2.1:65535", "192.0.2.1", 65535},
    {"V4PortOne", "192.0.2.1:1", "192.0.2.1", 1},
    {"V4PortZero", "192.0.2.1:0", "", 0, ErrorCode::kInvalidPort},
    {"V4PortTooLarge", "192.0.2.1:65536", "", 0, ErrorCode::kInvalidPort},
    {"V4PortLeadingZero", "192.0.2.1:080", "", 0, ErrorCode::kInvalidPort},
    {"V4PortEmpty", "192.0.2.1:", "", 0, ErrorCode::kInvalidPort},
    {"V4PortLetters", "192.0.2.1:http", "", 0, ErrorCode::kInvalidPort},
    {"V4PortSixDigits", "192.0.2.1:123456", "", 0, ErrorCode::kInvalidPort},
    {"V4LeadingZeroOctet", "192.0.02.1", "", 0, ErrorCode::kLeadingZero},
    {"V4Unspecified", "0.0.0.0", "", 0, ErrorCode::kUnspecifiedAddress},
    {"V4UnspecifiedWithPort", "0.0.0.0:80", "", 0, ErrorCode::kUnspecifiedAddress},
    {"V4InBrackets", "[192.0.2.1]", ""},
    {"V4ShortForm", "10.1", ""},
    {"V4Octal", "0x7f.0.0.1", ""},
    {"V6Bare", "2001:db8::1", "2001:db8::1"},
    {"V6TrailingGroupLooksLikePortIsWholeAddress", "2001:db8::1:80", "2001:db8::1:80"},
    {"V6Uppercase", "2001:DB8::A", "2001:db8::a"},
    {"V6Bracketed", "[2001:db8::1]", "2001:db8::1"},
    {"V6BracketedWithPort", "[2001:db8::1]:443", "2001:db8::1", 443},
    {"V6BracketedPortZero", "[2001:db8::1]:0", "", 0, ErrorCode::kInvalidPort},
    {"V6BracketedPortTooLarge", "[2001:db8::1]:70000", "", 0, ErrorCode::kInvalidPort},
    {"V6BracketedJunkAfter", "[2001:db8::1]x", ""},
    {"V6BracketUnclosed", "[2001:db8::1", ""},
    {"V6Unspecified", "::", "", 0, ErrorCode::kUnspecifiedAddress},
    {"V6UnspecifiedBracketed", "[::]:80", "", 0, ErrorCode::kUnspecifiedAddress},
    {"V6Zone", "fe80::1%eth0", "", 0, ErrorCode::kZoneNotAllowed},
    {"V6ZoneBracketed", "[fe80::1%eth0]:80", "", 0, ErrorCode::kZoneNotAllowed},
    {"V6MappedIsV4", "::ffff:192.0.2.1", "192.0.2.1"},
    {"V6MappedBracketedIsV4", "[::ffff:192.0.2.1]:80", "192.0.2.1", 80},
    {"V6Loopback", "::1", "::1"},
    {"V6TooManyGroups", "1:2:3:4:5:6:7:8:9", ""},
    {"Unknown", "unknown", ""},
    {"Hostname", "client.example.com", ""},
    {"HostnameWithPort", "example.com:80", ""},
    {"Quoted", "\"192.0.2.1\"", ""},
    {"ObfuscatedIdentifier", "_hidden", ""},
    {"InnerSpace", "192.0.2.1 192.0.2.2", ""},
    {"Semicolon", "192.0.2.1;proto=https", ""},
    {"Empty", "", ""},
};

INSTANTIATE_TEST_SUITE_P(Cases, XffElement, ::testing::ValuesIn(kElementCases),
                         [](const auto& info) { return info.param.name; });

struct ListCase {
  std::string name;
  std::vector<std::string> lines;
  std::vector<std::string> right_to_left;  // element texts; "!" prefix: unparsable
};

class XffList : public ::testing::TestWithParam<ListCase> {};

TEST_P(XffList, CombinesLinesAndYieldsFromTheRight) {
  const ListCase& c = GetParam();
  std::vector<HeaderField> fields;
  fields.push_back({"Host", "example.com"});
  for (const std::string& line : c.lines) {
    fields.push_back({"x-forwarded-for", line});
    fields.push_back({"Accept", "*/*"});  // interleaved fields do not break the list
  }
  XffReverseReader reader(HeaderLines(fields, kXForwardedForHeader));
  std::vector<std::string> got;
  while (auto e = reader.next()) got.push_back((e->node ? "" : "!") + std::string(e->text));
  EXPECT_EQ(got, c.right_to_left);
}

const ListCase kListCases[] = {
    {"NoLines", {}, {}},
    {"OneElement", {"192.0.2.1"}, {"192.0.2.1"}},
    {"CommaList",
     {"192.0.2.1, 198.51.100.2,203.0.113.3"},
     {"203.0.113.3", "198.51.100.2", "192.0.2.1"}},
    {"LinesCombinedInOrder",
     {"192.0.2.1, 192.0.2.2", "2001:db8::1"},
     {"2001:db8::1", "192.0.2.2", "192.0.2.1"}},
    {"SpacesAndTabsTrimmed", {" \t192.0.2.1 \t,\t 2001:db8::2  "}, {"2001:db8::2", "192.0.2.1"}},
    {"EmptyElementsSkipped", {",192.0.2.1,, ,\t,2001:db8::2,"}, {"2001:db8::2", "192.0.2.1"}},
    {"EmptyLineSkipped", {"192.0.2.1", "", "192.0.2.2"}, {"192.0.2.2", "192.0.2.1"}},
    {"OnlyCommas", {" , ,, "}, {}},
    {"UnparsableKeptInPlace",
     {"192.0.2.1, unknown, 192.0.2.3"},
     {"192.0.2.3", "!unknown", "192.0.2.1"}},
    {"BracketedV6WithPortInList",
     {"[2001:db8::1]:443, 192.0.2.1:80"},
     {"192.0.2.1:80", "[2001:db8::1]:443"}},
};

INSTANTIATE_TEST_SUITE_P(Cases, XffList, ::testing::ValuesIn(kListCases),
                         [](const auto& info) { return info.param.name; });

TEST(XffList, PlainValuesSpan) {
  const std::string_view values[] = {"192.0.2.1", "192.0.2.2, 192.0.2.3"};
  XffReverseReader reader{HeaderLines(std::span<const std::string_view>(values))};
  std::vector<std::string> got;
  while (auto e = reader.next()) got.push_back(std::string(e->text));
  EXPECT_EQ(got, (std::vector<std::string>{"192.0.2.3", "192.0.2.2", "192.0.2.1"}));
}

TEST(HeaderNames, MatchAsciiCaseInsensitively) {
  EXPECT_TRUE(header_name_equals("X-Forwarded-For", "x-FORWARDED-for"));
  EXPECT_FALSE(header_name_equals("X-Forwarded-For", "X_Forwarded_For"));
  EXPECT_FALSE(header_name_equals("X-Forwarded-For", "X-Forwarded-Fo"));
  EXPECT_FALSE(header_name_equals("Forwarded", "Forwardee"));
}

}  // namespace
}  // namespace doorman
