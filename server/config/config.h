// The server configuration: what `doorman.toml` says, as plain values.
//
// Contract:
// - load_config() reads one TOML file and returns either a complete, validated Config or every
//   problem found, each as "FILE:LINE: key: message" (LINE from toml++ source regions). Unknown
//   keys are errors: a typo must not silently fall back to a default. The server refuses to start
//   on any error; `doorman check` prints them.
// - A Config is a value; the runtime compiles it once into an immutable snapshot (route table,
//   trusted sets) shared read-only by every worker (STYLE.md habit 12).
// - Key names are the user contract documented in docs/config.md. Tables are named so later work
//   can add keys without renaming: [[listener]] gains tls/certificate/proxy_protocol/mode,
//   [[route]] gains https_redirect/rate_limit/upstream_proxy_protocol, [rate_limit] and [log] grow.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "config/access_config.h"
#include "config/acme_config.h"
#include "config/admin_config.h"
#include "config/diagnostics_config.h"
#include "config/edge_config.h"
#include "config/ranges_config.h"
#include "config/rate_limit_config.h"

namespace doorman::config {

using Duration = std::chrono::milliseconds;

// Where a listener accepts, or where an upstream lives.
struct SocketAddress {
  enum class Kind { kTcp, kUnix, kBuiltinEcho };
  Kind kind = Kind::kTcp;
  std::string host;  // IP literal for listeners; IP literal or resolved name for upstreams
  uint16_t port = 0;
  std::string path;  // unix socket path
  std::string text;  // as written in the file, for logs and errors
};

// DESIGN.md "Modes".
enum class SourceIpMode {
  kAuto,
  kDirect,
  kCloudflareProxy,
  kTrustedProxy,
  kCloudflareTunnel,
  kFastlyProxy
};
// DESIGN.md "What the app receives".
enum class XffMode { kSet, kChain, kRemove };
enum class ForwardedMode { kRemove, kSet };
// Which forwarding header the operator's proxies write (DESIGN.md "The walk").
enum class ForwardedHeader { kAny, kXForwardedFor, kForwarded };
enum class AccessLog { kOff, kStdout, kStderr };

struct ServerSection {
  int workers = 0;                           // 0 = std::thread::hardware_concurrency()
  std::vector<std::string> trusted_proxies;  // CIDRs, validated at load
  bool trust_loopback = true;
  ForwardedHeader forwarded_header = ForwardedHeader::kAny;
  std::string pid_file;  // "" = none; written by `serve`, read by `doorman reload`
};

struct TimeoutsSection {
  Duration request_head{std::chrono::seconds(10)};  // first byte to end of head (slowloris)
  Duration keepalive_idle{std::chrono::seconds(60)};
  Duration upstream_connect{std::chrono::seconds(5)};
  Duration upstream_response_head{std::chrono::seconds(60)};
  Duration body_idle{std::chrono::seconds(60)};  // no body byte either way for this long
  Duration upstream_keepalive_idle{std::chrono::seconds(30)};
  Duration drain{std::chrono::seconds(10)};
};

struct LimitsSection {
  uint32_t max_connections = 10000;  // per server, split evenly between workers
  uint32_t max_head_size = 16384;    // request or response head, bytes
  uint32_t max_uri_length = 8192;
  uint64_t max_body_size = 0;              // 0 = unlimited; a route may override
  uint32_t upstream_idle_per_target = 64;  // idle keep-alive connections kept per worker
};

struct ListenerSection {
  SocketAddress address;
  ListenerEdge
      edge;  // edge_config.h: proxy_protocol, proxy_protocol_from, proxy_header_timeout, tls
  int line = 0;
};

// One `route` pattern: "host", "*.suffix", "host/path", "/path", each path exact or ending in '*'
// (prefix). An empty host matches every host.
struct RoutePattern {
  std::string host;  // lowercase, no trailing dot; "*.example.com" kept as ".example.com" suffix
  bool wildcard = false;
  std::string path;  // empty = any path
  bool path_prefix = true;
  std::string text;
};

struct RouteSection {
  std::string name;                    // first pattern's text, or "default"
  std::vector<RoutePattern> patterns;  // empty = the default route
  SocketAddress upstream;
  SourceIpMode source_ip = SourceIpMode::kAuto;
  XffMode x_forwarded_for = XffMode::kSet;
  ForwardedMode forwarded = ForwardedMode::kRemove;
  std::string client_ip_header;  // "" = none
  int trusted_hops = 0;          // 0 = not required
  std::optional<uint64_t> max_body_size;
  RouteEdge edge;             // edge_config.h: https_redirect, https_port
  RouteRateLimit rate_limit;  // rate_limit_config.h
  RouteAccess access;         // access_config.h: [route.access] (Cloudflare Access)
  int line = 0;
};

struct Config {
  std::string path;
  ServerSection server;
  TimeoutsSection timeouts;
  LimitsSection limits;
  std::vector<ListenerSection> listeners;
  std::vector<RouteSection> routes;
  std::string cloudflare_ranges_file;          // "" = the bundled set
  std::vector<std::string> cloudflare_ranges;  // file contents, one CIDR per entry
  AccessLog access_log = AccessLog::kOff;
  RangesSection ranges;            // ranges_config.h: [cloudflare] refresh keys, [fastly]
  RateLimitSection rate_limit;     // rate_limit_config.h
  DiagnosticsSection diagnostics;  // diagnostics_config.h: [log] diagnostics, file
  AdminSection admin;              // admin_config.h: [admin] (metrics, health, status page)
  AcmeSection acme;                // acme_config.h: [acme] (automatic certificates)
};

struct LoadResult {
  std::optional<Config> config;     // set when errors is empty
  std::vector<std::string> errors;  // "FILE:LINE: key: message"
};

LoadResult load_config(const std::string& path);
// The same from TOML text (tests); `path` only names the source in messages.
LoadResult load_config_text(std::string_view text, const std::string& path);

// Value parsers shared with tests: "10s", "500ms", "2m", "1h" (or an integer number of seconds).
std::optional<Duration> parse_duration(std::string_view text);
// "1048576", "64KiB", "10MiB", "1GiB", "10MB" (decimal) -> bytes.
std::optional<uint64_t> parse_size(std::string_view text);
// "127.0.0.1:8080", "[::1]:8080", "unix:/path"; for upstreams also "builtin:echo" and
// "name:port" (resolved once, here). The error is a sentence for the user.
std::expected<SocketAddress, std::string> parse_socket_address(std::string_view text,
                                                               bool upstream);
std::expected<RoutePattern, std::string> parse_route_pattern(std::string_view text);
// "10.0.0.0/8", "2001:db8::/32" or a bare address (a /32 or /128).
std::expected<void, std::string> check_cidr(std::string_view text);

}  // namespace doorman::config
