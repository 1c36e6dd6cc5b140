// Small text helpers shared by the TLS and ACME code: OpenSSL's error queue as a sentence, and
// DNS names in the one form certificates and SNI are compared in (RFC 4343: case-insensitive;
// a trailing dot names the same host).
#pragma once

#include <openssl/err.h>

#include <string>
#include <string_view>

namespace doorman::tls {

// OpenSSL's queued error as text (and the queue cleared); "unknown error" when empty.
inline std::string openssl_error() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

// ASCII-lowercased, without one trailing dot.
inline std::string lowercase_dns_name(std::string_view name) {
  std::string out(name);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  if (!out.empty() && out.back() == '.') out.pop_back();
  return out;
}

}  // namespace doorman::tls
