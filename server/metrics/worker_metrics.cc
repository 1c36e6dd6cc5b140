#include "metrics/worker_metrics.h"

namespace doorman::metrics {

std::string_view protocol_name(Protocol protocol) {
  switch (protocol) {
    case Protocol::kHttp10:
      return "http/1.0";
    case Protocol::kHttp11:
      return "http/1.1";
    case Protocol::kH2:
      return "h2";
  }
  return "http/1.1";
}

std::size_t status_class(int status) {
  return status >= 100 && status <= 599 ? static_cast<std::size_t>(status / 100) : 0;
}

std::string_view status_class_name(std::size_t index) {
  static constexpr std::array<std::string_view, kStatusClasses> kNames{"other", "1xx", "2xx",
                                                                       "3xx",   "4xx", "5xx"};
  return kNames[index];
}

std::string_view source_name(std::size_t index) {
  if (index >= kSources - 1) return "none";
  return client_ip_source_name(static_cast<ClientIpSource>(index));
}

std::string_view rate_backend_name(std::size_t index) {
  static constexpr std::array<std::string_view, kRateBackends> kNames{"local", "redis", "fallback"};
  return kNames[index];
}

std::string_view rate_decision_name(std::size_t index) {
  static constexpr std::array<std::string_view, kRateDecisions> kNames{"allowed", "limited",
                                                                       "denied"};
  return kNames[index];
}

void ReasonCounts::add(std::string_view reason, std::string_view detail, uint64_t n) {
  // Refusals are the rare path: a linear scan over a few dozen entries is fine.
  for (Entry& e : entries_) {
    if (e.reason == reason && e.detail == detail) {
      e.count += n;
      return;
    }
  }
  if (entries_.size() >= kMaxEntries) {
    // Past the cap every new pair lands in one "other" entry (the last one).
    if (entries_.size() == kMaxEntries) entries_.push_back(Entry{"other", "other", 0});
    entries_.back().count += n;
    return;
  }
  if (entries_.capacity() == 0) entries_.reserve(kMaxEntries + 1);
  // The texts are static code names (short): truncate anything longer than a code name.
  entries_.push_back(
      Entry{std::string(reason.substr(0, 40)), std::string(detail.substr(0, 48)), n});
}

void ReasonCounts::merge(const ReasonCounts& other) {
  for (const Entry& e : other.entries_) add(e.reason, e.detail, e.count);
}

namespace {

// The entry named `name` in `entries`, looked for at `hint` first; a new one when there is room,
// else the last entry, "other" (whose text never equals a configured name that also exists).
template <typename Entry>
Entry& find_or_add(std::vector<Entry>& entries, std::string_view name, std::size_t hint) {
  if (hint < entries.size() && entries[hint].name == name) return entries[hint];
  for (Entry& e : entries)
    if (e.name == name) return e;
  if (entries.size() + 1 >= WorkerMetrics::kMaxNames) {
    if (entries.size() + 1 == WorkerMetrics::kMaxNames) entries.emplace_back().name = "other";
    return entries.back();
  }
  entries.emplace_back().name = std::string(name);
  return entries.back();
}

template <typename Entry>
std::size_t index_of(const std::vector<Entry>& entries, const Entry& e) {
  return static_cast<std::size_t>(&e - entries.data());
}

}  // namespace

WorkerMetrics::WorkerMetrics(const config::Config& config) {
  routes_.reserve(config.routes.size() + 1);
  routes_.emplace_back().name = "none";
  for (const config::RouteSection& r : config.routes) find_or_add(routes_, r.name, SIZE_MAX);
  for (const config::ListenerSection& l : config.listeners)
    find_or_add(listeners_, l.address.text, SIZE_MAX);
}

RouteCounters& WorkerMetrics::route(std::string_view name, std::size_t hint) {
  if (routes_.empty()) routes_.emplace_back().name = "none";
  return find_or_add(routes_, name, hint);
}

void WorkerMetrics::record_request(const RequestRecord& r) {
  RouteCounters& c = route(r.route_name, r.route_hint);
  ++c.requests[status_class(r.status)][r.source < kSources ? r.source : kSources - 1]
              [static_cast<std::size_t>(r.protocol)];
  c.bytes_in += r.bytes_in;
  c.bytes_out += r.bytes_out;
  if (r.rate_limited_route)
    ++c.rate_limit[static_cast<std::size_t>(r.rate_backend)]
                  [static_cast<std::size_t>(r.rate_decision)];
  if (!r.reason.empty()) rejections_.add(r.reason, r.detail);
  if (r.upstream_used) ++(r.upstream_reused ? upstream_reused_ : upstream_new_);
  if (r.upstream_retried) ++upstream_retries_;
  if (r.connect_seconds >= 0) upstream_connect_.observe(r.connect_seconds);
  if (r.ttfb_seconds >= 0) upstream_ttfb_.observe(r.ttfb_seconds);
  request_duration_.observe(r.duration_seconds);
}

void WorkerMetrics::record_recent(const RecentRequest& r, const IpAddress* client,
                                  int64_t unix_seconds) {
  recent_.add(r);
  if (client != nullptr) top_clients_.record(*client, unix_seconds);
}

std::size_t WorkerMetrics::connection_opened(std::string_view listener) {
  ListenerCounters& c = find_or_add(listeners_, listener, SIZE_MAX);
  ++c.accepted;
  ++c.open;
  return index_of(listeners_, c);
}

void WorkerMetrics::connection_closed(std::size_t slot) {
  if (slot < listeners_.size()) --listeners_[slot].open;
}

void WorkerMetrics::merge(const WorkerMetrics& other) {
  for (std::size_t i = 0; i < other.routes_.size(); ++i) {
    const RouteCounters& from = other.routes_[i];
    RouteCounters& into = route(from.name, i);
    for (std::size_t a = 0; a < kStatusClasses; ++a)
      for (std::size_t b = 0; b < kSources; ++b)
        for (std::size_t p = 0; p < kProtocols; ++p)
          into.requests[a][b][p] += from.requests[a][b][p];
    for (std::size_t a = 0; a < kRateBackends; ++a)
      for (std::size_t b = 0; b < kRateDecisions; ++b)
        into.rate_limit[a][b] += from.rate_limit[a][b];
    into.bytes_in += from.bytes_in;
    into.bytes_out += from.bytes_out;
  }
  for (std::size_t i = 0; i < other.listeners_.size(); ++i) {
    const ListenerCounters& from = other.listeners_[i];
    ListenerCounters& into = find_or_add(listeners_, from.name, i);
    into.accepted += from.accepted;
    into.open += from.open;
  }
  rejections_.merge(other.rejections_);
  upstream_connect_.merge(other.upstream_connect_);
  upstream_ttfb_.merge(other.upstream_ttfb_);
  request_duration_.merge(other.request_duration_);
  upstream_new_ += other.upstream_new_;
  upstream_reused_ += other.upstream_reused_;
  upstream_retries_ += other.upstream_retries_;
  top_clients_.merge(other.top_clients_);
  // recent_ is not merged: the status page sorts every worker's records by time itself.
}

double Histogram::quantile_bound(double q) const {
  if (count_ == 0) return 0;
  const double want = q * static_cast<double>(count_);
  uint64_t seen = 0;
  for (std::size_t i = 0; i < kBounds.size(); ++i) {
    seen += buckets_[i];
    if (static_cast<double>(seen) >= want) return kBounds[i];
  }
  return kBounds.back() * 2;  // above the last bound
}

}  // namespace doorman::metrics
