// The edge keys of [[route]] (and later [[listener]]): defaults, values, and every error naming
// FILE:LINE: key.
#include <gtest/gtest.h>

#include <string>

#include "config/config.h"
#include "doorman/ip_address.h"

namespace doorman::config {
namespace {

std::string with_route(std::string_view keys) {
  return "[[listener]]\naddress = \"127.0.0.1:8080\"\n\n[[route]]\nupstream = \"builtin:echo\"\n" +
         std::string(keys) + "\n";
}

TEST(EdgeConfig, RouteDefaultsAndValues) {
  auto r = load_config_text(with_route(""), "t.toml");
  ASSERT_TRUE(r.config);
  EXPECT_FALSE(r.config->routes[0].edge.https_redirect);
  EXPECT_EQ(r.config->routes[0].edge.https_port, 0);
  r = load_config_text(with_route("https_redirect = true\nhttps_port = 8443"), "t.toml");
  ASSERT_TRUE(r.config) << r.errors[0];
  EXPECT_TRUE(r.config->routes[0].edge.https_redirect);
  EXPECT_EQ(r.config->routes[0].edge.https_port, 8443);
}

TEST(EdgeConfig, RouteErrorsNameFileLineAndKey) {
  struct Case {
    const char* keys;
    const char* error;
  };
  const Case cases[] = {
      {"https_redirect = \"yes\"", "t.toml:6: route[1].https_redirect: expected true or false"},
      {"https_redirect = true\nhttps_port = 0",
       "t.toml:7: route[1].https_port: expected a port number from 1 to 65535"},
      {"https_redirect = true\nhttps_port = 70000",
       "t.toml:7: route[1].https_port: expected a port number from 1 to 65535"},
      {"https_port = 443", "t.toml:6: route[1].https_port: only used with https_redirect = true"},
      {"https_redirects = true", "t.toml:6: route[1].https_redirects: unknown key"},
  };
  for (const Case& c : cases) {
    const auto r = load_config_text(with_route(c.keys), "t.toml");
    ASSERT_EQ(r.errors.size(), 1u) << c.keys;
    EXPECT_EQ(r.errors[0], c.error);
  }
}

std::string with_listener(std::string_view keys) {
  return "[[listener]]\naddress = \"127.0.0.1:8080\"\n" + std::string(keys) +
         "\n\n[[route]]\nupstream = \"builtin:echo\"\n";
}

TEST(EdgeConfig, ListenerProxyProtocolValues) {
  auto r = load_config_text(with_listener(""), "t.toml");
  ASSERT_TRUE(r.config);
  const ListenerEdge& off = r.config->listeners[0].edge;
  EXPECT_EQ(off.proxy_protocol, ProxyProtocolMode::kOff);
  EXPECT_EQ(off.proxy_header_timeout, std::chrono::seconds(5));
  EXPECT_FALSE(off.tls);
  r = load_config_text(with_listener("proxy_protocol = \"v2\"\nproxy_protocol_from = "
                                     "[\"10.0.0.0/8\", \"2001:db8::/32\", \"192.0.2.1\"]\n"
                                     "proxy_header_timeout = \"500ms\""),
                       "t.toml");
  ASSERT_TRUE(r.config) << r.errors[0];
  const ListenerEdge& e = r.config->listeners[0].edge;
  EXPECT_EQ(e.proxy_protocol, ProxyProtocolMode::kV2);
  EXPECT_EQ(e.proxy_header_timeout, std::chrono::milliseconds(500));
  EXPECT_TRUE(e.proxy_protocol_from_set.contains(*IpAddress::parse("10.1.2.3")));
  EXPECT_TRUE(e.proxy_protocol_from_set.contains(*IpAddress::parse("2001:db8::5")));
  EXPECT_TRUE(e.proxy_protocol_from_set.contains(*IpAddress::parse("192.0.2.1")));
  EXPECT_FALSE(e.proxy_protocol_from_set.contains(*IpAddress::parse("192.0.2.2")));
  for (const char* mode : {"v1", "any", "off"})
    EXPECT_TRUE(
        load_config_text(with_listener(std::string("proxy_protocol = \"") + mode + "\""), "t.toml")
            .config)
        << mode;
}

TEST(EdgeConfig, ListenerErrorsNameFileLineAndKey) {
  struct Case {
    const char* keys;
    const char* error;
  };
  const Case cases[] = {
      {"proxy_protocol = \"v3\"",
       "t.toml:3: listener[1].proxy_protocol: expected one of \"off\", \"v1\", \"v2\", \"any\""},
      {"proxy_protocol = \"v1\"\nproxy_protocol_from = [\"10.0.0.0/33\"]",
       "t.toml:4: listener[1].proxy_protocol_from: '10.0.0.0/33': expected a CIDR like "
       "\"10.0.0.0/8\""},
      {"proxy_protocol_from = [\"10.0.0.0/8\"]",
       "t.toml:3: listener[1].proxy_protocol_from: only used with proxy_protocol"},
      {"proxy_protocol = \"v1\"\nproxy_header_timeout = \"soon\"",
       "t.toml:4: listener[1].proxy_header_timeout: expected a positive duration like \"5s\", "
       "\"500ms\""},
      {"tls = true",
       "t.toml:3: listener[1].certificate: tls = true needs at least one [[listener.certificate]] "
       "or certificates = \"acme\""},
      {"[[listener.certificate]]\ncert = \"a\"\nkey = \"b\"",
       "t.toml:3: listener[1].certificate: only used with tls = true"},
  };
  for (const Case& c : cases) {
    const auto r = load_config_text(with_listener(c.keys), "t.toml");
    ASSERT_EQ(r.errors.size(), 1u) << c.keys;
    EXPECT_EQ(r.errors[0], c.error);
  }
}

TEST(EdgeConfig, ClientAuthIsNotCombinedWithAcmeCertificates) {
  // ACME certificate contexts are shared by all listeners and carry no client CA.
  const auto r = load_config_text(
      with_listener("tls = true\ncertificates = \"acme\"\nclient_auth = \"cloudflare\""), "t.toml");
  ASSERT_FALSE(r.config);
  bool named = false;
  for (const std::string& e : r.errors)
    named = named || e.find("cannot be combined with certificates = \"acme\"") != std::string::npos;
  EXPECT_TRUE(named) << r.errors[0];
}

TEST(EdgeConfig, UpstreamProxyProtocol) {
  auto r = load_config_text(with_route("upstream_proxy_protocol = \"v2\""), "t.toml");
  ASSERT_TRUE(r.config) << r.errors[0];
  EXPECT_EQ(r.config->routes[0].edge.upstream_proxy_protocol, UpstreamProxyProtocol::kV2);
  r = load_config_text(with_route("upstream_proxy_protocol = \"v9\""), "t.toml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0],
            "t.toml:6: route[1].upstream_proxy_protocol: expected one of \"off\", \"v1\", \"v2\"");
}

}  // namespace
}  // namespace doorman::config
