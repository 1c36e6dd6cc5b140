// What `doorman doctor` concludes from two requests (doctor/diagnose.h), one case per outcome.
#include "doctor/diagnose.h"

#include <gtest/gtest.h>

namespace doorman::doctor {
namespace {

using config::SourceIpMode;

constexpr const char* kOriginCa =
    "C = US, O = \"CloudFlare, Inc.\", OU = CloudFlare Origin SSL Certificate Authority";

Target route(SourceIpMode mode, bool pull = false) {
  Target t;
  t.host = "app.example.com";
  t.route_number = 1;
  t.route_name = "app.example.com";
  t.mode = mode;
  t.require_origin_pull = pull;
  return t;
}

ProbeResult answer(long status, std::string cf_ray = "", std::string first_line = "") {
  ProbeResult r;
  r.answered = true;
  r.status = status;
  r.cf_ray = std::move(cf_ray);
  r.first_line = std::move(first_line);
  r.certificate_seen = true;
  r.trusted = true;
  r.issuer = "C = US, O = Let's Encrypt, CN = R11";
  return r;
}

ProbeResult no_answer(std::string error, bool tls_refused = false) {
  ProbeResult r;
  r.error = std::move(error);
  r.tls_refused = tls_refused;
  return r;
}

ProbeResult with_origin_ca(ProbeResult r) {
  r.trusted = false;
  r.trust_error = "SSL peer certificate or SSH remote key was not OK";
  r.issuer = kOriginCa;
  return r;
}

// The findings of one level, as text.
std::vector<std::string> at(const std::vector<Finding>& findings, Level level) {
  std::vector<std::string> out;
  for (const Finding& f : findings)
    if (f.level == level) out.push_back(f.text);
  return out;
}

bool mentions(const std::vector<std::string>& texts, std::string_view word) {
  for (const std::string& t : texts)
    if (t.find(word) != std::string::npos) return true;
  return false;
}

TEST(Diagnose, LockedDownRouteRefusesTheDirectRequestByOriginPull) {
  auto f = diagnose(route(SourceIpMode::kCloudflareProxy, true), answer(200, "8f00-LHR"),
                    with_origin_ca(answer(403, "", "forbidden: no-origin-pull-certificate")));
  EXPECT_TRUE(at(f, Level::kProblem).empty());
  EXPECT_TRUE(at(f, Level::kWarning).empty());
  EXPECT_TRUE(mentions(at(f, Level::kOk), "cf-ray 8f00-LHR"));
  EXPECT_TRUE(mentions(at(f, Level::kOk), "origin pull enforced"));
  EXPECT_TRUE(mentions(at(f, Level::kNote), "Origin CA"));
}

TEST(Diagnose, HandshakeAlertIsOriginPullAtTheListener) {
  auto f = diagnose(route(SourceIpMode::kCloudflareProxy, true), answer(200, "8f00-LHR"),
                    no_answer("tlsv13 alert certificate required", true));
  EXPECT_TRUE(at(f, Level::kProblem).empty());
  EXPECT_TRUE(mentions(at(f, Level::kOk), "client certificate"));
}

TEST(Diagnose, FirewalledOriginDoesNotAnswer) {
  auto f = diagnose(route(SourceIpMode::kCloudflareProxy, true), answer(200, "8f00-LHR"),
                    no_answer("Connection timed out"));
  EXPECT_TRUE(at(f, Level::kProblem).empty());
  EXPECT_TRUE(mentions(at(f, Level::kOk), "firewall"));
}

TEST(Diagnose, StrictModeWithoutOriginPullIsAWarning) {
  auto f = diagnose(route(SourceIpMode::kCloudflareProxy), answer(200, "8f00-LHR"),
                    answer(403, "", "forbidden: untrusted-peer"));
  EXPECT_TRUE(at(f, Level::kProblem).empty());
  EXPECT_TRUE(mentions(at(f, Level::kOk), "403 untrusted-peer"));
  EXPECT_TRUE(mentions(at(f, Level::kWarning), "origin pull not required"));
}

TEST(Diagnose, StrictRouteThatAnswersDirectlyIsAProblem) {
  auto f =
      diagnose(route(SourceIpMode::kCloudflareProxy, true), answer(200, "8f00-LHR"), answer(200));
  EXPECT_TRUE(mentions(at(f, Level::kProblem), "did not refuse"));
}

TEST(Diagnose, OpenRouteBypassIsAWarning) {
  auto f = diagnose(route(SourceIpMode::kAuto), answer(200, "8f00-LHR"), answer(200));
  EXPECT_TRUE(at(f, Level::kProblem).empty());
  EXPECT_TRUE(mentions(at(f, Level::kWarning), "bypasses"));
}

TEST(Diagnose, OriginCaOnARouteWithDirectVisitorsIsAWarning) {
  auto f =
      diagnose(route(SourceIpMode::kAuto), answer(200, "8f00-LHR"), with_origin_ca(answer(200)));
  EXPECT_TRUE(mentions(at(f, Level::kWarning), "Origin CA"));
}

TEST(Diagnose, NoCfRayOnAStrictRouteIsAProblem) {
  auto f = diagnose(route(SourceIpMode::kCloudflareProxy, true), answer(200),
                    no_answer("Connection refused"));
  EXPECT_TRUE(mentions(at(f, Level::kProblem), "no cf-ray"));
  f = diagnose(route(SourceIpMode::kDirect), answer(200), answer(200));
  EXPECT_TRUE(mentions(at(f, Level::kNote), "no cf-ray"));
}

TEST(Diagnose, CloudflareRefusedByOriginPullIsAProblem) {
  auto f = diagnose(route(SourceIpMode::kCloudflareProxy, true),
                    answer(403, "8f00-LHR", "forbidden: no-origin-pull-certificate"),
                    answer(403, "", "forbidden: no-origin-pull-certificate"));
  EXPECT_TRUE(mentions(at(f, Level::kProblem), "Authenticated Origin Pulls"));
}

TEST(Diagnose, UntrustedCertificateThroughDnsIsAProblem) {
  auto f = diagnose(route(SourceIpMode::kAuto), with_origin_ca(answer(200)),
                    no_answer("Connection refused"));
  EXPECT_TRUE(mentions(at(f, Level::kProblem), "not trusted"));
}

TEST(Diagnose, CfRayFromTheOriginAddressMeansItIsCloudflare) {
  auto f = diagnose(route(SourceIpMode::kCloudflareProxy, true), answer(200, "8f00-LHR"),
                    answer(200, "8f01-LHR"));
  EXPECT_TRUE(mentions(at(f, Level::kWarning), "--origin"));
  EXPECT_TRUE(at(f, Level::kProblem).empty());
}

TEST(Diagnose, NoAnswerThroughDnsIsAProblem) {
  auto f = diagnose(route(SourceIpMode::kAuto), no_answer("Could not resolve host"), answer(200));
  EXPECT_TRUE(mentions(at(f, Level::kProblem), "Could not resolve host"));
}

TEST(Describe, Outcomes) {
  EXPECT_EQ(describe(answer(200, "8f00-LHR")), "200, cf-ray 8f00-LHR");
  EXPECT_EQ(describe(answer(403, "", "forbidden: untrusted-peer")),
            "403 forbidden: untrusted-peer, no cf-ray");
  EXPECT_EQ(describe(no_answer("Couldn't connect to server")),
            "no answer: Couldn't connect to server");
}

TEST(TargetsOf, ExactHostsOnceWithTheirPath) {
  auto loaded = config::load_config_text(R"(
[[listener]]
address = "127.0.0.1:0"
[[route]]
routes = ["app.example.com/api/*", "*.example.com", "/health"]
upstream = "builtin:echo"
source_ip = "cloudflare-proxy"
[[route]]
routes = ["app.example.com", "www.example.com"]
upstream = "builtin:echo"
)",
                                         "t.toml");
  ASSERT_TRUE(loaded.config) << (loaded.errors.empty() ? "" : loaded.errors[0]);
  const auto targets = targets_of(*loaded.config);
  ASSERT_EQ(targets.size(), 2u);
  EXPECT_EQ(targets[0].host, "app.example.com");
  EXPECT_EQ(targets[0].path, "/api/");
  EXPECT_EQ(targets[0].route_number, 1u);
  EXPECT_EQ(targets[0].mode, SourceIpMode::kCloudflareProxy);
  EXPECT_EQ(targets[1].host, "www.example.com");
  EXPECT_EQ(targets[1].route_number, 2u);
}

}  // namespace
}  // namespace doorman::doctor
