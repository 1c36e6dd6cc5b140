#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "doorman/forwarded_headers.h"

namespace doorman {
namespace {

struct SingleIpCase {
  std::string name;
  std::vector<std::string> lines;  // CF-Connecting-IP lines
  std::string address;             // "": invalid; "-": header absent
  ErrorCode error = ErrorCode::kInvalidAddress;
};

class CfConnectingIp : public ::testing::TestWithParam<SingleIpCase> {};

TEST_P(CfConnectingIp, ExactlyOneLineWithOneBareAddress) {
  const SingleIpCase& c = GetParam();
  std::vector<HeaderField> fields{{"Host", "example.com"}};
  for (const std::string& line : c.lines) fields.push_back({"cf-connecting-ip", line});
  const auto result = read_single_ip_header(HeaderLines(fields, kCfConnectingIpHeader));
  if (c.address == "-") {
    EXPECT_FALSE(result.has_value());
    return;
  }
  ASSERT_TRUE(result.has_value());
  if (c.address.empty()) {
    ASSERT_FALSE(result->has_value()) << "accepted " << (*result)->to_string();
    EXPECT_EQ(error_code_name(result->error().code), error_code_name(c.error));
    return;
  }
  ASSERT_TRUE(result->has_value()) << error_code_name(result->error().code);
  EXPECT_EQ((*result)->to_string(), c.address);
}

const SingleIpCase kSingleIpCases[] = {
    {"Absent", {}, "-"},
    {"V4", {"192.0.2.1"}, "192.0.2.1"},
    {"V6", {"2001:db8::1"}, "2001:db8::1"},
    {"V6TrailingGroupIsNotAPort", {"2001:db8::1:80"}, "2001:db8::1:80"},
    {"V6Uppercase", {"2001:DB8::1"}, "2001:db8::1"},
    {"V6MappedIsV4", {"::ffff:192.0.2.1"}, "192.0.2.1"},
    {"SurroundingSpacesIgnored", {" \t192.0.2.1 "}, "192.0.2.1"},
    {"TwoLines", {"192.0.2.1", "192.0.2.1"}, "", ErrorCode::kMultipleHeaderLines},
    {"TwoLinesOneEmpty", {"192.0.2.1", ""}, "", ErrorCode::kMultipleHeaderLines},
    {"ListIsNotFirstElement", {"192.0.2.1, 198.51.100.1"}, "", ErrorCode::kNotASingleAddress},
    {"ListNoSpace", {"192.0.2.1,198.51.100.1"}, "", ErrorCode::kNotASingleAddress},
    {"SpaceSeparated", {"192.0.2.1 198.51.100.1"}, "", ErrorCode::kNotASingleAddress},
    {"V4WithPort", {"192.0.2.1:443"}, "", ErrorCode::kNotASingleAddress},
    {"V6Bracketed", {"[2001:db8::1]"}, "", ErrorCode::kNotASingleAddress},
    {"V6BracketedWithPort", {"[2001:db8::1]:443"}, "", ErrorCode::kNotASingleAddress},
    {"V6Zone", {"fe80::1%eth0"}, "", ErrorCode::kZoneNotAllowed},
    {"Empty", {""}, "", ErrorCode::kEmpty},
    {"OnlySpaces", {"   "}, "", ErrorCode::kEmpty},
    {"V4Unspecified", {"0.0.0.0"}, "", ErrorCode::kUnspecifiedAddress},
    {"V6Unspecified", {"::"}, "", ErrorCode::kUnspecifiedAddress},
    {"V4LeadingZero", {"192.0.2.01"}, "", ErrorCode::kLeadingZero},
    {"Hostname", {"client.example"}, "", ErrorCode::kInvalidAddress},
    {"Unknown", {"unknown"}, "", ErrorCode::kInvalidAddress},
    {"Quoted", {"\"192.0.2.1\""}, "", ErrorCode::kInvalidAddress},
};

INSTANTIATE_TEST_SUITE_P(Cases, CfConnectingIp, ::testing::ValuesIn(kSingleIpCases),
                         [](const auto& info) { return info.param.name; });

struct SchemeCase {
  std::string name;
  std::string header;  // "X-Forwarded-Proto" or "CF-Visitor"
  std::vector<std::string> lines;
  std::string scheme;  // "": not usable
};

class SchemeHeaders : public ::testing::TestWithParam<SchemeCase> {};

TEST_P(SchemeHeaders, OneLineOneScheme) {
  const SchemeCase& c = GetParam();
  std::vector<HeaderField> fields;
  for (const std::string& line : c.lines) fields.push_back({c.header, line});
  const auto scheme = header_name_equals(c.header, kCfVisitorHeader)
                          ? read_cf_visitor(HeaderLines(fields, kCfVisitorHeader))
                          : read_x_forwarded_proto(HeaderLines(fields, kXForwardedProtoHeader));
  EXPECT_EQ(scheme ? std::string(scheme_name(*scheme)) : "", c.scheme);
}

const SchemeCase kSchemeCases[] = {
    {"XfpHttps", "X-Forwarded-Proto", {"https"}, "https"},
    {"XfpHttp", "X-Forwarded-Proto", {"http"}, "http"},
    {"XfpUppercase", "x-forwarded-proto", {"HTTPS"}, "https"},
    {"XfpSpaces", "X-Forwarded-Proto", {" https\t"}, "https"},
    {"XfpAbsent", "X-Forwarded-Proto", {}, ""},
    {"XfpList", "X-Forwarded-Proto", {"https, http"}, ""},
    {"XfpTwoLines", "X-Forwarded-Proto", {"https", "https"}, ""},
    {"XfpOtherScheme", "X-Forwarded-Proto", {"wss"}, ""},
    {"XfpEmpty", "X-Forwarded-Proto", {""}, ""},
    {"CfVisitorHttps", "CF-Visitor", {"{\"scheme\":\"https\"}"}, "https"},
    {"CfVisitorHttp", "CF-Visitor", {"{\"scheme\":\"http\"}"}, "http"},
    {"CfVisitorWhitespace", "cf-visitor", {" { \"scheme\" : \"https\" } "}, "https"},
    {"CfVisitorUppercaseValue", "CF-Visitor", {"{\"scheme\":\"HTTPS\"}"}, ""},
    {"CfVisitorOtherKey", "CF-Visitor", {"{\"proto\":\"https\"}"}, ""},
    {"CfVisitorExtraKey", "CF-Visitor", {"{\"scheme\":\"https\",\"x\":1}"}, ""},
    {"CfVisitorTrailingJunk", "CF-Visitor", {"{\"scheme\":\"https\"}x"}, ""},
    {"CfVisitorNotJson", "CF-Visitor", {"https"}, ""},
    {"CfVisitorTwoLines", "CF-Visitor", {"{\"scheme\":\"https\"}", "{\"scheme\":\"https\"}"}, ""},
    {"CfVisitorUnterminated", "CF-Visitor", {"{\"scheme\":\"https\""}, ""},
};

INSTANTIATE_TEST_SUITE_P(Cases, SchemeHeaders, ::testing::ValuesIn(kSchemeCases),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace doorman
