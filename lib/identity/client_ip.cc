// resolve_client_ip: DESIGN.md "Modes", "The walk" and the X-Forwarded-Proto rule.
#include "doorman/client_ip.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>

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

// DESIGN.md "The walk": from the right, pass trusted elements, stop at the first untrusted one;
// an all-trusted list gives the leftmost; an unparsable element stops with the last good one.
// At most `cap` elements are walked: past it the list counts as ending in an unparsable element
// (its length is client-controlled; DESIGN.md "Parsing rules"). The rules live here once; the
// loops below only feed elements in.
class Walk {
 public:
  Walk(const ResolveRequest& request, std::size_t cap, const char* code, ResolveTrace* trace,
       TrustedHops& hops_out)
      : answer(request.peer),
        hops(hops_out),
        request_(request),
        cap_(cap),
        code_(code),
        trace_(trace) {
    hops.clear();
  }

  // Whether another element may be walked; false (and the walk stopped) at the cap.
  bool admit() {
    if (walked_ == cap_) {
      note(trace_, code_, [&] { return "more than " + std::to_string(cap_) + " elements: stop"; });
      stopped_unparsable = true;
      return false;
    }
    ++walked_;
    return true;
  }
  // One element, with a note for `doorman explain`. Returns whether to keep walking.
  bool take(const ForwardingElement& element) {
    note(trace_, code_, [&] { return describe(element, request_.trusted); });
    if (!element.node) {
      stopped_unparsable = true;
      return false;
    }
    return take_address(element.node->address, element.proto);
  }
  // One good element (no note: for the untraced fast path). Returns whether to keep walking.
  bool take_address(const IpAddress& address, std::optional<Scheme> proto) {
    answer = address;
    from_list = true;
    answer_proto = proto;
    if (request_.trusted == nullptr || !request_.trusted->contains(address)) {
      untrusted_found_ = true;
      return false;
    }
    hops.push(address);
    return true;
  }
  void finish() {
    // The answer is the last element walked; when it was trusted it was recorded as a hop, but
    // it is the client (leftmost of an all-trusted list, or the last good before an unparsable
    // one).
    if (!untrusted_found_ && from_list) hops.pop_back();
    hops.reverse();
  }

  IpAddress answer;                    // the client, or the peer when no good element was walked
  bool from_list = false;              // answer is a list element
  bool stopped_unparsable = false;     // an unparsable element (or the cap) ended the walk
  std::optional<Scheme> answer_proto;  // Forwarded proto= of the answering element
  // Trusted elements right of the answer, header order. Written in place (the decision's own
  // list when this walk can answer) so that the hot path copies no list.
  TrustedHops& hops;

 private:
  const ResolveRequest& request_;
  std::size_t cap_;
  const char* code_;
  ResolveTrace* trace_;
  std::size_t walked_ = 0;
  bool untrusted_found_ = false;
};

void walk_forwarded(HeaderLines lines, Walk& walk) {
  ForwardedReverseReader reader(lines);
  while (auto element = reader.next()) {
    if (!walk.admit() || !walk.take(*element)) break;
  }
  walk.finish();
}

// X-Forwarded-For: the reader hands over the common element, a bare address, already parsed, and
// the untraced walk takes it directly; every other element (and every element when tracing)
// goes through Walk::take, with parse_xff_element for the other forms.
void walk_xff(HeaderLines lines, ResolveTrace* trace, Walk& walk) {
  XffReverseReader reader(lines);
  for (;;) {
    const XffReverseReader::Text next = reader.next_text();
    if (next.text.empty() || !walk.admit()) break;
    const bool is_address = next.v4 != 0 || next.is_address;
    if (is_address && trace == nullptr) {
      const IpAddress address = next.v4 != 0 ? IpAddress::from_v4(next.v4) : reader.address();
      if (!walk.take_address(address, std::nullopt)) break;
      continue;
    }
    const ForwardingElement element{
        next.text,
        next.v4 != 0      ? Result<Endpoint>(Endpoint{IpAddress::from_v4(next.v4), 0})
        : next.is_address ? Result<Endpoint>(Endpoint{reader.address(), 0})
                          : parse_xff_element(next.text),
        std::nullopt};
    if (!walk.take(element)) break;
  }
  walk.finish();
}

