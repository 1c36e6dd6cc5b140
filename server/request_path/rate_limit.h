// Stage 4 of the request path (after client_ip, before rewrite): per-client request limits.
//
// Contract:
// - RateLimits is ONE object per server, built from the config with the snapshot and shared by
//   every worker (the limit holds for the whole server, not per worker). Its table is the
//   library's sharded RateLimiter: workers contend only on one of 64 shard mutexes, never on a
//   global lock. With `backend = "redis://..."` the budget is shared across doorman instances
//   (redis/rate_limit_backend.h); the local table is then the fallback.
// - Each route resolves to a policy: its own `rate_limit = {...}`, the [rate_limit] default, or
//   none (`rate_limit = false`, or no default). Policies are numbered so one client has one
//   budget per distinct policy (routes sharing the server default share one budget).
// - limit_rate() keys on the resolved client IP (DESIGN.md "The same IP everywhere"); a request
//   without one (identity failed earlier) never reaches this stage. Over the limit: x.reason =
//   kRateLimited (429) and the note holds Retry-After and the RateLimit fields, which the local
//   reply carries. Within it: the note holds the RateLimit fields, which every response of the
//   route carries (add_rate_limit_fields for relayed heads, with_rate_limit_fields for replies).
// - Reload: make_rate_limits(config, previous) carries the per-client state over when it means
//   the same thing in the new configuration: the new RateLimits shares the previous one's table
//   when max_keys and ipv6_prefix are unchanged and every policy id both have is the same rule
//   (routes may be added, removed or re-pointed freely); otherwise the new one starts with empty
//   budgets. It shares the Redis backend (connection and thread) when the backend address and
//   timeout are unchanged; Redis's own state survives any reload.
// Thread safety: RateLimits is safe to share; the functions on a Session run on its worker.
#pragma once

#include <asio.hpp>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "doorman/http_rewrite.h"
#include "doorman/rate_limit.h"
#include "request_path/exchange.h"
#include "runtime/session.h"

namespace doorman::redis {
class RateLimitBackend;  // redis/rate_limit_backend.h
}

namespace doorman::request_path {

struct RoutePolicy {
  bool limited = false;
  uint32_t id = 0;  // one budget per id
  RateLimitPolicy policy;
  std::string_view name;  // "default" (the [rate_limit] default) or "route"
};

class RateLimits {
 public:
  // `previous` (may be null): the RateLimits of the snapshot being replaced.
  RateLimits(const config::Config& config, const RateLimits* previous);
  ~RateLimits();

  const RoutePolicy& policy_of(std::size_t route_index) const { return routes_[route_index]; }
  RateLimiter& local() { return *local_; }
  redis::RateLimitBackend* shared() { return shared_.get(); }  // null with backend = "local"
  const config::RateLimitSection& section() const { return section_; }

 private:
  bool same_budgets(const RateLimits& other) const;

  config::RateLimitSection section_;
  std::vector<RoutePolicy> routes_;     // parallel to config.routes
  std::shared_ptr<RateLimiter> local_;  // shared with the previous snapshot's when compatible
  std::shared_ptr<redis::RateLimitBackend> shared_;
};

std::shared_ptr<RateLimits> make_rate_limits(const config::Config& config,
                                             const RateLimits* previous = nullptr);

// The stage: false when the request was refused (x.reason set; the caller sends the reply).
// limit_rate_at_once() decides without waiting where it can (the route is not limited, the
// client is unknown, or the budgets are this instance's own: the common case, with no
// coroutine frame); it says nullopt only for shared budgets, where limit_rate() asks Redis.
std::optional<bool> limit_rate_at_once(runtime::Session& s, Exchange& x);
asio::awaitable<bool> limit_rate(runtime::Session& s, Exchange& x);

// Adds the note's fields just before the blank line of a relayed response head.
void add_rate_limit_fields(HeadPieces& pieces, const RateLimitNote& note);
// Adds them to a rendered local reply in `buffer` (which holds `reply` at its start); returns
// the new reply, or `reply` unchanged when the fields do not fit.
std::string_view with_rate_limit_fields(std::string_view reply, const RateLimitNote& note,
                                        std::span<char> buffer);

}  // namespace doorman::request_path
