// [acme] and listener certificates = "acme": defaults, values, host names, and errors naming
// FILE:LINE: key.
#include <gtest/gtest.h>

#include <string>

#include "config/config.h"

namespace doorman::config {
namespace {

std::string config_with(std::string_view acme, std::string_view routes =
                                                   "[[route]]\nroute = \"a.example.com\"\n"
                                                   "upstream = \"builtin:echo\"\n") {
  return "[[listener]]\naddress = \"127.0.0.1:8443\"\ntls = true\ncertificates = \"acme\"\n\n" +
         std::string(routes) + "\n" + std::string(acme);
}

TEST(AcmeConfig, DefaultsAndValues) {
  auto r = load_config_text(config_with("[acme]\n"), "t.toml");
  ASSERT_TRUE(r.config) << r.errors[0];
  const AcmeSection& a = r.config->acme;
  EXPECT_TRUE(a.enabled);
  EXPECT_EQ(a.directory, kLetsEncryptDirectory);
  EXPECT_EQ(a.state_dir, "/var/lib/doorman/acme");
  EXPECT_EQ(a.challenges,
            (std::vector<AcmeChallenge>{AcmeChallenge::kTlsAlpn01, AcmeChallenge::kHttp01}));
  EXPECT_EQ(a.key_type, AcmeKeyType::kEcdsaP256);
  EXPECT_TRUE(r.config->listeners[0].edge.acme);
  EXPECT_TRUE(r.config->listeners[0].edge.tls_context);

  r = load_config_text(config_with("[acme]\nemail = \"ops@example.com\"\n"
                                   "directory = \"https://127.0.0.1:14000/dir\"\n"
                                   "ca_roots = \"/tmp/ca.pem\"\nstate_dir = \"/tmp/s\"\n"
                                   "challenges = [\"http-01\"]\nkey_type = \"rsa2048\"\n"
                                   "retry_after = \"5s\"\n"),
                       "t.toml");
  ASSERT_TRUE(r.config) << r.errors[0];
  EXPECT_EQ(r.config->acme.email, "ops@example.com");
  EXPECT_EQ(r.config->acme.directory, "https://127.0.0.1:14000/dir");
  EXPECT_EQ(r.config->acme.ca_roots, "/tmp/ca.pem");
  EXPECT_EQ(r.config->acme.challenges, (std::vector<AcmeChallenge>{AcmeChallenge::kHttp01}));
  EXPECT_EQ(r.config->acme.key_type, AcmeKeyType::kRsa2048);
  EXPECT_EQ(r.config->acme.retry_after, std::chrono::seconds(5));
}

TEST(AcmeConfig, CloudflareDefaultsAndValues) {
  auto r = load_config_text(config_with("[acme]\n[acme.dns_cloudflare]\n"
                                        "api_token_file = \"/tmp/token\"\n"),
                            "t.toml");
  ASSERT_TRUE(r.config) << r.errors[0];
  EXPECT_TRUE(r.config->acme.cloudflare_resolvers.empty());  // the system's (resolv.conf)
  EXPECT_EQ(r.config->acme.cloudflare_propagation_timeout, std::chrono::minutes(2));
  EXPECT_EQ(r.config->acme.cloudflare_propagation, std::chrono::seconds(0));
  r = load_config_text(
      config_with("[acme]\n[acme.dns_cloudflare]\napi_token_file = \"/tmp/token\"\n"
                  "resolvers = [\"1.1.1.1:53\", \"[2606:4700:4700::1111]:53\", "
                  "\"127.0.0.1:5353\"]\npropagation_timeout = \"30s\"\npropagation = \"5s\"\n"),
      "t.toml");
  ASSERT_TRUE(r.config) << r.errors[0];
  EXPECT_EQ(
      r.config->acme.cloudflare_resolvers,
      (std::vector<std::string>{"1.1.1.1:53", "[2606:4700:4700::1111]:53", "127.0.0.1:5353"}));
  EXPECT_EQ(r.config->acme.cloudflare_propagation_timeout, std::chrono::seconds(30));
  EXPECT_EQ(r.config->acme.cloudflare_propagation, std::chrono::seconds(5));
}

TEST(AcmeConfig, ErrorsNameFileLineAndKey) {
  struct Case {
    std::string text;
    const char* error;
  };
  const Case cases[] = {
      {config_with("[acme]\nkey_type = \"ed25519\"\n"),
       "t.toml:11: acme.key_type: expected one of \"ecdsa-p256\", \"rsa2048\""},
      {config_with("[acme]\nchallenges = [\"http-01\", \"smtp-01\"]\n"),
       "t.toml:11: acme.challenges: 'smtp-01': expected \"tls-alpn-01\", \"http-01\" or "
       "\"dns-01\""},
      {config_with("[acme]\nchallenges = []\n"),
       "t.toml:11: acme.challenges: expected a non-empty array like [\"tls-alpn-01\", "
       "\"http-01\"]"},
      {config_with("[acme]\nemial = \"x@y.z\"\n"), "t.toml:11: acme.emial: unknown key"},
      {config_with("[acme]\nemail = \"nobody\"\n"),
       "t.toml:11: acme.email: expected an address like \"ops@example.com\""},
      {config_with("[acme]\nchallenges = [\"dns-01\"]\n"),
       "t.toml:11: acme.challenges: \"dns-01\" needs [acme.dns_cloudflare] (the DNS provider)"},
      {config_with("[acme]\n[acme.dns_cloudflare]\napi_url = \"https://x\"\n"),
       "t.toml:11: acme.dns_cloudflare.api_token_file: api_token_file is required"},
      {config_with("[acme]\n[acme.dns_cloudflare]\napi_token_file = \"/t\"\n"
                   "resolvers = [\"1.1.1.1\"]\n"),
       "t.toml:13: acme.dns_cloudflare.resolvers: '1.1.1.1': expected IP:PORT like "
       "\"1.1.1.1:53\" or \"[2606:4700:4700::1111]:53\""},
      {config_with("[acme]\n[acme.dns_cloudflare]\napi_token_file = \"/t\"\n"
                   "resolvers = [\"ns.example.com:53\"]\n"),
       "t.toml:13: acme.dns_cloudflare.resolvers: 'ns.example.com:53': expected IP:PORT like "
       "\"1.1.1.1:53\" or \"[2606:4700:4700::1111]:53\""},
      {config_with("[acme]\n[acme.dns_cloudflare]\napi_token_file = \"/t\"\n"
                   "resolvers = [\"1.1.1.1:0\"]\n"),
       "t.toml:13: acme.dns_cloudflare.resolvers: '1.1.1.1:0': expected IP:PORT like "
       "\"1.1.1.1:53\" or \"[2606:4700:4700::1111]:53\""},
      {config_with("[acme]\n[acme.dns_cloudflare]\napi_token_file = \"/t\"\n"
                   "resolvers = []\n"),
       "t.toml:13: acme.dns_cloudflare.resolvers: expected 1 to 8 addresses like "
       "[\"1.1.1.1:53\", \"[2606:4700:4700::1111]:53\"]"},
      {config_with("[acme]\n[acme.dns_cloudflare]\napi_token_file = \"/t\"\n"
                   "propagation_timeout = \"0s\"\n"),
       "t.toml:13: acme.dns_cloudflare.propagation_timeout: expected a duration of at least "
       "\"1s\" like \"2m\""},
      {config_with("[acme]\n[acme.dns_cloudflare]\napi_token_file = \"/t\"\n"
                   "resolver = [\"1.1.1.1:53\"]\n"),
       "t.toml:13: acme.dns_cloudflare.resolver: unknown key"},
      {config_with("[acme]\ndirectory = \"ftp://x\"\n"),
       "t.toml:11: acme.directory: expected an https:// URL"},
      {config_with(""), "t.toml:1: listener.certificates: \"acme\" needs an [acme] table"},
      {"[[listener]]\naddress = \"127.0.0.1:8443\"\ncertificates = \"acme\"\n[[route]]\n"
       "upstream = \"builtin:echo\"\n[acme]\n",
       "t.toml:3: listener[1].certificates: only used with tls = true"},
      {"[[listener]]\naddress = \"127.0.0.1:8443\"\ntls = true\ncertificates = \"files\"\n"
       "[[route]]\nupstream = \"builtin:echo\"\n",
       "t.toml:4: listener[1].certificates: expected \"acme\""},
  };
  for (const Case& c : cases) {
    auto r = load_config_text(c.text, "t.toml");
    EXPECT_FALSE(r.config) << c.error;
    EXPECT_NE(std::find(r.errors.begin(), r.errors.end(), c.error), r.errors.end())
        << c.error << "\n got: " << (r.errors.empty() ? "" : r.errors[0]);
  }
}

TEST(AcmeConfig, HostNamesAreTheRoutesExactNames) {
  const std::string routes =
      "[[route]]\nroutes = [\"B.example.com/api*\", \"a.example.com\", \"*.wild.example.com\"]\n"
      "upstream = \"builtin:echo\"\n"
      "[[route]]\nroutes = [\"127.0.0.1\", \"[::1]\", \"/health\", \"b.example.com/x\"]\n"
      "upstream = \"builtin:echo\"\n";
  auto r = load_config_text(config_with("[acme]\n", routes), "t.toml");
  ASSERT_TRUE(r.config) << r.errors[0];
  EXPECT_EQ(acme_host_names(*r.config),
            (std::vector<std::string>{"a.example.com", "b.example.com"}));
  r = load_config_text(config_with("[acme]\nchallenges = [\"dns-01\"]\n[acme.dns_cloudflare]\n"
                                   "api_token_file = \"/tmp/token\"\n",
                                   routes),
                       "t.toml");
  ASSERT_TRUE(r.config) << r.errors[0];
  EXPECT_EQ(acme_host_names(*r.config),
            (std::vector<std::string>{"*.wild.example.com", "a.example.com", "b.example.com"}));
}

}  // namespace
}  // namespace doorman::config