// The outcome of the trusted-proxy rule; its trusted hops are already in the decision.
struct ForwardingOutcome {
  bool present = false;
  IpAddress answer;
  ClientIpSource source = ClientIpSource::kPeer;
  ClientIpReason reason = ClientIpReason::kOk;
  std::optional<Scheme> forwarded_proto;
};

// A header name known at compile time, matched ASCII case-insensitively (as
// header_name_equals) eight bytes at a time: a byte matches when it equals the lowercase byte,
// or differs from it only in the case bit (0x20) where that byte is a letter.
class KnownName {
 public:
  static constexpr std::size_t kMax = 24;

  constexpr explicit KnownName(std::string_view name) : size(name.size()), lower{}, letters{} {
    for (std::size_t i = 0; i < size; ++i) {
      lower[i] = ascii_lower(name[i]);
      letters[i] = (lower[i] >= 'a' && lower[i] <= 'z') ? 0x20 : 0;
    }
  }
  // REQUIRES: name.size() == size, 8 <= size <= 24.
  bool matches_same_size(std::string_view name) const {
    // Words at 0, at 8 (when the name is longer than 16) and one ending at the last byte
    // (overlapping the others).
    return word_matches(name, 0) && (size <= 16 || word_matches(name, 8)) &&
           word_matches(name, size - 8);
  }

 private:
  static uint64_t word(const char* p) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    return w;
  }
  bool word_matches(std::string_view name, std::size_t at) const {
    return ((word(name.data() + at) ^ word(lower + at)) & ~word(letters + at)) == 0;
  }

  std::size_t size;
  char lower[kMax];
  char letters[kMax];  // 0x20 where lower[] is a letter, else 0
};

// The lines of the headers the walk and the proto decision read, found in one pass over the
// request's fields rather than one pass (and one name comparison per field) per header.
// A header sent as one line (the usual case) is kept as that value; a repeated one as the span
// of fields from its first line to its last. Not copyable: the HeaderLines point into it.
class ForwardingHeaders {
 public:
  enum Which { kXff, kForwarded, kXForwardedProto, kCfVisitor, kCount };

  ForwardingHeaders() = default;
  explicit ForwardingHeaders(std::span<const HeaderField> fields);
  ForwardingHeaders(const ForwardingHeaders&) = delete;
  ForwardingHeaders& operator=(const ForwardingHeaders&) = delete;

  bool present(Which which) const { return lines_[which].count > 0; }
  // The value of the header's only line; nullopt when it is absent or repeated.
  std::optional<std::string_view> only_value(Which which) const {
    if (lines_[which].count != 1) return std::nullopt;
    return lines_[which].value;
  }
  HeaderLines lines(Which which) const;

 private:
  struct Found {
    std::size_t first = 0, end = 0, count = 0;
    std::string_view value;  // the first line's value
  };
  std::span<const HeaderField> fields_;
  Found lines_[kCount];
};

// Which header a name of length kShortestName + i can be (kCount: none).
constexpr std::size_t kShortestName = kForwardedHeader.size();
constexpr auto kWhichBySize = [] {
  std::array<ForwardingHeaders::Which, 9> table;
  table.fill(ForwardingHeaders::kCount);
  table[kXForwardedForHeader.size() - kShortestName] = ForwardingHeaders::kXff;
  table[kForwardedHeader.size() - kShortestName] = ForwardingHeaders::kForwarded;
  table[kXForwardedProtoHeader.size() - kShortestName] = ForwardingHeaders::kXForwardedProto;
  table[kCfVisitorHeader.size() - kShortestName] = ForwardingHeaders::kCfVisitor;
  return table;
}();

constexpr std::string_view kForwardingNames[ForwardingHeaders::kCount] = {
    kXForwardedForHeader, kForwardedHeader, kXForwardedProtoHeader, kCfVisitorHeader};
constexpr KnownName kForwardingKnownNames[ForwardingHeaders::kCount] = {
    KnownName(kXForwardedForHeader), KnownName(kForwardedHeader), KnownName(kXForwardedProtoHeader),
    KnownName(kCfVisitorHeader)};

