// HeaderField and HeaderLines: a request's header fields as views into the caller's buffer.
//
// Contract:
// - HeaderField holds views; the caller owns the bytes and keeps them alive while the field (or
//   anything parsed from it) is in use. The HTTP parser produces them, the identity code reads
//   them.
// - Header names compare ASCII case-insensitively (RFC 9110 §5.1); no other folding is done here
//   ("X_Forwarded_For" is a different name; the rewriter handles such aliases).
// - HeaderLines is the ordered list of the values of one header: either every field of a request
//   that carries a given name, or a plain span of values. It never allocates.
// Thread safety: plain values over caller-owned memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string_view>
#include <type_traits>

namespace doorman {

struct HeaderField {
  std::string_view name;
  std::string_view value;
};

constexpr char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}

// RFC 9110 §5.6.3 OWS: a space or a horizontal tab.
constexpr bool is_ows(char c) {
  return c == ' ' || c == '\t';
}

// Strips OWS from both ends (a field value as it sits between the colon and the line end).
constexpr std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
  return s;
}

// ASCII case-insensitive equality of two header names. Bytes may differ only in the case bit
// (0x20) of a letter; most names arrive in one canonical spelling, so equal bytes are the fast
// path.
constexpr bool header_name_equals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  std::size_t i = 0;
  if (!std::is_constant_evaluated()) {
    // Eight identical bytes at a time; the first differing word falls through to the bytewise
    // check below.
    for (; i + 8 <= a.size(); i += 8) {
      uint64_t x, y;
      std::memcpy(&x, a.data() + i, 8);
      std::memcpy(&y, b.data() + i, 8);
      if (x != y) break;
    }
  }
  for (; i < a.size(); ++i) {
    const char x = static_cast<char>(a[i] ^ b[i]);
    if (x == 0) continue;
    const char lower = static_cast<char>(b[i] | 0x20);
    if (x != 0x20 || lower < 'a' || lower > 'z') return false;
  }
  return true;
}

// The value of one raw header line ("Name: value\r\n", the form libcurl's header callback
// hands out) when its name is `name` (case-insensitive): the bytes after the colon without the
// line end (CR, LF) and OWS around them. nullopt for another name, a status line, a blank line
// or a line without a colon right after the name.
constexpr std::optional<std::string_view> header_line_value(std::string_view line,
                                                            std::string_view name) {
  if (line.size() <= name.size() || line[name.size()] != ':' ||
      !header_name_equals(line.substr(0, name.size()), name)) {
    return std::nullopt;
  }
  std::string_view value = line.substr(name.size() + 1);
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.remove_suffix(1);
  return trim_ows(value);
}

// The values, in order, of the lines of one header.
class HeaderLines {
 public:
  HeaderLines() = default;
  // The lines of `fields` whose name equals `name` (case-insensitive). `name` must outlive this.
  HeaderLines(std::span<const HeaderField> fields, std::string_view name)
      : fields_(fields), name_(name) {}
  // Exactly these values.
  explicit HeaderLines(std::span<const std::string_view> values) : values_(values), plain_(true) {}

  // Upper bound (exclusive) for index arguments: the number of fields or values scanned.
  std::size_t end_index() const { return plain_ ? values_.size() : fields_.size(); }
  // Whether index i (< end_index()) is a line of this header, and its value.
  bool is_line(std::size_t i) const { return plain_ || header_name_equals(fields_[i].name, name_); }
  std::string_view value(std::size_t i) const { return plain_ ? values_[i] : fields_[i].value; }

  // Whether the header has at least one line (stops at the first).
  bool any() const {
    for (std::size_t i = 0; i < end_index(); ++i)
      if (is_line(i)) return true;
    return false;
  }

  // Number of lines (O(n) over the fields).
  std::size_t count() const {
    std::size_t n = 0;
    for (std::size_t i = 0; i < end_index(); ++i) n += is_line(i) ? 1 : 0;
    return n;
  }

 private:
  std::span<const HeaderField> fields_;
  std::string_view name_;
  std::span<const std::string_view> values_;
  bool plain_ = false;
};

}  // namespace doorman
