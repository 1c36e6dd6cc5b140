// PROXY protocol v1: the human-readable line (spec §2.1).
//
//   "PROXY" SP ( "TCP4" | "TCP6" ) SP src SP dst SP sport SP dport CRLF
//   "PROXY" SP "UNKNOWN" [ anything but CR or LF ] CRLF
//
// Exactly one space between fields, at most 107 bytes with the CRLF (enforced by the decoder),
// addresses in the family's canonical text, ports 0-65535 without leading zeros. The same
// scanner runs on a partial line (to reject as soon as no continuation can be valid) and on the
// complete line (to parse it).
#include <algorithm>
#include <array>
#include <string_view>

#include "proxy_header_builder.h"

namespace doorman {
namespace {

constexpr std::size_t kMaxV4Text = 15;  // 255.255.255.255
// 39 for eight hex groups; 45 with a trailing dotted quad, which HAProxy itself writes for an
// IPv4 client behind an IPv6 destination ("::ffff:192.0.2.1"), so we accept it.
constexpr std::size_t kMaxV6Text = 45;
constexpr std::size_t kMaxPortText = 5;

struct V1Fields {
  ProxyFamily family = ProxyFamily::kUnspec;
  std::array<std::string_view, 4> tokens;  // src, dst, sport, dport (TCP4/TCP6 only)
  std::array<std::size_t, 4> offsets{};
};

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// The offset of the first byte in `token` that cannot appear in field `index`, or npos.
std::size_t bad_char(ProxyFamily family, int index, std::string_view token) {
  const bool port = index >= 2;
  const std::size_t max_len = port                           ? kMaxPortText
                              : family == ProxyFamily::kInet ? kMaxV4Text
                                                             : kMaxV6Text;
  for (std::size_t i = 0; i < token.size(); ++i) {
    if (i >= max_len) return i;
    const char c = token[i];
    const bool digit = c >= '0' && c <= '9';
    bool ok = digit;
    if (!port && family == ProxyFamily::kInet) ok = digit || c == '.';
    if (!port && family == ProxyFamily::kInet6) ok = is_hex(c) || c == ':' || c == '.';
    if (!ok) return i;
    // No leading zeros in ports (spec §2.1: "to avoid any possible confusion with octal").
    if (port && i == 1 && token[0] == '0') return 0;
  }
  return std::string_view::npos;
}

// Scans `line` (without its CRLF). partial: more bytes may follow, so a short line is fine as
// long as it is a prefix of some valid line.
Result<V1Fields> scan(std::string_view line, bool partial) {
  V1Fields out;
  // A lone CR or LF never ends a line (spec §2.1). (Two memchr calls beat a byte loop.)
  const std::size_t bad = std::min(line.find('\r'), line.find('\n'));
  if (bad != line.npos) return fail(ErrorCode::kProxyInvalid, bad);
  if (line.size() <= 5) {
    if (partial) return out;
    return fail(ErrorCode::kProxyInvalid, line.size());
  }
  if (line[5] != ' ') return fail(ErrorCode::kProxyInvalid, 5);
  std::size_t pos = 6;
  std::size_t space = line.find(' ', pos);
  const std::string_view proto = line.substr(pos, space == line.npos ? line.npos : space - pos);
  if (space == line.npos && partial) {
    for (std::string_view word : {"TCP4", "TCP6", "UNKNOWN"}) {
      if (word.starts_with(proto)) return out;
    }
    return fail(ErrorCode::kProxyInvalid, pos);
  }
  // UNKNOWN: "the receiver must ignore anything presented before the CRLF" (spec §2.1).
  if (proto == "UNKNOWN") return out;
  if (proto == "TCP4") {
    out.family = ProxyFamily::kInet;
  } else if (proto == "TCP6") {
    out.family = ProxyFamily::kInet6;
  } else {
    return fail(ErrorCode::kProxyInvalid, pos);
  }
  if (space == line.npos) return fail(ErrorCode::kProxyInvalid, line.size());
  pos = space + 1;
  for (int i = 0; i < 4; ++i) {
    const std::size_t end = line.find(' ', pos);
    const std::string_view token = line.substr(pos, end == line.npos ? line.npos : end - pos);
    if (const std::size_t bad = bad_char(out.family, i, token); bad != token.npos) {
      return fail(ErrorCode::kProxyInvalid, pos + bad);
    }
    out.tokens[i] = token;
    out.offsets[i] = pos;
    if (end == line.npos) {
      if (partial) return out;
      if (i != 3 || token.empty()) return fail(ErrorCode::kProxyInvalid, line.size());
      break;
    }
    // An empty field is two spaces in a row; a space after the last one starts a fifth field.
    if (token.empty() || i == 3) return fail(ErrorCode::kProxyInvalid, end);
    pos = end + 1;
  }
  return out;
}

Result<IpAddress> parse_address(ProxyFamily family, std::string_view token, std::size_t offset) {
  // The advertised family dictates the format (spec §2.1): TCP4 takes only a dotted quad (the
  // scanner already refused ':'), TCP6 only a colon form.
  if (family == ProxyFamily::kInet6 && token.find(':') == token.npos) {
    return fail(ErrorCode::kProxyInvalid, offset);
  }
  auto address = IpAddress::parse(token);
  if (!address) return fail(ErrorCode::kProxyInvalid, offset + address.error().offset);
  return *address;
}

Result<uint16_t> parse_port(std::string_view token, std::size_t offset) {
  uint32_t value = 0;
  for (char c : token) value = value * 10 + static_cast<uint32_t>(c - '0');  // digits, <= 5
  if (value > 65535) return fail(ErrorCode::kProxyInvalid, offset);
  return static_cast<uint16_t>(value);
}

std::string_view as_text(std::span<const uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

}  // namespace

Result<void> ProxyHeaderBuilder::check_v1_prefix(std::span<const uint8_t> prefix) {
  std::string_view text = as_text(prefix);
  // A final CR may be the first half of the CRLF still in flight.
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  auto scanned = scan(text, /*partial=*/true);
  if (!scanned) return std::unexpected(scanned.error());
  return {};
}

Result<void> ProxyHeaderBuilder::parse_v1(ProxyHeader& h) {
  const std::string_view line = as_text(h.bytes());
  auto fields = scan(line.substr(0, line.size() - 2), /*partial=*/false);
  if (!fields) return std::unexpected(fields.error());
  h.version_ = ProxyVersion::kV1;
  h.command_ = ProxyCommand::kProxy;
  h.family_ = fields->family;
  if (fields->family == ProxyFamily::kUnspec) {
    h.transport_ = ProxyTransport::kUnspec;
    h.has_addresses_ = false;
    return {};
  }
  h.transport_ = ProxyTransport::kStream;
  const auto& t = fields->tokens;
  const auto& at = fields->offsets;
  auto src = parse_address(h.family_, t[0], at[0]);
  if (!src) return std::unexpected(src.error());
  auto dst = parse_address(h.family_, t[1], at[1]);
  if (!dst) return std::unexpected(dst.error());
  auto sport = parse_port(t[2], at[2]);
  if (!sport) return std::unexpected(sport.error());
  auto dport = parse_port(t[3], at[3]);
  if (!dport) return std::unexpected(dport.error());
  h.source_ = Endpoint{*src, *sport};
  h.destination_ = Endpoint{*dst, *dport};
  h.has_addresses_ = true;
  return {};
}

}  // namespace doorman
