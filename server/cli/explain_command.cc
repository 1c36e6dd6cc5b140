// `doorman explain`: the debugging tool for "why did this user get that IP / that 403?".
//
// It runs the same resolve_client_ip() the server runs, on a peer and headers given on the
// command line (or the mode, trusted proxies and options of the route a config file picks for a
// host and path), and prints the walk step by step, or one JSON object with --json.
// The Cloudflare and Fastly sets are the bundled lists; with --config, the lists a server starting
// now would use (the static ranges_file, else the bundled list overlaid by a valid cache, as
// `doorman ranges show` reports); --cloudflare-ranges / --fastly-ranges replace either.
// The Fastly set is consulted as the server does: in fastly-proxy mode, and in auto when
// `[fastly] auto = true` (or --fastly-auto).
// Authenticated Origin Pulls: --origin-pull absent|verified|unverified says what the connection's
// client certificate was; --client-cert FILE verifies a PEM certificate against the client CA
// (the first [[listener]] with client_ca / client_auth with --config, else --client-ca FILE, else
// the bundled Cloudflare origin-pull CA) and uses its names for origin_pull_subject. The route's
// require_origin_pull / origin_pull_subject come from --config, or --require-origin-pull and
// --origin-pull-subject; --origin-pull or --client-cert without --config imply
// --require-origin-pull.
// Exit 0 on a decision (200 or 403 alike), 2 on bad arguments.
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "config/config.h"
#include "doorman/cidr_set.h"
#include "doorman/client_ip.h"
#include "doorman/cloudflare_ranges.h"
#include "doorman/fastly_ranges.h"
#include "doorman/header_field.h"
#include "ranges/ranges_runtime.h"
#include "ranges/refresher.h"
#include "runtime/snapshot.h"
#include "tls/client_certificate.h"
#include "tls/tls_context.h"

