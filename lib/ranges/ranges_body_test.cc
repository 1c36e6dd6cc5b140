#include "doorman/ranges_body.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace doorman {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct BodyCase {
  std::string name;
  std::string body;
  bool ok;
  std::string format;              // when ok
  std::vector<std::string> cidrs;  // when ok: the normalised list
  std::string error_contains;      // when !ok
};

class RangesBodyTable : public ::testing::TestWithParam<BodyCase> {};

TEST_P(RangesBodyTable, Parses) {
  const BodyCase& c = GetParam();
  auto parsed = parse_ranges_body(c.body);
  ASSERT_EQ(parsed.has_value(), c.ok) << (parsed ? parsed->format : parsed.error());
  if (!c.ok) {
    EXPECT_NE(parsed.error().find(c.error_contains), std::string::npos) << parsed.error();
    return;
  }
  EXPECT_EQ(parsed->format, c.format);
  std::vector<std::string> got;
  for (const Cidr& cidr : parsed->set) got.push_back(cidr.to_string());
  EXPECT_EQ(got, c.cidrs);
}

INSTANTIATE_TEST_SUITE_P(
    Table, RangesBodyTable,
    ::testing::Values(
        BodyCase{"CloudflareEnvelope",
                 R"({"result":{"ipv4_cidrs":["173.245.48.0/20","103.21.244.0/22"],)"
                 R"("ipv6_cidrs":["2400:cb00::/32"],"etag":"abc"},"success":true,)"
                 R"("errors":[],"messages":[]})",
                 true,
                 "cloudflare-json",
                 {"103.21.244.0/22", "173.245.48.0/20", "2400:cb00::/32"},
                 ""},
        BodyCase{"CloudflareIgnoresJdcloud",
                 R"({"result":{"ipv4_cidrs":["1.2.3.0/24"],"ipv6_cidrs":[],)"
                 R"("jdcloud_cidrs":["9.9.9.0/24"]},"success":true})",
                 true,
                 "cloudflare-json",
                 {"1.2.3.0/24"},
                 ""},
        BodyCase{"CloudflareSuccessFalse",
                 R"({"result":null,"success":false,"errors":[{"code":10000,"message":"nope"}]})",
                 false,
                 "",
                 {},
                 "success != true: nope"},
        BodyCase{"CloudflareMissingV6",
                 R"({"result":{"ipv4_cidrs":[]},"success":true})",
                 false,
                 "",
                 {},
                 "missing \"ipv6_cidrs\""},
        BodyCase{"CloudflareNotArray",
                 R"({"result":{"ipv4_cidrs":"1.2.3.0/24","ipv6_cidrs":[]},"success":true})",
                 false,
                 "",
                 {},
                 "\"ipv4_cidrs\" is not an array"},
        BodyCase{"CloudflareOneBadCidr",
                 R"({"result":{"ipv4_cidrs":["1.2.3.0/24","1.2.3.0/33"],"ipv6_cidrs":[]},)"
                 R"("success":true})",
                 false,
                 "",
                 {},
                 "ipv4_cidrs[1]: '1.2.3.0/33'"},
        BodyCase{"CloudflareNumberEntry",
                 R"({"result":{"ipv4_cidrs":[7],"ipv6_cidrs":[]},"success":true})",
                 false,
                 "",
                 {},
                 "ipv4_cidrs[0]: not a string"},
        BodyCase{"FastlyList",
                 R"({"addresses":["23.235.32.0/20"],"ipv6_addresses":["2a04:4e40::/32"]})",
                 true,
                 "fastly-json",
                 {"23.235.32.0/20", "2a04:4e40::/32"},
                 ""},
        BodyCase{"FastlyWithoutIpv6",
                 R"({"addresses":["23.235.32.1/20"]})",
                 true,
                 "fastly-json",
                 {"23.235.32.0/20"},
                 ""},
        BodyCase{"FastlyBadV6",
                 R"({"addresses":["23.235.32.0/20"],"ipv6_addresses":["2a04:4e40::/129"]})",
                 false,
                 "",
                 {},
                 "ipv6_addresses[0]"},
        BodyCase{"JsonOfNeitherShape", R"({"hello":"world"})", false, "", {}, "neither \"result\""},
        BodyCase{"JsonArrayIsNotAList", R"( ["1.2.3.0/24"])", false, "", {}, "text list: line 1"},
        BodyCase{"TruncatedJson",
                 R"({"result":{"ipv4_cidrs":["1.2.3.0/24")",
                 false,
                 "",
                 {},
                 "invalid JSON"},
        BodyCase{"PlainText",
                 "# comment\n10.0.0.0/8\n\n2001:db8::/32 # doc\r\n",
                 true,
                 "text",
                 {"10.0.0.0/8", "2001:db8::/32"},
                 ""},
        BodyCase{"PlainTextEmpty", "# nothing\n", true, "text", {}, ""},
        BodyCase{"HtmlErrorPage",
                 "<html><body>502 Bad Gateway</body></html>\n",
                 false,
                 "",
                 {},
                 "text list: line 1"},
        BodyCase{"PlainTextOneBadLine", "10.0.0.0/8\n10.0.0.0/x\n", false, "", {}, "line 2"}),
    [](const auto& info) { return info.param.name; });

TEST(RangesBodySamples, CloudflareApiSampleFromSharedData) {
  auto parsed = parse_ranges_body(slurp(std::string(DOORMAN_SOURCE_DIR) +
                                        "/server/ranges/testdata/cloudflare-api-ips-sample.json"));
  ASSERT_TRUE(parsed) << parsed.error();
  EXPECT_EQ(parsed->format, "cloudflare-json");
  EXPECT_EQ(parsed->set.size(), 15u + 7u);
  EXPECT_EQ(parsed->body_etag, "38f79d050aa027e3be3865e495dcc9bc");
}

TEST(RangesBodySamples, FastlySampleFromSharedData) {
  auto parsed =
      parse_ranges_body(slurp(std::string(DOORMAN_SOURCE_DIR) +
                              "/server/ranges/testdata/fastly-public-ip-list-sample.json"));
  ASSERT_TRUE(parsed) << parsed.error();
  EXPECT_EQ(parsed->format, "fastly-json");
  EXPECT_EQ(parsed->set.size(), 19u + 2u);
}

}  // namespace
}  // namespace doorman
