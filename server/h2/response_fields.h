// A response head for the client as HTTP/2 header fields.
//
// Contract:
// - convert_final_head() takes the upstream's parsed head as the request-path stages checked
//   it, with the fields the HTTP/1.1 rewrite would keep (`kept`, doorman/http_rewrite.h
//   response_fields_kept: no hop-by-hop fields, none listed in Connection), a repeated
//   Content-Length written once with its value, then `extra`: "Name: value\r\n" lines the stages
//   add (the rate-limit fields).
// - convert_response_head() takes a head the stages wrote as HTTP/1.1 text (a local reply, a
//   1xx) and keeps all its fields.
// - Both give ":status" first, names lowercased (RFC 9113 §8.2: uppercase names are malformed
//   in h2), and drop the connection-specific fields (§8.2.2: Connection, Keep-Alive,
//   Proxy-Connection, Transfer-Encoding, Upgrade, TE and HTTP2-Settings). Values are unchanged:
//   the strict response parser already refused CR, LF and NUL in them.
// - parse_trailer_section() reads the end of a chunked body ("0[;ext]\r\n" then trailer lines
//   then the blank line, as the decoder validated them) into fields the same way.
// - Names (lowercased) and the status digits live in `storage`; values point into the source
//   (the head's buffer, `extra`, the trailer bytes): `nv` is valid while those are, which is
//   enough for nghttp2's submit functions (they copy the fields).
// Thread safety: none needed (values).
#pragma once

#include <nghttp2/nghttp2.h>

#include <string>
#include <string_view>
#include <vector>

#include "doorman/http_response.h"
#include "doorman/http_rewrite.h"

namespace doorman::h2 {

struct Fields {
  std::string storage;
  std::vector<nghttp2_nv> nv;
  void clear() {
    storage.clear();
    nv.clear();
  }
};

void convert_final_head(const ResponseHead& head, const ResponseFieldMask& kept,
                        std::string_view extra, Fields& out);
void convert_response_head(const ResponseHead& head, Fields& out);
// `tail`: the chunked framing bytes from the last-chunk line to the end of the body (anything
// before the last "0" line, such as the CRLF ending the previous chunk, is skipped).
void parse_trailer_section(std::string_view tail, Fields& out);

}  // namespace doorman::h2
