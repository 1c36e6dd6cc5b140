// resolve_client_ip: who the client is, per DESIGN.md "Modes" and "The walk".
//
// Contract:
// - Pure and allocation-free (unless a ResolveTrace is passed): inputs are values and views, the
//   decision is a value. The caller owns the header bytes and the CidrSets.
// - Modes (`source_ip`): direct = the peer, headers ignored; cloudflare-proxy = peer in the
//   Cloudflare set and a valid CF-Connecting-IP, else 403; trusted-proxy = peer in the trusted set
//   and an X-Forwarded-For or Forwarded header, answer = the walk, else 403; cloudflare-tunnel =
//   peer in the trusted set and a valid CF-Connecting-IP, else 403; auto = the cloudflare-proxy
//   rule if it matches, else the trusted-proxy rule if it matches, else the peer (never 403).
//   fastly-proxy = peer in the Fastly set and a valid, single-address Fastly-Client-IP, else 403
//   (not-fastly, missing-fastly-client-ip, invalid-fastly-client-ip); auto tries the same rule
//   after the Cloudflare one only when request.fastly is set (the server sets it in auto only
//   with `[fastly] auto = true`). Fastly-Client-IP is trusted only because the Fastly service
//   overwrites it (docs/cloudflare.md); a Fastly match never makes forwarded-proto headers
//   trusted.
// - The walk goes from the right: trusted elements are passed, the first untrusted one is the
//   client, an all-trusted list gives the leftmost, an unparsable element stops the walk with the
//   last good address (or the peer). At most options.max_elements (<= 64) elements are walked;
//   a longer list counts as ending in an unparsable element there. Both X-Forwarded-For and
//   Forwarded present and different answers -> the peer, reason conflicting-forwarding-headers.
//   options.forwarded_header names the only header to read. options.trusted_hops = N (> 0)
//   requires exactly N trusted list elements to the right of the client: in trusted-proxy mode
//   a mismatch is a 403, in auto the peer is used.
// - Proto: https when TLS was terminated here; else X-Forwarded-Proto (one line, one value), then
//   the proto= of the Forwarded element that named the client, then CF-Visitor, honoured only
//   when the peer is in the trusted set or the request matched a Cloudflare rule, and never in
//   direct mode (every forwarding header is ignored there); else http.
// - Origin pull (doorman/origin_pull.h): when request.origin_pull.required, the Cloudflare rule
//   (cloudflare-proxy, and the Cloudflare branch of auto: a peer in the Cloudflare set) first
//   checks the connection's client certificate; anything but a verified certificate (matching
//   the subject pin, if any) is a 403 before CF-Connecting-IP is read: no certificate ->
//   no-origin-pull-certificate; unverified or subject mismatch -> bad-origin-pull-certificate.
//   In auto that 403 is the one exception to "never 403": a Cloudflare peer without the
//   operator's certificate is someone else's zone. Other modes ignore it (the config refuses it
//   there). decision.origin_pull records the step.
// - Reasons on accepted decisions are notes: in auto, falling back to the peer records why
//   (missing-cf-connecting-ip, missing-forwarding-header, trusted-hops-mismatch, ...); a walk
//   that stopped on an unparsable element (or the cap) records unparsable-forwarding-element.
// - hops (x_forwarded_for = "chain") are the trusted list elements right of the client, in
//   header order; the peer itself is not among them.
// - When the answer is the peer and the peer came from a PROXY header, the source is
//   proxy-protocol.
// Thread safety: pure function; ResolveTrace is not shared.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "doorman/cidr_set.h"
#include "doorman/forwarded_headers.h"
#include "doorman/header_field.h"
#include "doorman/ip_address.h"
#include "doorman/origin_pull.h"

