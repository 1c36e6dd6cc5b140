// The HTTP/1.1 response the request-path stages wrote, as HTTP/2 header fields.
//
// Contract:
// - convert_response_head() gives ":status" and the head's fields with names lowercased
//   (RFC 9113 §8.2: uppercase names are malformed in h2) and the connection-specific fields
//   dropped (§8.2.2: Connection, Keep-Alive, Proxy-Connection, Transfer-Encoding, Upgrade, TE
//   and HTTP2-Settings). Values are unchanged: the strict response parser already refused
//   CR, LF and NUL in them.
// - parse_trailer_section() reads the end of a chunked body ("0[;ext]\r\n" then trailer lines
//   then the blank line, as the decoder validated them) into fields the same way.
// - The nghttp2_nv entries point into `storage`; nghttp2's submit functions copy them.
// Thread safety: none needed (values).
#pragma once

#include <nghttp2/nghttp2.h>

#include <string>
#include <string_view>
#include <vector>

#include "doorman/http_response.h"

namespace doorman::h2 {

struct Fields {
  std::string storage;
  std::vector<nghttp2_nv> nv;
  void clear() {
    storage.clear();
    nv.clear();
  }
};

void convert_response_head(const ResponseHead& head, Fields& out);
// `tail`: the chunked framing bytes from the last-chunk line to the end of the body (anything
// before the last "0" line, such as the CRLF ending the previous chunk, is skipped).
void parse_trailer_section(std::string_view tail, Fields& out);

}  // namespace doorman::h2
