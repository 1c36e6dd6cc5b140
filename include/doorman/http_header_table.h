// The static table of header names doorman treats specially, with per-name flags
// (STYLE.md habit 6). Every other name is HeaderId::kOther and is forwarded untouched.
//
// Contract:
// - lookup_header() is ASCII case-insensitive (RFC 9110 §5.1) and allocation-free; the parser
//   calls it once per header line and stores the id beside the field, so the rewriter never
//   compares strings again.
// - Hop-by-hop (RFC 9110 §7.6.1): Connection, Keep-Alive, Proxy-Connection, TE, Trailer,
//   Transfer-Encoding, Upgrade, HTTP2-Settings, Proxy-Authorization, Proxy-Authenticate.
//   Proxy-Authorization is removed rather than relayed: doorman is a reverse proxy and consumes
//   no proxy credentials, so forwarding them would hand a client's proxy password to the app
//   (RFC 9110 §11.7.2 lets a proxy relay them; we choose not to). Transfer-Encoding is flagged
//   kFraming as well: doorman forwards a chunked body unchanged, so the rewriter keeps that line.
// - Identity headers (DESIGN.md "What the app receives"): the ones doorman writes itself
//   (X-Forwarded-For, Forwarded, X-Forwarded-Proto, X-Request-ID; flag kDoormanSet) and the ones
//   only a trusted peer may send (CF-Connecting-IP, CF-Connecting-IPv6, True-Client-IP,
//   X-Real-IP, Fastly-Client-IP, X-Client-IP, X-Cluster-Client-IP, CloudFront-Viewer-Address,
//   CF-Visitor, X-Forwarded-Host; flag kIdentity). X-Forwarded-Host is treated as identity
//   because frameworks build absolute URLs from it (host-header injection).
// - Aliases: a name that is not one of the identity, doorman-set or framing names but becomes
//   one when every '_' and '.' is read as '-' (X_Forwarded_For, x.real.ip, Content_Length,
//   Transfer.Encoding) is an alias: CGI-style apps fold them into the real header, so they are
//   always removed.
// Thread safety: the table is constant.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "doorman/header_field.h"

namespace doorman {

enum class HeaderId : uint8_t {
  kOther = 0,
  kHost,
  kContentLength,
  kTransferEncoding,
  kConnection,
  kKeepAlive,
  kProxyConnection,
  kTe,
  kTrailer,
  kUpgrade,
  kHttp2Settings,
  kProxyAuthorization,
  kProxyAuthenticate,
  kExpect,
  kXForwardedFor,
  kForwarded,
  kXForwardedProto,
  kXRequestId,
  kXForwardedHost,
  kCfConnectingIp,
  kCfConnectingIpv6,
  kTrueClientIp,
  kXRealIp,
  kFastlyClientIp,
  kXClientIp,
  kXClusterClientIp,
  kCloudFrontViewerAddress,
  kCfVisitor,
  kCount,
};

enum HeaderFlag : uint8_t {
  kHopByHop = 1 << 0,      // never forwarded by the rewriters (RFC 9110 §7.6.1)
  kFraming = 1 << 1,       // Content-Length / Transfer-Encoding: never removed via Connection
  kIdentity = 1 << 2,      // removed unless the peer is trusted and the route passes it
  kDoormanSet = 1 << 3,    // always replaced by doorman's own value
  kSingleValued = 1 << 4,  // more than one line is an error or ignored (Host, Content-Length)
};

struct HeaderInfo {
  std::string_view name;  // canonical spelling, as doorman writes it
  uint8_t flags = 0;
};

// The entry for id (kOther has an empty name and no flags).
const HeaderInfo& header_info(HeaderId id);
inline bool has_flag(HeaderId id, HeaderFlag flag) {
  return (header_info(id).flags & flag) != 0;
}

// The id of a header name, case-insensitive; kOther when the name is not in the table.
HeaderId lookup_header(std::string_view name);

// True when `name` is an alias spelling of an identity, doorman-set or framing header (see the
// contract). REQUIRES: lookup_header(name) == HeaderId::kOther (the real name is no alias).
bool is_identity_alias(std::string_view name);

// True when `name` and `target` are equal once '_' and '.' in `name` are read as '-' and case is
// ignored, but `name` is not literally `target` (case-insensitively): used for the aliases of a
// configured client_ip_header.
bool is_alias_of(std::string_view name, std::string_view target);

namespace http_internal {
constexpr std::array<bool, 256> build_tchar_table() {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] = true;
  return t;
}
inline constexpr std::array<bool, 256> kTcharTable = build_tchar_table();
}  // namespace http_internal

// RFC 9110 §5.6.2 token characters (header names, methods, coding names). Inline: the parser
// calls it for every byte of every header name.
inline bool is_tchar(char c) {
  return http_internal::kTcharTable[static_cast<unsigned char>(c)];
}
// A non-empty token: a valid header name.
bool is_valid_header_name(std::string_view name);

}  // namespace doorman
