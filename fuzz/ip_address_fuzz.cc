// IpAddress: parse() never crashes, and what it accepts formats canonically:
// parse(format(x)) == x and format(parse(format(x))) == format(x). Any 16 bytes format to text
// that parses back to the same value (covers every RFC 5952 compression case).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include <arpa/inet.h>

#include "doorman/ip_address.h"

using doorman::IpAddress;

namespace {

void check_round_trip(const IpAddress& a) {
  char text[IpAddress::kMaxTextLength];
  const std::size_t n = a.format_to(text);
  if (n == 0 || n > IpAddress::kMaxTextLength) std::abort();
  auto again = IpAddress::parse(std::string_view(text, n));
  if (!again || *again != a) std::abort();
  char text2[IpAddress::kMaxTextLength];
  if (again->format_to(text2) != n || std::memcmp(text, text2, n) != 0) std::abort();
  if (a.is_v4() != (std::string_view(text, n).find(':') == std::string_view::npos)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto a = IpAddress::parse(text)) {
    check_round_trip(*a);
    // A strict parse has no zone, so the zone-tolerant parse agrees with it.
    auto z = IpAddress::parse_allowing_zone(text);
    if (!z || *z != *a) std::abort();
  }
  if (auto z = IpAddress::parse_allowing_zone(text)) check_round_trip(*z);
  // Slow oracle for IPv4: glibc inet_pton(AF_INET) takes exactly four decimal octets without
  // leading zeros, the same grammar as parse() for a text without ':'.
  if (text.find(':') == std::string_view::npos && text.find('\0') == std::string_view::npos) {
    const std::string z(text);
    in_addr oracle{};
    const bool ok = inet_pton(AF_INET, z.c_str(), &oracle) == 1;
    auto a = IpAddress::parse(text);
    if (ok != a.has_value()) std::abort();
    if (ok && a->v4() != ntohl(oracle.s_addr)) std::abort();
  }
  if (size >= 16) {
    std::array<uint8_t, 16> bytes;
    std::memcpy(bytes.data(), data, 16);
    check_round_trip(IpAddress::from_v6(bytes));
  }
  return 0;
}
