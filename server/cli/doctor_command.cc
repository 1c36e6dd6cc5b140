// `doorman doctor --config F`: the deploy checklist's "test both paths" as a command. For each
// public host of the routes (doctor/diagnose.h targets_of) it sends one HTTPS request through
// normal DNS and one pinned to the origin's address (same URL, Host and SNI), then prints what
// each showed and what that means (doctor/diagnose.h): is Cloudflare in the path, does the
// direct path bypass it, does a strict route refuse the direct request, is origin pull
// enforced, is the certificate one a browser accepts.
//
// Options: --origin ADDR[:PORT] where the origin is reachable (default: the first TLS
// listener's address when it is not a wildcard); --port N the public port (443); --resolve
// HOST:PORT:ADDR (repeatable, curl's syntax) stands in for DNS; --cacert FILE the roots a
// browser would trust (default: the system's); --host NAME (repeatable) only those hosts;
// --timeout DURATION per request (10s).
// Exit 0 when no finding is a problem, 1 when one is, 2 when it could not run (bad options or
// configuration). Requests go out one at a time; each is bounded by --timeout.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "config/config.h"
#include "doctor/diagnose.h"
#include "doctor/probe.h"
#include "doorman/ip_address.h"

namespace doorman::cli {
namespace {

struct DoctorArgs {
  std::string config;
  std::string origin;
  int port = 443;
  std::vector<std::string> resolve;
  std::string cacert;
  std::vector<std::string> hosts;
  std::string timeout = "10s";
};

struct Endpoint {
  std::string host;  // IPv6 in brackets
  int port = 0;
};

// "192.0.2.1", "192.0.2.1:8443", "[2001:db8::1]:8443", "2001:db8::1"; nullopt when malformed.
std::optional<Endpoint> parse_endpoint(const std::string& text, int default_port) {
  Endpoint e{text, default_port};
  std::string port;
  if (text.starts_with('[')) {
    const std::size_t close = text.find(']');
    if (close == std::string::npos) return std::nullopt;
    e.host = text.substr(0, close + 1);
    if (close + 1 < text.size()) {
      if (text[close + 1] != ':') return std::nullopt;
      port = text.substr(close + 2);
    }
  } else if (std::count(text.begin(), text.end(), ':') == 1) {
    e.host = text.substr(0, text.find(':'));
    port = text.substr(text.find(':') + 1);
  } else if (text.find(':') != std::string::npos) {
    e.host = "[" + text + "]";  // a bare IPv6 address
  }
  if (!port.empty()) {
    if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos)
      return std::nullopt;
    e.port = std::stoi(port);
  }
  if (e.host.empty() || e.port < 1 || e.port > 65535) return std::nullopt;
  // An IPv6 address must parse; anything else is a name or an IPv4 address curl will resolve.
  if (e.host.starts_with('[')) {
    const std::string_view inside = std::string_view(e.host).substr(1, e.host.size() - 2);
    if (!IpAddress::parse(inside)) return std::nullopt;
    return e;
  }
  if (e.host.find_first_not_of(
          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") != std::string::npos)
    return std::nullopt;
  return e;
}

// The first TLS listener's address when it names one machine (not 0.0.0.0 or ::).
std::optional<Endpoint> origin_from_listeners(const config::Config& c) {
  for (const config::ListenerSection& l : c.listeners) {
    if (!l.edge.tls || l.address.kind != config::SocketAddress::Kind::kTcp) continue;
    if (l.address.host == "0.0.0.0" || l.address.host == "::" || l.address.port == 0)
      return std::nullopt;
    const bool v6 = l.address.host.find(':') != std::string::npos;
    return Endpoint{v6 ? "[" + l.address.host + "]" : l.address.host, l.address.port};
  }
  return std::nullopt;
}

std::string_view mode_name(config::SourceIpMode mode) {
  switch (mode) {
    case config::SourceIpMode::kAuto:
      return "auto";
    case config::SourceIpMode::kDirect:
      return "direct";
    case config::SourceIpMode::kCloudflareProxy:
      return "cloudflare-proxy";
    case config::SourceIpMode::kTrustedProxy:
      return "trusted-proxy";
    case config::SourceIpMode::kCloudflareTunnel:
      return "cloudflare-tunnel";
    case config::SourceIpMode::kFastlyProxy:
      return "fastly-proxy";
  }
  return "?";
}

bool wanted(const DoctorArgs& args, const std::string& host) {
  if (args.hosts.empty()) return true;
  for (const std::string& h : args.hosts)
    if (h == host) return true;
  return false;
}

int run_doctor(const DoctorArgs& args) {
  auto loaded = config::load_config(args.config);
  if (!loaded.config) {
    for (const std::string& e : loaded.errors) std::fprintf(stderr, "%s\n", e.c_str());
    return 2;
  }
  const config::Config& c = *loaded.config;
  const auto timeout = config::parse_duration(args.timeout);
  if (!timeout || timeout->count() <= 0) {
    std::fprintf(stderr, "doorman doctor: --timeout: expected a duration like \"10s\"\n");
    return 2;
  }
  std::optional<Endpoint> origin =
      args.origin.empty() ? origin_from_listeners(c) : parse_endpoint(args.origin, args.port);
  if (!origin) {
    std::fprintf(stderr, args.origin.empty()
                             ? "doorman doctor: say where the origin is reachable: --origin "
                               "ADDR[:PORT] (no TLS listener names one address)\n"
                             : "doorman doctor: --origin: expected ADDR or ADDR:PORT\n");
    return 2;
  }
  std::vector<doctor::Target> targets;
  for (doctor::Target& t : doctor::targets_of(c))
    if (wanted(args, t.host)) targets.push_back(std::move(t));
  if (targets.empty()) {
    std::fprintf(stderr, "doorman doctor: no public host to ask (routes name exact hosts)\n");
    return 2;
  }
  std::printf("doorman doctor: %zu host%s of %s, origin %s:%d\n", targets.size(),
              targets.size() == 1 ? "" : "s", args.config.c_str(), origin->host.c_str(),
              origin->port);
  std::size_t counts[4] = {};
  for (const doctor::Target& t : targets) {
    const std::string authority =
        t.host + (args.port == 443 ? "" : ":" + std::to_string(args.port));
    doctor::ProbeRequest request;
    request.url = "https://" + authority + t.path;
    request.cacert = args.cacert;
    request.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(*timeout);
    doctor::ProbeRequest direct = request;
    request.resolve = args.resolve;
    direct.connect_to = t.host + ":" + std::to_string(args.port) + ":" + origin->host + ":" +
                        std::to_string(origin->port);
    const doctor::ProbeResult through_dns = doctor::probe(request);
    const doctor::ProbeResult at_origin = doctor::probe(direct);
    std::printf("\n%s (route[%zu] %s, source_ip = %s%s%s)\n", t.host.c_str(), t.route_number,
                t.route_name.c_str(), std::string(mode_name(t.mode)).c_str(),
                t.require_origin_pull ? ", require_origin_pull" : "", t.access ? ", access" : "");
    std::printf("  through DNS  %s at %s: %s\n", request.url.c_str(),
                through_dns.peer.empty() ? "-" : through_dns.peer.c_str(),
                doctor::describe(through_dns).c_str());
    std::printf("  direct       %s at %s:%d: %s\n", direct.url.c_str(), origin->host.c_str(),
                origin->port, doctor::describe(at_origin).c_str());
    for (const doctor::Finding& f : doctor::diagnose(t, through_dns, at_origin)) {
      ++counts[static_cast<int>(f.level)];
      std::printf("  %-8s %s\n", std::string(doctor::level_name(f.level)).c_str(), f.text.c_str());
    }
  }
  const std::size_t problems = counts[static_cast<int>(doctor::Level::kProblem)];
  const std::size_t warnings = counts[static_cast<int>(doctor::Level::kWarning)];
  std::printf("\n%zu problem%s, %zu warning%s\n", problems, problems == 1 ? "" : "s", warnings,
              warnings == 1 ? "" : "s");
  return problems == 0 ? 0 : 1;
}

}  // namespace

void add_doctor_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "doctor", "Request each public host through DNS and pinned to the origin; explain the paths");
  auto args = std::make_shared<DoctorArgs>();
  cmd->add_option("--config,-c", args->config, "Configuration file (TOML)")->required();
  cmd->add_option("--origin", args->origin,
                  "Where the origin is reachable: ADDR or ADDR:PORT (default: the TLS listener)");
  cmd->add_option("--port", args->port, "The public HTTPS port")->check(CLI::Range(1, 65535));
  cmd->add_option("--resolve", args->resolve,
                  "HOST:PORT:ADDR, as curl's --resolve: stands in for DNS (repeatable)");
  cmd->add_option("--cacert", args->cacert, "PEM roots a browser would trust (default: system)");
  cmd->add_option("--host", args->hosts, "Only this public host (repeatable)");
  cmd->add_option("--timeout", args->timeout, "Bound on each request (default 10s)");
  cmd->callback([args, &exit_code] { exit_code = run_doctor(*args); });
}

}  // namespace doorman::cli
