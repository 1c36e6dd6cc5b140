// Listening sockets. Each worker owns one acceptor per [[listener]], all on the same address:
// TCP acceptors are bound separately with SO_REUSEPORT, so the kernel spreads new connections
// between workers without a shared accept lock; a unix socket is bound once and its descriptor
// duplicated into every worker. Port 0 is resolved by the first bind and reused by the others,
// so tests can ask for an ephemeral port and read the real one from the startup line.
// Thread safety: called on the main thread (at start-up, and by a reload while the workers run:
// opening an acceptor on a running io_context is safe; it is then handed to its worker).
#pragma once

#include <asio.hpp>
#include <expected>
#include <string>
#include <vector>

#include "config/config.h"

namespace doorman::runtime {

using Protocol = asio::generic::stream_protocol;
using Acceptor = asio::basic_socket_acceptor<Protocol>;

// One listener as bound: the endpoint to bind further acceptors to, and its printable address.
struct BoundListener {
  const config::ListenerSection* section = nullptr;
  Protocol::endpoint endpoint;
  std::string display;  // "127.0.0.1:43117", "[::1]:8080", "unix:/run/doorman.sock"
  int unix_fd = -1;     // the unix socket bound once, dup()ed for each worker
};

// Binds one listener's first acceptor into `context` (start-up, and listeners a reload adds).
std::expected<std::pair<BoundListener, Acceptor>, std::string> bind_listener(
    const config::ListenerSection& section, asio::io_context& context);

// Another acceptor for the same listener (workers 1..n-1).
std::expected<Acceptor, std::string> open_acceptor(const BoundListener& listener,
                                                   asio::io_context& context);

}  // namespace doorman::runtime