namespace doorman::cli {
namespace {

struct ExplainArgs {
  std::string peer;
  std::string mode;  // "" = auto, or the route's mode with --config
  std::vector<std::string> trusted;
  bool no_trust_loopback = false;
  std::string cloudflare_ranges;
  std::string fastly_ranges;
  bool fastly_auto = false;
  std::vector<std::string> headers;
  std::string forwarded_header;  // "" = any, or the config's
  uint32_t trusted_hops = 0;
  bool tls = false;
  bool proxy_protocol = false;
  bool json = false;
  std::string config;
  std::string host;
  std::string path = "/";
  std::string origin_pull;  // "" | absent | verified | unverified
  std::string client_cert;  // a PEM file to verify
  std::string client_ca;    // the CA to verify it against (without --config)
  bool require_origin_pull = false;
  std::string origin_pull_subject;
};

// Everything resolve_client_ip() needs, owned here so the views in ResolveRequest stay valid.
struct ExplainInput {
  IpAddress peer;
  SourceIpMode mode = SourceIpMode::kAuto;
  CidrSet trusted;
  CidrSet cloudflare;
  CidrSet fastly;
  bool fastly_in_auto = false;  // [fastly] auto = true, or --fastly-auto
  ClientIpOptions options;
  std::vector<std::string> header_text;  // backing storage for `headers`
  std::vector<HeaderField> headers;
  std::string route;  // with --config: the matched route's name
  // Origin pull: the route's requirement and what the connection's certificate was.
  bool require_origin_pull = false;
  std::string origin_pull_subject;
  tls::ClientCertificate certificate;
  std::shared_ptr<const tls::ClientCa> config_client_ca;  // with --config: the listener's
  std::shared_ptr<const tls::TlsContext> config_tls;      // keeps config_client_ca's owner
};

// A usage error: printed by the caller, exit 2.
struct UsageError {
  std::string message;
};

std::expected<std::vector<HeaderField>, UsageError> split_headers(
    const std::vector<std::string>& lines) {
  std::vector<HeaderField> fields;
  for (const std::string& line : lines) {
    const std::size_t colon = line.find(':');
    if (colon == std::string::npos || colon == 0)
      return std::unexpected(UsageError{"-H '" + line + "': expected 'Name: value'"});
    std::string_view name(line.data(), colon);
    if (name.find_first_of(" \t") != std::string_view::npos)
      return std::unexpected(UsageError{"-H '" + line + "': whitespace in the header name"});
    // RFC 9112 §5: optional whitespace around the value is not part of it.
    const std::string_view value =
        trim_ows(std::string_view(line.data() + colon + 1, line.size() - colon - 1));
    fields.push_back({name, value});
  }
  return fields;
}

std::expected<CidrSet, UsageError> read_ranges_file(const std::string& option,
                                                    const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::unexpected(UsageError{option + " " + path + ": cannot read"});
  std::stringstream text;
  text << in.rdbuf();
  auto set = parse_cidr_list(text.str());
  if (!set)
    return std::unexpected(UsageError{option + " " + path + ": " + set.error().to_string()});
  return std::move(*set);
}

// The list of `provider` a server starting with `snap`'s config would use (the static
// ranges_file, else the bundled list overlaid by a valid cache); an ignored cache is reported.
CidrSet config_ranges(const runtime::Snapshot& snap, const std::string& provider) {
  const ranges::InitialList initial =
      ranges::initial_list(ranges::provider_setup(snap.config, provider));
  if (!initial.state.last_error.empty())
    std::fprintf(stderr, "doorman explain: %s ranges: %s; using the bundled list\n",
                 provider.c_str(), initial.state.last_error.c_str());
  return *initial.set;
}

// --config: the route that host/path match supplies mode, trusted set and options; explicit
// flags still override the mode and forwarded header so a user can ask "what if".
std::expected<void, UsageError> apply_config(const ExplainArgs& args, ExplainInput& input) {
  auto loaded = config::load_config(args.config);
  if (!loaded.config) {
    std::string message = "--config " + args.config + ":";
    for (const std::string& e : loaded.errors) message += "\n  " + e;
    return std::unexpected(UsageError{message});
  }
  auto snapshot = runtime::compile_snapshot(*loaded.config);
  if (!snapshot) return std::unexpected(UsageError{snapshot.error()});
  const runtime::Snapshot& snap = **snapshot;
  const config::RouteSection* route = snap.routes.match(args.host, args.path);
  if (route == nullptr)
    return std::unexpected(UsageError{"no route of " + args.config + " matches host '" + args.host +
                                      "' and path '" + args.path +
                                      "' (doorman answers 404 before identity)"});
  input.route = route->name;
  input.mode = snap.runtime_of(route).source_ip;
  input.trusted = snap.trusted;
  input.cloudflare = config_ranges(snap, "cloudflare");
  input.fastly = config_ranges(snap, "fastly");
  input.fastly_in_auto = snap.fastly_in_auto;
  input.options.forwarded_header = snap.forwarded_header;
  input.options.trusted_hops = static_cast<uint32_t>(route->trusted_hops);
  input.require_origin_pull = route->edge.require_origin_pull;
  input.origin_pull_subject = route->edge.origin_pull_subject;
  for (const config::ListenerSection& l : snap.config.listeners) {
    if (l.edge.tls_context && l.edge.tls_context->client_ca() != nullptr) {
      input.config_tls = l.edge.tls_context;
      input.config_client_ca =
          std::shared_ptr<const tls::ClientCa>(input.config_tls, input.config_tls->client_ca());
      break;
    }
  }
  return {};
}

// --origin-pull / --client-cert: what the connection's certificate was.
std::expected<void, UsageError> apply_origin_pull(const ExplainArgs& args, ExplainInput& input) {
  if (!args.origin_pull.empty() && !args.client_cert.empty())
    return std::unexpected(UsageError{"--origin-pull and --client-cert are exclusive"});
  if (args.require_origin_pull ||
      (args.config.empty() && (!args.origin_pull.empty() || !args.client_cert.empty())))
    input.require_origin_pull = true;
  if (!args.origin_pull_subject.empty()) input.origin_pull_subject = args.origin_pull_subject;
  if (!args.origin_pull.empty()) {
    auto state = parse_client_cert_state(args.origin_pull);
    if (!state)
      return std::unexpected(UsageError{"--origin-pull '" + args.origin_pull +
                                        "': expected absent, verified or unverified"});
    input.certificate.state = *state;
  }
  if (args.client_cert.empty()) return {};
  std::shared_ptr<const tls::ClientCa> ca = input.config_client_ca;
  if (!args.client_ca.empty() || !ca) {
    config::ClientAuth auth;
    auth.ca = args.client_ca.empty() ? config::ClientAuth::Ca::kCloudflare
                                     : config::ClientAuth::Ca::kFile;
    auth.ca_file = args.client_ca;
    tls::ClientCa::LoadResult loaded = tls::ClientCa::load(auth);
    if (!loaded.ca) return std::unexpected(UsageError{"--client-ca: " + loaded.error});
    ca = std::move(loaded.ca);
  }
  input.certificate = tls::verify_certificate_file(args.client_cert, *ca);
  if (input.certificate.state == ClientCertState::kAbsent)
    return std::unexpected(UsageError{"--client-cert " + input.certificate.error});
  return {};
}

std::expected<ExplainInput, UsageError> build_input(const ExplainArgs& args) {
  ExplainInput input;
  auto peer = IpAddress::parse_allowing_zone(args.peer);
  if (!peer)
    return std::unexpected(UsageError{"--peer '" + args.peer + "': not an IP address (" +
                                      std::string(error_code_name(peer.error().code)) + ")"});
  input.peer = *peer;

  if (!args.config.empty()) {
    if (args.host.empty()) return std::unexpected(UsageError{"--config needs --host"});
    if (!args.trusted.empty())
      return std::unexpected(
          UsageError{"--trusted and --config are exclusive: the config's "
                     "trusted_proxies apply"});
    if (auto applied = apply_config(args, input); !applied) return std::unexpected(applied.error());
  } else {
    std::vector<Cidr> cidrs;
    for (const std::string& text : args.trusted) {
      auto cidr = parse_cidr(text, HostBits::kNormalize);
      if (!cidr)
        return std::unexpected(UsageError{"--trusted '" + text +
                                          "': " + std::string(error_code_name(cidr.error().code))});
      cidrs.push_back(*cidr);
    }
    if (args.no_trust_loopback) {
      input.trusted = CidrSet(cidrs);
    } else {
      input.trusted = CidrSet::trusted(cidrs);
    }
    input.cloudflare = bundled_cloudflare_ranges();
    input.fastly = bundled_fastly_ranges();
  }
  if (args.fastly_auto) input.fastly_in_auto = true;

  if (!args.mode.empty()) {
    auto mode = parse_source_ip_mode(args.mode);
    if (!mode) return std::unexpected(UsageError{"--mode '" + args.mode + "': unknown mode"});
    input.mode = *mode;
  }
  if (!args.forwarded_header.empty()) {
    auto choice = parse_forwarded_header_choice(args.forwarded_header);
    if (!choice)
      return std::unexpected(
          UsageError{"--forwarded-header '" + args.forwarded_header + "': unknown header choice"});
    input.options.forwarded_header = *choice;
  }
  if (args.trusted_hops > 0) input.options.trusted_hops = args.trusted_hops;
  if (!args.cloudflare_ranges.empty()) {
    auto set = read_ranges_file("--cloudflare-ranges", args.cloudflare_ranges);
    if (!set) return std::unexpected(set.error());
    input.cloudflare = std::move(*set);
  }
  if (!args.fastly_ranges.empty()) {
    auto set = read_ranges_file("--fastly-ranges", args.fastly_ranges);
    if (!set) return std::unexpected(set.error());
    input.fastly = std::move(*set);
  }
  if (auto pulled = apply_origin_pull(args, input); !pulled) return std::unexpected(pulled.error());
  input.header_text = args.headers;
  auto fields = split_headers(input.header_text);
  if (!fields) return std::unexpected(fields.error());
  input.headers = std::move(*fields);
  return input;
}

bool uses_fastly(const ExplainInput& input) {
  return runtime::consults_fastly(input.mode, input.fastly_in_auto);
}

nlohmann::json to_json(const ExplainInput& input, const ClientIpDecision& decision,
                       const ResolveTrace& trace) {
  nlohmann::json steps = nlohmann::json::array();
  for (const TraceStep& step : trace.steps)
    steps.push_back({{"code", step.code}, {"text", step.text}});
  nlohmann::json hops = nlohmann::json::array();
  for (const IpAddress& hop : decision.hops) hops.push_back(hop.to_string());
  nlohmann::json out = {
      {"status", decision.http_status()},
      {"client_ip", decision.client_ip ? nlohmann::json(decision.client_ip->to_string())
                                       : nlohmann::json(nullptr)},
      {"source", client_ip_source_name(decision.source)},
      {"reason", client_ip_reason_name(decision.reason)},
      {"proto", scheme_name(decision.proto.scheme)},
      {"proto_source", proto_source_name(decision.proto.source)},
      {"mode", source_ip_mode_name(input.mode)},
      {"peer", input.peer.to_string()},
      {"peer_trusted", decision.peer_trusted},
      {"peer_in_cloudflare", decision.peer_in_cloudflare},
      {"fastly_considered", uses_fastly(input)},
      {"peer_in_fastly", decision.peer_in_fastly},
      {"trusted_hops", hops},
      {"origin_pull", origin_pull_check_name(decision.origin_pull)},
      {"client_cert", client_cert_state_name(input.certificate.state)},
      {"steps", steps},
  };
  if (!input.certificate.subject.empty()) out["client_cert_subject"] = input.certificate.subject;
  if (!input.certificate.error.empty()) out["client_cert_error"] = input.certificate.error;
  if (!input.route.empty()) out["route"] = input.route;
  return out;
}

void print_human(const ExplainInput& input, const ClientIpDecision& decision,
                 const ResolveTrace& trace) {
  std::string fastly;
  if (uses_fastly(input))
    fastly = decision.peer_in_fastly ? ", in the Fastly set" : ", not in the Fastly set";
  std::printf("peer       %s (%s, %s%s)\n", input.peer.to_string().c_str(),
              decision.peer_trusted ? "trusted" : "not trusted",
              decision.peer_in_cloudflare ? "in the Cloudflare set" : "not in the Cloudflare set",
              fastly.c_str());
  if (!input.route.empty()) std::printf("route      %s\n", input.route.c_str());
  if (input.require_origin_pull) {
    std::string cert(client_cert_state_name(input.certificate.state));
    if (!input.certificate.subject.empty()) cert += ", " + input.certificate.subject;
    if (!input.certificate.error.empty()) cert += ": " + input.certificate.error;
    std::printf("client cert %s\n", cert.c_str());
  }
  std::printf("mode       %s\n\n", std::string(source_ip_mode_name(input.mode)).c_str());
  int n = 1;
  for (const TraceStep& step : trace.steps)
    std::printf("  %2d. [%s] %s\n", n++, step.code.c_str(), step.text.c_str());
  std::printf("\n");
  if (decision.accepted()) {
    std::printf("decision   200: forwarded to the app\n");
    std::printf("client_ip  %s (source: %s)\n",
                decision.client_ip ? decision.client_ip->to_string().c_str() : "none",
                std::string(client_ip_source_name(decision.source)).c_str());
  } else {
    std::printf("decision   403: rejected before the app\n");
    std::printf("client_ip  none\n");
  }
  std::printf("reason     %s\n", std::string(client_ip_reason_name(decision.reason)).c_str());
  std::printf("proto      %s (from %s)\n", std::string(scheme_name(decision.proto.scheme)).c_str(),
              std::string(proto_source_name(decision.proto.source)).c_str());
}

int explain(const ExplainArgs& args) {
  auto input = build_input(args);
  if (!input) {
    std::fprintf(stderr, "doorman explain: %s\n", input.error().message.c_str());
    return 2;
  }
  ResolveRequest request;
  request.peer = input->peer;
  request.peer_from_proxy_protocol = args.proxy_protocol;
  request.mode = input->mode;
  request.trusted = &input->trusted;
  request.cloudflare = &input->cloudflare;
  if (uses_fastly(*input)) request.fastly = &input->fastly;
  request.headers = input->headers;
  request.options = input->options;
  request.tls_terminated = args.tls;
  request.origin_pull.required = input->require_origin_pull;
  request.origin_pull.subject = input->origin_pull_subject;
  request.origin_pull.certificate = input->certificate.state;
  request.origin_pull.names = input->certificate.names;
  ResolveTrace trace;
  const ClientIpDecision decision = resolve_client_ip(request, &trace);
  if (args.json) {
    std::printf("%s\n", to_json(*input, decision, trace).dump().c_str());
  } else {
    print_human(*input, decision, trace);
  }
  return 0;
}

}  // namespace

void add_explain_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ExplainArgs>();
  auto* cmd = app.add_subcommand(
      "explain", "Explain which client IP doorman resolves for a peer and request headers");
  cmd->add_option("--peer", args->peer, "The TCP peer (or PROXY source) address")->required();
  cmd->add_option("--mode", args->mode,
                  "auto|direct|cloudflare-proxy|trusted-proxy|cloudflare-tunnel|fastly-proxy "
                  "(default: auto, or the route's with --config)");
  cmd->add_option("--trusted", args->trusted,
                  "A trusted proxy CIDR (repeatable); loopback is always trusted");
  cmd->add_flag("--no-trust-loopback", args->no_trust_loopback,
                "Do not add 127.0.0.0/8 and ::1 to the trusted set (trust_loopback = false)");
  cmd->add_option("--cloudflare-ranges", args->cloudflare_ranges,
                  "File of CIDRs (one a line, # comments) replacing the Cloudflare set");
  cmd->add_option("--fastly-ranges", args->fastly_ranges,
                  "File of CIDRs (one a line, # comments) replacing the Fastly set");
  cmd->add_flag("--fastly-auto", args->fastly_auto,
                "In auto mode, try the Fastly rule too ([fastly] auto = true)");
  cmd->add_option("-H,--header", args->headers, "A request header 'Name: value' (repeatable)");
  cmd->add_option("--forwarded-header", args->forwarded_header,
                  "any|x-forwarded-for|forwarded: the one header the proxies write");
  cmd->add_option("--trusted-hops", args->trusted_hops,
                  "Require exactly N trusted hops right of the client");
  cmd->add_flag("--tls", args->tls, "The request arrived over TLS terminated by doorman");
  cmd->add_flag("--proxy-protocol", args->proxy_protocol,
                "The peer address came from a PROXY protocol header");
  cmd->add_option("--origin-pull", args->origin_pull,
                  "absent|verified|unverified: the connection's client certificate (implies "
                  "--require-origin-pull without --config)");
  cmd->add_option("--client-cert", args->client_cert,
                  "A PEM client certificate to verify as the origin-pull certificate");
  cmd->add_option("--client-ca", args->client_ca,
                  "The CA bundle --client-cert verifies against (default: the --config "
                  "listener's, else the bundled Cloudflare origin-pull CA)");
  cmd->add_flag("--require-origin-pull", args->require_origin_pull,
                "The route requires origin pull (require_origin_pull = true)");
  cmd->add_option("--origin-pull-subject", args->origin_pull_subject,
                  "The route's origin_pull_subject pin");
  cmd->add_flag("--json", args->json, "Print one JSON object");
  cmd->add_option("--config", args->config,
                  "Take mode, trusted proxies and options from the route HOST/PATH match");
  cmd->add_option("--host", args->host, "Host of the request (with --config)");
  cmd->add_option("--path", args->path, "Path of the request (with --config; default /)");
  cmd->callback([args, &exit_code] { exit_code = explain(*args); });
}

}  // namespace doorman::cli
