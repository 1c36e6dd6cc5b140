// resolve_client_ip: DESIGN.md "Modes", "The walk" and the X-Forwarded-Proto rule.
#include "doorman/client_ip.h"

#include <algorithm>

namespace doorman {
namespace {

// Trace notes cost nothing without a trace: the text is only built when one is asked for.
template <typename MakeText>
void note(ResolveTrace* trace, const char* code, MakeText make_text) {
  if (trace != nullptr) trace->add(code, make_text());
}

// One walk step for `doorman explain`: the element, its address and what the walk does with it.
std::string describe(const ForwardingElement& e, const CidrSet* trusted) {
  // append() rather than operator+ on a one-character literal: GCC 12 -O3 reports a false
  // -Wrestrict on the latter (GCC bug 105329).
  std::string text;
  text.append("'").append(e.text).append("'");
  if (!e.node) {
    return text.append(" is unparsable (")
        .append(error_code_name(e.node.error().code))
        .append("): the walk stops");
  }
  text.append(" = ").append(e.node->address.to_string());
  if (trusted != nullptr && trusted->contains(e.node->address))
    return text.append(", trusted: keep walking");
  return text.append(", not trusted: this is the client");
}

// The outcome of walking one list.
struct Walk {
  IpAddress answer;                    // the client, or the peer when no good element was walked
  bool from_list = false;              // answer is a list element
  bool stopped_unparsable = false;     // an unparsable element (or the cap) ended the walk
  std::optional<Scheme> answer_proto;  // Forwarded proto= of the answering element
  TrustedHops hops;                    // trusted elements right of the answer, header order
};

// DESIGN.md "The walk": from the right, pass trusted elements, stop at the first untrusted one;
// an all-trusted list gives the leftmost; an unparsable element stops with the last good one.
// Returns whether the header was present.
template <typename Reader>
bool walk_list(Reader reader, const ResolveRequest& request, std::size_t cap, const char* code,
               ResolveTrace* trace, Walk& walk) {
  walk.answer = request.peer;
  std::size_t walked = 0;
  bool untrusted_found = false;
  while (auto element = reader.next()) {
    // Past the cap the list counts as ending in an unparsable element (the rest is
    // client-controlled length; DESIGN.md "Parsing rules").
    if (walked == cap) {
      note(trace, code, [&] { return "more than " + std::to_string(cap) + " elements: stop"; });
      walk.stopped_unparsable = true;
      break;
    }
    ++walked;
    note(trace, code, [&] { return describe(*element, request.trusted); });
    if (!element->node) {
      walk.stopped_unparsable = true;
      break;
    }
    walk.answer = element->node->address;
    walk.from_list = true;
    walk.answer_proto = element->proto;
    if (request.trusted == nullptr || !request.trusted->contains(walk.answer)) {
      untrusted_found = true;
      break;
    }
    walk.hops.push(walk.answer);
  }
  // The answer is the last element walked; when it was trusted it was recorded as a hop, but it
  // is the client (leftmost of an all-trusted list, or the last good before an unparsable one).
  if (!untrusted_found && walk.from_list) walk.hops.pop_back();
  walk.hops.reverse();
  return reader.saw_line();
}

struct ForwardingOutcome {
  bool present = false;
  IpAddress answer;
  ClientIpSource source = ClientIpSource::kPeer;
  ClientIpReason reason = ClientIpReason::kOk;
  std::optional<Scheme> forwarded_proto;
  TrustedHops hops;
};

ClientIpSource peer_source(const ResolveRequest& request) {
  return request.peer_from_proxy_protocol ? ClientIpSource::kProxyProtocol : ClientIpSource::kPeer;
}

ForwardingOutcome walk_forwarding_headers(const ResolveRequest& request, ResolveTrace* trace) {
  const ForwardedHeaderChoice choice = request.options.forwarded_header;
  const HeaderLines xff(request.headers, kXForwardedForHeader);
  const HeaderLines fwd(request.headers, kForwardedHeader);
  const std::size_t cap =
      std::clamp<std::size_t>(request.options.max_elements, 1, kMaxForwardingElements);
  // forwarded_header names the one header the operator's proxies write: the other is ignored.
  Walk xff_walk, fwd_walk;
  const bool use_xff =
      choice != ForwardedHeaderChoice::kForwarded &&
      walk_list(XffReverseReader(xff), request, cap, "x-forwarded-for", trace, xff_walk);
  const bool use_fwd =
      choice != ForwardedHeaderChoice::kXForwardedFor &&
      walk_list(ForwardedReverseReader(fwd), request, cap, "forwarded", trace, fwd_walk);
  ForwardingOutcome out;
  out.answer = request.peer;
  out.source = peer_source(request);
  if (!use_xff && !use_fwd) return out;
  out.present = true;

  if (use_xff && use_fwd && xff_walk.answer != fwd_walk.answer) {
    // Whichever header the front proxy does not write is client-controlled: trust neither.
    note(trace, "conflict", [&] {
      return "X-Forwarded-For gives " + xff_walk.answer.to_string() + ", Forwarded gives " +
             fwd_walk.answer.to_string() + ": using the peer";
    });
    out.reason = ClientIpReason::kConflictingForwardingHeaders;
    return out;
  }
  const Walk& chosen = use_xff ? xff_walk : fwd_walk;
  out.answer = chosen.answer;
  if (chosen.from_list)
    out.source = use_xff ? ClientIpSource::kXForwardedFor : ClientIpSource::kForwarded;
  if (chosen.stopped_unparsable) out.reason = ClientIpReason::kUnparsableForwardingElement;
  if (use_fwd && fwd_walk.from_list) out.forwarded_proto = fwd_walk.answer_proto;
  out.hops = chosen.hops;
  const uint32_t required = request.options.trusted_hops;
  if (required > 0 && (chosen.hops.size() != required || !chosen.from_list)) {
    note(trace, "trusted-hops", [&] {
      return "trusted_hops = " + std::to_string(required) + " but " +
             std::to_string(chosen.hops.size()) + " trusted hops were walked";
    });
    out.reason = ClientIpReason::kTrustedHopsMismatch;
  }
  return out;
}

// CF-Connecting-IP under the cloudflare-proxy and cloudflare-tunnel rules.
ClientIpReason read_cf_connecting_ip(const ResolveRequest& request, ResolveTrace* trace,
                                     IpAddress& client) {
  const auto value = read_single_ip_header(HeaderLines(request.headers, kCfConnectingIpHeader));
  if (!value) {
    note(trace, "cf-connecting-ip", [] { return std::string("no CF-Connecting-IP header"); });
    return ClientIpReason::kMissingCfConnectingIp;
  }
  if (!*value) {
    note(trace, "cf-connecting-ip", [&] {
      return "CF-Connecting-IP is invalid (" + std::string(error_code_name(value->error().code)) +
             ")";
    });
    return ClientIpReason::kInvalidCfConnectingIp;
  }
  client = **value;
  note(trace, "cf-connecting-ip", [&] { return "CF-Connecting-IP = " + client.to_string(); });
  return ClientIpReason::kOk;
}

// Fastly-Client-IP under the fastly-proxy rule: one line, one address, like CF-Connecting-IP
// (Fastly's VCL sets it to client.ip; anything else in it is not Fastly's doing).
constexpr std::string_view kFastlyClientIpHeader = "Fastly-Client-IP";
ClientIpReason read_fastly_client_ip(const ResolveRequest& request, ResolveTrace* trace,
                                     IpAddress& client) {
  const auto value = read_single_ip_header(HeaderLines(request.headers, kFastlyClientIpHeader));
  if (!value) {
    note(trace, "fastly-client-ip", [] { return std::string("no Fastly-Client-IP header"); });
    return ClientIpReason::kMissingFastlyClientIp;
  }
  if (!*value) {
    note(trace, "fastly-client-ip", [&] {
      return "Fastly-Client-IP is invalid (" + std::string(error_code_name(value->error().code)) +
             ")";
    });
    return ClientIpReason::kInvalidFastlyClientIp;
  }
  client = **value;
  note(trace, "fastly-client-ip", [&] { return "Fastly-Client-IP = " + client.to_string(); });
  return ClientIpReason::kOk;
}

void accept(ClientIpDecision& d, const IpAddress& ip, ClientIpSource source,
            ClientIpReason reason) {
  d.status = DecisionStatus::kAccepted;
  d.client_ip = ip;
  d.source = source;
  d.reason = reason;
}

void reject(ClientIpDecision& d, ClientIpReason reason, ResolveTrace* trace) {
  d.status = DecisionStatus::kRejected;
  d.reason = reason;
  note(trace, "reject",
       [&] { return "403, reason " + std::string(client_ip_reason_name(reason)); });
}

// Accepts the outcome of the trusted-proxy rule. In trusted-proxy mode a hop-count mismatch is
// a 403; in auto it falls back to the peer.
void apply_forwarding(ClientIpDecision& d, ForwardingOutcome& outcome, const ResolveRequest& r,
                      bool reject_on_mismatch, ResolveTrace* trace) {
  if (outcome.reason == ClientIpReason::kTrustedHopsMismatch) {
    if (reject_on_mismatch) return reject(d, outcome.reason, trace);
    return accept(d, r.peer, peer_source(r), outcome.reason);
  }
  accept(d, outcome.answer, outcome.source, outcome.reason);
  d.hops = outcome.hops;
}

void decide_proto(ClientIpDecision& d, const ResolveRequest& r,
                  std::optional<Scheme> forwarded_proto, ResolveTrace* trace) {
  if (r.tls_terminated) {
    d.proto = {Scheme::kHttps, ProtoSource::kTls};
  } else if (r.mode != SourceIpMode::kDirect && (d.peer_trusted || d.cloudflare_matched)) {
    // Only a peer we trust may tell us the browser-facing scheme; a direct client could
    // otherwise skip an HTTPS redirect by sending X-Forwarded-Proto: https.
    if (auto s = read_x_forwarded_proto(HeaderLines(r.headers, kXForwardedProtoHeader))) {
      d.proto = {*s, ProtoSource::kXForwardedProto};
    } else if (forwarded_proto) {
      d.proto = {*forwarded_proto, ProtoSource::kForwarded};
    } else if (auto v = read_cf_visitor(HeaderLines(r.headers, kCfVisitorHeader))) {
      d.proto = {*v, ProtoSource::kCfVisitor};
    }
  }
  note(trace, "proto", [&] {
    return std::string(scheme_name(d.proto.scheme)) + " (from " +
           std::string(proto_source_name(d.proto.source)) + ")";
  });
}

}  // namespace

ClientIpDecision resolve_client_ip(const ResolveRequest& r, ResolveTrace* trace) {
  ClientIpDecision d;
  d.peer_trusted = r.trusted != nullptr && r.trusted->contains(r.peer);
  d.peer_in_cloudflare = r.cloudflare != nullptr && r.cloudflare->contains(r.peer);
  d.peer_in_fastly = r.fastly != nullptr && r.fastly->contains(r.peer);
  note(trace, "mode", [&] { return "source_ip = " + std::string(source_ip_mode_name(r.mode)); });
  note(trace, "peer", [&] {
    return "peer " + r.peer.to_string() + (r.peer_from_proxy_protocol ? " (PROXY header)" : "") +
           (d.peer_trusted ? " is in the trusted set" : " is not in the trusted set") +
           (d.peer_in_cloudflare ? ", is in the Cloudflare set" : ", is not in the Cloudflare set");
  });
  std::optional<Scheme> forwarded_proto;
  IpAddress cf_client;
  switch (r.mode) {
    case SourceIpMode::kDirect:
      note(trace, "direct", [] { return std::string("forwarding headers are ignored"); });
      accept(d, r.peer, peer_source(r), ClientIpReason::kOk);
      break;
    case SourceIpMode::kCloudflareProxy:
    case SourceIpMode::kCloudflareTunnel: {
      const bool tunnel = r.mode == SourceIpMode::kCloudflareTunnel;
      // cloudflared runs on a trusted host; Cloudflare's edge connects from its own ranges.
      if (tunnel ? !d.peer_trusted : !d.peer_in_cloudflare) {
        reject(d, tunnel ? ClientIpReason::kUntrustedPeer : ClientIpReason::kNotCloudflare, trace);
        break;
      }
      const ClientIpReason reason = read_cf_connecting_ip(r, trace, cf_client);
      if (reason != ClientIpReason::kOk) {
        reject(d, reason, trace);
        break;
      }
      d.cloudflare_matched = true;
      accept(d, cf_client, ClientIpSource::kCfConnectingIp, ClientIpReason::kOk);
      break;
    }
    case SourceIpMode::kFastlyProxy: {
      if (!d.peer_in_fastly) {
        reject(d, ClientIpReason::kNotFastly, trace);
        break;
      }
      const ClientIpReason reason = read_fastly_client_ip(r, trace, cf_client);
      if (reason != ClientIpReason::kOk) {
        reject(d, reason, trace);
        break;
      }
      d.fastly_matched = true;
      accept(d, cf_client, ClientIpSource::kFastlyClientIp, ClientIpReason::kOk);
      break;
    }
    case SourceIpMode::kTrustedProxy: {
      if (!d.peer_trusted) {
        reject(d, ClientIpReason::kUntrustedPeer, trace);
        break;
      }
      ForwardingOutcome outcome = walk_forwarding_headers(r, trace);
      if (!outcome.present) {
        reject(d, ClientIpReason::kMissingForwardingHeader, trace);
        break;
      }
      forwarded_proto = outcome.forwarded_proto;
      apply_forwarding(d, outcome, r, /*reject_on_mismatch=*/true, trace);
      break;
    }
    case SourceIpMode::kAuto: {
      ClientIpReason fallback = ClientIpReason::kOk;
      if (d.peer_in_cloudflare) {
        fallback = read_cf_connecting_ip(r, trace, cf_client);
        if (fallback == ClientIpReason::kOk) {
          d.cloudflare_matched = true;
          accept(d, cf_client, ClientIpSource::kCfConnectingIp, ClientIpReason::kOk);
          break;
        }
      }
      if (d.peer_in_fastly) {  // only when the caller passed a Fastly set ([fastly] auto)
        const ClientIpReason reason = read_fastly_client_ip(r, trace, cf_client);
        if (reason == ClientIpReason::kOk) {
          d.fastly_matched = true;
          accept(d, cf_client, ClientIpSource::kFastlyClientIp, ClientIpReason::kOk);
          break;
        }
        if (fallback == ClientIpReason::kOk) fallback = reason;
      }
      if (d.peer_trusted) {
        ForwardingOutcome outcome = walk_forwarding_headers(r, trace);
        if (outcome.present) {
          forwarded_proto = outcome.forwarded_proto;
          apply_forwarding(d, outcome, r, /*reject_on_mismatch=*/false, trace);
          break;
        }
        note(trace, "trusted-proxy", [] { return std::string("no forwarding header"); });
        if (fallback == ClientIpReason::kOk) fallback = ClientIpReason::kMissingForwardingHeader;
      } else {
        note(trace, "auto", [] { return std::string("peer not trusted: headers ignored"); });
      }
      accept(d, r.peer, peer_source(r), fallback);
      break;
    }
  }
  if (d.accepted()) {
    note(trace, "client", [&] {
      return d.client_ip->to_string() + " (source " + std::string(client_ip_source_name(d.source)) +
             ", reason " + std::string(client_ip_reason_name(d.reason)) + ")";
    });
  }
  decide_proto(d, r, forwarded_proto, trace);
  return d;
}

}  // namespace doorman
