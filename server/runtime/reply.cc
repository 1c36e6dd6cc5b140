#include "runtime/reply.h"

#include <algorithm>

#include "request_path/rate_limit.h"

namespace doorman::runtime {

std::size_t gather_pieces(std::span<asio::const_buffer> gather, const HeadPieces& pieces,
                          std::string_view body, asio::mutable_buffer room) {
  const std::size_t total = pieces.size() + body.size();
  if (total <= std::min(room.size(), kFlatGatherMax)) {
    char* out = static_cast<char*>(room.data());
    for (std::string_view piece : pieces.pieces()) out = std::copy(piece.begin(), piece.end(), out);
    std::copy(body.begin(), body.end(), out);
    gather[0] = asio::buffer(room.data(), total);
    return 1;
  }
  std::size_t n = 0;
  for (std::string_view piece : pieces.pieces()) gather[n++] = asio::buffer(piece);
  if (!body.empty()) gather[n++] = asio::buffer(body);
  return n;
}

asio::awaitable<void> send_local_reply(Session& s, request_path::Exchange& x) {
  if (x.head == nullptr) x.keep_alive = false;  // the head itself was invalid
  if (!x.request_consumed && x.head != nullptr) {
    const BodyFraming& f = x.head->framing;
    const bool has_body =
        f.kind == BodyKind::kChunked || (f.kind == BodyKind::kContentLength && f.content_length);
    // An unread body would be parsed as the next request: close instead (RFC 9112 §9.6).
    if (has_body) x.keep_alive = false;
  }
  if (s.closing) x.keep_alive = false;
  const std::string_view bytes = request_path::with_rate_limit_fields(
      render_local_reply(x.reason, x.reason_detail, x.head_request, !x.keep_alive,
                         x.keep_alive && x.version == HttpVersion::k10, s.ws->reply),
      x.rate_limit, s.ws->reply);
  x.status = local_reply_for(x.reason).status;
  auto [ec, n] = co_await asio::async_write(s.client, asio::buffer(bytes), kNoThrow);
  if (ec) x.keep_alive = false;
  if (x.keep_alive && !x.request_consumed) {
    s.in.consume(x.head_size);
    x.request_consumed = true;
  }
}

}  // namespace doorman::runtime
