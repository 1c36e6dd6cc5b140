// Connection: one client connection, served by a coroutine that walks the request path
// (connection.cc reads like server/request_path/ in order) and a watchdog that enforces the
// timeouts (session.h).
//
// Lifetime: created by the worker's accept loop and kept alive by what it waits on
// (shared_from_this): the watchdog's timer, and either the serving coroutine or, while a plain
// HTTP/1.1 connection waits idle for a request's first bytes, one pending read with a plain
// completion handler. That coroutine ends when the connection goes idle and a new one starts
// with the next request's first bytes, so an idle connection keeps no coroutine frames (the
// co_spawn entry frame, serve()'s and the read operation's: about 900 bytes). Registered with
// the worker so a drain can reach it. The upstream connection in use belongs to the session; it
// goes back to the worker's pool only after a complete, reusable exchange.
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
  // Starts serve() as a coroutine of its own; `opening`: the stages before the first request
  // (PROXY header, TLS, HTTP/2) still have to run.
  void spawn_serve(bool opening);
  asio::awaitable<void> serve(bool opening);
  // Idle: reads the next request's first bytes into the session's small buffer, then spawns
  // serve() again (or ends the connection: closed, idle timeout, drain).
  void wait_for_request();
  // The end of the connection once nothing more will be written to it.
  void finish();
  static asio::awaitable<void> send_close_notify(Session& s);

  Session session_;
  uint64_t listener_id_ = 0;
  std::size_t listener_slot_ = 0;  // in the worker's metrics (connection_opened)
};

}  // namespace doorman::runtime
