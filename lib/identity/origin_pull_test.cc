// Authenticated Origin Pulls: check_origin_pull (doorman/origin_pull.h) and the origin-pull step
// of the Cloudflare rule in resolve_client_ip (client_ip.h), table-driven, IPv4 and IPv6.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "doorman/client_ip.h"
#include "doorman/cloudflare_ranges.h"
#include "doorman/origin_pull.h"

namespace doorman {
namespace {

struct CheckCase {
  std::string name;
  bool required;
  std::string subject;
  ClientCertState certificate;
  std::vector<std::string> names;
  OriginPullCheck expected;
};

class CheckOriginPull : public ::testing::TestWithParam<CheckCase> {};

TEST_P(CheckOriginPull, FollowsTheRule) {
  const CheckCase& c = GetParam();
  OriginPull pull;
  pull.required = c.required;
  pull.subject = c.subject;
  pull.certificate = c.certificate;
  pull.names = c.names;
  EXPECT_EQ(origin_pull_check_name(check_origin_pull(pull)), origin_pull_check_name(c.expected));
}

using S = ClientCertState;
using K = OriginPullCheck;

INSTANTIATE_TEST_SUITE_P(
    Table, CheckOriginPull,
    ::testing::Values(
        CheckCase{"NotRequiredIgnoresAbsent", false, "", S::kAbsent, {}, K::kNotRequired},
        CheckCase{"NotRequiredIgnoresUnverified", false, "", S::kUnverified, {}, K::kNotRequired},
        CheckCase{
            "VerifiedNoPin", true, "", S::kVerified, {"origin-pull.cloudflare.net"}, K::kVerified},
        CheckCase{"VerifiedWithoutNamesNoPin", true, "", S::kVerified, {}, K::kVerified},
        CheckCase{"Absent", true, "", S::kAbsent, {}, K::kAbsent},
        CheckCase{
            "Unverified", true, "", S::kUnverified, {"origin-pull.cloudflare.net"}, K::kUnverified},
        CheckCase{"UnverifiedEvenIfPinMatches",
                  true,
                  "zone.example",
                  S::kUnverified,
                  {"zone.example"},
                  K::kUnverified},
        CheckCase{
            "PinMatchesCn", true, "zone.example", S::kVerified, {"zone.example"}, K::kVerified},
        CheckCase{"PinMatchesSecondSan",
                  true,
                  "b.example",
                  S::kVerified,
                  {"a.example", "b.example"},
                  K::kVerified},
        CheckCase{"PinIsCaseInsensitive",
                  true,
                  "Zone.Example",
                  S::kVerified,
                  {"zone.EXAMPLE"},
                  K::kVerified},
        CheckCase{"PinMismatch",
                  true,
                  "zone.example",
                  S::kVerified,
                  {"other.example"},
                  K::kSubjectMismatch},
        CheckCase{"PinNoWildcardMatch",
                  true,
                  "a.zone.example",
                  S::kVerified,
                  {"*.zone.example"},
                  K::kSubjectMismatch},
        CheckCase{"PinPrefixIsNotAMatch",
                  true,
                  "zone.example",
                  S::kVerified,
                  {"zone.example.evil"},
                  K::kSubjectMismatch},
        CheckCase{"PinWithoutNames", true, "zone.example", S::kVerified, {}, K::kSubjectMismatch}),
    [](const auto& info) { return info.param.name; });

TEST(CheckOriginPull, NamesPastTheCapAreNotCompared) {
  std::vector<std::string> names(kMaxOriginPullNames, "filler.example");
  names.push_back("zone.example");
  OriginPull pull{.required = true,
                  .subject = "zone.example",
                  .certificate = ClientCertState::kVerified,
                  .names = names};
  EXPECT_EQ(check_origin_pull(pull), OriginPullCheck::kSubjectMismatch);
}

TEST(ClientCertStateNames, RoundTrip) {
  for (auto s : {S::kAbsent, S::kVerified, S::kUnverified})
    EXPECT_EQ(parse_client_cert_state(client_cert_state_name(s)), s);
  EXPECT_FALSE(parse_client_cert_state("yes").has_value());
}

// The resolver: the step runs in cloudflare-proxy and in auto's Cloudflare branch, before
// CF-Connecting-IP is read, and nowhere else.
const CidrSet& test_trusted() {
  static const CidrSet set = *parse_cidr_list("127.0.0.0/8\n::1/128\n10.0.0.0/8\n");
  return set;
}

constexpr const char* kCfV4 = "173.245.48.10";
constexpr const char* kCfV6 = "2400:cb00::10";

struct ResolveCase {
  std::string name;
  SourceIpMode mode;
  std::string peer;
  bool required;
  std::string subject;
  ClientCertState certificate;
  std::vector<std::pair<std::string, std::string>> headers;
  int status;
  ClientIpReason reason;
  OriginPullCheck step;
  std::string client;  // when 200
};

class OriginPullResolve : public ::testing::TestWithParam<ResolveCase> {};

TEST_P(OriginPullResolve, FollowsTheRule) {
  const ResolveCase& c = GetParam();
  std::vector<HeaderField> fields;
  for (const auto& [name, value] : c.headers) fields.push_back({name, value});
  const std::vector<std::string> names = {"origin-pull.cloudflare.net", "zone.example"};
  ResolveRequest request;
  request.peer = *IpAddress::parse(c.peer);
  request.mode = c.mode;
  request.trusted = &test_trusted();
  request.cloudflare = &bundled_cloudflare_ranges();
  request.headers = fields;
  request.origin_pull = {
      .required = c.required, .subject = c.subject, .certificate = c.certificate, .names = names};
  ResolveTrace trace;
  const ClientIpDecision d = resolve_client_ip(request, &trace);
  EXPECT_EQ(d.http_status(), c.status);
  EXPECT_EQ(client_ip_reason_name(d.reason), client_ip_reason_name(c.reason));
  EXPECT_EQ(origin_pull_check_name(d.origin_pull), origin_pull_check_name(c.step));
  if (c.status == 200) {
    ASSERT_TRUE(d.client_ip.has_value());
    EXPECT_EQ(d.client_ip->to_string(), c.client);
  } else {
    EXPECT_FALSE(d.client_ip.has_value());
    EXPECT_FALSE(d.cloudflare_matched);
  }
  // The trace names the step whenever the route required it and the Cloudflare rule ran.
  bool traced = false;
  for (const TraceStep& s : trace.steps) traced = traced || s.code == "origin-pull";
  EXPECT_EQ(traced, c.step != OriginPullCheck::kNotRequired);
}

using M = SourceIpMode;
using R = ClientIpReason;
const std::vector<std::pair<std::string, std::string>> kCf = {{"CF-Connecting-IP", "1.2.3.4"}};
const std::vector<std::pair<std::string, std::string>> kCf6 = {{"CF-Connecting-IP", "2001:db8::7"}};
const std::vector<std::pair<std::string, std::string>> kXff = {{"X-Forwarded-For", "1.2.3.4"}};

INSTANTIATE_TEST_SUITE_P(
    Table, OriginPullResolve,
    ::testing::Values(
        // cloudflare-proxy
        ResolveCase{"StrictVerifiedV4", M::kCloudflareProxy, kCfV4, true, "", S::kVerified, kCf,
                    200, R::kOk, K::kVerified, "1.2.3.4"},
        ResolveCase{"StrictVerifiedV6", M::kCloudflareProxy, kCfV6, true, "", S::kVerified, kCf6,
                    200, R::kOk, K::kVerified, "2001:db8::7"},
        ResolveCase{"StrictAbsentV4", M::kCloudflareProxy, kCfV4, true, "", S::kAbsent, kCf, 403,
                    R::kNoOriginPullCertificate, K::kAbsent, ""},
        ResolveCase{"StrictAbsentV6", M::kCloudflareProxy, kCfV6, true, "", S::kAbsent, kCf6, 403,
                    R::kNoOriginPullCertificate, K::kAbsent, ""},
        ResolveCase{"StrictUnverified", M::kCloudflareProxy, kCfV4, true, "", S::kUnverified, kCf,
                    403, R::kBadOriginPullCertificate, K::kUnverified, ""},
        ResolveCase{"StrictPinMatches", M::kCloudflareProxy, kCfV6, true, "zone.example",
                    S::kVerified, kCf6, 200, R::kOk, K::kVerified, "2001:db8::7"},
        ResolveCase{"StrictPinMismatch", M::kCloudflareProxy, kCfV4, true, "other.example",
                    S::kVerified, kCf, 403, R::kBadOriginPullCertificate, K::kSubjectMismatch, ""},
        // The certificate is checked before the header: a missing header behind a missing
        // certificate reports the certificate.
        ResolveCase{"StrictAbsentBeforeMissingHeader",
                    M::kCloudflareProxy,
                    kCfV4,
                    true,
                    "",
                    S::kAbsent,
                    {},
                    403,
                    R::kNoOriginPullCertificate,
                    K::kAbsent,
                    ""},
        ResolveCase{"StrictVerifiedMissingHeader",
                    M::kCloudflareProxy,
                    kCfV4,
                    true,
                    "",
                    S::kVerified,
                    {},
                    403,
                    R::kMissingCfConnectingIp,
                    K::kVerified,
                    ""},
        // Not a Cloudflare peer: the certificate does not make it one.
        ResolveCase{"StrictNotCloudflareEvenVerified", M::kCloudflareProxy, "192.0.2.1", true, "",
                    S::kVerified, kCf, 403, R::kNotCloudflare, K::kNotRequired, ""},
        ResolveCase{"StrictNotRequired", M::kCloudflareProxy, kCfV4, false, "", S::kAbsent, kCf,
                    200, R::kOk, K::kNotRequired, "1.2.3.4"},
        // auto: the Cloudflare branch requires it; the other branches never look at it.
        ResolveCase{"AutoCloudflareVerified", M::kAuto, kCfV4, true, "", S::kVerified, kCf, 200,
                    R::kOk, K::kVerified, "1.2.3.4"},
        ResolveCase{"AutoCloudflareAbsentV4", M::kAuto, kCfV4, true, "", S::kAbsent, kCf, 403,
                    R::kNoOriginPullCertificate, K::kAbsent, ""},
        ResolveCase{"AutoCloudflareAbsentV6", M::kAuto, kCfV6, true, "", S::kAbsent, kCf6, 403,
                    R::kNoOriginPullCertificate, K::kAbsent, ""},
        ResolveCase{"AutoCloudflareAbsentNoHeader",
                    M::kAuto,
                    kCfV4,
                    true,
                    "",
                    S::kAbsent,
                    {},
                    403,
                    R::kNoOriginPullCertificate,
                    K::kAbsent,
                    ""},
        ResolveCase{"AutoCloudflareUnverified", M::kAuto, kCfV6, true, "", S::kUnverified, kCf6,
                    403, R::kBadOriginPullCertificate, K::kUnverified, ""},
        ResolveCase{"AutoDirectPeerUnaffected", M::kAuto, "192.0.2.1", true, "", S::kAbsent, kCf,
                    200, R::kOk, K::kNotRequired, "192.0.2.1"},
        ResolveCase{"AutoDirectPeerV6Unaffected", M::kAuto, "2001:db8::1", true, "", S::kAbsent,
                    kCf, 200, R::kOk, K::kNotRequired, "2001:db8::1"},
        ResolveCase{"AutoTrustedProxyUnaffected", M::kAuto, "10.0.0.1", true, "", S::kAbsent, kXff,
                    200, R::kOk, K::kNotRequired, "1.2.3.4"},
        // Other modes ignore the option (the configuration refuses it there).
        ResolveCase{"TunnelIgnores", M::kCloudflareTunnel, "127.0.0.1", true, "", S::kAbsent, kCf,
                    200, R::kOk, K::kNotRequired, "1.2.3.4"},
        ResolveCase{"DirectIgnores", M::kDirect, kCfV4, true, "", S::kAbsent, kCf, 200, R::kOk,
                    K::kNotRequired, kCfV4}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace doorman
