// Parsers for the small value grammars of doorman.toml: durations, sizes, socket addresses, route
// patterns and CIDRs. Each returns a value or a sentence the loader prefixes with FILE:LINE: key.
#include <netdb.h>
#include <sys/socket.h>

#include <cctype>
#include <charconv>
#include <string>

#include "config/config.h"
#include "doorman/ip_address.h"

namespace doorman::config {
namespace {

std::optional<uint64_t> parse_digits(std::string_view text) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<uint16_t> parse_port(std::string_view text, bool allow_zero) {
  // No leading zeros and no sign: "080" is a typo, not port 80.
  if (text.size() > 1 && text[0] == '0') return std::nullopt;
  auto value = parse_digits(text);
  if (!value || *value > 65535 || (*value == 0 && !allow_zero)) return std::nullopt;
  return static_cast<uint16_t>(*value);
}

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_hostname(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  for (char c : host)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.') return false;
  return true;
}

// Resolves an upstream name once, at load: header values are never resolved (DESIGN.md), but an
// operator may write "localhost:3000".
std::optional<std::string> resolve_name(const std::string& host) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &list) != 0 || list == nullptr)
    return std::nullopt;
  char text[NI_MAXHOST];
  const int rc =
      getnameinfo(list->ai_addr, list->ai_addrlen, text, sizeof text, nullptr, 0, NI_NUMERICHOST);
  freeaddrinfo(list);
  if (rc != 0) return std::nullopt;
  return std::string(text);
}

}  // namespace

std::optional<Duration> parse_duration(std::string_view text) {
  std::size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  auto value = parse_digits(text.substr(0, digits));
  if (!value || *value > 1'000'000'000) return std::nullopt;
  const std::string_view unit = text.substr(digits);
  const auto n = static_cast<int64_t>(*value);
  if (unit == "ms") return Duration(n);
  if (unit == "s" || unit.empty()) return std::chrono::seconds(n);
  if (unit == "m") return std::chrono::minutes(n);
  if (unit == "h") return std::chrono::hours(n);
  return std::nullopt;
}

std::optional<uint64_t> parse_size(std::string_view text) {
  std::size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  auto value = parse_digits(text.substr(0, digits));
  if (!value || *value > (uint64_t{1} << 40)) return std::nullopt;
  const std::string unit = lowercase(text.substr(digits));
  struct Unit {
    const char* name;
    uint64_t factor;
  };
  static constexpr Unit kUnits[] = {
      {"", 1},         {"b", 1},         {"kb", 1000},       {"kib", 1024},
      {"mb", 1000000}, {"mib", 1 << 20}, {"gb", 1000000000}, {"gib", uint64_t{1} << 30}};
  for (const Unit& u : kUnits)
    if (unit == u.name) return *value * u.factor;
  return std::nullopt;
}

std::expected<SocketAddress, std::string> parse_socket_address(std::string_view text,
                                                               bool upstream) {
  SocketAddress out;
  out.text = std::string(text);
  if (text.starts_with("unix:")) {
    out.kind = SocketAddress::Kind::kUnix;
    out.path = std::string(text.substr(5));
    if (out.path.empty() || out.path[0] != '/')
      return std::unexpected("a unix socket needs an absolute path (unix:/run/app.sock)");
    if (out.path.size() >= 108) return std::unexpected("unix socket path longer than 107 bytes");
    return out;
  }
  if (text.starts_with("builtin:")) {
    if (!upstream) return std::unexpected("builtin: is only an upstream");
    if (text != "builtin:echo") return std::unexpected("unknown builtin (known: builtin:echo)");
    out.kind = SocketAddress::Kind::kBuiltinEcho;
    return out;
  }
  std::string_view host;
  std::string_view port;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return std::unexpected("expected [IPv6]:port");
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
    auto ip = IpAddress::parse(host);
    if (!ip || ip->is_v4()) return std::unexpected("not an IPv6 address inside [ ]");
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos)
      return std::unexpected("expected host:port, [IPv6]:port or unix:/path");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos)
      return std::unexpected("an IPv6 address needs brackets: [::1]:8080");
  }
  auto parsed_port = parse_port(port, !upstream);
  if (!parsed_port) return std::unexpected("invalid port");
  out.port = *parsed_port;
  if (IpAddress::parse(host)) {
    out.host = std::string(host);
    return out;
  }
  if (!upstream) return std::unexpected("a listener address must be an IP literal");
  if (!is_hostname(host)) return std::unexpected("invalid host name");
  auto resolved = resolve_name(std::string(host));
  if (!resolved) return std::unexpected("cannot resolve '" + std::string(host) + "'");
  out.host = *resolved;
  return out;
}

std::expected<RoutePattern, std::string> parse_route_pattern(std::string_view text) {
  RoutePattern out;
  out.text = std::string(text);
  const auto slash = text.find('/');
  std::string_view host = text.substr(0, slash);
  if (slash != std::string_view::npos) {
    std::string_view path = text.substr(slash);
    if (path.ends_with('*')) {
      path.remove_suffix(1);
      out.path_prefix = true;
    } else {
      out.path_prefix = false;
    }
    if (path.find('*') != std::string_view::npos)
      return std::unexpected("'*' is only allowed at the end of a path");
    out.path = std::string(path);
  }
  if (host.ends_with('.')) host.remove_suffix(1);
  if (host.starts_with("*.")) {
    out.wildcard = true;
    host.remove_prefix(1);  // keep the dot: ".example.com" matches deeper names only
    if (!is_hostname(host.substr(1))) return std::unexpected("invalid wildcard host");
  } else if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    // An IPv6 literal, as it appears in Host (RFC 3986 §3.2.2).
    auto ip = IpAddress::parse(host.substr(1, host.size() - 2));
    if (!ip || ip->is_v4()) return std::unexpected("invalid IPv6 literal");
  } else if (!host.empty() && !is_hostname(host) && !IpAddress::parse(host)) {
    return std::unexpected("invalid host (a name, *.name, or an IP literal)");
  }
  if (host.find('*') != std::string_view::npos && !out.wildcard)
    return std::unexpected("'*' is only allowed as the first label (*.example.com)");
  out.host = lowercase(host);
  if (out.host.empty() && out.path.empty()) return std::unexpected("empty route pattern");
  return out;
}

std::expected<void, std::string> check_cidr(std::string_view text) {
  const auto slash = text.find('/');
  auto ip = IpAddress::parse(text.substr(0, slash));
  if (!ip) return std::unexpected("not an IP address or CIDR");
  if (slash == std::string_view::npos) return {};
  auto bits = parse_digits(text.substr(slash + 1));
  const bool v4 = text.substr(0, slash).find(':') == std::string_view::npos;
  if (!bits || *bits > (v4 ? 32u : 128u) || (text.size() > slash + 2 && text[slash + 1] == '0'))
    return std::unexpected("invalid prefix length");
  return {};
}

}  // namespace doorman::config
