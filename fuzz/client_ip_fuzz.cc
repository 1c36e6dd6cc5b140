// resolve_client_ip end to end. Input: 3 option bytes, then "Name: value" header lines.
// Properties: a rejected decision has no IP and only happens in the modes that may reject; an
// accepted IP is the peer or appears in the header text (possibly with Forwarded escapes
// removed) — doorman never invents an address; direct mode always answers the peer; every
// trusted hop is in the trusted set; the trace does not change the decision.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "doorman/client_ip.h"
#include "doorman/cloudflare_ranges.h"

using namespace doorman;

namespace {

const CidrSet& trusted_set() {
  static const CidrSet set = CidrSet::trusted(std::vector<Cidr>{
      *parse_cidr("10.0.0.0/8"), *parse_cidr("fd00::/8"), *parse_cidr("192.168.0.0/16")});
  return set;
}

bool is_address_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' ||
         c == '.';
}

// Whether some substring of `text` made of address characters parses to `ip`.
bool appears_in(std::string_view text, const IpAddress& ip) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!is_address_char(text[i])) continue;
    for (std::size_t len = 1; len <= 45 && i + len <= text.size(); ++len) {
      if (!is_address_char(text[i + len - 1])) break;
      auto parsed = IpAddress::parse(text.substr(i, len));
      if (parsed && *parsed == ip) return true;
    }
  }
  return false;
}

const char* const kPeers[] = {"127.0.0.1", "10.0.0.1",    "::1",          "fd00::1",
                              "192.0.2.1", "2001:db8::1", "173.245.48.1", "2400:cb00::1"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  ResolveRequest request;
  request.mode = static_cast<SourceIpMode>(data[0] % 5);
  request.options.forwarded_header = static_cast<ForwardedHeaderChoice>((data[0] >> 3) % 3);
  request.peer_from_proxy_protocol = data[0] & 0x40;
  request.tls_terminated = data[0] & 0x80;
  request.peer = *IpAddress::parse(kPeers[data[1] % 8]);
  request.options.trusted_hops = (data[1] >> 3) % 4;
  request.options.max_elements = data[2] % 70;
  request.trusted = &trusted_set();
  request.cloudflare = &bundled_cloudflare_ranges();

  const std::string_view text(reinterpret_cast<const char*>(data + 3), size - 3);
  std::vector<HeaderField> fields;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    const std::size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      fields.push_back({line.substr(0, colon), value});
    }
    start = end + 1;
  }
  request.headers = fields;

  const ClientIpDecision d = resolve_client_ip(request);
  if (!d.accepted()) {
    if (d.client_ip.has_value()) std::abort();
    if (request.mode == SourceIpMode::kAuto || request.mode == SourceIpMode::kDirect) std::abort();
  } else {
    if (!d.client_ip.has_value()) std::abort();
    const IpAddress& ip = *d.client_ip;
    if (request.mode == SourceIpMode::kDirect && ip != request.peer) std::abort();
    const bool from_peer =
        d.source == ClientIpSource::kPeer || d.source == ClientIpSource::kProxyProtocol;
    if (from_peer && ip != request.peer) std::abort();
    if (from_peer !=
        (d.source != ClientIpSource::kCfConnectingIp &&
         d.source != ClientIpSource::kXForwardedFor && d.source != ClientIpSource::kForwarded))
      std::abort();
    if (!from_peer) {
      std::string unescaped;
      for (char c : text)
        if (c != '\\') unescaped += c;
      if (!appears_in(text, ip) && !appears_in(unescaped, ip)) std::abort();
      if (ip.is_unspecified()) std::abort();
    }
  }
  if (d.hops.size() > kMaxForwardingElements) std::abort();
  for (const IpAddress& hop : d.hops)
    if (!trusted_set().contains(hop)) std::abort();
  if (request.tls_terminated && d.proto.scheme != Scheme::kHttps) std::abort();
  if (d.proto.source != ProtoSource::kDefault && d.proto.source != ProtoSource::kTls &&
      !d.peer_trusted && !d.cloudflare_matched)
    std::abort();

  ResolveTrace trace;
  const ClientIpDecision traced = resolve_client_ip(request, &trace);
  if (traced.status != d.status || traced.client_ip != d.client_ip || traced.reason != d.reason ||
      traced.source != d.source || traced.proto != d.proto || trace.steps.empty())
    std::abort();
  return 0;
}
