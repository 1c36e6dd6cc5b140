#include "upstream/pool.h"

namespace doorman::upstream {

Pool::Pool(asio::io_context& context, const runtime::Snapshot& snapshot,
           std::chrono::steady_clock::duration excess_grace,
           std::chrono::steady_clock::duration readiness_fresh)
    : context_(context),
      snapshot_(snapshot),
      excess_grace_(excess_grace),
      idle_(snapshot.upstreams.size()),
      readiness_(readiness_fresh) {
  for (const config::SocketAddress& target : snapshot.upstreams) {
    switch (target.kind) {
      case config::SocketAddress::Kind::kTcp: {
        asio::error_code ec;
        const auto ip = asio::ip::make_address(target.host, ec);
        endpoints_.emplace_back(asio::ip::tcp::endpoint(ip, target.port));
        break;
      }
      case config::SocketAddress::Kind::kUnix:
        endpoints_.emplace_back(asio::local::stream_protocol::endpoint(target.path));
        break;
      case config::SocketAddress::Kind::kBuiltinEcho:
        endpoints_.emplace_back();  // served in-process, never connected
        break;
    }
  }
}

bool Pool::is_unix(std::size_t target) const {
  return snapshot_.upstreams[target].kind == config::SocketAddress::Kind::kUnix;
}

std::unique_ptr<UpstreamConnection> Pool::take_idle(std::size_t target) {
  auto& list = idle_[target];
  const auto limit = snapshot_.config.timeouts.upstream_keepalive_idle;
  const auto now = std::chrono::steady_clock::now();
  trim(list, now);
  // An idle connection can carry a request only if nothing waits on it. Bytes were sent after a
  // response that had ended (a body on a 204/304 or HEAD answer arriving late, or a response to
  // no request): reusing the connection would hand them to the next client as its response
  // (response queue poisoning). A connection the upstream closed (EOF) or reset while it sat
  // idle would fail the request sent on it: dropping it here lets any request, a POST too, go out
  // on a live one (nginx's keepalive cache closes such connections as soon as they turn
  // readable). One that closes after this check, just as it is reused, is the caller's retry
  // case (request_path/upstream.cc).
  while (!list.empty()) {
    std::unique_ptr<UpstreamConnection> c = std::move(list.back());
    list.pop_back();
    if (now - c->idle_since < limit &&
        readiness_.quiet(c->socket.native_handle(), c->readiness_key, c->idle_since, now)) {
      return c;
    }
    asio::error_code ignored;
    c->socket.close(ignored);
  }
  return nullptr;
}

void Pool::put_idle(std::unique_ptr<UpstreamConnection> connection) {
  if (snapshot_.config.limits.upstream_idle_per_target == 0) return;  // closes it
  auto& list = idle_[connection->target];
  const auto now = std::chrono::steady_clock::now();
  connection->reused = true;
  connection->idle_since = now;
  if (!connection->readiness_tried) {
    connection->readiness_tried = true;
    connection->readiness_key = readiness_.watch(connection->socket.native_handle());
  }
  list.push_back(std::move(connection));
  trim(list, now);
}

void Pool::trim(IdleList& list, std::chrono::steady_clock::time_point now) {
  const std::size_t cap = snapshot_.config.limits.upstream_idle_per_target;
  while (list.size() > cap && now - list.front()->idle_since >= excess_grace_) {
    asio::error_code ignored;
    list.front()->socket.close(ignored);
    list.pop_front();
  }
}

std::unique_ptr<UpstreamConnection> Pool::make(std::size_t target) {
  return std::make_unique<UpstreamConnection>(context_, target);
}

void Pool::close_idle() {
  for (auto& list : idle_) list.clear();
}

}  // namespace doorman::upstream
