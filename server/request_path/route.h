// Stage 2 of the request path: pick the route for a request from its Host and path.
//
// Contract (docs/config.md "Routing"):
// - Hosts compare case-insensitively, without the port and without a trailing dot.
// - Host classes are tried from the most specific: the exact host, then wildcards from the
//   longest suffix ("*.example.com" matches "a.example.com" and "a.b.example.com", never the apex
//   "example.com"), then patterns without a host. Within the first class that has a matching
//   path, the longest path wins (an exact path beats a prefix of the same length).
// - A route with neither `route` nor `routes` is the default: it matches when nothing else does.
// - match() does not allocate for hosts up to 255 bytes (longer hosts never match a named route).
// Thread safety: built once into the immutable snapshot; match() is const and lock-free.
#pragma once

#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace doorman::runtime {
struct Session;
}

namespace doorman::request_path {

struct Exchange;

class RouteTable {
 public:
  // `routes` must outlive the table (both live in the same snapshot).
  explicit RouteTable(const std::vector<config::RouteSection>& routes);

  // The route for this request or nullptr (-> 404). `host` is the Host header value as sent
  // ("Example.COM:8080", "example.com."), `target` the request target (origin-form
  // "/a/b?q" or absolute-form "http://host/a").
  const config::RouteSection* match(std::string_view host, std::string_view target) const;

 private:
  struct Entry {
    std::string path;  // "" = every path
    bool prefix = true;
    const config::RouteSection* route = nullptr;
  };
  struct Wildcard {
    std::string suffix;  // ".example.com"
    std::vector<Entry> entries;
  };
  static const config::RouteSection* best(const std::vector<Entry>& entries, std::string_view path);

  std::map<std::string, std::vector<Entry>, std::less<>> exact_;
  std::vector<Wildcard> wildcards_;  // longest suffix first
  std::vector<Entry> any_host_;
  const config::RouteSection* default_ = nullptr;
};

// The stage: sets x.route and x.route_runtime, or x.reason = kNoRoute and returns false.
bool select_route(const runtime::Session& s, Exchange& x);

// The host part of a Host header value, lowercased into `out` (no port, no trailing dot);
// returns a view of `out`, or an empty view when it does not fit.
std::string_view normalize_host(std::string_view host, std::span<char> out);

}  // namespace doorman::request_path
