// resolve_client_ip: the X-Forwarded-Proto decision, the trust flags the rewriter reads, the
// trace, and the stable names.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "doorman/client_ip.h"
#include "doorman/cloudflare_ranges.h"

namespace doorman {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;
using enum SourceIpMode;

const CidrSet& test_trusted() {
  static const CidrSet set =
      CidrSet::trusted(std::vector<Cidr>{*parse_cidr("10.0.0.0/8"), *parse_cidr("fd00::/8")});
  return set;
}

ClientIpDecision resolve(SourceIpMode mode, const std::string& peer, const Headers& headers,
                         bool tls = false, ResolveTrace* trace = nullptr) {
  std::vector<HeaderField> fields;
  for (const auto& [name, value] : headers) fields.push_back({name, value});
  ResolveRequest request;
  request.peer = *IpAddress::parse(peer);
  request.mode = mode;
  request.trusted = &test_trusted();
  request.cloudflare = &bundled_cloudflare_ranges();
  request.headers = fields;
  request.tls_terminated = tls;
  return resolve_client_ip(request, trace);
}

struct ProtoCase {
  std::string name;
  SourceIpMode mode;
  std::string peer;
  Headers headers;
  bool tls;
  std::string scheme;
  std::string source;
};

class ProtoDecisionTest : public ::testing::TestWithParam<ProtoCase> {};

TEST_P(ProtoDecisionTest, HonouredOnlyFromTrustedPeers) {
  const ProtoCase& c = GetParam();
  const ClientIpDecision d = resolve(c.mode, c.peer, c.headers, c.tls);
  EXPECT_EQ(scheme_name(d.proto.scheme), c.scheme);
  EXPECT_EQ(proto_source_name(d.proto.source), c.source);
}

const char* const kXfp = "X-Forwarded-Proto";
const char* const kVisitor = "CF-Visitor";
const char* const kCfIp = "CF-Connecting-IP";
const char* const kHttpsVisitor = "{\"scheme\":\"https\"}";

const ProtoCase kProtoCases[] = {
    {"TlsTerminated", kAuto, "192.0.2.1", {}, true, "https", "tls"},
    {"TlsWinsOverTrustedHttp",
     kTrustedProxy,
     "10.0.0.1",
     {{kXfp, "http"}, {"X-Forwarded-For", "198.51.100.1"}},
     true,
     "https",
     "tls"},
    {"PlainDefault", kAuto, "192.0.2.1", {}, false, "http", "default"},
    {"UntrustedXfpIgnoredV4", kAuto, "192.0.2.1", {{kXfp, "https"}}, false, "http", "default"},
    {"UntrustedXfpIgnoredV6", kAuto, "2001:db8::1", {{kXfp, "https"}}, false, "http", "default"},
    {"UntrustedForwardedProtoIgnored",
     kAuto,
     "192.0.2.1",
     {{"Forwarded", "for=198.51.100.1;proto=https"}},
     false,
     "http",
     "default"},
    {"UntrustedCfVisitorIgnored",
     kAuto,
     "192.0.2.1",
     {{kVisitor, kHttpsVisitor}},
     false,
     "http",
     "default"},
    {"TrustedXfpHttpsV4",
     kAuto,
     "10.0.0.1",
     {{kXfp, "https"}},
     false,
     "https",
     "x-forwarded-proto"},
    {"TrustedXfpHttpsV6",
     kTrustedProxy,
     "fd00::1",
     {{kXfp, "https"}, {"X-Forwarded-For", "2001:db8::1"}},
     false,
     "https",
     "x-forwarded-proto"},
    {"TrustedXfpHttp", kAuto, "::1", {{kXfp, "http"}}, false, "http", "x-forwarded-proto"},
    {"TrustedXfpListNotUsed", kAuto, "10.0.0.1", {{kXfp, "https, http"}}, false, "http", "default"},
    {"TrustedXfpTwoLinesNotUsed",
     kAuto,
     "10.0.0.1",
     {{kXfp, "https"}, {kXfp, "https"}},
     false,
     "http",
     "default"},
    {"TrustedForwardedProtoOfClientElement",
     kTrustedProxy,
     "10.0.0.1",
     {{"Forwarded", "for=198.51.100.1;proto=https, for=10.0.0.5;proto=http"}},
     false,
     "https",
     "forwarded"},
    {"TrustedForwardedProtoOfOtherElementNotUsed",
     kTrustedProxy,
     "10.0.0.1",
     {{"Forwarded", "for=198.51.100.1, for=10.0.0.5;proto=https"}},
     false,
     "http",
     "default"},
    {"XfpBeforeForwarded",
     kTrustedProxy,
     "10.0.0.1",
     {{"Forwarded", "for=198.51.100.1;proto=http"}, {kXfp, "https"}},
     false,
     "https",
     "x-forwarded-proto"},
    {"TrustedCfVisitor",
     kAuto,
     "10.0.0.1",
     {{kVisitor, kHttpsVisitor}},
     false,
     "https",
     "cf-visitor"},
    {"CloudflareMatchedVisitor",
     kCloudflareProxy,
     "173.245.48.1",
     {{kCfIp, "198.51.100.7"}, {kVisitor, kHttpsVisitor}},
     false,
     "https",
     "cf-visitor"},
    {"CloudflareMatchedVisitorV6",
     kAuto,
     "2400:cb00::1",
     {{kCfIp, "2001:db8::7"}, {kVisitor, kHttpsVisitor}},
     false,
     "https",
     "cf-visitor"},
    {"CloudflareMatchedXfp",
     kAuto,
     "173.245.48.1",
     {{kCfIp, "198.51.100.7"}, {kXfp, "https"}},
     false,
     "https",
     "x-forwarded-proto"},
    {"CloudflarePeerWithoutCfIpNotMatched",
     kAuto,
     "173.245.48.1",
     {{kVisitor, kHttpsVisitor}},
     false,
     "http",
     "default"},
    {"TunnelVisitor",
     kCloudflareTunnel,
     "127.0.0.1",
     {{kCfIp, "198.51.100.7"}, {kVisitor, kHttpsVisitor}},
     false,
     "https",
     "cf-visitor"},
    {"DirectModeIgnoresTrustedXfp",
     kDirect,
     "10.0.0.1",
     {{kXfp, "https"}},
     false,
     "http",
     "default"},
    {"MappedTrustedPeer",
     kAuto,
     "::ffff:10.0.0.1",
     {{kXfp, "https"}},
     false,
     "https",
     "x-forwarded-proto"},
};

INSTANTIATE_TEST_SUITE_P(Cases, ProtoDecisionTest, ::testing::ValuesIn(kProtoCases),
                         [](const auto& info) { return info.param.name; });

struct FlagsCase {
  std::string name;
  SourceIpMode mode;
  std::string peer;
  Headers headers;
  bool peer_trusted, peer_in_cloudflare, cloudflare_matched;
};

class TrustFlags : public ::testing::TestWithParam<FlagsCase> {};

TEST_P(TrustFlags, TellTheRewriterWhomToBelieve) {
  const FlagsCase& c = GetParam();
  const ClientIpDecision d = resolve(c.mode, c.peer, c.headers);
  EXPECT_EQ(d.peer_trusted, c.peer_trusted);
  EXPECT_EQ(d.peer_in_cloudflare, c.peer_in_cloudflare);
  EXPECT_EQ(d.cloudflare_matched, c.cloudflare_matched);
}

const FlagsCase kFlagsCases[] = {
    {"UntrustedPeer", kAuto, "192.0.2.1", {{kCfIp, "198.51.100.7"}}, false, false, false},
    {"TrustedPeer", kAuto, "10.0.0.1", {}, true, false, false},
    {"LoopbackV6", kAuto, "::1", {}, true, false, false},
    {"CloudflareMatched", kAuto, "173.245.48.1", {{kCfIp, "198.51.100.7"}}, false, true, true},
    {"CloudflarePeerInvalidHeader", kAuto, "173.245.48.1", {{kCfIp, "x"}}, false, true, false},
    {"CloudflareProxyRejected", kCloudflareProxy, "2400:cb00::1", {}, false, true, false},
    {"TunnelMatched", kCloudflareTunnel, "127.0.0.1", {{kCfIp, "198.51.100.7"}}, true, false, true},
    {"DirectStillReportsTrust", kDirect, "10.0.0.1", {}, true, false, false},
};

INSTANTIATE_TEST_SUITE_P(Cases, TrustFlags, ::testing::ValuesIn(kFlagsCases),
                         [](const auto& info) { return info.param.name; });

TEST(ResolveTrace, RecordsTheWalkInOrder) {
  ResolveTrace trace;
  const ClientIpDecision d =
      resolve(kTrustedProxy, "10.0.0.1", {{"X-Forwarded-For", "198.51.100.1, unknown, 10.0.0.5"}},
              false, &trace);
  ASSERT_TRUE(d.accepted());
  std::vector<std::string> codes;
  for (const TraceStep& step : trace.steps) codes.push_back(step.code);
  EXPECT_EQ(codes, (std::vector<std::string>{"mode", "peer", "x-forwarded-for", "x-forwarded-for",
                                             "client", "proto"}));
  EXPECT_NE(trace.steps[2].text.find("10.0.0.5"), std::string::npos);
  EXPECT_NE(trace.steps[3].text.find("unparsable"), std::string::npos);
}

TEST(ResolveTrace, SameDecisionWithAndWithoutTrace) {
  ResolveTrace trace;
  const Headers headers{{"X-Forwarded-For", "198.51.100.1"}, {"Forwarded", "for=203.0.113.1"}};
  const ClientIpDecision a = resolve(kAuto, "10.0.0.1", headers);
  const ClientIpDecision b = resolve(kAuto, "10.0.0.1", headers, false, &trace);
  EXPECT_EQ(a.client_ip, b.client_ip);
  EXPECT_EQ(a.reason, b.reason);
  EXPECT_EQ(a.reason, ClientIpReason::kConflictingForwardingHeaders);
  EXPECT_FALSE(trace.steps.empty());
}

TEST(ResolveRequestDefaults, NullSetsTrustNothing) {
  const std::vector<HeaderField> fields{{"X-Forwarded-For", "198.51.100.1"},
                                        {"CF-Connecting-IP", "198.51.100.1"}};
  ResolveRequest request;
  request.peer = *IpAddress::parse("127.0.0.1");
  request.headers = fields;
  const ClientIpDecision d = resolve_client_ip(request);
  ASSERT_TRUE(d.accepted());
  EXPECT_EQ(d.client_ip->to_string(), "127.0.0.1");
  EXPECT_FALSE(d.peer_trusted);
  request.mode = kTrustedProxy;
  EXPECT_EQ(resolve_client_ip(request).reason, ClientIpReason::kUntrustedPeer);
  request.mode = kCloudflareProxy;
  EXPECT_EQ(resolve_client_ip(request).reason, ClientIpReason::kNotCloudflare);
}

TEST(Names, ConfigStringsRoundTrip) {
  for (const char* name :
       {"auto", "direct", "cloudflare-proxy", "trusted-proxy", "cloudflare-tunnel"}) {
    auto mode = parse_source_ip_mode(name);
    ASSERT_TRUE(mode.has_value()) << name;
    EXPECT_EQ(source_ip_mode_name(*mode), name);
  }
  EXPECT_FALSE(parse_source_ip_mode("Auto").has_value());
  EXPECT_FALSE(parse_source_ip_mode("").has_value());
  for (const char* name : {"any", "x-forwarded-for", "forwarded"}) {
    auto choice = parse_forwarded_header_choice(name);
    ASSERT_TRUE(choice.has_value()) << name;
    EXPECT_EQ(forwarded_header_choice_name(*choice), name);
  }
  EXPECT_FALSE(parse_forwarded_header_choice("x_forwarded_for").has_value());
}

TEST(Names, StableCodes) {
  EXPECT_EQ(client_ip_source_name(ClientIpSource::kPeer), "peer");
  EXPECT_EQ(client_ip_source_name(ClientIpSource::kCfConnectingIp), "cf-connecting-ip");
  EXPECT_EQ(client_ip_source_name(ClientIpSource::kXForwardedFor), "x-forwarded-for");
  EXPECT_EQ(client_ip_source_name(ClientIpSource::kForwarded), "forwarded");
  EXPECT_EQ(client_ip_source_name(ClientIpSource::kProxyProtocol), "proxy-protocol");
  EXPECT_EQ(client_ip_reason_name(ClientIpReason::kOk), "ok");
  EXPECT_EQ(client_ip_reason_name(ClientIpReason::kNotCloudflare), "not-cloudflare");
  EXPECT_EQ(client_ip_reason_name(ClientIpReason::kMissingCfConnectingIp),
            "missing-cf-connecting-ip");
  EXPECT_EQ(client_ip_reason_name(ClientIpReason::kInvalidCfConnectingIp),
            "invalid-cf-connecting-ip");
  EXPECT_EQ(client_ip_reason_name(ClientIpReason::kUntrustedPeer), "untrusted-peer");
  EXPECT_EQ(client_ip_reason_name(ClientIpReason::kMissingForwardingHeader),
            "missing-forwarding-header");
  EXPECT_EQ(client_ip_reason_name(ClientIpReason::kConflictingForwardingHeaders),
            "conflicting-forwarding-headers");
  EXPECT_EQ(client_ip_reason_name(ClientIpReason::kTrustedHopsMismatch), "trusted-hops-mismatch");
  EXPECT_EQ(client_ip_reason_name(ClientIpReason::kUnparsableForwardingElement),
            "unparsable-forwarding-element");
}

}  // namespace
}  // namespace doorman