ForwardingHeaders::ForwardingHeaders(std::span<const HeaderField> fields) : fields_(fields) {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const std::string_view name = fields[i].name;
    // The four names differ in length (9, 10, 15 and 17 bytes): at most one comparison per
    // field, and none for most.
    const std::size_t slot = name.size() - kShortestName;
    if (slot >= std::size(kWhichBySize) || kWhichBySize[slot] == kCount) continue;
    const Which which = kWhichBySize[slot];
    if (!kForwardingKnownNames[which].matches_same_size(name)) continue;
    Found& found = lines_[which];
    if (found.count++ == 0) {
      found.first = i;
      found.value = fields[i].value;
    }
    found.end = i + 1;
  }
}

HeaderLines ForwardingHeaders::lines(Which which) const {
  const Found& found = lines_[which];
  if (found.count == 1) return HeaderLines(std::span<const std::string_view>(&found.value, 1));
  return HeaderLines(fields_.subspan(found.first, found.end - found.first),
                     kForwardingNames[which]);
}

ClientIpSource peer_source(const ResolveRequest& request) {
  return request.peer_from_proxy_protocol ? ClientIpSource::kProxyProtocol : ClientIpSource::kPeer;
}

// Walks the forwarding headers; the chosen walk's trusted hops end up in d.hops.
ForwardingOutcome walk_forwarding_headers(const ResolveRequest& request,
                                          const ForwardingHeaders& headers, ResolveTrace* trace,
                                          ClientIpDecision& d) {
  const ForwardedHeaderChoice choice = request.options.forwarded_header;
  const std::size_t cap =
      std::clamp<std::size_t>(request.options.max_elements, 1, kMaxForwardingElements);
  // forwarded_header names the one header the operator's proxies write: the other is ignored.
  const bool use_xff =
      choice != ForwardedHeaderChoice::kForwarded && headers.present(ForwardingHeaders::kXff);
  const bool use_fwd = choice != ForwardedHeaderChoice::kXForwardedFor &&
                       headers.present(ForwardingHeaders::kForwarded);
  // X-Forwarded-For answers whenever it is used, so its hops go straight into the decision.
  TrustedHops scratch;
  Walk xff_walk(request, cap, "x-forwarded-for", trace, d.hops);
  Walk fwd_walk(request, cap, "forwarded", trace, use_xff ? scratch : d.hops);
  if (use_xff) walk_xff(headers.lines(ForwardingHeaders::kXff), trace, xff_walk);
  if (use_fwd) walk_forwarded(headers.lines(ForwardingHeaders::kForwarded), fwd_walk);
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
    d.hops.clear();
    return out;
  }
  const Walk& chosen = use_xff ? xff_walk : fwd_walk;
  out.answer = chosen.answer;
  if (chosen.from_list)
    out.source = use_xff ? ClientIpSource::kXForwardedFor : ClientIpSource::kForwarded;
  if (chosen.stopped_unparsable) out.reason = ClientIpReason::kUnparsableForwardingElement;
  if (use_fwd && fwd_walk.from_list) out.forwarded_proto = fwd_walk.answer_proto;
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

