// fastly-proxy and the optional Fastly step of auto (client_ip.h), and the bundled Fastly list.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "doorman/client_ip.h"
#include "doorman/cloudflare_ranges.h"
#include "doorman/fastly_ranges.h"

namespace doorman {
namespace {

const CidrSet& test_trusted() {
  static const CidrSet set = *parse_cidr_list("127.0.0.0/8\n::1/128\n10.0.0.0/8\n");
  return set;
}

struct Case {
  std::string name;
  SourceIpMode mode;
  std::string peer;
  std::vector<std::pair<std::string, std::string>> headers;
  bool pass_fastly;  // the server passes the Fastly set (fastly-proxy, or auto with [fastly] auto)
  int status;
  ClientIpReason reason;
  std::string client;  // when 200
  ClientIpSource source = ClientIpSource::kPeer;
};

ClientIpDecision run(const Case& c) {
  std::vector<HeaderField> fields;
  for (const auto& [name, value] : c.headers) fields.push_back({name, value});
  ResolveRequest request;
  request.peer = *IpAddress::parse(c.peer);
  request.mode = c.mode;
  request.trusted = &test_trusted();
  request.cloudflare = &bundled_cloudflare_ranges();
  request.fastly = c.pass_fastly ? &bundled_fastly_ranges() : nullptr;
  request.headers = fields;
  return resolve_client_ip(request);
}

class FastlyClientIp : public ::testing::TestWithParam<Case> {};

TEST_P(FastlyClientIp, FollowsTheRule) {
  const Case& c = GetParam();
  const ClientIpDecision d = run(c);
  EXPECT_EQ(d.http_status(), c.status);
  EXPECT_EQ(client_ip_reason_name(d.reason), client_ip_reason_name(c.reason));
  if (c.status == 403) {
    EXPECT_FALSE(d.client_ip.has_value());
    return;
  }
  ASSERT_TRUE(d.client_ip.has_value());
  EXPECT_EQ(d.client_ip->to_string(), c.client);
  EXPECT_EQ(client_ip_source_name(d.source), client_ip_source_name(c.source));
  EXPECT_EQ(d.fastly_matched, c.source == ClientIpSource::kFastlyClientIp);
}

const char* const kFip = "Fastly-Client-IP";
const char* const kFastlyV4 = "151.101.1.10";      // 151.101.0.0/16
const char* const kFastlyV6 = "2a04:4e42::1";      // 2a04:4e42::/32
const char* const kCloudflareV4 = "173.245.48.7";  // 173.245.48.0/20
constexpr auto kFp = SourceIpMode::kFastlyProxy;
constexpr auto kAuto = SourceIpMode::kAuto;

INSTANTIATE_TEST_SUITE_P(
    Table, FastlyClientIp,
    ::testing::Values(
        Case{"V4PeerValidHeader",
             kFp,
             kFastlyV4,
             {{kFip, "203.0.113.9"}},
             true,
             200,
             ClientIpReason::kOk,
             "203.0.113.9",
             ClientIpSource::kFastlyClientIp},
        Case{"V6PeerV6Header",
             kFp,
             kFastlyV6,
             {{kFip, "2001:db8::9"}},
             true,
             200,
             ClientIpReason::kOk,
             "2001:db8::9",
             ClientIpSource::kFastlyClientIp},
        Case{"HeaderNameCaseInsensitive",
             kFp,
             kFastlyV4,
             {{"fastly-client-ip", "198.51.100.1"}},
             true,
             200,
             ClientIpReason::kOk,
             "198.51.100.1",
             ClientIpSource::kFastlyClientIp},
        Case{"PeerOutsideFastly",
             kFp,
             "198.51.100.7",
             {{kFip, "203.0.113.9"}},
             true,
             403,
             ClientIpReason::kNotFastly,
             ""},
        Case{"CloudflarePeerIsNotFastly",
             kFp,
             kCloudflareV4,
             {{kFip, "203.0.113.9"}},
             true,
             403,
             ClientIpReason::kNotFastly,
             ""},
        Case{"TrustedPeerIsNotFastly",
             kFp,
             "10.1.2.3",
             {{kFip, "203.0.113.9"}},
             true,
             403,
             ClientIpReason::kNotFastly,
             ""},
        Case{"NoFastlySetPassed",
             kFp,
             kFastlyV4,
             {{kFip, "203.0.113.9"}},
             false,
             403,
             ClientIpReason::kNotFastly,
             ""},
        Case{"MissingHeader",
             kFp,
             kFastlyV4,
             {},
             true,
             403,
             ClientIpReason::kMissingFastlyClientIp,
             ""},
        Case{"CfHeaderDoesNotCount",
             kFp,
             kFastlyV4,
             {{"CF-Connecting-IP", "203.0.113.9"}},
             true,
             403,
             ClientIpReason::kMissingFastlyClientIp,
             ""},
        Case{"ListIsInvalid",
             kFp,
             kFastlyV4,
             {{kFip, "203.0.113.9, 10.0.0.1"}},
             true,
             403,
             ClientIpReason::kInvalidFastlyClientIp,
             ""},
        Case{"TwoLinesAreInvalid",
             kFp,
             kFastlyV4,
             {{kFip, "203.0.113.9"}, {kFip, "203.0.113.9"}},
             true,
             403,
             ClientIpReason::kInvalidFastlyClientIp,
             ""},
        Case{"GarbageIsInvalid",
             kFp,
             kFastlyV4,
             {{kFip, "unknown"}},
             true,
             403,
             ClientIpReason::kInvalidFastlyClientIp,
             ""},
        Case{"PortIsInvalid",
             kFp,
             kFastlyV4,
             {{kFip, "203.0.113.9:443"}},
             true,
             403,
             ClientIpReason::kInvalidFastlyClientIp,
             ""},
        Case{"EmptyIsInvalid",
             kFp,
             kFastlyV4,
             {{kFip, ""}},
             true,
             403,
             ClientIpReason::kInvalidFastlyClientIp,
             ""},
        // auto: the Fastly step only when the server passes the set ([fastly] auto = true).
        Case{"AutoWithFastly",
             kAuto,
             kFastlyV4,
             {{kFip, "203.0.113.9"}},
             true,
             200,
             ClientIpReason::kOk,
             "203.0.113.9",
             ClientIpSource::kFastlyClientIp},
        Case{"AutoWithoutFastlyUsesPeer",
             kAuto,
             kFastlyV4,
             {{kFip, "203.0.113.9"}},
             false,
             200,
             ClientIpReason::kOk,
             kFastlyV4,
             ClientIpSource::kPeer},
        Case{"AutoFastlyMissingHeaderNotes",
             kAuto,
             kFastlyV4,
             {},
             true,
             200,
             ClientIpReason::kMissingFastlyClientIp,
             kFastlyV4,
             ClientIpSource::kPeer},
        Case{"AutoFastlyInvalidHeaderNotes",
             kAuto,
             kFastlyV4,
             {{kFip, "1.2.3.4, 5.6.7.8"}},
             true,
             200,
             ClientIpReason::kInvalidFastlyClientIp,
             kFastlyV4,
             ClientIpSource::kPeer},
        Case{"AutoCloudflareStillFirst",
             kAuto,
             kCloudflareV4,
             {{"CF-Connecting-IP", "198.51.100.2"}, {kFip, "203.0.113.9"}},
             true,
             200,
             ClientIpReason::kOk,
             "198.51.100.2",
             ClientIpSource::kCfConnectingIp},
        Case{"AutoFastlyHeaderFromOtherPeerIgnored",
             kAuto,
             "198.51.100.7",
             {{kFip, "203.0.113.9"}},
             true,
             200,
             ClientIpReason::kOk,
             "198.51.100.7",
             ClientIpSource::kPeer}),
    [](const auto& info) { return info.param.name; });

TEST(FastlyNames, RoundTrip) {
  EXPECT_EQ(source_ip_mode_name(SourceIpMode::kFastlyProxy), "fastly-proxy");
  EXPECT_EQ(parse_source_ip_mode("fastly-proxy"), SourceIpMode::kFastlyProxy);
  EXPECT_EQ(client_ip_source_name(ClientIpSource::kFastlyClientIp), "fastly-client-ip");
  EXPECT_EQ(client_ip_reason_name(ClientIpReason::kNotFastly), "not-fastly");
  EXPECT_EQ(client_ip_reason_name(ClientIpReason::kMissingFastlyClientIp),
            "missing-fastly-client-ip");
  EXPECT_EQ(client_ip_reason_name(ClientIpReason::kInvalidFastlyClientIp),
            "invalid-fastly-client-ip");
}

TEST(FastlyDecision, FastlyMatchDoesNotTrustForwardedProto) {
  std::vector<HeaderField> fields = {{"Fastly-Client-IP", "203.0.113.9"},
                                     {"X-Forwarded-Proto", "https"}};
  ResolveRequest request;
  request.peer = *IpAddress::parse(kFastlyV4);
  request.mode = kFp;
  request.trusted = &test_trusted();
  request.fastly = &bundled_fastly_ranges();
  request.headers = fields;
  const ClientIpDecision d = resolve_client_ip(request);
  ASSERT_TRUE(d.accepted());
  EXPECT_TRUE(d.peer_in_fastly);
  EXPECT_EQ(d.proto.source, ProtoSource::kDefault);
}

TEST(BundledFastlyRanges, EmbedsTheProjectCopyVerbatim) {
  std::ifstream in(std::string(DOORMAN_SOURCE_DIR) + "/data/fastly-ips.txt", std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  EXPECT_EQ(bundled_fastly_ranges_text(), s.str());
  EXPECT_TRUE(bundled_fastly_ranges_text().starts_with("# source:"));
  EXPECT_EQ(bundled_fastly_ranges().size(), 19u + 2u);
  EXPECT_EQ(&bundled_fastly_ranges(), &bundled_fastly_ranges());
}

}  // namespace
}  // namespace doorman
