// The upstream head: what doorman sends the app for a parsed request (DESIGN.md "What the app
// receives"), and the client-facing head for an upstream response. Zero-copy: the result is a
// list of byte pieces to write in order (writev / asio buffer sequence). Unchanged lines are
// views into the parsed buffer (adjacent ones coalesced into one piece); only the lines doorman
// writes go into a small caller-provided scratch buffer.
//
// Contract (requests, plan_request_rewrite):
// - The request line goes out as HTTP/1.1 (a 1.0 request line gets "HTTP/1.1" in place of its
//   version); HTTP/1.1 to the upstream is persistent without a Connection header. A missing Host
//   (HTTP/1.0) is added from inputs.host (empty value allowed, RFC 9112 §3.2). An absolute-form
//   target goes out in origin-form ("GET http://a/p?q" -> "GET /p?q", "http://a?q" -> "/?q")
//   and the received Host line is replaced by "Host: <the target's authority>" (RFC 9112
//   §3.2.2), so the app never sees a target and a Host that disagree.
// - Removed: every hop-by-hop header and every header named in Connection (RFC 9110 §7.6.1),
//   except Host, Content-Length and Transfer-Encoding (the body is forwarded with its original
//   framing, so "Connection: content-length" must not strip it: a smuggling vector). For an
//   upgrade request Upgrade is kept and "Connection: upgrade" written.
// - Identity headers (http_header_table.h) are removed unless the peer is trusted for identity
//   (inputs.peer_trusted or inputs.cloudflare_matched) and options.pass_identity lists them; then
//   they pass unchanged. Aliases (X_Forwarded_For, X.Real.IP, and of client_ip_header) are always
//   removed, and so are aliases of Content-Length and Transfer-Encoding (Content_Length): an app
//   folding them would frame the body differently. X-Forwarded-For, Forwarded,
//   X-Forwarded-Proto and X-Request-ID from the client are always removed and doorman's own
//   written AFTER the removal, so a client listing them in Connection cannot delete them
//   (CVE-2022-31813).
// - X-Forwarded-For: set -> the client IP; chain -> the client IP then inputs.trusted_hops in
//   header order; remove -> absent. Absent whenever there is no client IP.
// - Forwarded: remove -> absent; set -> one element: for=<ip> (IPv6 as "[v6]", RFC 7239 §6),
//   proto=http|https, host=<Host> (quoted when not a token). Absent without a client IP.
// - X-Forwarded-Proto: inputs.https ? "https" : "http".
// - X-Request-ID: the client's value when inputs.peer_trusted, there is exactly one line and
//   is_valid_request_id() holds (that line is forwarded as is); otherwise inputs.request_id.
// - client_ip_header (optional): set to the client IP (its client-sent lines removed).
// - owned_headers (optional): headers doorman owns for the route (Cloudflare Access's verified
//   identity): client-sent lines of those names and of their '_'/'.' aliases are always
//   removed, and each with a non-empty value is written. Names must be valid header names and
//   values valid field values (no CR, LF, NUL or other controls but HTAB, no surrounding
//   whitespace), else kInvalidValue: a value from a token must not inject a header line.
// - Content-Length repeated with one value (RFC 9110 §8.6) is sent as one normalized line.
// - Expect passes only when head.expect_continue (HTTP/1.1 "100-continue"); else removed.
// - Errors: kHttpHeadersTooLarge when scratch is too small (kRewriteScratchSize always fits
//   unless host/request_id/client_ip_header are huge; size it as rewrite_scratch_size()).
//
// Contract (responses, plan_response_rewrite): the status line and headers pass unchanged
// except the hop-by-hop ones and those listed in Connection (never Content-Length or
// Transfer-Encoding unless options.drop_transfer_encoding). A 101 keeps Connection and Upgrade.
// options.close adds "Connection: close"; options.keep_alive_http10 adds
// "Connection: keep-alive" (an HTTP/1.0 client that asked for it).
// response_fields_kept() is that rule alone, field by field, for a framing other than HTTP/1.1
// text (HTTP/2 writes the kept fields as header fields): a repeated Content-Length is not kept,
// the caller writes head.framing.content_length once instead, as plan_response_rewrite() does.
//
// Thread safety: UpstreamHead is a per-request value; not shared.
#pragma once

#include <array>
#include <bitset>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string_view>

#include "doorman/http_header_table.h"
#include "doorman/http_request.h"
#include "doorman/http_response.h"
#include "doorman/ip_address.h"
#include "doorman/result.h"

namespace doorman {

// config x_forwarded_for = "set" | "chain" | "remove"; forwarded = "remove" | "set".
enum class XffAction : uint8_t { kSet, kChain, kRemove };
enum class ForwardedAction : uint8_t { kRemove, kSet };

// A set of HeaderIds (one bit each).
class HeaderIdSet {
 public:
  constexpr HeaderIdSet() = default;
  constexpr HeaderIdSet(std::initializer_list<HeaderId> ids) {
    for (HeaderId id : ids) add(id);
  }
  constexpr void add(HeaderId id) { bits_ |= uint64_t{1} << static_cast<unsigned>(id); }
  constexpr bool contains(HeaderId id) const { return (bits_ >> static_cast<unsigned>(id)) & 1U; }
  friend constexpr bool operator==(const HeaderIdSet&, const HeaderIdSet&) = default;

