#include "doorman/ip_address.h"

#include <array>
#include <bit>
#include <cstring>

namespace doorman {
namespace {

// Hex digit values, 0xff for any other byte: one load per character in parse_v6.
constexpr std::array<uint8_t, 256> kHexValue = [] {
  std::array<uint8_t, 256> table{};
  for (auto& v : table) v = 0xff;
  for (int c = '0'; c <= '9'; ++c) table[c] = static_cast<uint8_t>(c - '0');
  for (int c = 'a'; c <= 'f'; ++c) table[c] = static_cast<uint8_t>(c - 'a' + 10);
  for (int c = 'A'; c <= 'F'; ++c) table[c] = static_cast<uint8_t>(c - 'A' + 10);
  return table;
}();

// Dotted quad, exactly four decimal octets 0-255, no leading zeros (an "010" octet is octal to
// inet_aton and decimal to others: refusing it removes the ambiguity). Returns the address in
// host byte order.
Result<uint32_t> parse_dotted_quad(std::string_view s) {
  // Unrolled per octet (1-3 digits): this is the hot path of every X-Forwarded-For element.
  const std::size_t n = s.size();
  auto digit = [&](std::size_t i) -> unsigned {
    return i < n ? static_cast<unsigned>(static_cast<unsigned char>(s[i])) - '0' : 10u;
  };
  uint32_t out = 0;
  std::size_t i = 0;
  for (int octet = 0; octet < 4; ++octet) {
    if (octet > 0) {
      if (i >= n || s[i] != '.') return fail(ErrorCode::kInvalidAddress, i);
      ++i;
    }
    const std::size_t start = i;
    unsigned value = digit(i);
    if (value > 9) return fail(ErrorCode::kInvalidAddress, i);
    ++i;
    if (unsigned d = digit(i); d <= 9) {
      if (value == 0) return fail(ErrorCode::kLeadingZero, start);
      value = value * 10 + d;
      ++i;
      if (d = digit(i); d <= 9) {
        value = value * 10 + d;
        ++i;
        if (value > 255) return fail(ErrorCode::kInvalidAddress, start);
      }
    }
    out = out << 8 | value;
  }
  if (i != n) return fail(ErrorCode::kInvalidAddress, i);
  return out;
}

// RFC 4291 §2.2: up to 8 groups of 1-4 hex digits, one "::" for a run of zero groups, and an
// optional dotted quad in place of the last two groups. The groups are written in place; the ones
// after "::" move to the end once the count is known.
Result<IpAddress> parse_v6(std::string_view s) {
  const char* const p = s.data();
  const std::size_t n = s.size();
  uint16_t groups[8] = {};
  int count = 0;
  int gap = -1;  // index of the group where "::" stands
  std::size_t i = 0;
  if (n >= 2 && p[0] == ':' && p[1] == ':') {
    gap = 0;
    i = 2;
  } else if (n != 0 && p[0] == ':') {
    return fail(ErrorCode::kInvalidAddress, 0);
  }
  while (i < n) {
    if (count == 8) return fail(ErrorCode::kInvalidAddress, i);
    const std::size_t start = i;
    // Up to four hex digits; a fifth is caught below (it is not ':' or '.').
    auto hex_at = [&](std::size_t k) -> unsigned {
      return k < n ? kHexValue[static_cast<unsigned char>(p[k])] : 0xffu;
    };
    unsigned value = 0;
    for (unsigned h; i - start < 4 && (h = hex_at(i)) <= 15; ++i) value = value << 4 | h;
    if (i < n && p[i] == '.') {
      // Trailing dotted quad: occupies two groups and must end the text.
      if (count > 6) return fail(ErrorCode::kInvalidAddress, start);
      auto quad = parse_dotted_quad(s.substr(start));
      if (!quad) return fail(quad.error().code, start + quad.error().offset);
      groups[count++] = static_cast<uint16_t>(*quad >> 16);
      groups[count++] = static_cast<uint16_t>(*quad);
      break;
    }
    if (i == start) return fail(ErrorCode::kInvalidAddress, i);
    groups[count++] = static_cast<uint16_t>(value);
    if (i == n) break;
    if (p[i] != ':') return fail(ErrorCode::kInvalidAddress, i);
    ++i;
    if (i < n && p[i] == ':') {
      if (gap >= 0) return fail(ErrorCode::kInvalidAddress, i);
      gap = count;
      ++i;
    } else if (i == n) {
      return fail(ErrorCode::kInvalidAddress, i);  // trailing single colon
    }
  }
  if (gap < 0 && count != 8) return fail(ErrorCode::kInvalidAddress, n);
  if (gap >= 0 && count == 8) return fail(ErrorCode::kInvalidAddress, n);
  // "::" stands for 8 - count zero groups at `gap`: the groups after it move to the end (from the
  // last one down, so that no group is overwritten before it moved).
  if (gap >= 0) {
    const int zeros = 8 - count;
    for (int g = count - 1; g >= gap; --g) {
      groups[g + zeros] = groups[g];
      groups[g] = 0;
    }
  }
  // Groups to network byte order: swap the two bytes of each 16-bit lane at once.
  std::array<uint8_t, 16> bytes;
  if constexpr (std::endian::native == std::endian::little) {
    using Lanes = uint16_t __attribute__((vector_size(16)));
    Lanes lanes;
    std::memcpy(&lanes, groups, 16);
    lanes = (lanes << 8) | (lanes >> 8);
    std::memcpy(bytes.data(), &lanes, 16);
  } else {
    std::memcpy(bytes.data(), groups, 16);
  }
  return IpAddress::from_v6(bytes);
}

Result<IpAddress> parse_impl(std::string_view text, bool allow_zone) {
  if (text.empty()) return fail(ErrorCode::kEmpty);
  // Fast paths for the common cases. A text that is a whole dotted quad has no ':', so it is
  // IPv4 either way. A text parse_v6 accepts has a ':' (8 groups, or "::") and no '%' (not in
  // its grammar), so the checks below would have sent it to parse_v6 too. Anything else takes
  // the general path and gets its usual error.
  if (auto quad = parse_dotted_quad(text)) return IpAddress::from_v4(*quad);
  if (auto v6 = parse_v6(text)) return v6;
  if (text.find(':') == std::string_view::npos) {
    auto quad = parse_dotted_quad(text);
    if (!quad) return std::unexpected(quad.error());
    return IpAddress::from_v4(*quad);
  }
  const std::size_t percent = text.find('%');
  if (percent != std::string_view::npos) {
    if (!allow_zone) return fail(ErrorCode::kZoneNotAllowed, percent);
    if (percent + 1 == text.size()) return fail(ErrorCode::kInvalidAddress, percent);
    text = text.substr(0, percent);
  }
  return parse_v6(text);
}

}  // namespace

Result<IpAddress> IpAddress::parse(std::string_view text) {
  return parse_impl(text, false);
}

Result<IpAddress> IpAddress::parse_allowing_zone(std::string_view text) {
  return parse_impl(text, true);
}

uint64_t IpAddress::high64() const {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = v << 8 | bytes_[i];
  return v;
}

uint64_t IpAddress::low64() const {
  uint64_t v = 0;
  for (int i = 8; i < 16; ++i) v = v << 8 | bytes_[i];
  return v;
}

bool IpAddress::is_unspecified() const {
  if (is_v4()) return v4() == 0;
  return high64() == 0 && low64() == 0;
}

bool IpAddress::is_loopback() const {
  if (is_v4()) return bytes_[12] == 127;
  return high64() == 0 && low64() == 1;
}

std::size_t IpAddress::format_to(char* out) const {
  char* p = out;
  if (is_v4()) {
    for (int i = 12; i < 16; ++i) {
      if (i > 12) *p++ = '.';
      unsigned v = bytes_[i];
      if (v >= 100) *p++ = static_cast<char>('0' + v / 100);
      if (v >= 10) *p++ = static_cast<char>('0' + v / 10 % 10);
      *p++ = static_cast<char>('0' + v % 10);
    }
    return static_cast<std::size_t>(p - out);
  }
  std::array<unsigned, 8> g{};
  for (int i = 0; i < 8; ++i) g[i] = unsigned{bytes_[2 * i]} << 8 | bytes_[2 * i + 1];
  // RFC 5952 §4.2: compress the longest run of two or more zero groups, the first on a tie.
  int best_start = -1, best_len = 1;
  for (int i = 0; i < 8;) {
    if (g[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && g[j] == 0) ++j;
    if (j - i > best_len) best_start = i, best_len = j - i;
    i = j;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 8; ++i) {
    if (i == best_start) {
      *p++ = ':';
      *p++ = ':';
      i += best_len - 1;
      continue;
    }
    if (i > 0 && i != best_start + best_len) *p++ = ':';
    bool started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
      const unsigned nibble = (g[i] >> shift) & 0xf;
      if (nibble != 0 || started || shift == 0) {
        *p++ = kHex[nibble];
        started = true;
      }
    }
  }
  return static_cast<std::size_t>(p - out);
}

std::string IpAddress::to_string() const {
  char buf[kMaxTextLength];
  return std::string(buf, format_to(buf));
}

}  // namespace doorman
