// Table-driven tests of the configuration loader: every error names FILE:LINE: key.
#include <gtest/gtest.h>

#include "config/config.h"

namespace doorman::config {
namespace {

constexpr std::string_view kMinimal = R"(
[[listener]]
address = "127.0.0.1:8080"

[[route]]
upstream = "127.0.0.1:3000"
)";

TEST(LoadConfig, MinimalFileGetsDefaults) {
  auto r = load_config_text(kMinimal, "t.toml");
  ASSERT_TRUE(r.config) << (r.errors.empty() ? "" : r.errors[0]);
  EXPECT_EQ(r.config->server.workers, 0);
  EXPECT_TRUE(r.config->server.trust_loopback);
  EXPECT_EQ(r.config->timeouts.request_head, std::chrono::seconds(10));
  EXPECT_EQ(r.config->limits.max_head_size, 16384u);
  ASSERT_EQ(r.config->routes.size(), 1u);
  EXPECT_TRUE(r.config->routes[0].patterns.empty());
  EXPECT_EQ(r.config->routes[0].source_ip, SourceIpMode::kAuto);
  EXPECT_EQ(r.config->routes[0].x_forwarded_for, XffMode::kSet);
}

TEST(LoadConfig, FullFileParses) {
  auto r = load_config_text(R"(
[server]
workers = 2
trusted_proxies = ["10.0.0.0/8", "2001:db8::/32"]
trust_loopback = false
forwarded_header = "forwarded"

[timeouts]
request_head = "5s"
keepalive_idle = 30
upstream_connect = "250ms"
drain = "1m"

[limits]
max_connections = 100
max_head_size = "32KiB"
max_body_size = "1GiB"

[log]
access = "stderr"

[[listener]]
address = "[::1]:0"

[[listener]]
address = "unix:/tmp/doorman.sock"

[[route]]
routes = ["api.example.com", "*.api.example.com", "example.com/docs/*"]
upstream = "unix:/run/app.sock"
source_ip = "trusted-proxy"
x_forwarded_for = "chain"
forwarded = "set"
client_ip_header = "X-Real-IP"
trusted_hops = 1
max_body_size = 1024

[[route]]
route = "www.example.com"
upstream = "builtin:echo"
)",
                            "full.toml");
  ASSERT_TRUE(r.config) << r.errors[0];
  const Config& c = *r.config;
  EXPECT_EQ(c.server.workers, 2);
  EXPECT_FALSE(c.server.trust_loopback);
  EXPECT_EQ(c.server.forwarded_header, ForwardedHeader::kForwarded);
  EXPECT_EQ(c.timeouts.keepalive_idle, std::chrono::seconds(30));
  EXPECT_EQ(c.timeouts.upstream_connect, std::chrono::milliseconds(250));
  EXPECT_EQ(c.timeouts.drain, std::chrono::minutes(1));
  EXPECT_EQ(c.limits.max_head_size, 32768u);
  EXPECT_EQ(c.limits.max_body_size, uint64_t{1} << 30);
  EXPECT_EQ(c.access_log, AccessLog::kStderr);
  ASSERT_EQ(c.listeners.size(), 2u);
  EXPECT_EQ(c.listeners[0].address.host, "::1");
  EXPECT_EQ(c.listeners[1].address.kind, SocketAddress::Kind::kUnix);
  ASSERT_EQ(c.routes.size(), 2u);
  EXPECT_EQ(c.routes[0].patterns.size(), 3u);
  EXPECT_TRUE(c.routes[0].patterns[1].wildcard);
  EXPECT_EQ(c.routes[0].patterns[1].host, ".api.example.com");
  EXPECT_EQ(c.routes[0].patterns[2].path, "/docs/");
  EXPECT_EQ(c.routes[0].source_ip, SourceIpMode::kTrustedProxy);
  EXPECT_EQ(c.routes[0].x_forwarded_for, XffMode::kChain);
  EXPECT_EQ(c.routes[0].forwarded, ForwardedMode::kSet);
  EXPECT_EQ(c.routes[0].client_ip_header, "X-Real-IP");
  EXPECT_EQ(c.routes[0].trusted_hops, 1);
  EXPECT_EQ(c.routes[0].max_body_size, 1024u);
  EXPECT_EQ(c.routes[1].upstream.kind, SocketAddress::Kind::kBuiltinEcho);
}

struct BadCase {
  const char* name;
  std::string text;
  std::string expected;  // the whole first error
};

