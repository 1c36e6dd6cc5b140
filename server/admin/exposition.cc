#include "admin/exposition.h"

#include "build_info.h"
#include "ranges/ranges_runtime.h"
#include "redis/rate_limit_backend.h"
#include "request_path/rate_limit.h"

namespace doorman::admin {
namespace {

using metrics::TextWriter;

void write_requests(TextWriter& w, const Collected& c) {
  const auto& routes = c.total.routes();
  w.family("doorman_requests_total", "counter",
           "Requests finished, by route, status class, client IP source and protocol.");
  for (std::size_t r = 0; r < routes.size(); ++r)
    for (std::size_t k = 0; k < metrics::kStatusClasses; ++k)
      for (std::size_t src = 0; src < metrics::kSources; ++src)
        for (std::size_t p = 0; p < metrics::kProtocols; ++p)
          if (const uint64_t n = routes[r].requests[k][src][p])
            w.sample("doorman_requests_total",
                     {{"route", routes[r].name},
                      {"status_class", metrics::status_class_name(k)},
                      {"client_ip_source", metrics::source_name(src)},
                      {"protocol", metrics::protocol_name(static_cast<metrics::Protocol>(p))}},
                     n);
  w.family("doorman_request_body_bytes_total", "counter",
           "Request body bytes forwarded to upstreams, by route.");
  for (std::size_t r = 0; r < routes.size(); ++r)
    w.sample("doorman_request_body_bytes_total", {{"route", routes[r].name}}, routes[r].bytes_in);
  w.family("doorman_response_body_bytes_total", "counter",
           "Response body bytes sent to clients, by route.");
  for (std::size_t r = 0; r < routes.size(); ++r)
    w.sample("doorman_response_body_bytes_total", {{"route", routes[r].name}}, routes[r].bytes_out);
  w.family("doorman_rejections_total", "counter",
           "Requests and connections doorman refused or answered itself, by reason code and "
           "detail (identity reason, parser code, PROXY header code, TLS failure).");
  for (const auto& e : c.total.rejections().entries())
    w.sample("doorman_rejections_total", {{"reason", e.reason}, {"detail", e.detail}}, e.count);
  w.family("doorman_rate_limit_decisions_total", "counter",
           "Rate-limit decisions, by route, deciding backend (local, redis, fallback) and "
           "decision (allowed, limited, denied).");
  for (std::size_t r = 0; r < routes.size(); ++r)
    for (std::size_t b = 0; b < metrics::kRateBackends; ++b)
      for (std::size_t d = 0; d < metrics::kRateDecisions; ++d)
        if (const uint64_t n = routes[r].rate_limit[b][d])
          w.sample("doorman_rate_limit_decisions_total",
                   {{"route", routes[r].name},
                    {"backend", metrics::rate_backend_name(b)},
                    {"decision", metrics::rate_decision_name(d)}},
                   n);
}

void write_upstream(TextWriter& w, const Collected& c) {
  w.family("doorman_upstream_requests_total", "counter",
           "Requests sent upstream, by connection: new (connected for it) or reused (pooled).");
  w.sample("doorman_upstream_requests_total", {{"connection", "new"}}, c.total.upstream_new());
  w.sample("doorman_upstream_requests_total", {{"connection", "reused"}},
           c.total.upstream_reused());
  w.family("doorman_upstream_retries_total", "counter",
           "Requests sent a second time on a fresh connection after a reused one failed before "
           "any response byte (idempotent requests only).");
  w.sample("doorman_upstream_retries_total", {}, c.total.upstream_retries());
  w.family("doorman_upstream_connect_seconds", "histogram",
           "Time to connect a new upstream connection.");
  w.histogram("doorman_upstream_connect_seconds", {}, c.total.upstream_connect());
  w.family("doorman_upstream_ttfb_seconds", "histogram",
           "Time from the request head sent upstream to the first response byte.");
  w.histogram("doorman_upstream_ttfb_seconds", {}, c.total.upstream_ttfb());
  w.family("doorman_request_duration_seconds", "histogram",
           "Time from a request head's first byte to the end of its response.");
  w.histogram("doorman_request_duration_seconds", {}, c.total.request_duration());
}

void write_connections(TextWriter& w, const Collected& c) {
  const auto& listeners = c.total.listeners();
  w.family("doorman_connections_accepted_total", "counter",
           "Client connections accepted, by listener (as configured).");
  for (const metrics::ListenerCounters& l : listeners)
    w.sample("doorman_connections_accepted_total", {{"listener", l.name}}, l.accepted);
  w.family("doorman_open_connections", "gauge", "Client connections open now, by listener.");
  for (const metrics::ListenerCounters& l : listeners)
    w.sample_signed("doorman_open_connections", {{"listener", l.name}}, l.open);
}

void write_ranges(TextWriter& w, const runtime::Snapshot& s, int64_t now) {
  struct Provider {
    std::string_view name;
    const ranges::RangesStore* store;
  };
  std::vector<Provider> providers;
  if (ranges::needs_cloudflare(s.config) && s.cloudflare_store)
    providers.push_back({"cloudflare", s.cloudflare_store.get()});
  if (ranges::needs_fastly(s.config) && s.fastly_store)
    providers.push_back({"fastly", s.fastly_store.get()});
  std::vector<ranges::RangesState> states;
  for (const Provider& p : providers) states.push_back(p.store->state());

  w.family("doorman_ranges_source", "gauge",
           "1 for the source of each CDN range list in force: bundled, cache, live (refreshed "
           "by this process) or static (ranges_file).");
  for (std::size_t i = 0; i < providers.size(); ++i)
    w.sample(
        "doorman_ranges_source",
        {{"provider", providers[i].name}, {"source", ranges::ranges_source_name(states[i].source)}},
        1);
  w.family("doorman_ranges_blocks", "gauge", "CIDR blocks in the range list in force.");
  for (std::size_t i = 0; i < providers.size(); ++i) {
    w.sample("doorman_ranges_blocks", {{"provider", providers[i].name}, {"family", "ipv4"}},
             states[i].v4_blocks);
    w.sample("doorman_ranges_blocks", {{"provider", providers[i].name}, {"family", "ipv6"}},
             states[i].v6_blocks);
  }
  w.family("doorman_ranges_last_success_age_seconds", "gauge",
           "Seconds since the last successful refresh of the list (absent: never refreshed).");
  for (std::size_t i = 0; i < providers.size(); ++i)
    if (states[i].last_success > 0)
      w.sample_signed("doorman_ranges_last_success_age_seconds", {{"provider", providers[i].name}},
                      now - states[i].last_success);
  w.family("doorman_ranges_list_age_seconds", "gauge",
           "Seconds since the list in force was fetched (absent for bundled and static lists).");
  for (std::size_t i = 0; i < providers.size(); ++i)
    if (states[i].list_time > 0)
      w.sample_signed("doorman_ranges_list_age_seconds", {{"provider", providers[i].name}},
                      now - states[i].list_time);
  w.family("doorman_ranges_refresh_failures", "gauge",
           "Consecutive failed refreshes of the list (0 after a success).");
  for (std::size_t i = 0; i < providers.size(); ++i)
    w.sample("doorman_ranges_refresh_failures", {{"provider", providers[i].name}},
             states[i].consecutive_failures);
}

void write_server(TextWriter& w, const Collected& c, const ServerView& v) {
  w.family("doorman_build_info", "gauge", "Always 1; the build's version and git commit.");
  w.sample("doorman_build_info", {{"version", build_version()}, {"commit", build_commit()}}, 1);
  w.family("doorman_start_time_seconds", "gauge", "When the server started (Unix seconds).");
  w.sample_signed("doorman_start_time_seconds", {}, v.started_unix);
  w.family("doorman_ready", "gauge", "1 when /readyz answers 200.");
  w.sample("doorman_ready", {}, v.ready ? 1 : 0);
  w.family("doorman_workers", "gauge", "Worker threads.");
  w.sample("doorman_workers", {}, c.workers);
  w.family("doorman_scrape_workers_missing", "gauge",
           "Workers that did not hand over their counters in time for this scrape.");
  w.sample("doorman_scrape_workers_missing", {}, c.missing);
  const auto& limits = v.snapshot->rate_limits;
  if (limits && limits->shared()) {
    w.family("doorman_rate_limit_backend_up", "gauge",
             "1 while the shared rate-limit backend (Redis) is reachable.");
    w.sample("doorman_rate_limit_backend_up", {{"backend", "redis"}},
             limits->shared()->available() ? 1 : 0);
  }
}

}  // namespace

std::string render_metrics(const Collected& collected, const ServerView& view) {
  TextWriter w;
  write_server(w, collected, view);
  write_requests(w, collected);
  write_upstream(w, collected);
  write_connections(w, collected);
  write_ranges(w, *view.snapshot, view.now_unix);
  if (view.extra != nullptr)
    for (const StateWriter& extra : *view.extra) extra(w);
  return w.text();
}

}  // namespace doorman::admin