namespace doorman {

// Config names: "auto", "direct", "cloudflare-proxy", "trusted-proxy", "cloudflare-tunnel",
// "fastly-proxy".
enum class SourceIpMode : uint8_t {
  kAuto,
  kDirect,
  kCloudflareProxy,
  kTrustedProxy,
  kCloudflareTunnel,
  kFastlyProxy
};
std::string_view source_ip_mode_name(SourceIpMode mode);
std::optional<SourceIpMode> parse_source_ip_mode(std::string_view name);

// Config names: "any", "x-forwarded-for", "forwarded".
enum class ForwardedHeaderChoice : uint8_t { kAny, kXForwardedFor, kForwarded };
std::string_view forwarded_header_choice_name(ForwardedHeaderChoice choice);
std::optional<ForwardedHeaderChoice> parse_forwarded_header_choice(std::string_view name);

// Where the client IP came from: "peer", "cf-connecting-ip", "x-forwarded-for", "forwarded",
// "proxy-protocol", "fastly-client-ip".
enum class ClientIpSource : uint8_t {
  kPeer,
  kCfConnectingIp,
  kXForwardedFor,
  kForwarded,
  kProxyProtocol,
  kFastlyClientIp
};
std::string_view client_ip_source_name(ClientIpSource source);

// Stable reason codes (logs, `doorman explain`, 403 bodies). kOk: the mode's rule matched (or
// auto fell through to a peer that was neither Cloudflare nor trusted). On an accepted decision
// any other value is a note on why the answer is what it is.
enum class ClientIpReason : uint8_t {
  kOk,                            // "ok"
  kNotCloudflare,                 // "not-cloudflare": peer outside the Cloudflare set
  kMissingCfConnectingIp,         // "missing-cf-connecting-ip"
  kInvalidCfConnectingIp,         // "invalid-cf-connecting-ip"
  kUntrustedPeer,                 // "untrusted-peer": peer outside the trusted set
  kMissingForwardingHeader,       // "missing-forwarding-header"
  kConflictingForwardingHeaders,  // "conflicting-forwarding-headers": answer is the peer
  kTrustedHopsMismatch,           // "trusted-hops-mismatch"
  kUnparsableForwardingElement,   // "unparsable-forwarding-element": the walk stopped early
  kNotFastly,                     // "not-fastly": peer outside the Fastly set
  kMissingFastlyClientIp,         // "missing-fastly-client-ip"
  kInvalidFastlyClientIp,         // "invalid-fastly-client-ip"
  kNoOriginPullCertificate,       // "no-origin-pull-certificate": origin pull required, none
  kBadOriginPullCertificate,      // "bad-origin-pull-certificate": unverified, or wrong subject
};
std::string_view client_ip_reason_name(ClientIpReason reason);

// Where the scheme decision came from: "tls", "x-forwarded-proto", "forwarded", "cf-visitor",
// "default" (no usable header from a trusted peer, or an untrusted peer).
enum class ProtoSource : uint8_t { kDefault, kTls, kXForwardedProto, kForwarded, kCfVisitor };
std::string_view proto_source_name(ProtoSource source);

struct ProtoDecision {
  Scheme scheme = Scheme::kHttp;
  ProtoSource source = ProtoSource::kDefault;
  friend bool operator==(const ProtoDecision&, const ProtoDecision&) = default;
};

struct ClientIpOptions {
  ForwardedHeaderChoice forwarded_header = ForwardedHeaderChoice::kAny;
  uint32_t trusted_hops = 0;                       // 0 = no hop-count requirement
  uint32_t max_elements = kMaxForwardingElements;  // clamped to [1, kMaxForwardingElements]
};

struct ResolveRequest {
  IpAddress peer;                         // the socket peer, or the PROXY header's source
  bool peer_from_proxy_protocol = false;  // peer came from a PROXY header
  SourceIpMode mode = SourceIpMode::kAuto;
  const CidrSet* trusted = nullptr;     // loopback + trusted_proxies; nullptr = trust nothing
  const CidrSet* cloudflare = nullptr;  // current Cloudflare ranges; nullptr = none
  // Current Fastly ranges; nullptr = none, and then auto skips the Fastly rule.
  const CidrSet* fastly = nullptr;
  std::span<const HeaderField> headers;  // the request's header fields, in order
  ClientIpOptions options;
  bool tls_terminated = false;  // doorman terminated TLS for this request
  OriginPull origin_pull;       // the route's requirement and the connection's certificate
};

// The trusted list elements walked past, left to right as they appear in the header (nearest
// to the client first). Inline storage: no allocation.
class TrustedHops {
 public:
  TrustedHops() {}
  TrustedHops(const TrustedHops& other) { *this = other; }
  TrustedHops& operator=(const TrustedHops& other);
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::span<const IpAddress> addresses() const { return {hops_, size_}; }
  auto begin() const { return addresses().begin(); }
  auto end() const { return addresses().end(); }
  // For the resolver: appends (walk order, right to left) / puts into header order. Inline:
  // they run once per walked element.
  void push(const IpAddress& hop) {
    if (size_ < kMaxForwardingElements) std::construct_at(&hops_[size_++], hop);
  }
  void pop_back() {
    if (size_ > 0) --size_;
  }
  void clear() { size_ = 0; }
  void reverse() { std::reverse(hops_, hops_ + size_); }

 private:
  std::size_t size_ = 0;
  union {
    IpAddress hops_[kMaxForwardingElements];  // [0, size_) constructed; no zeroing cost
  };
};

enum class DecisionStatus : uint8_t { kAccepted, kRejected };

struct ClientIpDecision {
  DecisionStatus status = DecisionStatus::kRejected;
  std::optional<IpAddress> client_ip;  // set iff accepted
  ClientIpSource source = ClientIpSource::kPeer;
  ClientIpReason reason = ClientIpReason::kOk;
  TrustedHops hops;                 // for x_forwarded_for = "chain"; empty unless a walk answered
  bool peer_trusted = false;        // peer in the trusted set
  bool peer_in_cloudflare = false;  // peer in the Cloudflare set
  // The answer came from CF-Connecting-IP under the cloudflare-proxy rule (that mode, or step 1
  // of auto) or the cloudflare-tunnel rule. Together with peer_trusted it tells the rewriter
  // whether the client's identity headers and X-Request-ID may be kept.
  bool cloudflare_matched = false;
  bool peer_in_fastly = false;  // peer in the Fastly set (false when request.fastly is null)
  bool fastly_matched = false;  // the answer came from Fastly-Client-IP (fastly-proxy rule)
  // The origin-pull step: kNotRequired unless the route requires it and the Cloudflare rule ran.
  OriginPullCheck origin_pull = OriginPullCheck::kNotRequired;
  ProtoDecision proto;

  bool accepted() const { return status == DecisionStatus::kAccepted; }
  int http_status() const { return accepted() ? 200 : 403; }
};

// Human-readable record of a decision, for `doorman explain` only (allocates).
struct TraceStep {
  // Short stable tag: "mode", "peer", "direct", "auto", "cf-connecting-ip", "x-forwarded-for" /
  // "forwarded" (one per element walked), "origin-pull", "conflict", "trusted-hops",
  // "trusted-proxy", "reject", "client", "proto".
  std::string code;
  std::string text;  // one sentence for humans
};
struct ResolveTrace {
  std::vector<TraceStep> steps;
  void add(std::string code, std::string text) {
    steps.push_back({std::move(code), std::move(text)});
  }
};

ClientIpDecision resolve_client_ip(const ResolveRequest& request, ResolveTrace* trace = nullptr);

}  // namespace doorman
