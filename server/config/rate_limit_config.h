// The rate-limit part of doorman.toml: the [rate_limit] server table and each route's
// `rate_limit` key, as plain values (docs/limits.md).
//
//   [rate_limit]
//   requests = 100          # with per and burst: the default limit of every route
//   per = "1s"              # "1s", "1m", "500ms" ...
//   burst = 200             # 0 or absent = requests
//   ipv6_prefix = 64        # IPv6 clients share a budget per /64
//   max_keys = 100000       # tracked clients (32 bytes each), idle ones evicted first
//   backend = "local"       # or "redis://127.0.0.1:6379": one budget across doorman instances
//   on_backend_error = "local"   # Redis down or slow: "local" limits, "allow", "deny" (503)
//   backend_timeout = "5ms"      # the longest a request waits on Redis
//
//   [[route]]
//   rate_limit = { requests = 10, per = "1s", burst = 20 }   # or rate_limit = false
//
// read_rate_limit_config() (rate_limit_reader.h) fills these from the TOML tree; the loader
// calls it after the routes are read.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace doorman::config {

struct RateLimitRule {
  uint32_t requests = 0;
  std::chrono::milliseconds per{1000};
  uint32_t burst = 0;  // 0 = requests
  friend bool operator==(const RateLimitRule&, const RateLimitRule&) = default;
};

enum class RateLimitFallback { kLocal, kAllow, kDeny };

struct RateLimitSection {
  bool has_default = false;  // requests was given: every route is limited unless it says false
  RateLimitRule rule;
  int ipv6_prefix = 64;
  uint64_t max_keys = 100'000;
  bool redis = false;  // backend = "redis://host:port"
  std::string redis_host;
  uint16_t redis_port = 6379;
  std::string backend_text = "local";
  RateLimitFallback on_backend_error = RateLimitFallback::kLocal;
  std::chrono::milliseconds backend_timeout{5};
};

struct RouteRateLimit {
  enum class Kind { kInherit, kOff, kOwn };
  Kind kind = Kind::kInherit;
  RateLimitRule rule;  // kOwn
};

}  // namespace doorman::config
