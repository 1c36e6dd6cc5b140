// Properties of the request head parser and the request rewrite on arbitrary bytes:
// - no crash, no out-of-bounds view (every view lies inside the input);
// - split invariance: feeding a prefix first, then the whole, gives the whole's outcome;
// - the upstream head plan_request_rewrite() produces parses again with our own parser, with the
//   same method, target (origin-form for an absolute-form one, Host then its authority) and
//   framing, exactly one X-Forwarded-For holding the client IP, and no hop-by-hop header other than
//   the framing/upgrade ones doorman keeps on purpose.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>

#include "doorman/http_request.h"
#include "doorman/http_rewrite.h"

using namespace doorman;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

bool inside(std::string_view view, std::string_view buffer) {
  return view.empty() || (view.data() >= buffer.data() &&
                          view.data() + view.size() <= buffer.data() + buffer.size());
}

void check_head(const RequestHead& h, std::string_view input, std::size_t consumed) {
  check(consumed <= input.size());
  check(h.header_count <= kMaxHeaderLines);
  check(inside(h.method, input) && inside(h.target, input) && inside(h.request_line, input));
  for (std::size_t i = 0; i < h.header_count; ++i) {
    check(inside(h.fields[i].name, input) && inside(h.fields[i].value, input));
    const std::string_view line = h.line(i);
    check(line.starts_with(h.fields[i].name) && line.ends_with("\r\n"));
    check(lookup_header(h.fields[i].name) == h.ids[i]);
  }
  if (h.framing.kind == BodyKind::kChunked) check(h.version == HttpVersion::k11);
  check(h.framing.kind != BodyKind::kUntilClose);
}

// `knobs` (the input's first byte) picks the trust flags and route options.
void check_rewrite(const RequestHead& h, uint8_t knobs) {
  RewriteInputs inputs;
  inputs.client_ip = IpAddress::from_v4(0xc0000207);  // 192.0.2.7
  inputs.request_id = "fuzz-id";
  inputs.host = "upstream.test";
  inputs.peer_trusted = (knobs & 1) != 0;
  inputs.cloudflare_matched = (knobs & 2) != 0;
  const IpAddress hop = IpAddress::from_v4(0x0a000001);  // 10.0.0.1
  inputs.trusted_hops = std::span<const IpAddress>(&hop, 1);
  RewriteOptions options;
  options.x_forwarded_for = static_cast<XffAction>((knobs >> 2) % 3);
  options.forwarded = (knobs & 16) != 0 ? ForwardedAction::kSet : ForwardedAction::kRemove;
  options.client_ip_header = "X-Real-IP";
  const bool identity_trusted = inputs.peer_trusted || inputs.cloudflare_matched;
  static char scratch[kRewriteScratchSize];
  static HeadPieces pieces;
  if (!plan_request_rewrite(h, inputs, options, scratch, pieces)) return;
  std::string out;
  for (std::string_view p : pieces.pieces()) out.append(p);
  check(out.size() == pieces.size());

  RequestParseOptions wide;
  wide.max_head_size = 1 << 20;
  wide.max_target_length = 1 << 20;
  static RequestHeadParser again;
  again = RequestHeadParser(wide);
  const HeadProgress p = again.parse(out);
  // The original may hold up to kMaxHeaderLines lines; doorman adds a few.
  if (p.invalid() && p.error.code == ErrorCode::kHttpHeadersTooLarge) return;
  check(p.complete() && p.consumed == out.size());
  const RequestHead& u = again.head();
  check(u.method == h.method && u.version == HttpVersion::k11);
  if (h.target_form == TargetForm::kAbsolute) {
    // Origin-form to the app, one Host: the target's authority (RFC 9112 §3.2.2).
    const std::string origin =
        (h.absolute_path.starts_with('/') ? "" : "/") + std::string(h.absolute_path);
    check(u.target_form == TargetForm::kOrigin && u.target == origin && u.host == h.host);
  } else {
    check(u.target == h.target && (!h.has_host || u.host == h.host));
  }
  check(u.framing == h.framing);
  check(u.upgrade == h.upgrade);
  std::size_t xff = 0;
  for (std::size_t i = 0; i < u.header_count; ++i) {
    const HeaderId id = u.ids[i];
    if (id == HeaderId::kXForwardedFor) {
      ++xff;
      check(u.fields[i].value ==
            (options.x_forwarded_for == XffAction::kChain ? "192.0.2.7, 10.0.0.1" : "192.0.2.7"));
    }
    if (id == HeaderId::kForwarded) check(options.forwarded == ForwardedAction::kSet);
    if (id == HeaderId::kXRequestId) check(inputs.peer_trusted || u.fields[i].value == "fuzz-id");
    if (id == HeaderId::kOther) check(!is_identity_alias(u.fields[i].name));
    if (has_flag(id, kHopByHop))
      check(id == HeaderId::kTransferEncoding ||
            (u.upgrade && (id == HeaderId::kUpgrade || id == HeaderId::kConnection)));
    // Untrusted peer: every identity header is gone except the client_ip_header doorman set.
    if (has_flag(id, kIdentity) && !identity_trusted)
      check(id == HeaderId::kXRealIp && u.fields[i].value == "192.0.2.7");
    // client_ip_header is doorman's, whoever the peer is.
    if (id == HeaderId::kXRealIp) check(u.fields[i].value == "192.0.2.7");
  }
  check(xff == (options.x_forwarded_for == XffAction::kRemove ? 0u : 1u));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // First byte: where to split for the incremental check.
  const std::size_t split = size > 1 ? data[0] * (size - 1) / 255 : 0;
  const std::string input(reinterpret_cast<const char*>(data) + 1, size - 1);
  RequestParseOptions options;
  options.max_head_size = 4096;
  options.max_target_length = 1024;

  static RequestHeadParser whole;
  whole = RequestHeadParser(options);
  const HeadProgress w = whole.parse(input);
  if (w.complete()) check_head(whole.head(), input, w.consumed);

  static RequestHeadParser parts;
  parts = RequestHeadParser(options);
  const HeadProgress first =
      parts.parse(std::string_view(input).substr(0, std::min(split, input.size())));
  const HeadProgress second = first.need_more() ? parts.parse(input) : first;
  check(second.state == w.state);
  if (w.complete()) {
    check(second.consumed == w.consumed);
    check(parts.head().header_count == whole.head().header_count);
    check(parts.head().framing == whole.head().framing);
  }
  if (w.invalid()) check(second.error.code == w.error.code);

  if (w.complete()) check_rewrite(whole.head(), data[0]);
  return 0;
}