TEST(LoadConfig, ErrorsNameFileLineAndKey) {
  const std::string listener = "[[listener]]\naddress = \"127.0.0.1:8080\"\n";
  const std::string route = "[[route]]\nupstream = \"127.0.0.1:3000\"\n";
  const BadCase cases[] = {
      {"unknown top-level key", "colour = 1\n" + listener + route, "c.toml:1: colour: unknown key"},
      {"unknown server key", "[server]\nworkerz = 2\n" + listener + route,
       "c.toml:2: server.workerz: unknown key"},
      {"workers type", "[server]\nworkers = \"2\"\n" + listener + route,
       "c.toml:2: server.workers: expected an integer"},
      {"bad cidr", "[server]\ntrusted_proxies = [\"10.0.0.0/33\"]\n" + listener + route,
       "c.toml:2: server.trusted_proxies: '10.0.0.0/33': invalid prefix length"},
      {"bad choice", "[server]\nforwarded_header = \"xff\"\n" + listener + route,
       "c.toml:2: server.forwarded_header: expected one of \"any\", \"x-forwarded-for\", "
       "\"forwarded\""},
      {"bad duration", "[timeouts]\nrequest_head = \"10 s\"\n" + listener + route,
       "c.toml:2: timeouts.request_head: expected a positive duration like \"10s\", \"500ms\""},
      {"zero duration", "[timeouts]\ndrain = \"0s\"\n" + listener + route,
       "c.toml:2: timeouts.drain: expected a positive duration like \"10s\", \"500ms\""},
      {"v6 listener without brackets", "[[listener]]\naddress = \"::1:80\"\n" + route,
       "c.toml:2: listener[1].address: an IPv6 address needs brackets: [::1]:8080"},
      {"listener host name", "[[listener]]\naddress = \"localhost:80\"\n" + route,
       "c.toml:2: listener[1].address: a listener address must be an IP literal"},
      {"unknown listener key", "[[listener]]\naddress = \"127.0.0.1:1\"\ntsl = true\n" + route,
       "c.toml:3: listener[1].tsl: unknown key"},
      {"bad upstream port", listener + "[[route]]\nupstream = \"127.0.0.1:0\"\n",
       "c.toml:4: route[1].upstream: invalid port"},
      {"missing upstream", listener + "[[route]]\nroute = \"a.example\"\n",
       "c.toml:3: route[1].upstream: upstream is required"},
      {"bad mode", listener + route + "source_ip = \"cloudflare\"\n",
       "c.toml:5: route[1].source_ip: expected one of \"auto\", \"direct\", \"cloudflare-proxy\", "
       "\"trusted-proxy\", \"cloudflare-tunnel\""},
      {"star in the middle", listener + route + "route = \"a.*.example.com\"\n",
       "c.toml:5: route[1].route: 'a.*.example.com': invalid host (a name, *.name, or an IP "
       "literal)"},
      {"two default routes", listener + route + route,
       "c.toml:5: route[2]: a second default route (neither route nor routes)"},
      {"no listener", route, "c.toml:1: listener: at least one [[listener]] is required"},
      {"syntax", "[server\n", "c.toml:1: syntax: "},
      {"bad builtin", listener + "[[route]]\nupstream = \"builtin:time\"\n",
       "c.toml:4: route[1].upstream: unknown builtin (known: builtin:echo)"},
      {"bad header name", listener + route + "client_ip_header = \"X Real\"\n",
       "c.toml:5: route[1].client_ip_header: expected a header name (letters, digits, '-')"},
  };
  for (const BadCase& c : cases) {
    auto r = load_config_text(c.text, "c.toml");
    EXPECT_FALSE(r.config) << c.name;
    ASSERT_FALSE(r.errors.empty()) << c.name;
    EXPECT_TRUE(r.errors[0].starts_with(c.expected)) << c.name << ": " << r.errors[0];
  }
}

TEST(ParseDuration, Units) {
  EXPECT_EQ(parse_duration("10s"), std::chrono::seconds(10));
  EXPECT_EQ(parse_duration("500ms"), std::chrono::milliseconds(500));
  EXPECT_EQ(parse_duration("2m"), std::chrono::minutes(2));
  EXPECT_EQ(parse_duration("1h"), std::chrono::hours(1));
  EXPECT_EQ(parse_duration("7"), std::chrono::seconds(7));
  EXPECT_FALSE(parse_duration("s"));
  EXPECT_FALSE(parse_duration("1d"));
  EXPECT_FALSE(parse_duration("-1s"));
}

TEST(ParseSize, Units) {
  EXPECT_EQ(parse_size("1024"), 1024u);
  EXPECT_EQ(parse_size("64KiB"), 65536u);
  EXPECT_EQ(parse_size("10MB"), 10'000'000u);
  EXPECT_EQ(parse_size("1gib"), uint64_t{1} << 30);
  EXPECT_FALSE(parse_size("1.5MiB"));
  EXPECT_FALSE(parse_size("MiB"));
}

TEST(ParseSocketAddress, ListenerAndUpstreamForms) {
  EXPECT_EQ(parse_socket_address("127.0.0.1:8080", false)->port, 8080);
  EXPECT_EQ(parse_socket_address("[2001:db8::1]:443", false)->host, "2001:db8::1");
  EXPECT_EQ(parse_socket_address("unix:/run/a.sock", true)->path, "/run/a.sock");
  EXPECT_EQ(parse_socket_address("127.0.0.1:0", false)->port, 0);  // ephemeral listener
  EXPECT_FALSE(parse_socket_address("127.0.0.1:0", true));         // but never an upstream
  EXPECT_FALSE(parse_socket_address("127.0.0.1:080", false));
  EXPECT_FALSE(parse_socket_address("[10.0.0.1]:80", false));
  EXPECT_FALSE(parse_socket_address("unix:relative", true));
  EXPECT_FALSE(parse_socket_address("builtin:echo", false));
  EXPECT_EQ(parse_socket_address("localhost:3000", true)->port, 3000);
}

TEST(ParseRoutePattern, Forms) {
  auto exact = parse_route_pattern("WWW.Example.com.");
  ASSERT_TRUE(exact);
  EXPECT_EQ(exact->host, "www.example.com");
  EXPECT_FALSE(exact->wildcard);
  EXPECT_TRUE(exact->path.empty());
  auto path = parse_route_pattern("example.com/docs");
  ASSERT_TRUE(path);
  EXPECT_EQ(path->path, "/docs");
  EXPECT_FALSE(path->path_prefix);
  auto any_host = parse_route_pattern("/api/*");
  ASSERT_TRUE(any_host);
  EXPECT_TRUE(any_host->host.empty());
  EXPECT_EQ(any_host->path, "/api/");
  EXPECT_FALSE(parse_route_pattern("*"));
  EXPECT_FALSE(parse_route_pattern("example.com/a*b"));
  EXPECT_FALSE(parse_route_pattern(""));
}

}  // namespace
}  // namespace doorman::config
