#include "runtime/worker.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <asio/experimental/as_tuple.hpp>
#include <cstdio>

#include "local_reply.h"
#include "runtime/accept_backoff.h"
#include "runtime/connection.h"

namespace doorman::runtime {
namespace {

// Out of descriptors shows on every worker and listener at once: one line a second for the
// server, with the failures it stands for.
void log_accept_failure(const std::string& listener, const asio::error_code& ec,
                        std::chrono::milliseconds pause) {
  static AcceptFailureLog log;
  const uint64_t failures = log.note(std::chrono::steady_clock::now());
  if (failures == 0) return;
  std::fprintf(stderr,
               "doorman: accept failed on %s: %s; connections wait in the listen backlog, "
               "retrying in %lld ms (%llu failed accepts since the last line)\n",
               listener.c_str(), ec.message().c_str(), static_cast<long long>(pause.count()),
               static_cast<unsigned long long>(failures));
}

// Asio marks a socket it accepted as "possibly a dup" of another descriptor, so closing it first
// removes it from epoll (one more call per connection). An accepted socket is no dup (doorman
// neither dup()s nor forks it), and close() alone removes it from epoll. The flag lives in
// Asio's implementation state, reached through a pointer to the protected member (no cast).
struct AcceptedSocket : Protocol::socket {
  static void not_a_dup(Protocol::socket& socket) {
    auto& impl = (socket.*(&AcceptedSocket::impl_)).get_implementation();
    impl.state_ &= ~asio::detail::socket_ops::possible_dup;
  }
};

}  // namespace

Worker::Worker(std::size_t index, std::shared_ptr<const Snapshot> snapshot,
               uint32_t max_connections)
    : index_(index),
      // One thread runs it (Asio skips some wake-ups for that); its locks stay: other threads
      // post reloads, drains and metrics collection here.
      context_(std::make_unique<asio::io_context>(1)),
      current_(std::make_shared<Generation>(std::move(snapshot), *context_)),
      metrics_(current_->snapshot->config),
      max_connections_(max_connections) {
  workspace_trim_.emplace(*context_);
}

Worker::~Worker() {
  // Sessions that end below (context_.reset()) give their workspaces back: as on a drain, the
  // excess is freed at once and no timer is armed on the io_context being destroyed.
  draining_ = true;
  workspace_trim_.reset();
  slots_.clear();
  current_->pool.close_idle();
  // Destroying the pending handlers ends the connections' coroutine frames (and the older
  // generations they hold); each Connection detaches itself from connections_, still alive here.
  context_.reset();
}

void Worker::add_acceptor(uint64_t id, Acceptor acceptor, const BoundListener& listener) {
  slots_.push_back(std::make_shared<Slot>(
      Slot{id, std::move(acceptor), listener.section, listener.unix_fd >= 0, false}));
}

void Worker::run() {
  running_ = true;
  for (const auto& slot : slots_) asio::co_spawn(*context_, accept_loop(slot), asio::detached);
  context_->run();
}

void Worker::begin_drain() {
  asio::post(*context_, [this] {
    if (draining_) return;
    draining_ = true;
    for (auto& slot : slots_) {
      // Connections the kernel completed are in the backlog; closing the socket would reset
      // them. Take them first: each is served one request (with "Connection: close") if its
      // request has arrived, like any connection at a drain.
      take_backlog(*slot);
      asio::error_code ignored;
      slot->closed = true;
      slot->acceptor.close(ignored);
    }
    current_->pool.close_idle();
    workspace_trim_->cancel();
    workspaces_.drop_excess();
    // Copy: a connection may detach itself while being told.
    std::vector<Connection*> current(connections_.begin(), connections_.end());
    for (Connection* c : current) c->drain();
  });
}

void Worker::give_workspace(std::unique_ptr<Workspace> workspace) {
  if (!workspaces_.give(std::move(workspace))) return;
  if (draining_) {
    workspaces_.drop_excess();
    return;
  }
  trim_workspaces_later();
}

void Worker::trim_workspaces_later() {
  if (workspace_trim_armed_) return;
  workspace_trim_armed_ = true;
  workspace_trim_->expires_after(WorkspacePool::kExcessGrace);
  workspace_trim_->async_wait([this](const asio::error_code& ec) {
    workspace_trim_armed_ = false;
    if (ec || draining_) return;  // cancelled by a drain, which dropped the excess itself
    if (workspaces_.trim()) trim_workspaces_later();
  });
}

void Worker::apply(std::shared_ptr<WorkerUpdate> update, std::function<void()> applied) {
  asio::post(*context_, [this, update = std::move(update), applied = std::move(applied)] {
    apply_now(*update);
    applied();
  });
}

void Worker::apply_now(WorkerUpdate& update) {
  // The old generation's idle upstream connections close with it once its last request ends.
  current_ = std::make_shared<Generation>(std::move(update.snapshot), *context_);
  max_connections_ = update.max_connections;
  for (const auto& [id, section] : update.kept)
    for (auto& slot : slots_)
      if (slot->id == id) slot->section = section;
  for (uint64_t id : update.removed) {
    for (auto& slot : slots_) {
      if (slot->id != id) continue;
      asio::error_code ignored;
      slot->closed = true;
      slot->acceptor.close(ignored);  // the accept loop ends
    }
    std::vector<Connection*> current(connections_.begin(), connections_.end());
    for (Connection* c : current)
      if (c->listener_id() == id) c->drain();
  }
  std::erase_if(slots_, [](const std::shared_ptr<Slot>& s) { return s->closed; });
  for (WorkerUpdate::Added& added : update.added) {
    auto slot = std::make_shared<Slot>(
        Slot{added.id, std::move(added.acceptor), added.section, added.is_unix, false});
    slots_.push_back(slot);
    if (draining_) {
      asio::error_code ignored;
      slot->acceptor.close(ignored);
    } else if (running_) {
      asio::co_spawn(*context_, accept_loop(slot), asio::detached);
    }
  }
}

void Worker::take_backlog(Slot& slot) {
  asio::error_code ec;
  slot.acceptor.non_blocking(true, ec);
  for (int i = 0; !ec && i < 4096; ++i) {  // at most the backlog's size
    Protocol::endpoint peer;
    Protocol::socket socket(*context_);
    slot.acceptor.accept(socket, peer, ec);
    if (ec) break;
    admit(slot, std::move(socket), peer);
  }
}

void Worker::admit(Slot& slot, Protocol::socket socket, const Protocol::endpoint& peer) {
  if (connections_.size() >= max_connections_) {
    refuse(std::move(socket));
    return;
  }
  if (!slot.is_unix && slot.no_delay != NoDelay::kInherited) {
    // The listener has TCP_NODELAY (runtime/listener.cc); Linux copies it to accepted sockets.
    // Checked once per listener: where it is not copied, it is set on every socket.
    if (slot.no_delay == NoDelay::kUnknown) {
      int on = 0;
      socklen_t size = sizeof on;
      const bool copied =
          ::getsockopt(socket.native_handle(), IPPROTO_TCP, TCP_NODELAY, &on, &size) == 0 && on;
      slot.no_delay = copied ? NoDelay::kInherited : NoDelay::kPerSocket;
    }
    if (slot.no_delay == NoDelay::kPerSocket) {
      asio::error_code ignored;
      socket.set_option(asio::ip::tcp::no_delay(true), ignored);
    }
  }
  AcceptedSocket::not_a_dup(socket);
  auto connection = std::make_shared<Connection>(*this, std::move(socket), peer, slot.is_unix);
  connection->start(*slot.section, slot.id);
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
  metrics_.refused(local_reply_for(Reason::kOverCapacity).code, "");
}

asio::awaitable<void> Worker::accept_loop(std::shared_ptr<Slot> slot) {
  asio::steady_timer pause(*context_);
  AcceptBackoff backoff;
  Protocol::endpoint peer;
  while (!draining_ && !slot->closed) {
    auto [ec, socket] = co_await slot->acceptor.async_accept(peer, kNoThrow);
    if (draining_ || slot->closed) break;
    if (!ec) {
      backoff.reset();
      admit(*slot, std::move(socket), peer);
      continue;
    }
    const AcceptFailure failure = classify_accept_error(ec);
    if (failure == AcceptFailure::kStop) break;
    if (failure == AcceptFailure::kRetry) continue;  // that connection is gone, not the next
    // Out of descriptors or memory: the connection stays in the backlog; pause instead of
    // spinning (runtime/accept_backoff.h). The worker's other connections keep being served.
    const std::chrono::milliseconds wait = backoff.next();
    log_accept_failure(slot->section->address.text, ec, wait);
    pause.expires_after(wait);
    co_await pause.async_wait(kNoThrow);
  }
}

}  // namespace doorman::runtime
