// ChunkedDecoder: an incremental validator of a chunked message body (RFC 9112 §7.1).
//
// Contract:
// - doorman forwards a chunked body unchanged (zero copy), so the decoder does not copy: it
//   tells how many of the bytes fed belong to the body, how many of those are chunk data, and
//   where the body ends. The caller forwards input[0, consumed) as is.
// - Feed each newly received run of bytes once, in order (the decoder keeps its state; never
//   re-feed old bytes). consumed < input.size() only when done (the rest is the next pipelined
//   message) or on error.
// - Strict: chunk-size is 1-16 hex digits (no sign, no "0x", no whitespace before it, no
//   overflow); chunk extensions (";name[=token|quoted-string]", BWS allowed around ';' and '=')
//   are allowed but bounded per line (max_extension_length) and over the whole body
//   (max_total_extension_bytes), because a peer can otherwise make us parse megabytes of
//   extensions for one byte of data. Chunk data must be followed by exactly CRLF. Trailer
//   fields are validated like header lines (token name, no whitespace before the colon, no
//   obs-fold, no controls) and bounded by max_trailer_size. Lines end in CRLF only.
// - Errors: kHttpBadChunk (syntax, overflow, bounds) with offset = index in the input fed.
//   After an error or done, feed() returns the same outcome until reset().
// Thread safety: one decoder per body; not shared.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "doorman/result.h"

namespace doorman {

struct ChunkedOptions {
  std::size_t max_extension_length = 1024;        // bytes from the first ';' to the CR
  std::size_t max_total_extension_bytes = 65536;  // over the whole body
  std::size_t max_trailer_size = 8192;            // trailer section including its blank line
};

struct ChunkedProgress {
  std::size_t consumed = 0;    // bytes of the input that are part of the chunked body
  std::size_t data_bytes = 0;  // how many of them are chunk data (the payload)
  bool done = false;           // the body ended at input[consumed - 1]
};

// One step of next_segment(): framing bytes, then at most one run of chunk data.
struct ChunkedSegment {
  std::size_t consumed = 0;     // bytes of the input used by this step
  std::size_t data_offset = 0;  // the data run is input.substr(data_offset, data_length)
  std::size_t data_length = 0;
  bool done = false;
};

class ChunkedDecoder {
 public:
  explicit ChunkedDecoder(ChunkedOptions options = {}) : options_(options) {}

  // Consumes as much of input as belongs to the body.
  Result<ChunkedProgress> feed(std::string_view input);
  // Consumes framing up to and including the next run of chunk data, then stops: for a caller
  // that must de-chunk (an HTTP/1.0 client receiving a chunked response).
  Result<ChunkedSegment> next_segment(std::string_view input);

  bool done() const { return state_ == State::kDone; }
  uint64_t total_data_bytes() const { return total_data_; }
  void reset();

 private:
  enum class State : uint8_t {
    kSize,          // reading hex digits
    kExtension,     // after the size, up to CR
    kSizeLf,        // CR seen after the size line
    kData,          // inside chunk data
    kDataCr,        // expecting CR after data
    kDataLf,        // expecting LF after data
    kTrailerStart,  // start of a trailer line (or the final CRLF)
    kTrailerLine,   // inside a trailer field line
    kTrailerLf,     // CR seen at the end of a trailer line
    kFinalLf,       // CR seen on the empty line that ends the body
    kDone,
    kError,
  };
  Result<ChunkedSegment> step(std::string_view input, bool stop_after_data);

  ChunkedOptions options_;
  State state_ = State::kSize;
  uint64_t chunk_remaining_ = 0;
  uint32_t size_digits_ = 0;
  std::size_t extension_length_ = 0;
  std::size_t total_extension_ = 0;
  std::size_t trailer_size_ = 0;
  uint8_t ext_state_ = 0;      // position in the chunk-ext grammar
  uint8_t trailer_state_ = 0;  // position in the field-line grammar
  uint64_t total_data_ = 0;
  Error error_{};
};

}  // namespace doorman
