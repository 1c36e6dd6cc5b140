// Differential check of the request head parser against Debian's libhttp-parser 2.9
// (a slow, independent oracle; STYLE.md habit 9).
//
// doorman is deliberately stricter, so only these count as failures:
// - doorman accepts a head that http_parser rejects, or
// - both accept and the method, target, number of header fields or framing differ.
// Intentional divergences that are skipped (see docs/http-parsing.md):
// - http_parser knows a fixed list of methods; doorman accepts any token method
//   (HPE_INVALID_METHOD is ignored).
// - Identical duplicate Content-Length values ("5" twice, or "5, 5") are merged by doorman
//   (RFC 9110 §8.6); http_parser refuses them.
// - http_parser 2.9 treats a request with Transfer-Encoding but without final chunked as
//   read-until-close (or rejects it); doorman rejects such requests, so they never both accept.
// - Oracle bug: http_parser 2.9.4 marks a request as using Transfer-Encoding when a header name
//   merely starts with "Transfer-Encoding" ("Transfer-Encodingh"), and then rejects it beside a
//   Content-Length (HPE_UNEXPECTED_CONTENT_LENGTH). Such heads are skipped.
// - Oracle quirk: http_parser's Connection token scanner skips only SP, not HTAB, and loses
//   track after empty list elements (",,close"), though RFC 9110 §5.6.1 allows both. keep-alive
//   is compared only when every Connection line holds a single token.
// - Oracle quirk: after the digits of Content-Length, http_parser 2.9 allows only SP, not HTAB,
//   though trailing OWS is *(SP / HTAB) and is not part of the field value (RFC 9110 §5.5, RFC
//   9112 §5). Heads whose Content-Length or Transfer-Encoding line has a raw HTAB are skipped
//   ("chunked<HTAB>" is not chunked to http_parser). The same holds after
//   a Connection token ("close<HTAB>" is keep-alive to http_parser): keep-alive is not compared
//   when a raw Connection line holds an HTAB.
// Everything doorman rejects, or needs more bytes for, is not compared (stricter is fine).
#include <http_parser.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "doorman/http_request.h"

using namespace doorman;

namespace {

struct Oracle {
  std::string url;
  std::size_t fields = 0;
  bool headers_done = false;
};

int on_url(http_parser* p, const char* at, size_t length) {
  static_cast<Oracle*>(p->data)->url.append(at, length);
  return 0;
}
// The whole head goes to one http_parser_execute() call, so each field name arrives in exactly
// one callback (names are split across callbacks only at the end of a buffer).
int on_header_field(http_parser* p, const char*, size_t) {
  ++static_cast<Oracle*>(p->data)->fields;
  return 0;
}
int on_headers_complete(http_parser* p) {
  static_cast<Oracle*>(p->data)->headers_done = true;
  http_parser_pause(p, 1);  // compare heads only
  return 0;
}

[[noreturn]] void report(const char* what, std::string_view input) {
  std::fprintf(stderr, "divergence: %s\ninput: %.*s\n", what, static_cast<int>(input.size()),
               input.data());
  std::abort();
}

bool has_transfer_encoding_prefixed_name(const RequestHead& h) {
  constexpr std::string_view kTe = "transfer-encoding";
  for (const HeaderField& f : h.headers())
    if (f.name.size() > kTe.size() && header_name_equals(f.name.substr(0, kTe.size()), kTe))
      return true;
  return false;
}

// True when a `name:` line of the raw head holds an HTAB (the oracle quirks above).
bool raw_line_has_htab(std::string_view head, std::string_view name_colon) {
  while (!head.empty()) {
    const std::size_t eol = head.find('\n');
    const std::string_view line = head.substr(0, eol);
    if (line.size() >= name_colon.size() &&
        header_name_equals(line.substr(0, name_colon.size()), name_colon) &&
        line.find('\t') != std::string_view::npos)
      return true;
    if (eol == std::string_view::npos) break;
    head.remove_prefix(eol + 1);
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  static RequestHeadParser ours;
  ours = RequestHeadParser();
  const HeadProgress p = ours.parse(input);
  if (!p.complete()) return 0;
  const RequestHead& h = ours.head();
  if (h.content_length_repeated) return 0;               // intentional divergence (RFC 9110 §8.6)
  if (has_transfer_encoding_prefixed_name(h)) return 0;  // oracle bug, see above
  const std::string_view raw_head = std::string_view(input).substr(0, p.consumed);
  if (raw_line_has_htab(raw_head, "content-length:") ||
      raw_line_has_htab(raw_head, "transfer-encoding:"))
    return 0;  // oracle quirk, see above

  http_parser_settings settings;
  http_parser_settings_init(&settings);
  settings.on_url = on_url;
  settings.on_header_field = on_header_field;
  settings.on_headers_complete = on_headers_complete;
  Oracle oracle;
  http_parser parser;
  http_parser_init(&parser, HTTP_REQUEST);
  parser.data = &oracle;
  // Only the head: what follows is a body or the next request, which we have not judged.
  http_parser_execute(&parser, &settings, input.data(), p.consumed);
  const auto err = HTTP_PARSER_ERRNO(&parser);
  if (err == HPE_INVALID_METHOD) return 0;  // intentional divergence: any token method
  if (!oracle.headers_done || (err != HPE_OK && err != HPE_PAUSED)) {
    std::fprintf(stderr, "http_parser: %s\n", http_errno_name(err));
    report("doorman accepts, http_parser rejects", input);
  }
  if (h.method != http_method_str(static_cast<http_method>(parser.method)))
    report("method differs", input);
  if (h.target != oracle.url) report("target differs", input);
  if (h.header_count != oracle.fields) report("header count differs", input);
  const bool chunked = (parser.flags & F_CHUNKED) != 0;
  if (chunked != (h.framing.kind == BodyKind::kChunked)) report("chunked differs", input);
  if (h.framing.kind == BodyKind::kContentLength &&
      parser.content_length != h.framing.content_length)
    report("content-length differs", input);
  if (h.framing.kind == BodyKind::kNone && (parser.flags & F_CONTENTLENGTH) != 0)
    report("content-length presence differs", input);
  bool simple_connection = !raw_line_has_htab(raw_head, "connection:");  // oracle quirk
  for (std::size_t i = 0; i < h.header_count; ++i)
    if (h.ids[i] == HeaderId::kConnection)
      simple_connection &= is_valid_header_name(h.fields[i].value);
  if (simple_connection && http_should_keep_alive(&parser) != (h.keep_alive ? 1 : 0))
    report("keep-alive differs", input);
  return 0;
}
