// status_json(): the data behind the status page (status_page.h).
#include <nlohmann/json.hpp>

#include "admin/status_page.h"
#include "build_info.h"
#include "ranges/ranges_runtime.h"

namespace doorman::admin {
namespace {

using nlohmann::json;

std::string address_text(const IpAddress& ip) {
  char text[IpAddress::kMaxTextLength + 1];
  return std::string(text, ip.format_to(text));
}

json latency(const metrics::Histogram& h) {
  return {{"count", h.count()},
          {"mean_ms", h.count() ? h.sum() * 1000 / static_cast<double>(h.count()) : 0.0},
          {"p50_ms", h.quantile_bound(0.5) * 1000},
          {"p90_ms", h.quantile_bound(0.9) * 1000},
          {"p99_ms", h.quantile_bound(0.99) * 1000}};
}

json routes_json(const Collected& c, uint64_t& total) {
  json routes = json::array();
  const auto& all = c.total.routes();
  for (std::size_t r = 0; r < all.size(); ++r) {
    std::array<uint64_t, metrics::kStatusClasses> by_class{};
    for (std::size_t k = 0; k < metrics::kStatusClasses; ++k)
      for (const auto& per_source : all[r].requests[k])
        for (uint64_t n : per_source) by_class[k] += n;
    uint64_t sum = 0;
    for (uint64_t n : by_class) sum += n;
    total += sum;
    if (sum == 0 && all[r].name == "none") continue;  // only when something hit it
    json classes = json::object();
    for (std::size_t k = 0; k < metrics::kStatusClasses; ++k)
      classes[std::string(metrics::status_class_name(k))] = by_class[k];
    routes.push_back({{"route", all[r].name}, {"requests", sum}, {"classes", classes}});
  }
  return routes;
}

json sources_json(const Collected& c) {
  std::array<uint64_t, metrics::kSources> by_source{};
  for (const auto& route : c.total.routes())
    for (const auto& per_class : route.requests)
      for (std::size_t src = 0; src < metrics::kSources; ++src)
        for (uint64_t n : per_class[src]) by_source[src] += n;
  json sources = json::array();
  for (std::size_t src = 0; src < metrics::kSources; ++src)
    if (by_source[src] > 0)
      sources.push_back(
          {{"source", std::string(metrics::source_name(src))}, {"count", by_source[src]}});
  return sources;
}

json ranges_json(const runtime::Snapshot& s, int64_t now) {
  json out = json::array();
  const auto add = [&](const char* name, const ranges::RangesStore* store) {
    const ranges::RangesState st = store->state();
    out.push_back({{"provider", name},
                   {"source", std::string(ranges::ranges_source_name(st.source))},
                   {"v4_blocks", st.v4_blocks},
                   {"v6_blocks", st.v6_blocks},
                   {"last_success_age_seconds",
                    st.last_success > 0 ? json(now - st.last_success) : json(nullptr)},
                   {"failures", st.consecutive_failures},
                   {"last_error", st.last_error}});
  };
  if (ranges::needs_cloudflare(s.config) && s.cloudflare_store)
    add("cloudflare", s.cloudflare_store.get());
  if (ranges::needs_fastly(s.config) && s.fastly_store) add("fastly", s.fastly_store.get());
  return out;
}

json recent_json(const Collected& c) {
  json out = json::array();
  for (const metrics::RecentRequest& r : c.recent)
    out.push_back({{"unix_ms", r.unix_ms},
                   {"request_id", std::string(r.request_id.view())},
                   {"route", std::string(r.route.view())},
                   {"method", std::string(r.method.view())},
                   {"target", std::string(r.target.view())},
                   {"client_ip", r.has_client ? json(address_text(r.client)) : json(nullptr)},
                   {"client_ip_source", std::string(r.source.view())},
                   {"status", r.status},
                   {"reason", std::string(r.reason.view())},
                   {"detail", std::string(r.detail.view())},
                   {"duration_ms", r.duration_ms}});
  return out;
}

}  // namespace

std::string status_json(const Collected& c, const ServerView& v) {
  const runtime::Snapshot& s = *v.snapshot;
  uint64_t total = 0;
  json out;
  out["version"] = std::string(build_version());
  out["commit"] = std::string(build_commit());
  out["started_unix"] = v.started_unix;
  out["now_unix"] = v.now_unix;
  out["ready"] = v.ready;
  out["workers"] = c.workers;
  out["workers_missing"] = c.missing;
  out["routes"] = routes_json(c, total);
  out["requests"] = total;
  out["sources"] = sources_json(c);
  json refusals = json::array();
  for (const auto& e : c.total.rejections().entries())
    refusals.push_back({{"reason", e.reason}, {"detail", e.detail}, {"count", e.count}});
  out["refusals"] = refusals;
  json top = json::array();
  for (const auto& [ip, n] : c.total.top_clients().top(10, v.now_unix))
    top.push_back({{"client_ip", address_text(ip)}, {"count", n}});
  out["top_clients"] = top;
  out["top_clients_minutes"] = metrics::TopClients::kSlots;
  out["ranges"] = ranges_json(s, v.now_unix);
  out["upstream"] = {{"new", c.total.upstream_new()},
                     {"reused", c.total.upstream_reused()},
                     {"retries", c.total.upstream_retries()},
                     {"connect", latency(c.total.upstream_connect())},
                     {"ttfb", latency(c.total.upstream_ttfb())},
                     {"request", latency(c.total.request_duration())}};
  out["recent"] = recent_json(c);
  // Bytes from clients may be any bytes: replace invalid UTF-8 rather than throw.
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace doorman::admin
