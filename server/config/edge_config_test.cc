// The edge keys of [[route]] (and later [[listener]]): defaults, values, and every error naming
// FILE:LINE: key.
#include <gtest/gtest.h>

#include <string>

#include "config/config.h"

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

}  // namespace
}  // namespace doorman::config
