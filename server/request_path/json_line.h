// JsonLine: one flat JSON object formatted into a fixed buffer on the stack, for the diagnostics
// log (one line per request, so every instruction here is paid by every request).
//
// Contract:
// - Fields are appended in call order; the first one opens the object. Keys are compile-time
//   literals (JsonKey{"name"}) and go in with their punctuation in one copy.
// - string() escapes its value (quote, backslash, control bytes and every byte >= 0x7f as
//   \u00XX, so the line is valid UTF-8 whatever a client sent); plain() copies a value the caller
//   knows needs no escape (enum names, formatted numbers and addresses, OpenSSL's constants).
// - Escaped string content stops at kStringBudget bytes into the line: later strings are
//   written empty (""), so the line stays valid JSON and every field is present. Every other
//   field has a bounded size, and the buffer holds the budget plus all of them.
// - finish() closes the object with "}\n" and returns the line (a view into this object).
// No allocation, no exception; not thread-safe (one per request, on the stack).
#pragma once

#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace doorman::request_path {

// `,"name":` built at compile time; the first field of a line drops the comma.
template <std::size_t N>
struct JsonKey {
  consteval JsonKey(const char (&name)[N]) {  // NOLINT: implicit from a literal on purpose
    text[0] = ',';
    text[1] = '"';
    for (std::size_t i = 0; i + 1 < N; ++i) text[2 + i] = name[i];
    text[N + 1] = '"';
    text[N + 2] = ':';
  }
  static constexpr std::size_t kSize = N + 3;  // name (N - 1) plus `,"` and `":`
  char text[kSize];
};

class JsonLine {
 public:
  // Where escaped string content stops; see the contract above.
  static constexpr std::size_t kStringBudget = 2048;

  template <std::size_t N>
  void string(const JsonKey<N>& k, std::string_view v) {
    key(k);
    data_[size_++] = '"';
    escape(v);
    data_[size_++] = '"';
  }
  template <std::size_t N>
  void plain(const JsonKey<N>& k, std::string_view v) {
    static_assert(N < 64, "keys are short");
    key(k);
    data_[size_++] = '"';
    const std::size_t n = v.size() < kMaxPlain ? v.size() : kMaxPlain;
    std::memcpy(data_ + size_, v.data(), n);
    size_ += n;
    data_[size_++] = '"';
  }
  template <std::size_t N>
  void null(const JsonKey<N>& k) {
    key(k);
    put("null");
  }
  template <std::size_t N>
  void boolean(const JsonKey<N>& k, bool v) {
    key(k);
    if (v)
      put("true");
    else
      put("false");
  }
  template <std::size_t N>
  void number(const JsonKey<N>& k, uint64_t v) {
    key(k);
    size_ =
        static_cast<std::size_t>(std::to_chars(data_ + size_, data_ + size_ + 20, v).ptr - data_);
  }
  // Milliseconds with three decimals ("12.345"), rounded to the microsecond: integer
  // arithmetic instead of floating-point formatting.
  template <std::size_t N, class Rep, class Period>
  void millis(const JsonKey<N>& k, std::chrono::duration<Rep, Period> d) {
    key(k);
    const int64_t ns = std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
    const uint64_t us = ns <= 0 ? 0 : static_cast<uint64_t>(ns + 500) / 1000;
    size_ = static_cast<std::size_t>(
        std::to_chars(data_ + size_, data_ + size_ + 20, us / 1000).ptr - data_);
    const auto frac = static_cast<unsigned>(us % 1000);
    data_[size_++] = '.';
    data_[size_++] = static_cast<char>('0' + frac / 100);
    data_[size_++] = static_cast<char>('0' + frac / 10 % 10);
    data_[size_++] = static_cast<char>('0' + frac % 10);
  }
  std::string_view finish() {
    data_[size_++] = '}';
    data_[size_++] = '\n';
    return {data_, size_};
  }

 private:
  // A plain value is an enum name, an address or a version string: short by construction.
  static constexpr std::size_t kMaxPlain = 64;
  // Budget + the longest escape step (6) + every other field at its longest (~40 fields of key
  // <= 64 and value <= 64 bytes) fits.
  static constexpr std::size_t kSize = kStringBudget + 6 + 40 * 2 * 64 + 2;

  template <std::size_t N>
  void key(const JsonKey<N>& k) {
    if (size_ == 0) {
      data_[0] = '{';
      std::memcpy(data_ + 1, k.text + 1, JsonKey<N>::kSize - 1);
      size_ = JsonKey<N>::kSize;
    } else {
      std::memcpy(data_ + size_, k.text, JsonKey<N>::kSize);
      size_ += JsonKey<N>::kSize;
    }
  }
  template <std::size_t N>
  void put(const char (&literal)[N]) {
    std::memcpy(data_ + size_, literal, N - 1);
    size_ += N - 1;
  }
  void escape(std::string_view v);

  char data_[kSize];  // not cleared: only [0, size_) is ever read
  std::size_t size_ = 0;
};

// Copies runs of plain bytes at once (a word at a time where the line has room), escapes the
// rest, and stops at the budget.
inline void JsonLine::escape(std::string_view v) {
  static constexpr char kHex[] = "0123456789abcdef";
  constexpr uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
  const auto has_zero = [](uint64_t w) { return (w - kOnes) & ~w & kHigh; };
  std::size_t i = 0;
  while (i < v.size() && size_ < kStringBudget) {
    if (i + 8 <= v.size()) {
      uint64_t w;
      std::memcpy(&w, v.data() + i, 8);
      // Any byte < 0x20 or >= 0x80 (top bit set, or under 0x20 with the top bit clear), or a
      // quote, a backslash or DEL: that word goes byte by byte.
      const uint64_t special = (((w - kOnes * 0x20) & ~w) | w) & kHigh;
      if ((special | has_zero(w ^ (kOnes * '"')) | has_zero(w ^ (kOnes * '\\')) |
           has_zero(w ^ (kOnes * 0x7f))) == 0) {
        std::memcpy(data_ + size_, &w, 8);
        size_ += 8;
        i += 8;
        continue;
      }
    }
    const auto c = static_cast<unsigned char>(v[i++]);
    if (c == '"' || c == '\\') {
      data_[size_++] = '\\';
      data_[size_++] = static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      std::memcpy(data_ + size_, "\\u00", 4);
      data_[size_ + 4] = kHex[c >> 4];
      data_[size_ + 5] = kHex[c & 15];
      size_ += 6;
    } else {
      data_[size_++] = static_cast<char>(c);
    }
  }
}

}  // namespace doorman::request_path
