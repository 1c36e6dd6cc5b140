// Writing a local reply (local_reply.h renders it) on the client connection, and deciding
// whether the connection can serve another request afterwards: only when the request's body is
// out of the buffer (or there was none), the head was valid and the server is not draining.
#pragma once

#include <asio.hpp>
#include <span>
#include <string_view>

#include "request_path/exchange.h"
#include "runtime/session.h"

namespace doorman::runtime {

asio::awaitable<void> send_local_reply(Session& s, request_path::Exchange& x);

// Heads up to this size (with the body run that goes with them) are written as one buffer.
inline constexpr std::size_t kFlatGatherMax = 2048;

// Puts a head's pieces plus one body run into `gather` (room for HeadPieces::kMaxPieces + 1);
// returns the buffer count. When they fit in `room` (free space past a buffer's window,
// overlapping no piece) and in kFlatGatherMax, they are copied there and go as one buffer: for a
// few hundred bytes one copy costs less than a gather write's per-buffer work (Asio's, and the
// kernel's per iovec), and a single buffer is written with send(2) instead of sendmsg(2).
std::size_t gather_pieces(std::span<asio::const_buffer> gather, const HeadPieces& pieces,
                          std::string_view body, asio::mutable_buffer room);

// Writes what gather_pieces() put in `gather` (its first n buffers): one buffer as one buffer,
// so that Asio uses send(2) and not sendmsg(2) with an iovec. Not a coroutine (no frame of its
// own): it returns the write's awaitable.
template <typename Stream>
auto write_gathered(Stream& stream, std::span<const asio::const_buffer> gather, std::size_t n) {
  return n == 1 ? asio::async_write(stream, gather[0], kNoThrow)
                : asio::async_write(stream, gather.first(n), kNoThrow);
}

}  // namespace doorman::runtime
