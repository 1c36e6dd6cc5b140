#include "request_path/metrics_hook.h"

#include <time.h>

#include "request_path/rate_limit.h"
#include "runtime/worker.h"

namespace doorman::request_path {
namespace {

using metrics::RateBackend;
using metrics::RateDecision;

// The rate_limit stage's outcome as (which budget decided, what it said).
void note_rate_limit(const runtime::Session& s, const Exchange& x, metrics::RequestRecord& r) {
  const bool redis = s.snapshot->rate_limits && s.snapshot->rate_limits->shared() != nullptr;
  r.rate_limited_route = x.rate_limit.outcome != RateLimitOutcome::kNone;
  switch (x.rate_limit.outcome) {
    case RateLimitOutcome::kNone:
      break;
    case RateLimitOutcome::kAllowed:
    case RateLimitOutcome::kLimited:
      r.rate_backend = redis ? RateBackend::kRedis : RateBackend::kLocal;
      r.rate_decision = x.rate_limit.outcome == RateLimitOutcome::kAllowed ? RateDecision::kAllowed
                                                                           : RateDecision::kLimited;
      break;
    case RateLimitOutcome::kFallbackAllow:
    case RateLimitOutcome::kFallbackLocal:
      r.rate_backend = RateBackend::kFallback;
      r.rate_decision = RateDecision::kAllowed;
      break;
    case RateLimitOutcome::kFallbackLocalLimited:
      r.rate_backend = RateBackend::kFallback;
      r.rate_decision = RateDecision::kLimited;
      break;
    case RateLimitOutcome::kFallbackDeny:
      r.rate_backend = RateBackend::kFallback;
      r.rate_decision = RateDecision::kDenied;
      break;
  }
}

double seconds_between(UpstreamTiming::TimePoint from, UpstreamTiming::TimePoint to) {
  return std::chrono::duration<double>(to - from).count();
}

// The status page's copy of the request (fixed-size fields, truncated).
void keep_recent(runtime::Session& s, const Exchange& x, const metrics::RequestRecord& r) {
  timespec now{};
  clock_gettime(CLOCK_REALTIME_COARSE, &now);  // a vDSO read; the status page needs no better
  metrics::RecentRequest recent;
  recent.unix_ms = static_cast<int64_t>(now.tv_sec) * 1000 + now.tv_nsec / 1'000'000;
  recent.request_id.set(
      std::string_view(x.request_id.data(), strnlen(x.request_id.data(), x.request_id.size())));
  if (x.route != nullptr) recent.route.set(x.route->name);
  recent.method.set(x.log.method_view());
  recent.target.set(x.log.target_view());
  recent.has_client = x.identity.client_ip.has_value();
  if (recent.has_client) {
    recent.client = *x.identity.client_ip;
    recent.source.set(client_ip_source_name(x.identity.source));
  }
  recent.status = x.status;
  recent.reason.set(r.reason);
  recent.detail.set(r.detail);
  recent.duration_ms = static_cast<float>(r.duration_seconds * 1000);
  s.worker.metrics().record_recent(recent, recent.has_client ? &recent.client : nullptr,
                                   now.tv_sec);
}

}  // namespace

void record_metrics(runtime::Session& s, const Exchange& x) {
  metrics::RequestRecord r;
  if (x.route != nullptr) {
    // Counted by name: the request's snapshot may not be the one the worker started with.
    r.route_name = x.route->name;
    r.route_hint = static_cast<std::size_t>(x.route - s.snapshot->config.routes.data()) + 1;
  }
  r.status = x.status;
  if (x.identity.client_ip) r.source = static_cast<std::size_t>(x.identity.source);
  // An HTTP/2 stream's session carries its stream id (h2/stream.cc); its head reads as 1.1.
  r.protocol = s.h2_stream_id != 0             ? metrics::Protocol::kH2
               : x.version == HttpVersion::k10 ? metrics::Protocol::kHttp10
                                               : metrics::Protocol::kHttp11;
  if (x.reason != Reason::kNone && x.reason != Reason::kHttpsRedirect &&
      x.reason != Reason::kAcmeChallenge) {
    r.reason = local_reply_for(x.reason).code;
    r.detail = x.reason_detail;
  }
  note_rate_limit(s, x, r);
  const UpstreamTiming& t = x.upstream_timing;
  using TimePoint = UpstreamTiming::TimePoint;
  r.upstream_used = t.used();
  r.upstream_reused = t.reused;
  r.upstream_retried = x.retried;
  if (t.connected != TimePoint{})
    r.connect_seconds = seconds_between(t.connect_started, t.connected);
  if (t.head_sent != TimePoint{} && t.first_byte != TimePoint{})
    r.ttfb_seconds = seconds_between(t.head_sent, t.first_byte);
  if (x.head != nullptr)
    r.duration_seconds = seconds_between(x.started, std::chrono::steady_clock::now());
  r.bytes_in = x.bytes_in;
  r.bytes_out = x.bytes_out;
  s.worker.metrics().record_request(r);
  if (s.snapshot->config.admin.enabled) keep_recent(s, x, r);
}

void count_refusal(runtime::Session& s, std::string_view reason, std::string_view detail) {
  s.worker.metrics().refused(reason, detail);
}

}  // namespace doorman::request_path
