#include "doctor/diagnose.h"

#include <set>

#include "doorman/ip_address.h"
#include "tls/origin_ca.h"

namespace doorman::doctor {
namespace {

using config::SourceIpMode;

constexpr std::string_view kGuide = "docs/deploy/cloudflare-locked-down.md";

// doorman's local replies start "forbidden: REASON" (local_reply.h); "" for any other body.
std::string forbidden_reason(const ProbeResult& r) {
  constexpr std::string_view kPrefix = "forbidden: ";
  if (r.status != 403 || !std::string_view(r.first_line).starts_with(kPrefix)) return {};
  return r.first_line.substr(kPrefix.size());
}

bool admits_direct_visitors(SourceIpMode mode) {
  return mode == SourceIpMode::kAuto || mode == SourceIpMode::kDirect;
}

bool is_origin_pull_reason(std::string_view reason) {
  return reason == "no-origin-pull-certificate" || reason == "bad-origin-pull-certificate";
}

void through_dns_findings(const Target& t, const ProbeResult& r, std::vector<Finding>& out) {
  if (!r.answered) {
    out.push_back({Level::kProblem, "through DNS: no answer (" + r.error + ")"});
    return;
  }
  // doorman refusing what came through Cloudflare: the zone is not set up for this route.
  if (const std::string reason = forbidden_reason(r); !reason.empty() && !r.cf_ray.empty())
    out.push_back({Level::kProblem,
                   "through Cloudflare: refused, 403 " + reason +
                       (is_origin_pull_reason(reason)
                            ? " (turn on Authenticated Origin Pulls for the zone or hostname)"
                        : reason.starts_with("access-token")
                            ? " (no Cloudflare Access application covers this host)"
                            : "")});
  if (!r.cf_ray.empty()) {
    out.push_back({Level::kOk, "Cloudflare is in the path (cf-ray " + r.cf_ray + ")"});
  } else if (t.mode == SourceIpMode::kCloudflareProxy) {
    out.push_back({Level::kProblem,
                   "no cf-ray through DNS: the name does not lead through Cloudflare's proxy "
                   "(a DNS-only record?), yet the route accepts only Cloudflare"});
  } else {
    out.push_back({Level::kNote, "no cf-ray through DNS: Cloudflare is not in the path"});
  }
  if (!r.certificate_seen) return;
  if (r.trusted)
    out.push_back({Level::kOk, "certificate through DNS: trusted (issuer " + r.issuer + ")"});
  else
    out.push_back({Level::kProblem, "certificate through DNS: not trusted, browsers refuse it (" +
                                        r.trust_error + ")"});
}

void direct_findings(const Target& t, const ProbeResult& r, std::vector<Finding>& out) {
  const bool strict = t.mode == SourceIpMode::kCloudflareProxy;
  const std::string reason = forbidden_reason(r);
  bool pull_enforced = false;
  bool refused_before_pull = false;
  if (!r.answered && r.tls_refused) {
    pull_enforced = true;
    out.push_back({Level::kOk,
                   "direct to the origin: the TLS handshake needs a client certificate "
                   "(origin pull enforced by the listener)"});
  } else if (!r.answered) {
    out.push_back({Level::kOk, "direct to the origin: no answer (" + r.error +
                                   "): not reachable from here (a firewall to Cloudflare's "
                                   "ranges?)"});
  } else if (!r.cf_ray.empty()) {
    out.push_back({Level::kWarning,
                   "the origin address answered with a cf-ray: it is a Cloudflare address, not "
                   "the origin (--origin)"});
    return;
  } else if (!reason.empty()) {
    pull_enforced = is_origin_pull_reason(reason);
    refused_before_pull = !pull_enforced && !reason.starts_with("access-token");
    std::string layer = pull_enforced ? "origin pull enforced"
                        : reason.starts_with("access-token")
                            ? "Cloudflare Access enforced"
                            : "the route refuses what does not come from Cloudflare";
    out.push_back(
        {Level::kOk, "direct to the origin: refused, 403 " + reason + " (" + layer + ")"});
  } else {
    const std::string what =
        "direct to the origin: answered " + std::to_string(r.status) + " without Cloudflare";
    if (strict)
      out.push_back({Level::kProblem, what + ": the strict route did not refuse it (is this "
                                             "machine in the trusted or Cloudflare ranges?)"});
    else
      out.push_back({Level::kWarning, what +
                                          ": anyone who knows the address bypasses "
                                          "Cloudflare's protections (" +
                                          std::string(kGuide) + ")"});
  }
  // Origin pull, as configured and as seen.
  if (strict && !t.require_origin_pull && !pull_enforced)
    out.push_back({Level::kWarning,
                   "origin pull not required: any Cloudflare customer's zone can reach this route "
                   "and choose its CF-Connecting-IP (require_origin_pull = true)"});
  else if (t.require_origin_pull && !pull_enforced && refused_before_pull)
    out.push_back({Level::kNote, "origin pull not reached: the request was refused before it"});
  // The origin's certificate.
  if (r.certificate_seen && tls::names_origin_ca(r.issuer)) {
    if (admits_direct_visitors(t.mode))
      out.push_back({Level::kWarning,
                     "the origin serves a Cloudflare Origin CA certificate on a route that admits "
                     "direct visitors: browsers refuse it"});
    else
      out.push_back({Level::kNote,
                     "the origin serves a Cloudflare Origin CA certificate (trusted by "
                     "Cloudflare only: right behind Cloudflare, Full (strict))"});
  } else if (r.certificate_seen && !r.trusted && admits_direct_visitors(t.mode)) {
    out.push_back({Level::kWarning, "the origin's certificate is not trusted (" + r.trust_error +
                                        "): direct visitors get a certificate error"});
  }
}

// A name DNS answers for: not an IP literal ("192.0.2.1", "[2001:db8::1]").
bool is_dns_name(std::string_view host) {
  return !host.starts_with('[') && !IpAddress::parse(host).has_value();
}

}  // namespace

std::string_view level_name(Level level) {
  switch (level) {
    case Level::kOk:
      return "ok";
    case Level::kNote:
      return "note";
    case Level::kWarning:
      return "warning";
    case Level::kProblem:
      return "problem";
  }
  return "?";
}

std::vector<Finding> diagnose(const Target& target, const ProbeResult& through_dns,
                              const ProbeResult& direct) {
  std::vector<Finding> out;
  through_dns_findings(target, through_dns, out);
  direct_findings(target, direct, out);
  return out;
}

std::string describe(const ProbeResult& r) {
  if (!r.answered) return "no answer: " + r.error;
  std::string out = std::to_string(r.status);
  if (!r.first_line.empty() && r.status == 403 && r.first_line.starts_with("forbidden: "))
    out += " " + r.first_line;
  out += r.cf_ray.empty() ? ", no cf-ray" : ", cf-ray " + r.cf_ray;
  return out;
}

std::vector<Target> targets_of(const config::Config& config) {
  std::vector<Target> out;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < config.routes.size(); ++i) {
    const config::RouteSection& route = config.routes[i];
    for (const config::RoutePattern& p : route.patterns) {
      if (p.host.empty() || p.wildcard || !is_dns_name(p.host) || !seen.insert(p.host).second)
        continue;
      Target t;
      t.host = p.host;
      t.path = p.path.empty() ? "/" : p.path;  // a prefix's '*' was dropped when read
      t.route_number = i + 1;
      t.route_name = route.name;
      t.mode = route.source_ip;
      t.require_origin_pull = route.edge.require_origin_pull;
      t.access = route.access.enabled;
      out.push_back(std::move(t));
    }
  }
  return out;
}

}  // namespace doorman::doctor
