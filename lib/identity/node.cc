#include "node.h"

namespace doorman::identity_internal {

Result<uint16_t> parse_port(std::string_view text) {
  // Leading zeros are refused like in IPv4 octets: one spelling per value.
  if (text.empty() || text.size() > 5 || text[0] == '0') return fail(ErrorCode::kInvalidPort);
  unsigned value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return fail(ErrorCode::kInvalidPort);
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > 65535) return fail(ErrorCode::kInvalidPort);
  return static_cast<uint16_t>(value);
}

Result<IpAddress> parse_client_address(std::string_view text) {
  auto address = IpAddress::parse(text);
  if (!address) {
    const ErrorCode code = address.error().code;
    if (code == ErrorCode::kEmpty || code == ErrorCode::kInvalidAddress)
      return fail(ErrorCode::kUnparsableElement, address.error().offset);
    return address;
  }
  // 0.0.0.0 and :: name no host (RFC 1122 §3.2.1.3, RFC 4291 §2.5.2): never a client.
  if (is_unspecified(*address)) return fail(ErrorCode::kUnspecifiedAddress);
  return address;
}

Result<Endpoint> parse_bracketed_node(std::string_view text) {
  const std::size_t close = text.find(']');
  if (close == std::string_view::npos) return fail(ErrorCode::kUnparsableElement);
  const std::string_view inside = text.substr(1, close - 1);
  // Brackets are for IPv6 only (RFC 3986 §3.2.2); "[192.0.2.1]" is not an address form.
  if (inside.find(':') == std::string_view::npos) return fail(ErrorCode::kUnparsableElement, 1);
  auto address = parse_client_address(inside);
  if (!address) return fail(address.error().code, 1 + address.error().offset);
  Endpoint node{*address, 0};
  const std::string_view after = text.substr(close + 1);
  if (after.empty()) return node;
  if (after[0] != ':') return fail(ErrorCode::kUnparsableElement, close + 1);
  auto port = parse_port(after.substr(1));
  if (!port) return fail(ErrorCode::kInvalidPort, close + 2);
  node.port = *port;
  return node;
}

Result<Endpoint> parse_v4_node(std::string_view text, std::size_t colon) {
  auto address = parse_client_address(text.substr(0, colon));
  if (!address) return std::unexpected(address.error());
  Endpoint node{*address, 0};
  if (colon == std::string_view::npos) return node;
  auto port = parse_port(text.substr(colon + 1));
  if (!port) return fail(ErrorCode::kInvalidPort, colon + 1);
  node.port = *port;
  return node;
}

}  // namespace doorman::identity_internal
