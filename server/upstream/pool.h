// Pool: a worker's idle keep-alive connections to its upstreams.
//
// Contract:
// - One pool per worker (no locking); idle connections are kept per upstream target and reused
//   newest first (the one most likely still open).
// - [limits] upstream_idle_per_target bounds what stays idle once demand has passed: connections
//   above it are closed when they have been idle for `excess_grace` (1 s; checked whenever the
//   pool is used), oldest first. Closing the connection coming back at once, as nginx's
//   keepalive cache does, makes a worker whose requests in flight hover around the cap close and
//   reopen upstream connections continuously. A cap of 0 keeps none.
// - take_idle() never returns a connection with unread bytes waiting (stray bytes after a
//   complete response), nor one the upstream closed or reset while it was idle (EOF or an error
//   already queued on the socket): it is closed instead, and the next one tried. It asks
//   IdleReadiness (upstream/idle_readiness.h): one epoll_wait checks all idle connections, and
//   its answer serves for `readiness_fresh` (200 us) the connections that went idle before it; a
//   connection put back after it is checked anew.
// - take_idle() skips connections idle longer than [timeouts] upstream_keepalive_idle (the
//   upstream has probably closed them); a connection that closes just as it is reused is the
//   caller's retry case (request_path/upstream.cc).
// - Idle connections have no pending operation, so they never keep a draining worker alive.
// Thread safety: the owning worker's thread only.
#pragma once

#include <asio.hpp>
#include <chrono>
#include <deque>
#include <memory>
#include <vector>

#include "runtime/snapshot.h"
#include "upstream/idle_readiness.h"

namespace doorman::upstream {

using Protocol = asio::generic::stream_protocol;

struct UpstreamConnection {
  explicit UpstreamConnection(asio::io_context& context, std::size_t target_index)
      : socket(context), target(target_index) {}
  Protocol::socket socket;
  std::size_t target;
  bool reused = false;  // served an earlier request: a failure before any byte may be retried
  std::chrono::steady_clock::time_point idle_since{};
  std::uint64_t readiness_key = 0;  // in the pool's IdleReadiness set (0: not, or not yet)
  bool readiness_tried = false;     // watch() is tried once per connection
};

class Pool {
 public:
  static constexpr std::chrono::milliseconds kExcessGrace{1000};

  Pool(asio::io_context& context, const runtime::Snapshot& snapshot,
       std::chrono::steady_clock::duration excess_grace = kExcessGrace,
       std::chrono::steady_clock::duration readiness_fresh = IdleReadiness::kFresh);

  std::unique_ptr<UpstreamConnection> take_idle(std::size_t target);
  void put_idle(std::unique_ptr<UpstreamConnection> connection);
  // A new, unconnected socket for `target`, and where to connect it.
  std::unique_ptr<UpstreamConnection> make(std::size_t target);
  const Protocol::endpoint& endpoint(std::size_t target) const { return endpoints_[target]; }
  bool is_unix(std::size_t target) const;
  void close_idle();
  std::size_t idle_count(std::size_t target) const { return idle_[target].size(); }
  const IdleReadiness& readiness() const { return readiness_; }

 private:
  using IdleList = std::deque<std::unique_ptr<UpstreamConnection>>;
  // Closes the oldest connections above the cap that have been idle for excess_grace_.
  void trim(IdleList& list, std::chrono::steady_clock::time_point now);

  asio::io_context& context_;
  const runtime::Snapshot& snapshot_;
  std::vector<Protocol::endpoint> endpoints_;
  std::chrono::steady_clock::duration excess_grace_;
  std::vector<IdleList> idle_;
  IdleReadiness readiness_;
};

}  // namespace doorman::upstream
