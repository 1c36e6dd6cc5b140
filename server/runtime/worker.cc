#include "runtime/worker.h"

#include <asio/experimental/as_tuple.hpp>

#include "local_reply.h"
#include "runtime/connection.h"

namespace doorman::runtime {
Worker::Worker(std::size_t index, std::shared_ptr<const Snapshot> snapshot,
               uint32_t max_connections)
    : index_(index),
      snapshot_(std::move(snapshot)),
      context_(std::make_unique<asio::io_context>(1)),  // one thread: no internal locking
      pool_(*context_, *snapshot_),
      max_connections_(max_connections) {}

Worker::~Worker() {
  acceptors_.clear();
  pool_.close_idle();
  // Destroying the pending handlers ends the connections' coroutine frames; each Connection
  // detaches itself from connections_, which is still alive here.
  context_.reset();
}

void Worker::add_acceptor(Acceptor acceptor, const BoundListener& listener) {
  acceptors_.push_back(std::move(acceptor));
  listeners_.push_back(&listener);
}

void Worker::run() {
  for (std::size_t i = 0; i < acceptors_.size(); ++i)
    asio::co_spawn(*context_, accept_loop(i), asio::detached);
  context_->run();
}

void Worker::begin_drain() {
  asio::post(*context_, [this] {
    if (draining_) return;
    draining_ = true;
    for (auto& acceptor : acceptors_) {
      asio::error_code ignored;
      acceptor.close(ignored);
    }
    pool_.close_idle();
    // Copy: a connection may detach itself while being told.
    std::vector<Connection*> current(connections_.begin(), connections_.end());
    for (Connection* c : current) c->drain();
  });
}

void Worker::refuse(Protocol::socket socket) {
  asio::error_code ignored;
  socket.non_blocking(true, ignored);
  // Written without waiting (it fits any socket buffer), then closed: RFC 9110 §15.6.4.
  char reply[kLocalReplyBufferSize];
  socket.write_some(
      asio::buffer(render_local_reply(Reason::kOverCapacity, "", false, true, false, reply)),
      ignored);
  socket.shutdown(Protocol::socket::shutdown_both, ignored);
  socket.close(ignored);
}

asio::awaitable<void> Worker::accept_loop(std::size_t acceptor_index) {
  Acceptor& acceptor = acceptors_[acceptor_index];
  const bool is_unix = listeners_[acceptor_index]->unix_fd >= 0;
  asio::steady_timer backoff(*context_);
  Protocol::endpoint peer;
  while (!draining_) {
    auto [ec, socket] = co_await acceptor.async_accept(peer, kNoThrow);
    if (draining_) break;
    if (ec) {
      if (ec == asio::error::operation_aborted) break;
      // Out of descriptors or memory: back off instead of spinning (the others keep running).
      backoff.expires_after(std::chrono::milliseconds(50));
      co_await backoff.async_wait(kNoThrow);
      continue;
    }
    if (connections_.size() >= max_connections_) {
      refuse(std::move(socket));
      continue;
    }
    if (!is_unix) {
      asio::error_code ignored;
      socket.set_option(asio::ip::tcp::no_delay(true), ignored);
    }
    auto connection = std::make_shared<Connection>(*this, std::move(socket), peer, is_unix);
    connection->start(*listeners_[acceptor_index]->section);
  }
}

}  // namespace doorman::runtime
