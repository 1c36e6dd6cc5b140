// Connection: one client connection, served by one coroutine that walks the request path
// (connection.cc reads like server/request_path/ in order) and one watchdog coroutine that
// enforces the timeouts (session.h).
//
// Lifetime: created by the worker's accept loop and kept alive by its two coroutines
// (shared_from_this); registered with the worker so a drain can reach it. The upstream
// connection in use belongs to the session; it goes back to the worker's pool only after a
// complete, reusable exchange.
// Thread safety: the owning worker's thread only; drain() is called there too.
#pragma once

#include <asio.hpp>
#include <memory>

#include "runtime/session.h"

namespace doorman::runtime {

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // `peer` is the address accept() returned (no getpeername() call per connection).
  Connection(Worker& worker, Protocol::socket socket, const Protocol::endpoint& peer,
             bool unix_listener);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // `listener` is the [[listener]] the connection arrived on (its PROXY/TLS options), in the
  // worker's current snapshot; `listener_id` is the server's number for it.
  void start(const config::ListenerSection& listener, uint64_t listener_id);
  uint64_t listener_id() const { return listener_id_; }
  // The server is draining: end now if idle between requests (no byte of a next request
  // arrived; the wait is cancelled and serve() closes), else after this response.
  void drain();

 private:
  asio::awaitable<void> serve();
  static asio::awaitable<void> send_close_notify(Session& s);

  Session session_;
  uint64_t listener_id_ = 0;
  std::size_t listener_slot_ = 0;  // in the worker's metrics (connection_opened)
};

}  // namespace doorman::runtime
