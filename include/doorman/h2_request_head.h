// RequestHeadBuilder: one HTTP/2 request's header fields, written as the HTTP/1.1 head the
// request-path stages parse (runtime/serve_request.h), so an h2 stream is checked by the same
// strict parser, the same routes and the same identity rules as an HTTP/1.1 request.
//
// Contract:
// - add() takes the fields as nghttp2 delivers them: names lowercase, already checked against
//   RFC 9113 §8.2 (no connection-specific fields, TE only "trailers", valid pseudo-headers,
//   no CR/LF/NUL) by nghttp2's HTTP messaging rules. The builder only bounds the bytes
//   (max_bytes, the listener's max_head_size) and keeps what the conversion needs.
// - :authority vs Host (RFC 9113 §8.3.1): :authority becomes the Host line; a Host field that
//   names another authority makes the request malformed; without :authority, Host is used.
// - Cookie fields are joined with "; " into one line (RFC 9113 §8.2.3).
// - Framing toward HTTP/1.1 is unambiguous: the client's content-length is kept (nghttp2 checks
//   the DATA frames add up to it); without one, a request whose HEADERS did not end the stream
//   is sent "Transfer-Encoding: chunked" (h2/stream.cc frames the DATA as chunks).
// - Trailer fields (add_trailer) travel in the chunked trailer section; with a content-length
//   there is no place for them in HTTP/1.1 and they are dropped.
// Thread safety: none needed (one builder per stream).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace doorman::h2 {

enum class FieldOutcome { kOk, kTooLarge, kMalformed };

class RequestHeadBuilder {
 public:
  explicit RequestHeadBuilder(std::size_t max_bytes) : max_bytes_(max_bytes) {}

  FieldOutcome add(std::string_view name, std::string_view value);
  FieldOutcome add_trailer(std::string_view name, std::string_view value);
  // The HTTP/1.1 head (request line to the blank line), or kMalformed. `end_stream`: the
  // HEADERS frame ended the stream (no body).
  FieldOutcome build(bool end_stream, std::string& out);
  bool chunked() const { return chunked_; }
  std::string_view method() const { return method_; }
  // "name: value\r\n" lines for the chunked trailer section.
  const std::string& trailers() const { return trailers_; }

 private:
  bool charge(std::size_t n);

  std::size_t max_bytes_;
  std::size_t used_ = 0;
  std::string method_, path_, authority_, host_, cookie_;
  std::string fields_;  // "name: value\r\n" lines in arrival order
  std::string trailers_;
  bool has_host_ = false;
  bool has_content_length_ = false;
  bool chunked_ = false;
};

}  // namespace doorman::h2
