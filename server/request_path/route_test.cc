// Routing: exact beats wildcard, wildcard never matches the apex, longest path wins, Host with a
// port or a trailing dot, the default route, and no route at all.
#include "request_path/route.h"

#include <gtest/gtest.h>

namespace doorman::request_path {
namespace {

config::RouteSection make_route(std::vector<std::string> patterns) {
  config::RouteSection r;
  for (const auto& p : patterns) {
    auto parsed = config::parse_route_pattern(p);
    EXPECT_TRUE(parsed) << p;
    if (parsed) r.patterns.push_back(*parsed);
  }
  r.name = patterns.empty() ? "default" : patterns[0];
  return r;
}

struct Case {
  const char* host;
  const char* target;
  const char* expected;  // route name, or nullptr for no route
};

TEST(RouteTable, PicksTheMostSpecificRoute) {
  const std::vector<config::RouteSection> routes = {
      make_route({"www.example.com"}),
      make_route({"*.example.com"}),
      make_route({"*.api.example.com"}),
      make_route({"example.com/docs/*"}),
      make_route({"example.com/docs/api/*"}),
      make_route({"example.com/exact"}),
      make_route({"/static/*"}),
      make_route({"[::1]", "127.0.0.1"}),
  };
  const RouteTable table(routes);
  const Case cases[] = {
      {"www.example.com", "/", "www.example.com"},
      {"WWW.EXAMPLE.COM", "/x", "www.example.com"},
      {"www.example.com:8080", "/", "www.example.com"},
      {"www.example.com.", "/", "www.example.com"},
      {"a.example.com", "/", "*.example.com"},
      {"a.b.example.com", "/", "*.example.com"},
      {"x.api.example.com", "/", "*.api.example.com"},  // longer wildcard suffix wins
      {"example.com", "/", nullptr},                    // the apex is not *.example.com
      {"example.com", "/docs/x", "example.com/docs/*"},
      {"example.com", "/docs/api/v1?q=1", "example.com/docs/api/*"},
      {"example.com", "/exact", "example.com/exact"},
      {"example.com", "/exact/more", nullptr},
      {"example.com", "/static/a.css", "/static/*"},  // falls back to host-less patterns
      {"www.example.com", "/static/a.css", "www.example.com"},
      {"other.test", "/static/", "/static/*"},
      {"other.test", "/", nullptr},
      {"", "/", nullptr},
      {"[::1]:8080", "/", "[::1]"},
      {"127.0.0.1:80", "/", "[::1]"},
      {"ignored", "http://www.example.com/x", "www.example.com"},  // absolute-form
  };
  for (const Case& c : cases) {
    const config::RouteSection* r = table.match(c.host, c.target);
    if (c.expected == nullptr) {
      EXPECT_EQ(r, nullptr) << c.host << c.target << " -> " << (r ? r->name : "");
    } else {
      ASSERT_NE(r, nullptr) << c.host << c.target;
      EXPECT_EQ(r->name, c.expected) << c.host << c.target;
    }
  }
}

TEST(RouteTable, DefaultRouteCatchesTheRest) {
  const std::vector<config::RouteSection> routes = {make_route({"a.test"}), make_route({})};
  const RouteTable table(routes);
  EXPECT_EQ(table.match("a.test", "/")->name, "a.test");
  EXPECT_EQ(table.match("b.test", "/")->name, "default");
  EXPECT_EQ(table.match("", "/")->name, "default");
}

TEST(RouteTable, OverlongHostMatchesOnlyTheDefault) {
  const std::vector<config::RouteSection> routes = {make_route({"*.test"})};
  const RouteTable table(routes);
  EXPECT_EQ(table.match(std::string(300, 'a') + ".test", "/"), nullptr);
}

}  // namespace
}  // namespace doorman::request_path
