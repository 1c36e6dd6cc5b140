// RequestHeadParser: the strict, incremental, zero-copy HTTP/1 request head parser.
//
// Contract:
// - The caller owns the bytes. parse(buffer) is given the bytes received so far for this request,
//   starting at its first byte; when it says need-more, read more, append, and call parse() again
//   with the grown buffer (it may have moved: only offsets are remembered, the prefix must be the
//   same bytes). Work across calls is linear: the search for the end of the head resumes where it
//   stopped, and the head is parsed once, when the blank line has arrived.
// - On kComplete, head() holds views into the LAST buffer passed; they stay valid while those
//   bytes are neither freed nor moved. progress.consumed is the size of the head; the body (or
//   the next pipelined request) starts there. Call reset() before parsing the next request.
// - Strict (a front proxy is where smuggling happens; RFC 9112):
//   * Lines end in CRLF. A bare LF or a bare CR anywhere in the head is a 400 (RFC 9112 §2.2
//     allows a lenient LF; we reject it because the upstream might not agree).
//   * Empty lines before the request line are skipped (RFC 9112 §2.2) and count in `consumed`.
//   * Request line: method SP request-target SP HTTP-version, single spaces. The method is a
//     token; CONNECT is 501 (doorman is not a forward proxy). The target is origin-form ("/..."),
//     absolute-form ("http://host[:port]..." / "https://...", no userinfo), or "*" for OPTIONS; its
//     bytes are visible ASCII (0x21-0x7E) other than '#' (no fragment in a request-target). Longer
//     than max_target_length -> 414. Versions other than HTTP/1.0 and HTTP/1.1 -> 505
//     (kHttpBadVersion); a malformed version -> 400.
//   * Header lines: token ":" OWS value OWS. Whitespace before the colon, a line starting with
//     whitespace (obs-fold, RFC 9112 §5.2), an empty or non-token name -> 400. Values may hold
//     SP, HTAB, visible ASCII and obs-text; NUL, CR, LF and other controls -> 400.
//   * More than max_headers lines or a head over max_head_size bytes -> 431.
//   * Host: exactly one on HTTP/1.1 (missing or repeated -> 400, RFC 9112 §3.2); its value is
//     restricted to the uri-host[:port] characters. With an absolute-form target, head().host
//     is the target's authority instead (RFC 9112 §3.2.2: the received Host is replaced).
//   * Content-Length: digits only, at most 19 (no overflow). Several lines or a comma list with
//     the SAME value are accepted as one (RFC 9110 §8.6); head().content_length_repeated tells
//     the rewriter to send a single normalized line. Differing values -> 400.
//   * Transfer-Encoding: a comma list of codings over all its lines; "chunked" must be present,
//     exactly once and last (else 400, RFC 9112 §6.3), the others must be gzip, x-gzip,
//     deflate, compress or x-compress (anything else, "identity" included, -> 501). Parameters
//     and empty list elements -> 400. With Content-Length -> 400 (kHttpAmbiguousLength). On an
//     HTTP/1.0 request -> 400 (RFC 9112 §6.1).
//   * Connection: a comma list of at most 32 tokens (a non-token or more -> 400), so the
//     rewriter's work per request stays bounded.
// - Semantics computed: framing (none / content-length / chunked), keep_alive (HTTP/1.1 unless
//   "close"; HTTP/1.0 only with "keep-alive"), upgrade (HTTP/1.1, Connection lists "upgrade" and
//   an Upgrade header is present, and it does not offer h2c: h2c upgrades through a proxy are a
//   known smuggling trick, so they are treated as plain requests), expect_continue (HTTP/1.1
//   and Expect is exactly "100-continue"; RFC 9110 §10.1.1).
// Thread safety: one parser per connection; not shared.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "doorman/header_field.h"
#include "doorman/http_header_table.h"
#include "doorman/http_message.h"

namespace doorman {

struct RequestParseOptions {
  std::size_t max_head_size =
      16384;  // head bytes incl. blank line; over it: 431 (clamped to 4 GiB)
  std::size_t max_target_length = 8192;       // over it: 414
  std::size_t max_headers = kMaxHeaderLines;  // clamped to kMaxHeaderLines; over it: 431
};

enum class Method : uint8_t { kOther, kGet, kHead, kPost, kPut, kDelete, kOptions, kTrace, kPatch };

enum class TargetForm : uint8_t { kOrigin, kAbsolute, kAsterisk };

// A parsed request head: views into the parsed buffer plus the computed semantics.
struct RequestHead {
  std::string_view method;
  Method method_id = Method::kOther;
  std::string_view target;
  TargetForm target_form = TargetForm::kOrigin;
  HttpVersion version = HttpVersion::k11;
  std::string_view request_line;  // "GET / HTTP/1.1" without the CRLF
  // The authority requests are meant for: the Host value (trimmed, empty when absent), or for an
  // absolute-form target its authority, which replaces the received Host (RFC 9112 §3.2.2).
  std::string_view host;
  bool has_host = false;  // a Host line was received
  // Absolute-form only: the target after its authority ("/p?q", "?q" or empty). The upstream
  // gets the origin-form target built from it and a Host line of `host` (http_rewrite.h).
  std::string_view absolute_path;

  BodyFraming framing;
  bool content_length_repeated = false;  // identical duplicates were merged (see contract)
  bool keep_alive = true;
  bool upgrade = false;
  std::string_view upgrade_protocol;  // the Upgrade value when upgrade is true
  bool expect_continue = false;

  // The header fields in order, with each one's table id and whole line in the buffer.
  std::size_t header_count = 0;
  std::array<HeaderField, kMaxHeaderLines> fields;
  std::array<HeaderId, kMaxHeaderLines> ids;
  std::array<LineRange, kMaxHeaderLines> lines;
  uint32_t headers_begin = 0;  // offset of the first header line (after the request line CRLF)
  uint32_t head_begin = 0;     // offset of the request line (after skipped empty lines)
  std::string_view buffer;     // the buffer the views point into, [0, consumed)

  std::span<const HeaderField> headers() const { return {fields.data(), header_count}; }
  // "Name: value\r\n" of header i, as received.
  std::string_view line(std::size_t i) const {
    return buffer.substr(lines[i].begin, lines[i].end - lines[i].begin);
  }
  // The value of the first header with this id, or empty.
  std::string_view find(HeaderId id) const;
};

class RequestHeadParser {
 public:
  explicit RequestHeadParser(RequestParseOptions options = {}) : options_(options) {}

  // See the contract. After kComplete or kInvalid, further calls return the same outcome until
  // reset().
  HeadProgress parse(std::string_view buffer);
  const RequestHead& head() const { return head_; }
  void reset();

 private:
  HeadProgress finish(std::string_view buffer, std::size_t head_start, std::size_t line_end,
                      std::size_t head_end);
  HeadProgress early_reject(std::string_view buffer, std::size_t head_start, bool at_limit);

  RequestParseOptions options_;
  RequestHead head_;
  http_internal::ScanState scan_;
  HeadProgress last_;
};

}  // namespace doorman
