// WorkerMetrics: one worker's counters, histograms and recent-traffic tables, written only by
// that worker's thread and read by the admin listener through a copy made on the same thread
// (admin/collect.h posts the copy onto the worker's io_context). So every field is a plain
// integer: no atomics, no locks, no cache line shared with another worker on the hot path.
//
// Contract:
// - Label values are bounded: routes by their configured name (plus "none" for a request no
//   route matched), listeners by their configured address, status classes, the ClientIpSource
//   enum, the Protocol enum, reason codes from local_reply.h (whose details are the static
//   identity/parser code names). No IP and no path is ever a label; IPs appear only in the
//   bounded TopClients and RecentRequests tables of the status page.
// - Routes and listeners are kept by name, not by their index in one snapshot: a reload may add,
//   remove or reorder them, and requests of the old and the new snapshot are counted side by
//   side. A route removed by a reload keeps its counts (counters never go back); past
//   kMaxNames distinct names the rest are counted under "other".
// - record_request() is the one hook of the request path (request_path/metrics_hook.h calls it
//   where the access log is written); the connection-level events (accept, PROXY header and
//   TLS refusals, capacity refusals) have their own small functions.
// - merge() adds another worker's copy into this one (the scrape sums workers).
// Thread safety: the owning worker's thread only; copies are values.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "doorman/client_ip.h"
#include "metrics/histogram.h"
#include "metrics/recent_requests.h"
#include "metrics/top_clients.h"

namespace doorman::metrics {

// The protocol a request arrived over. kH2 is counted by the HTTP/2 session when it exists.
enum class Protocol : uint8_t { kHttp10, kHttp11, kH2 };
inline constexpr std::size_t kProtocols = 3;
std::string_view protocol_name(Protocol protocol);  // "http/1.0", "http/1.1", "h2"

// "1xx".."5xx", and "other" for a status of 0 (no response) or out of range.
inline constexpr std::size_t kStatusClasses = 6;
std::size_t status_class(int status);
std::string_view status_class_name(std::size_t index);

// ClientIpSource values plus "none" (no client IP resolved: 403, 400, no route).
inline constexpr std::size_t kSources = 7;
std::string_view source_name(std::size_t index);

// Rate-limit decisions: which budget decided (local table, Redis, or the local fallback when
// Redis failed) and what it said.
enum class RateBackend : uint8_t { kLocal, kRedis, kFallback };
enum class RateDecision : uint8_t { kAllowed, kLimited, kDenied };
inline constexpr std::size_t kRateBackends = 3, kRateDecisions = 3;
std::string_view rate_backend_name(std::size_t index);
std::string_view rate_decision_name(std::size_t index);

// A bounded table of (reason, detail) -> count for refusals: reason is a local-reply code
// ("forbidden", "bad-request") or a connection-level one ("proxy-header", "tls-handshake");
// detail is a static code name ("untrusted-peer", "crc_mismatch"). The texts are copied
// (bounded) and compared by content; over kMaxEntries distinct pairs, "other" takes the rest.
class ReasonCounts {
 public:
  static constexpr std::size_t kMaxEntries = 48;
  struct Entry {
    std::string reason, detail;
    uint64_t count = 0;
  };
  void add(std::string_view reason, std::string_view detail, uint64_t n = 1);
  const std::vector<Entry>& entries() const { return entries_; }
  void merge(const ReasonCounts& other);

 private:
  std::vector<Entry> entries_;  // grows to kMaxEntries (+1 for "other"), then never allocates
};

struct RouteCounters {
  std::string name;  // the route's name, "none" or "other"
  // requests[status class][source][protocol]
  std::array<std::array<std::array<uint64_t, kProtocols>, kSources>, kStatusClasses> requests{};
  std::array<std::array<uint64_t, kRateDecisions>, kRateBackends> rate_limit{};
  uint64_t bytes_in = 0, bytes_out = 0;
};

struct ListenerCounters {
  std::string name;  // the listener's address as configured, or "other"
  uint64_t accepted = 0;
  int64_t open = 0;  // a connection opens and closes on the same worker
};

// What record_request() needs from a finished request (filled by the request path's hook).
struct RequestRecord {
  std::string_view route_name = "none";  // the route's name, "none" without one
  std::size_t route_hint = 0;            // where the name probably is in routes() (its index + 1)
  int status = 0;
  std::size_t source = kSources - 1;  // ClientIpSource index, or kSources - 1 = none
  Protocol protocol = Protocol::kHttp11;
  std::string_view reason;  // local-reply code, "" when relayed from the upstream
  std::string_view detail;  // its static detail
  bool rate_limited_route = false;
  RateBackend rate_backend = RateBackend::kLocal;
  RateDecision rate_decision = RateDecision::kAllowed;
  bool upstream_used = false, upstream_reused = false;
  bool upstream_retried = false;  // sent again on a fresh connection (request_path/upstream.h)
  double connect_seconds = -1, ttfb_seconds = -1;  // < 0: did not happen
  double duration_seconds = 0;
  uint64_t bytes_in = 0, bytes_out = 0;
};

class WorkerMetrics {
 public:
  static constexpr std::size_t kMaxNames = 512;  // routes, and listeners, each
  WorkerMetrics() = default;
  // Seeded with the routes ("none" first, then the routes in order: route i is at i + 1) and
  // listeners of the starting configuration, so that they show (at 0) before any traffic.
  explicit WorkerMetrics(const config::Config& config);

  void record_request(const RequestRecord& r);
  void record_recent(const RecentRequest& r, const IpAddress* client, int64_t unix_seconds);
  // Returns the listener's slot, for connection_closed().
  std::size_t connection_opened(std::string_view listener);
  void connection_closed(std::size_t slot);
  void refused(std::string_view reason, std::string_view detail) {
    rejections_.add(reason, detail);
  }

  void merge(const WorkerMetrics& other);

  // Readers (the exposition and the status page).
  const std::vector<RouteCounters>& routes() const { return routes_; }  // [0] = "none"
  const std::vector<ListenerCounters>& listeners() const { return listeners_; }
  const ReasonCounts& rejections() const { return rejections_; }
  const Histogram& upstream_connect() const { return upstream_connect_; }
  const Histogram& upstream_ttfb() const { return upstream_ttfb_; }
  const Histogram& request_duration() const { return request_duration_; }
  uint64_t upstream_new() const { return upstream_new_; }
  uint64_t upstream_reused() const { return upstream_reused_; }
  uint64_t upstream_retries() const { return upstream_retries_; }
  const TopClients& top_clients() const { return top_clients_; }
  const RecentRequests& recent() const { return recent_; }

 private:
  RouteCounters& route(std::string_view name, std::size_t hint);

  std::vector<RouteCounters> routes_;  // "none", then one per route name seen
  std::vector<ListenerCounters> listeners_;
  ReasonCounts rejections_;
  Histogram upstream_connect_, upstream_ttfb_, request_duration_;
  uint64_t upstream_new_ = 0, upstream_reused_ = 0, upstream_retries_ = 0;
  TopClients top_clients_;
  RecentRequests recent_;
};

}  // namespace doorman::metrics
