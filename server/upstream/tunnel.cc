#include "upstream/tunnel.h"

#include <asio/experimental/awaitable_operators.hpp>

namespace doorman::upstream {

using runtime::kNoThrow;
using runtime::Phase;
using runtime::Protocol;

namespace {

// From and To: Protocol::socket or runtime::ClientStream (plain or TLS).
template <typename From, typename To>
asio::awaitable<void> copy(runtime::Session& s, From& from, To& to, runtime::ByteBuffer& buffer,
                           uint64_t& counter) {
  const auto idle = s.snapshot->config.timeouts.body_idle;
  for (;;) {
    s.arm(Phase::kBodyIdle, idle);
    auto [rec, n] =
        co_await from.async_read_some(asio::buffer(buffer.data, buffer.capacity), kNoThrow);
    if (rec == asio::error::eof) {
      asio::error_code ignored;
      to.shutdown(Protocol::socket::shutdown_send, ignored);
      co_return;
    }
    if (rec) break;
    auto [wec, written] = co_await asio::async_write(to, asio::buffer(buffer.data, n), kNoThrow);
    if (wec) break;
    counter += n;
  }
  // One side failed: end both directions.
  asio::error_code ignored;
  from.close(ignored);
  to.close(ignored);
}

}  // namespace

asio::awaitable<void> run_tunnel(runtime::Session& s, request_path::Exchange& x) {
  using namespace asio::experimental::awaitable_operators;
  Protocol::socket& upstream = s.upstream->socket;
  // Client bytes sent before the 101 (the request had no body: they belong to the tunnel).
  if (!s.in.empty()) {
    auto [ec, n] = co_await asio::async_write(upstream, asio::buffer(s.in.view()), kNoThrow);
    if (ec) co_return;
    x.bytes_in += n;
  }
  s.in.begin = s.in.end = 0;
  co_await (copy(s, s.client, upstream, s.in, x.bytes_in) &&
            copy(s, upstream, s.client, s.out, x.bytes_out));
  s.close_upstream();
}

}  // namespace doorman::upstream
