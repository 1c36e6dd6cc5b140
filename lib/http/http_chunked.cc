#include "doorman/http_chunked.h"

#include <algorithm>

#include "doorman/http_header_table.h"
#include "head_scan.h"

namespace doorman {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 9110 §5.6.4 qdtext and quoted-pair payload.
bool is_qdtext(unsigned char c) {
  return c == '\t' || c == ' ' || c == 0x21 || (c >= 0x23 && c <= 0x5b) ||
         (c >= 0x5d && c <= 0x7e) || c >= 0x80;
}

// Positions in chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ) (RFC 9112 §7.1.1).
enum ExtState : uint8_t {
  kExtStart,        // after the size: BWS then ';'
  kExtNameStart,    // after ';': BWS then the name
  kExtName,         // in the name (CR may end the line)
  kExtAfterName,    // BWS after the name: '=' or ';'
  kExtValueStart,   // after '=': BWS then token or quoted-string
  kExtToken,        // in a token value (CR may end the line)
  kExtQuoted,       // inside a quoted-string
  kExtQuotedPair,   // after a backslash
  kExtAfterQuoted,  // after the closing quote (CR may end the line)
  kExtAfterValue,   // BWS after a value: ';' only
};

// Positions in a trailer field line: name ':' OWS value CRLF.
enum TrailerState : uint8_t { kTrailerNameStart, kTrailerName, kTrailerValue };

// One byte of chunk-ext; false when it breaks the grammar. CR is handled by the caller.
bool advance_extension(uint8_t& state, char ch) {
  const auto c = static_cast<unsigned char>(ch);
  switch (state) {
    case kExtStart:
      if (ch == ';') state = kExtNameStart;
      return ch == ';' || is_ows(ch);
    case kExtNameStart:
      if (is_tchar(ch)) state = kExtName;
      return is_tchar(ch) || is_ows(ch);
    case kExtName:
    case kExtAfterName:
      if (is_tchar(ch) && state == kExtName) return true;
      if (is_ows(ch))
        state = kExtAfterName;
      else if (ch == '=')
        state = kExtValueStart;
      else if (ch == ';')
        state = kExtNameStart;
      else
        return false;
      return true;
    case kExtValueStart:
      if (ch == '"')
        state = kExtQuoted;
      else if (is_tchar(ch))
        state = kExtToken;
      else
        return is_ows(ch);
      return true;
    case kExtToken:
    case kExtAfterQuoted:
    case kExtAfterValue:
      if (is_tchar(ch) && state == kExtToken) return true;
      if (is_ows(ch))
        state = kExtAfterValue;
      else if (ch == ';')
        state = kExtNameStart;
      else
        return false;
      return true;
    case kExtQuoted:
      if (ch == '"')
        state = kExtAfterQuoted;
      else if (ch == '\\')
        state = kExtQuotedPair;
      else
        return is_qdtext(c);
      return true;
    case kExtQuotedPair:
      state = kExtQuoted;
      return c == '\t' || c >= 0x20;  // HTAB / SP / VCHAR / obs-text, not DEL
    default:
      return false;
  }
}

bool extension_may_end(uint8_t state) {
  return state == kExtName || state == kExtToken || state == kExtAfterQuoted;
}

}  // namespace

void ChunkedDecoder::reset() {
  *this = ChunkedDecoder(options_);
}

Result<ChunkedProgress> ChunkedDecoder::feed(std::string_view input) {
  const auto segment = step(input, false);
  if (!segment) return std::unexpected(segment.error());
  return ChunkedProgress{segment->consumed, segment->data_length, segment->done};
}

Result<ChunkedSegment> ChunkedDecoder::next_segment(std::string_view input) {
  return step(input, true);
}

