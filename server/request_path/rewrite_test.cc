// identity_headers_to_pass: of the identity headers, the one each accepted decision was read
// from (and X-Forwarded-Host, which none reads).
#include "request_path/rewrite.h"

#include <gtest/gtest.h>

namespace doorman::request_path {
namespace {

constexpr HeaderId kXfh = HeaderId::kXForwardedHost;

ClientIpDecision accepted(ClientIpSource source, ProtoSource proto) {
  ClientIpDecision d;
  d.status = DecisionStatus::kAccepted;
  d.client_ip = IpAddress::parse("2001:db8::7").value();
  d.source = source;
  d.proto.source = proto;
  return d;
}

TEST(IdentityHeadersToPass, OnlyTheHeaderTheDecisionCameFrom) {
  struct Case {
    const char* name;
    ClientIpSource source;
    ProtoSource proto;
    HeaderIdSet expected;
  };
  const Case cases[] = {
      {"peer", ClientIpSource::kPeer, ProtoSource::kDefault, {kXfh}},
      {"proxy protocol", ClientIpSource::kProxyProtocol, ProtoSource::kTls, {kXfh}},
      {"x-forwarded-for", ClientIpSource::kXForwardedFor, ProtoSource::kXForwardedProto, {kXfh}},
      {"forwarded", ClientIpSource::kForwarded, ProtoSource::kForwarded, {kXfh}},
      {"cf-connecting-ip",
       ClientIpSource::kCfConnectingIp,
       ProtoSource::kDefault,
       {kXfh, HeaderId::kCfConnectingIp}},
      {"cloudflare with cf-visitor",
       ClientIpSource::kCfConnectingIp,
       ProtoSource::kCfVisitor,
       {kXfh, HeaderId::kCfConnectingIp, HeaderId::kCfVisitor}},
      {"fastly",
       ClientIpSource::kFastlyClientIp,
       ProtoSource::kDefault,
       {kXfh, HeaderId::kFastlyClientIp}},
      {"xff with cf-visitor scheme",
       ClientIpSource::kXForwardedFor,
       ProtoSource::kCfVisitor,
       {kXfh, HeaderId::kCfVisitor}},
  };
  for (const Case& c : cases)
    EXPECT_EQ(identity_headers_to_pass(accepted(c.source, c.proto)), c.expected) << c.name;
}

TEST(IdentityHeadersToPass, RejectedDecisionPassesNothing) {
  ClientIpDecision d = accepted(ClientIpSource::kCfConnectingIp, ProtoSource::kCfVisitor);
  d.status = DecisionStatus::kRejected;
  d.client_ip.reset();
  EXPECT_EQ(identity_headers_to_pass(d), HeaderIdSet{});
}

}  // namespace
}  // namespace doorman::request_path