// The origin-pull step of the Cloudflare rule (doorman/origin_pull.h): kOk when the route does
// not require it or the connection's certificate passes, else the 403 reason. It runs before
// CF-Connecting-IP is read: without the operator's certificate the header is anyone's.
ClientIpReason check_origin_pull_step(const ResolveRequest& r, ClientIpDecision& d,
                                      ResolveTrace* trace) {
  if (!r.origin_pull.required) return ClientIpReason::kOk;
  d.origin_pull = check_origin_pull(r.origin_pull);
  note(trace, "origin-pull", [&] {
    const std::string pin =
        r.origin_pull.subject.empty() ? "" : " (pin '" + std::string(r.origin_pull.subject) + "')";
    switch (d.origin_pull) {
      case OriginPullCheck::kNotRequired:
        return std::string("not required by the route");
      case OriginPullCheck::kVerified:
        return "the connection's client certificate verified" + pin;
      case OriginPullCheck::kAbsent:
        return std::string("required, but the connection presented no client certificate");
      case OriginPullCheck::kUnverified:
        return std::string("required, but the client certificate did not verify against the CA");
      case OriginPullCheck::kSubjectMismatch:
        return r.origin_pull.names.empty()
                   ? "required, the certificate verified but its names are unknown" + pin
                   : "required, the certificate verified but none of its names matches" + pin;
    }
    return std::string();
  });
  switch (d.origin_pull) {
    case OriginPullCheck::kNotRequired:
    case OriginPullCheck::kVerified:
      return ClientIpReason::kOk;
    case OriginPullCheck::kAbsent:
      return ClientIpReason::kNoOriginPullCertificate;
    case OriginPullCheck::kUnverified:
    case OriginPullCheck::kSubjectMismatch:
      break;
  }
  return ClientIpReason::kBadOriginPullCertificate;
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
// a 403; in auto it falls back to the peer. Either way no walk answered, so no hops are kept.
void apply_forwarding(ClientIpDecision& d, const ForwardingOutcome& outcome,
                      const ResolveRequest& r, bool reject_on_mismatch, ResolveTrace* trace) {
  if (outcome.reason == ClientIpReason::kTrustedHopsMismatch) {
    d.hops.clear();
    if (reject_on_mismatch) return reject(d, outcome.reason, trace);
    return accept(d, r.peer, peer_source(r), outcome.reason);
  }
  accept(d, outcome.answer, outcome.source, outcome.reason);
}

// The scheme headers from the index when one was built, else straight from the request.
std::optional<Scheme> read_x_forwarded_proto(const ForwardingHeaders* headers,
                                             const ResolveRequest& r) {
  if (headers == nullptr)
    return read_x_forwarded_proto(HeaderLines(r.headers, kXForwardedProtoHeader));
  // read_x_forwarded_proto's rule (one line, one scheme) on the line already found.
  const auto value = headers->only_value(ForwardingHeaders::kXForwardedProto);
  return value ? parse_scheme(*value) : std::nullopt;
}
std::optional<Scheme> read_cf_visitor(const ForwardingHeaders* headers, const ResolveRequest& r) {
  return read_cf_visitor(headers != nullptr ? headers->lines(ForwardingHeaders::kCfVisitor)
                                            : HeaderLines(r.headers, kCfVisitorHeader));
}

void decide_proto(ClientIpDecision& d, const ResolveRequest& r, const ForwardingHeaders* headers,
                  std::optional<Scheme> forwarded_proto, ResolveTrace* trace) {
  if (r.tls_terminated) {
    d.proto = {Scheme::kHttps, ProtoSource::kTls};
  } else if (r.mode != SourceIpMode::kDirect && (d.peer_trusted || d.cloudflare_matched)) {
    // Only a peer we trust may tell us the browser-facing scheme; a direct client could
    // otherwise skip an HTTPS redirect by sending X-Forwarded-Proto: https.
    if (auto s = read_x_forwarded_proto(headers, r)) {
      d.proto = {*s, ProtoSource::kXForwardedProto};
    } else if (forwarded_proto) {
      d.proto = {*forwarded_proto, ProtoSource::kForwarded};
    } else if (auto v = read_cf_visitor(headers, r)) {
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
  // The index pays off when a walk may read several headers; a Cloudflare peer only has its
  // scheme headers read, and an untrusted one nothing, so neither builds it.
  std::optional<ForwardingHeaders> found;
  if (d.peer_trusted && (r.mode == SourceIpMode::kAuto || r.mode == SourceIpMode::kTrustedProxy))
    found.emplace(r.headers);
  const ForwardingHeaders* headers = found ? &*found : nullptr;
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
      // cloudflared authenticates to Cloudflare itself; origin pull is the proxied edge's proof.
      const ClientIpReason pulled =
          tunnel ? ClientIpReason::kOk : check_origin_pull_step(r, d, trace);
      if (pulled != ClientIpReason::kOk) {
        reject(d, pulled, trace);
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
      ForwardingOutcome outcome = walk_forwarding_headers(r, *headers, trace, d);
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
        // A Cloudflare peer without the operator's origin-pull certificate is someone else's
        // zone: the one 403 of auto, before any header of it is read.
        if (const ClientIpReason pulled = check_origin_pull_step(r, d, trace);
            pulled != ClientIpReason::kOk) {
          reject(d, pulled, trace);
          break;
        }
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
        ForwardingOutcome outcome = walk_forwarding_headers(r, *headers, trace, d);
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
  decide_proto(d, r, headers, forwarded_proto, trace);
  return d;
}

}  // namespace doorman
