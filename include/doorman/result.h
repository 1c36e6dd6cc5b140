// Result<T> and the library's error codes.
//
// Every libdoorman function that can fail on untrusted input returns Result<T>: either a value or
// an Error (a stable code plus the byte offset where parsing stopped, when that is meaningful).
// No exceptions are thrown for bad input. Codes are stable identifiers: error_code_name() gives
// the snake_case string used in logs, JSON and reason codes. Add new codes at the end of a group.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <string_view>

namespace doorman {

enum class ErrorCode : uint16_t {
  // Addresses and CIDRs
  kEmpty = 1,           // nothing to parse
  kInvalidAddress,      // not an IPv4 or IPv6 literal of the strict grammar
  kLeadingZero,         // IPv4 octet with a leading zero ("010.0.0.1"): ambiguous (octal)
  kZoneNotAllowed,      // "fe80::1%eth0" in a header value
  kInvalidPrefix,       // "/33", "/abc", missing prefix length
  kHostBitsSet,         // "10.0.0.1/8" when the caller asked for strict CIDRs
  kInvalidPort,         // port 0, > 65535, leading zero or not digits
  kUnspecifiedAddress,  // 0.0.0.0 or :: where a client address is required
  kTooManyElements,     // an untrusted list longer than its cap

  // Forwarding headers
  kMultipleHeaderLines = 100,  // a single-valued header (CF-Connecting-IP) sent more than once
  kNotASingleAddress,          // a list, port, brackets or junk where exactly one IP is allowed
  kUnparsableElement,          // an X-Forwarded-For / Forwarded element that is not an address
  kForwardedSyntax,            // a Forwarded line that does not tokenize (RFC 7239 §4)
  kDuplicateParameter,         // the same Forwarded parameter twice in one element

  // PROXY protocol
  kNotProxy = 200,    // neither the v1 nor the v2 signature
  kProxyInvalid,      // malformed header
  kProxyTooLong,      // v1 line without CRLF within 107 bytes
  kProxyTooLarge,     // v2 length field above the cap
  kProxyIncomplete,   // the stream ended before a complete header
  kProxyCrcMismatch,  // CRC32C TLV present and wrong
  kProxyTimeout,      // no complete header within the listener's proxy_header_timeout

  // HTTP/1
  kHttpBadRequest = 300,  // malformed request line or header
  kHttpUriTooLong,        // request target longer than the configured cap
  kHttpHeadersTooLarge,   // head larger than the configured cap
  kHttpNotImplemented,    // unknown transfer coding
  kHttpBadContentLength,  // non-digits, overflow, or differing duplicates
  kHttpAmbiguousLength,   // Content-Length together with Transfer-Encoding
  kHttpBadChunk,          // malformed chunk size or framing
  kHttpBadVersion,        // not HTTP/1.0 or HTTP/1.1
  kHttpBadResponse,       // an upstream sent a malformed response head

  // Configuration and range lists
  kInvalidValue = 400,  // a value of the right type but outside what is accepted

  // DNS messages (dns_message.h)
  kDnsBadName = 500,  // a name that cannot be asked: an empty or over-long label, over 255 bytes
  kDnsMalformed,      // a message that does not parse (RFC 1035 §4): short, bad name or pointer
  kDnsNotTheAnswer,   // a well-formed message that answers another query (ID, QR, question)
  kDnsTruncated,      // TC set: the answer did not fit in the datagram
};

// The snake_case name of a code ("invalid_address"), stable for logs and JSON.
std::string_view error_code_name(ErrorCode code);

struct Error {
  ErrorCode code;
  // Offset in the input where the problem was found; 0 when not meaningful.
  std::size_t offset = 0;

  friend bool operator==(const Error&, const Error&) = default;
};

template <typename T>
using Result = std::expected<T, Error>;

// Shorthand for returning an error: `return fail(ErrorCode::kEmpty);`
inline std::unexpected<Error> fail(ErrorCode code, std::size_t offset = 0) {
  return std::unexpected<Error>(Error{code, offset});
}

}  // namespace doorman
