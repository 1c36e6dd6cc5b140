// Internal to lib/http: the pieces the request and response head parsers share. Not part of
// the public API (include/doorman/ holds that).
//
// - scan_head() finds the blank line that ends a head, incrementally: each call resumes where
//   the previous one stopped, so feeding a head one byte at a time stays linear. It also rejects
//   a bare LF as soon as it arrives (RFC 9112 §2.2: we accept CRLF only).
// - parse_fields() parses the header section [begin, end) once the head is complete: the field
//   grammar (RFC 9110 §5, RFC 9112 §5) and the facts the framing rules need.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "doorman/header_field.h"
#include "doorman/http_header_table.h"
#include "doorman/http_message.h"
#include "doorman/result.h"

namespace doorman::http_internal {

struct ScanResult {
  ParseState state = ParseState::kNeedMore;
  std::size_t head_end = 0;        // kComplete: offset after the blank line's CRLF
  std::size_t head_start = 0;      // offset of the first non-empty line
  std::size_t first_line_end = 0;  // offset of the CR ending the first line, 0 while unknown
  bool at_limit = false;           // kNeedMore and the scan reached the limit: the head is too big
  Error error{};
};

// Scans buffer[state.scanned, min(size, limit)); limit is the largest head allowed. Empty lines
// before the first line are skipped when skip_leading_empty_lines (requests), else invalid.
ScanResult scan_head(ScanState& state, std::string_view buffer, std::size_t limit,
                     ErrorCode syntax_error, bool skip_leading_empty_lines);

// Where the parsed fields go (arrays of the head being filled).
struct FieldSink {
  HeaderField* fields;
  HeaderId* ids;
  LineRange* lines;
  std::size_t capacity;
};

// What the framing and connection rules need to know about the fields.
struct FieldFacts {
  std::size_t count = 0;
  uint32_t host_lines = 0;
  std::string_view host;
  bool has_content_length = false;
  uint64_t content_length = 0;
  bool content_length_repeated = false;
  bool has_transfer_encoding = false;
  bool chunked_last = false;  // chunked present, once, and the final coding
  bool connection_close = false;
  bool connection_keep_alive = false;
  bool connection_upgrade = false;
  uint32_t upgrade_lines = 0;
  std::string_view upgrade;
  bool upgrade_h2c = false;
  uint32_t expect_lines = 0;
  std::string_view expect;
};

struct FieldErrors {
  ErrorCode syntax;    // kHttpBadRequest or kHttpBadResponse
  ErrorCode too_many;  // kHttpHeadersTooLarge or kHttpBadResponse
};

// Parses the lines in buffer[begin, end) (end is the offset of the blank line). `strict_te`:
// requests reject a Transfer-Encoding without chunked last (RFC 9112 §6.3 item 4); responses
// read such a body until close.
Result<FieldFacts> parse_fields(std::string_view buffer, std::size_t begin, std::size_t end,
                                const FieldSink& sink, FieldErrors errors, bool strict_te);

// Shared value checks.
bool is_value_byte(unsigned char c);  // HTAB, SP, VCHAR, obs-text
bool is_valid_host_value(std::string_view host);
// Walks a comma list (RFC 9110 §5.6.1): each element trimmed of OWS, empty ones included
// ("a,,b," gives a, "", b, "").
class ListSplitter {
 public:
  explicit ListSplitter(std::string_view list) : list_(list) {}
  bool next(std::string_view& element);

 private:
  std::string_view list_;
  std::size_t pos_ = 0;
  bool done_ = false;
};
bool equals_ci(std::string_view a, std::string_view b);

}  // namespace doorman::http_internal
