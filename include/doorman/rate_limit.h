// Per-client request limits: GCRA over a bounded, sharded table keyed on the resolved client IP.
//
// Contract:
// - Algorithm: GCRA (the Generic Cell Rate Algorithm of ITU-T I.371, the "virtual scheduling"
//   form). A policy allows `requests` per `per` on average, i.e. one request every emission
//   interval T = per / requests, with a burst of `burst` requests: a client that has been quiet
//   for burst * T may send `burst` requests back to back; after that one more every T. burst = 0
//   means burst = requests. Per key the only state is the theoretical arrival time (TAT); a key
//   whose TAT is in the past is exactly as good as an absent one, which is what makes eviction
//   safe (see RateLimiter).
// - Time is a parameter (`now`, nanoseconds since any fixed epoch > 0): no clock is read here,
//   so tests are deterministic and the Redis script can run the same arithmetic on Redis's clock.
// - Keys: the client IP with IPv6 aggregated to a prefix (default /64, one customer LAN or one
//   SLAAC host) because an IPv6 client can pick a fresh address per request within its prefix;
//   IPv4 keys are the full /32. Each policy has its own budget for the same address.
// - Headers: format_rate_limit_fields() writes the IETF httpapi fields
//   (draft-ietf-httpapi-ratelimit-headers-10 §4 RateLimit-Policy, §5 RateLimit) and, when the
//   request was refused, Retry-After (RFC 9110 §10.2.3) in whole seconds, rounded up.
// Thread safety: gcra_step() and the formatters are pure. RateLimiter::check() may be called from
// any number of threads at once: the table is split in kShards shards, each behind its own small
// mutex, so two workers contend only when their keys hash to the same shard (no global lock).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "doorman/ip_address.h"

namespace doorman {

using RateTime = std::chrono::nanoseconds;

struct RateLimitPolicy {
  uint32_t requests = 0;                   // per `per`; REQUIRES: > 0
  RateTime per = std::chrono::seconds(1);  // REQUIRES: > 0
  uint32_t burst = 0;                      // 0 = requests

  uint32_t effective_burst() const { return burst == 0 ? requests : burst; }
  // T = per / requests (at least 1 ns).
  RateTime emission_interval() const;
  friend bool operator==(const RateLimitPolicy&, const RateLimitPolicy&) = default;
};

struct RateLimitDecision {
  bool allowed = true;
  uint32_t remaining = 0;  // requests that would still be allowed right now, after this one
  RateTime retry_after{};  // refused: when the next request would be allowed; else 0
  RateTime reset{};        // until the full burst is available again (TAT - now)
};

// One GCRA step: the key's stored TAT (0 or anything <= now for a fresh key) and the time now.
// Returns the decision and the TAT to store (unchanged when refused).
struct GcraStep {
  RateLimitDecision decision;
  int64_t tat = 0;
};
GcraStep gcra_step(const RateLimitPolicy& policy, int64_t tat, int64_t now);

// The address a budget is kept for: IPv4 unchanged, IPv6 with the bits after `ipv6_prefix`
// cleared. REQUIRES: 0 <= ipv6_prefix <= 128.
IpAddress rate_limit_key(const IpAddress& client, int ipv6_prefix);

// A bounded table of GCRA states shared by every worker thread.
//
// Memory: a fixed array of kBytesPerKey-byte slots allocated once at construction: capacity()
// slots, max_keys rounded up to a multiple of kShards * kWays. A slot is (masked address,
// policy id, TAT). Slots are grouped kWays to a bucket (a set-associative table, like a CPU
// cache): a key hashes to one bucket; a new key takes a slot whose TAT has passed (idle: its
// state equals "absent"), else the slot closest to idle (smallest TAT) is evicted. An evicted
// busy client gets a fresh budget: under a flood of distinct keys the cap holds and the cost is
// that a client in a full bucket may get up to one extra burst, never that memory grows.
class RateLimiter {
 public:
  static constexpr std::size_t kShards = 64;
  static constexpr std::size_t kWays = 8;
  static constexpr std::size_t kBytesPerKey = 32;

  struct Options {
    std::size_t max_keys = 100'000;
    int ipv6_prefix = 64;
  };

  explicit RateLimiter(Options options);
  ~RateLimiter();
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  // Counts one request of `client` against `policy` (identified by `policy_id`: one budget per
  // policy and key) at time `now`.
  RateLimitDecision check(uint32_t policy_id, const RateLimitPolicy& policy,
                          const IpAddress& client, RateTime now);

  std::size_t capacity() const { return capacity_; }
  // Keys whose state is not idle at `now` (walks every shard under its lock: tests and stats).
  std::size_t tracked_keys(RateTime now) const;
  int ipv6_prefix() const { return options_.ipv6_prefix; }

 private:
  struct Shard;
  Options options_;
  std::size_t capacity_ = 0;
  std::size_t buckets_per_shard_ = 0;
  std::unique_ptr<Shard[]> shards_;
};

// Longest text format_rate_limit_fields() writes with a policy name up to 32 bytes.
inline constexpr std::size_t kRateLimitFieldsMaxSize = 256;

// Writes, each line ending in CRLF:
//   RateLimit-Policy: "<name>";q=<requests>;w=<per in seconds, rounded up>
//   RateLimit: "<name>";r=<remaining>;t=<reset in seconds, rounded up>
//   Retry-After: <seconds, rounded up, at least 1>           (only when refused)
// Returns the bytes written; 0 when `out` is too small or the name is longer than 32 bytes or
// holds a character a Structured Fields String cannot (RFC 8941 §3.3.3: '"', '\\', controls).
std::size_t format_rate_limit_fields(std::string_view policy_name, const RateLimitPolicy& policy,
                                     const RateLimitDecision& decision, std::span<char> out);

// Whole seconds, rounded up (Retry-After, t=, w=).
int64_t ceil_seconds(RateTime t);

}  // namespace doorman
