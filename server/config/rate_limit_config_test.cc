// [rate_limit] and per-route rate_limit: values, defaults, and errors that name FILE:LINE: key.
#include <gtest/gtest.h>

#include <string>

#include "config/config.h"

namespace doorman::config {
namespace {

std::string with(std::string_view rate_limit_table, std::string_view route_extra = "") {
  return std::string(rate_limit_table) +
         "\n[[listener]]\naddress = \"127.0.0.1:8080\"\n\n[[route]]\nupstream = "
         "\"127.0.0.1:3000\"\n" +
         std::string(route_extra) + "\n";
}

TEST(RateLimitConfig, AbsentMeansNoLimitAndLocalDefaults) {
  auto r = load_config_text(with(""), "t.toml");
  ASSERT_TRUE(r.config) << r.errors[0];
  const RateLimitSection& s = r.config->rate_limit;
  EXPECT_FALSE(s.has_default);
  EXPECT_EQ(s.ipv6_prefix, 64);
  EXPECT_EQ(s.max_keys, 100'000u);
  EXPECT_FALSE(s.redis);
  EXPECT_EQ(s.on_backend_error, RateLimitFallback::kLocal);
  EXPECT_EQ(s.backend_timeout, std::chrono::milliseconds(5));
  EXPECT_EQ(r.config->routes[0].rate_limit.kind, RouteRateLimit::Kind::kInherit);
}

TEST(RateLimitConfig, FullServerTable) {
  auto r = load_config_text(with(R"([rate_limit]
requests = 100
per = "1m"
burst = 200
ipv6_prefix = 56
max_keys = 5000
backend = "redis://127.0.0.1:6390"
on_backend_error = "deny"
backend_timeout = "20ms")"),
                            "t.toml");
  ASSERT_TRUE(r.config) << r.errors[0];
  const RateLimitSection& s = r.config->rate_limit;
  EXPECT_TRUE(s.has_default);
  EXPECT_EQ(s.rule, (RateLimitRule{100, std::chrono::minutes(1), 200}));
  EXPECT_EQ(s.ipv6_prefix, 56);
  EXPECT_EQ(s.max_keys, 5000u);
  EXPECT_TRUE(s.redis);
  EXPECT_EQ(s.redis_host, "127.0.0.1");
  EXPECT_EQ(s.redis_port, 6390);
  EXPECT_EQ(s.on_backend_error, RateLimitFallback::kDeny);
  EXPECT_EQ(s.backend_timeout, std::chrono::milliseconds(20));
}

TEST(RateLimitConfig, RouteOverridesAndOff) {
  struct Case {
    const char* name;
    const char* route_line;
    RouteRateLimit::Kind kind;
    RateLimitRule rule;
  } cases[] = {
      {"InlineTable",
       "rate_limit = { requests = 100, per = \"1s\", burst = 200 }",
       RouteRateLimit::Kind::kOwn,
       {100, std::chrono::seconds(1), 200}},
      {"PerDefaultsToOneSecond",
       "rate_limit = { requests = 7 }",
       RouteRateLimit::Kind::kOwn,
       {7, std::chrono::seconds(1), 0}},
      {"IntegerSeconds",
       "rate_limit = { requests = 7, per = 60 }",
       RouteRateLimit::Kind::kOwn,
       {7, std::chrono::seconds(60), 0}},
      {"False", "rate_limit = false", RouteRateLimit::Kind::kOff, {}},
      {"TrueIsTheDefault", "rate_limit = true", RouteRateLimit::Kind::kInherit, {}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto r = load_config_text(with("[rate_limit]\nrequests = 5", c.route_line), "t.toml");
    ASSERT_TRUE(r.config) << r.errors[0];
    EXPECT_EQ(r.config->routes[0].rate_limit.kind, c.kind);
    if (c.kind == RouteRateLimit::Kind::kOwn) {
      EXPECT_EQ(r.config->routes[0].rate_limit.rule, c.rule);
    }
  }
}

TEST(RateLimitConfig, ErrorsNameFileLineAndKey) {
  struct Case {
    const char* name;
    std::string text;
    const char* error;
  } cases[] = {
      {"UnknownServerKey", with("[rate_limit]\nrequests = 5\nrequest = 4"),
       "t.toml:3: rate_limit.request: unknown key"},
      {"ZeroRequests", with("[rate_limit]\nrequests = 0"), "t.toml:2: rate_limit.requests:"},
      {"BadPer", with("[rate_limit]\nrequests = 5\nper = \"1 sec\""), "t.toml:3: rate_limit.per:"},
      {"PerOverADay", with("[rate_limit]\nrequests = 5\nper = \"25h\""),
       "t.toml:3: rate_limit.per:"},
      {"BurstWithoutRequests", with("[rate_limit]\nburst = 5"),
       "rate_limit.requests: requests is required"},
      {"PrefixZero", with("[rate_limit]\nipv6_prefix = 0"), "t.toml:2: rate_limit.ipv6_prefix:"},
      {"PrefixTooLong", with("[rate_limit]\nipv6_prefix = 129"),
       "t.toml:2: rate_limit.ipv6_prefix:"},
      {"MaxKeysZero", with("[rate_limit]\nmax_keys = 0"), "t.toml:2: rate_limit.max_keys:"},
      {"BackendScheme", with("[rate_limit]\nbackend = \"http://127.0.0.1:1\""),
       "t.toml:2: rate_limit.backend: expected \"local\" or \"redis://host:port\""},
      {"BackendNoPort", with("[rate_limit]\nbackend = \"redis://127.0.0.1\""),
       "t.toml:2: rate_limit.backend:"},
      {"Fallback", with("[rate_limit]\non_backend_error = \"open\""),
       "t.toml:2: rate_limit.on_backend_error:"},
      {"TimeoutTooLong", with("[rate_limit]\nbackend_timeout = \"2s\""),
       "t.toml:2: rate_limit.backend_timeout:"},
      {"NotATable", "rate_limit = 5\n" + with(""), "t.toml:1: rate_limit: expected a table"},
      {"RouteString", with("", "rate_limit = \"100/s\""),
       "t.toml:7: route[1].rate_limit: expected false or"},
      {"RouteUnknownKey", with("", "rate_limit = { requests = 1, rate = 2 }"),
       "t.toml:7: route[1].rate_limit.rate: unknown key"},
      {"RouteMissingRequests", with("", "rate_limit = { per = \"1s\" }"),
       "route[1].rate_limit.requests: requests is required"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto r = load_config_text(c.text, "t.toml");
    ASSERT_FALSE(r.config);
    bool found = false;
    for (const std::string& e : r.errors) found = found || e.find(c.error) != std::string::npos;
    EXPECT_TRUE(found) << "got: " << r.errors[0];
  }
}

}  // namespace
}  // namespace doorman::config
