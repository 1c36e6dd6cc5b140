#include "request_path/route.h"

#include <algorithm>
#include <array>
#include <span>

#include "request_path/exchange.h"
#include "runtime/session.h"

namespace doorman::request_path {

std::string_view normalize_host(std::string_view host, std::span<char> out) {
  // RFC 9110 §7.2: Host = uri-host [ ":" port ]; an IPv6 literal keeps its brackets.
  if (host.starts_with('[')) {
    const auto close = host.find(']');
    host = close == std::string_view::npos ? host : host.substr(0, close + 1);
  } else if (const auto colon = host.rfind(':'); colon != std::string_view::npos) {
    host = host.substr(0, colon);
  }
  // A fully qualified name may end with a dot (RFC 1034 §3.1); it names the same host.
  if (host.ends_with('.')) host.remove_suffix(1);
  if (host.size() > out.size()) return {};
  for (std::size_t i = 0; i < host.size(); ++i) {
    const char c = host[i];
    out[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  }
  return {out.data(), host.size()};
}

RouteTable::RouteTable(const std::vector<config::RouteSection>& routes) {
  for (const config::RouteSection& route : routes) {
    if (route.patterns.empty()) default_ = &route;
    for (const config::RoutePattern& p : route.patterns) {
      Entry entry{p.path, p.path_prefix, &route};
      if (p.host.empty()) {
        any_host_.push_back(std::move(entry));
      } else if (p.wildcard) {
        auto it = std::find_if(wildcards_.begin(), wildcards_.end(),
                               [&](const Wildcard& w) { return w.suffix == p.host; });
        if (it == wildcards_.end()) it = wildcards_.insert(wildcards_.end(), Wildcard{p.host, {}});
        it->entries.push_back(std::move(entry));
      } else {
        exact_[p.host].push_back(std::move(entry));
      }
    }
  }
  std::stable_sort(wildcards_.begin(), wildcards_.end(), [](const Wildcard& a, const Wildcard& b) {
    return a.suffix.size() > b.suffix.size();
  });
}

const config::RouteSection* RouteTable::best(const std::vector<Entry>& entries,
                                             std::string_view path) {
  const config::RouteSection* found = nullptr;
  std::size_t best_score = 0;
  for (const Entry& e : entries) {
    const bool hit = e.prefix ? path.starts_with(e.path) : path == e.path;
    if (!hit) continue;
    // Twice the length, plus one for an exact path: longest wins, exact beats equal prefix.
    const std::size_t score = e.path.size() * 2 + (e.prefix ? 0 : 1) + 1;
    if (score > best_score) {
      best_score = score;
      found = e.route;
    }
  }
  return found;
}

const config::RouteSection* RouteTable::match(std::string_view host,
                                              std::string_view target) const {
  // Absolute-form (RFC 9112 §3.2.2): the target's authority replaces Host.
  if (target.starts_with("http://") || target.starts_with("https://")) {
    target.remove_prefix(target.find("//") + 2);
    const auto slash = target.find('/');
    host = target.substr(0, slash);
    target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
  }
  const std::string_view path = target.substr(0, target.find_first_of("?#"));
  std::array<char, 256> buffer;
  const std::string_view name = normalize_host(host, buffer);
  if (!name.empty()) {
    if (auto it = exact_.find(name); it != exact_.end())
      if (const auto* r = best(it->second, path)) return r;
    for (const Wildcard& w : wildcards_) {
      // ".example.com" matches deeper names only: the name must be longer than the suffix.
      if (name.size() > w.suffix.size() && name.ends_with(w.suffix))
        if (const auto* r = best(w.entries, path)) return r;
    }
  }
  if (const auto* r = best(any_host_, path)) return r;
  return default_;
}

bool select_route(const runtime::Session& s, Exchange& x) {
  // An absolute-form target's authority is already head.host (RFC 9112 §3.2.2); match on its
  // path, which is what the upstream receives in origin-form.
  const RequestHead& head = *x.head;
  std::string_view target = head.target;
  if (head.target_form == TargetForm::kAbsolute)
    target = head.absolute_path.starts_with('/') ? head.absolute_path : std::string_view("/");
  x.route = s.snapshot->routes.match(head.host, target);
  if (x.route == nullptr) {
    x.reason = Reason::kNoRoute;
    return false;
  }
  x.route_runtime = &s.snapshot->runtime_of(x.route);
  return true;
}

}  // namespace doorman::request_path