Result<ChunkedSegment> ChunkedDecoder::step(std::string_view input, bool stop_after_data) {
  ChunkedSegment seg;
  if (state_ == State::kError) return std::unexpected(error_);
  if (state_ == State::kDone) {
    seg.done = true;
    return seg;
  }
  const auto bad = [this](std::size_t at) {
    state_ = State::kError;
    error_ = Error{ErrorCode::kHttpBadChunk, at};
    return std::unexpected(error_);
  };
  const std::size_t n = input.size();
  std::size_t i = 0;
  while (i < n) {
    const char c = input[i];
    switch (state_) {
      case State::kSize: {
        const int v = hex_value(c);
        if (v >= 0) {
          // 16 hex digits fill uint64_t: more could overflow (leading zeros count too).
          if (size_digits_ == 16) return bad(i);
          chunk_remaining_ = (chunk_remaining_ << 4) | static_cast<uint64_t>(v);
          ++size_digits_;
          ++i;
        } else if (size_digits_ == 0) {
          return bad(i);
        } else if (c == '\r') {
          state_ = State::kSizeLf;
          ++i;
        } else if (c == ';' || is_ows(c)) {
          state_ = State::kExtension;
          ext_state_ = kExtStart;
          extension_length_ = 0;
        } else {
          return bad(i);
        }
        break;
      }
      case State::kExtension:
        if (c == '\r') {
          if (!extension_may_end(ext_state_)) return bad(i);
          state_ = State::kSizeLf;
        } else if (++extension_length_ > options_.max_extension_length ||
                   ++total_extension_ > options_.max_total_extension_bytes ||
                   !advance_extension(ext_state_, c)) {
          return bad(i);
        }
        ++i;
        break;
      case State::kSizeLf:
        if (c != '\n') return bad(i);
        ++i;
        size_digits_ = 0;
        state_ = chunk_remaining_ == 0 ? State::kTrailerStart : State::kData;
        break;
      case State::kData: {
        const std::size_t take =
            static_cast<std::size_t>(std::min<uint64_t>(n - i, chunk_remaining_));
        chunk_remaining_ -= take;
        total_data_ += take;
        if (chunk_remaining_ == 0) state_ = State::kDataCr;
        if (stop_after_data) {
          seg.data_offset = i;
          seg.data_length = take;
          seg.consumed = i + take;
          return seg;
        }
        seg.data_length += take;
        i += take;
        break;
      }
      case State::kDataCr:
        if (c != '\r') return bad(i);
        state_ = State::kDataLf;
        ++i;
        break;
      case State::kDataLf:
        if (c != '\n') return bad(i);
        state_ = State::kSize;
        ++i;
        break;
      case State::kTrailerStart:
      case State::kTrailerLine:
      case State::kTrailerLf:
      case State::kFinalLf:
        if (++trailer_size_ > options_.max_trailer_size) return bad(i);
        if (state_ == State::kTrailerStart) {
          if (c == '\r') {
            state_ = State::kFinalLf;
          } else {
            state_ = State::kTrailerLine;
            trailer_state_ = kTrailerNameStart;
            --trailer_size_;  // the byte is counted again below
            break;
          }
        } else if (state_ == State::kTrailerLine) {
          // Field-line rules as for heads: token name, no whitespace before the colon (so no
          // obs-fold either), value bytes only, CRLF.
          if (trailer_state_ == kTrailerValue) {
            if (c == '\r')
              state_ = State::kTrailerLf;
            else if (!http_internal::is_value_byte(static_cast<unsigned char>(c)))
              return bad(i);
          } else if (is_tchar(c)) {
            trailer_state_ = kTrailerName;
          } else if (c == ':' && trailer_state_ == kTrailerName) {
            trailer_state_ = kTrailerValue;
          } else {
            return bad(i);
          }
        } else if (state_ == State::kTrailerLf) {
          if (c != '\n') return bad(i);
          state_ = State::kTrailerStart;
        } else {  // kFinalLf
          if (c != '\n') return bad(i);
          state_ = State::kDone;
          seg.consumed = i + 1;
          seg.done = true;
          return seg;
        }
        ++i;
        break;
      case State::kDone:
      case State::kError:
        break;  // unreachable: handled before the loop
    }
  }
  seg.consumed = i;
  return seg;
}

}  // namespace doorman
