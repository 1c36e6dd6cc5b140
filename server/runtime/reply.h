// Writing a local reply (local_reply.h renders it) on the client connection, and deciding
// whether the connection can serve another request afterwards: only when the request's body is
// out of the buffer (or there was none), the head was valid and the server is not draining.
#pragma once

#include <asio.hpp>

#include "request_path/exchange.h"
#include "runtime/session.h"

namespace doorman::runtime {

asio::awaitable<void> send_local_reply(Session& s, request_path::Exchange& x);

// Gathers a head's pieces plus one body run into session.gather; returns the buffer count.
std::size_t gather_pieces(Session& s, const HeadPieces& pieces, std::string_view body);

}  // namespace doorman::runtime