 private:
  uint64_t bits_ = 0;
};

// Every kIdentity header: what a trusted peer may pass through by default.
inline constexpr HeaderIdSet kAllIdentityHeaders = {
    HeaderId::kXForwardedHost, HeaderId::kCfConnectingIp,   HeaderId::kCfConnectingIpv6,
    HeaderId::kTrueClientIp,   HeaderId::kXRealIp,          HeaderId::kFastlyClientIp,
    HeaderId::kXClientIp,      HeaderId::kXClusterClientIp, HeaderId::kCloudFrontViewerAddress,
    HeaderId::kCfVisitor};
// The same set, computed from the table's kIdentity flags (tests check they agree).
HeaderIdSet all_identity_headers();

// The identity decision and connection facts the rewrite needs, as plain values.
struct RewriteInputs {
  std::optional<IpAddress> client_ip;  // none -> no X-Forwarded-For / Forwarded / client_ip_header
  std::span<const IpAddress> trusted_hops;  // chain mode: the hops walked, in header order
  bool peer_trusted = false;                // peer in the trusted set
  bool cloudflare_matched = false;          // the client IP came from the Cloudflare rule
  bool https = false;                       // the browser-facing scheme (X-Forwarded-Proto)
  std::string_view request_id;              // a fresh id, used when the client's is not kept
  std::string_view host;                    // Host to add when the request has none (HTTP/1.0)
};

// A header doorman writes itself (RewriteOptions::owned_headers).
struct OwnedHeader {
  std::string_view name;
  std::string_view value;  // empty = only remove the client's copies
};
inline constexpr std::size_t kMaxOwnedHeaders = 4;

// The route's rewrite options.
struct RewriteOptions {
  XffAction x_forwarded_for = XffAction::kSet;
  ForwardedAction forwarded = ForwardedAction::kRemove;
  std::string_view client_ip_header;  // empty = none; must be a valid header name
  HeaderIdSet pass_identity = kAllIdentityHeaders;
  std::span<const OwnedHeader> owned_headers;  // at most kMaxOwnedHeaders
};

// RFC 9110 §5.5 field-value: visible ASCII, obs-text, SP and HTAB inside; nothing else, and no
// leading or trailing whitespace. An empty value is valid.
bool is_valid_field_value(std::string_view value);

// The bytes of a rewritten head, as pieces. Filled in place rather than returned because it is
// a few KiB of inline storage (no allocation) that the caller reuses per connection. Keeps views
// into the parsed buffer and the scratch buffer: both must outlive the pieces' use (until the write
// completes).
class HeadPieces {
 public:
  static constexpr std::size_t kMaxPieces = 2 * kMaxHeaderLines + 24;

  std::span<const std::string_view> pieces() const { return {pieces_.data(), count_}; }
  std::size_t size() const { return bytes_; }  // total bytes of all pieces
  void clear() { count_ = bytes_ = 0; }

  // For the planners: appends, merging with the previous piece when contiguous in memory.
  // kMaxPieces is never reached by the planners (at most 2 pieces per header line + 24).
  void append(std::string_view piece);
  // Removes the last n bytes (fewer when there are fewer), dropping pieces that become empty:
  // e.g. the blank line's CRLF, to insert fields in front of it without copying the array.
  void drop_suffix(std::size_t n);

 private:
  std::array<std::string_view, kMaxPieces> pieces_;
  std::size_t count_ = 0;
  std::size_t bytes_ = 0;
};

// Scratch that always suffices for plan_request_rewrite() with ordinary inputs.
inline constexpr std::size_t kRewriteScratchSize = 4096;
// Scratch bytes plan_request_rewrite() may need for these inputs (an upper bound).
std::size_t rewrite_scratch_size(const RequestHead& head, const RewriteInputs& inputs,
                                 const RewriteOptions& options);

// Fills `out` (cleared first) with the upstream request head. See the contract.
Result<void> plan_request_rewrite(const RequestHead& head, const RewriteInputs& inputs,
                                  const RewriteOptions& options, std::span<char> scratch,
                                  HeadPieces& out);

// 1-128 characters of [A-Za-z0-9._:-] (DESIGN.md "X-Request-ID").
bool is_valid_request_id(std::string_view id);

struct ResponseRewriteOptions {
  bool close = false;                   // add "Connection: close" (doorman will close)
  bool keep_alive_http10 = false;       // add "Connection: keep-alive" for an HTTP/1.0 client
  bool drop_transfer_encoding = false;  // the server de-chunks for an HTTP/1.0 client
};

// Fills `out` (cleared first) with the client-facing response head. Pieces are views into the
// response buffer, static text, or scratch (a repeated Content-Length normalized; 64 bytes
// always suffice). Error: kHttpHeadersTooLarge when scratch is too small.
Result<void> plan_response_rewrite(const ResponseHead& head, const ResponseRewriteOptions& options,
                                   std::span<char> scratch, HeadPieces& out);

// Bit i: the response's field i (head.fields[i]) reaches the client. See the contract.
using ResponseFieldMask = std::bitset<kMaxHeaderLines>;
ResponseFieldMask response_fields_kept(const ResponseHead& head,
                                       const ResponseRewriteOptions& options);

}  // namespace doorman
