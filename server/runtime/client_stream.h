// ClientStream: the client side of a connection, plain TCP/unix or TLS over it, behind one
// stream type so every request-path stage reads and writes the same way.
//
// Contract:
// - Starts plain. start_tls() (after a PROXY header, before the first HTTP byte) layers an
//   asio::ssl::stream over the same socket; from then on async_read_some/async_write_some go
//   through TLS. It models Asio's AsyncReadStream/AsyncWriteStream for any completion token
//   (asio::async_write, coroutines with as_tuple), dispatching at initiation: no virtual calls,
//   no allocation beyond what the chosen layer does.
// - async_receive() is always the raw socket (MSG_PEEK for the PROXY header, before TLS).
// - attach_pipe() makes it the client side of one HTTP/2 stream instead (runtime/stream_pipe.h):
//   reads and writes go through the pipe, shutdown()/close() close the pipe, and socket()/tls()
//   are the carrying connection's, for the stages that look at the transport (TLS version,
//   SNI, ALPN, endpoints) but never read or write them. The pipe is the one virtual hop.
// - Otherwise shutdown()/close() act on the socket only. A connection that ends normally sends TLS
//   close_notify first (Connection::send_close_notify); closes for errors, timeouts and drains of
//   idle connections do not, which HTTP/1.1 tolerates (RFC 9112 §9.8).
// Thread safety: the connection's worker thread only, like the socket.
#pragma once

#include <asio.hpp>
#include <asio/ssl.hpp>
#include <memory>
#include <optional>
#include <utility>

#include "runtime/stream_pipe.h"

namespace doorman::runtime {

class ClientStream {
 public:
  using Socket = asio::generic::stream_protocol::socket;
  using Tls = asio::ssl::stream<Socket&>;
  using executor_type = Socket::executor_type;

  explicit ClientStream(Socket socket) : socket_(std::move(socket)) {}
  ClientStream(const ClientStream&) = delete;
  ClientStream& operator=(const ClientStream&) = delete;

  executor_type get_executor() { return socket_.get_executor(); }
  Socket& socket() { return outer_ ? outer_->socket() : socket_; }
  bool is_tls() const { return tls_ != nullptr || (outer_ && outer_->is_tls()); }
  Tls* tls() { return tls_ ? tls_.get() : outer_ ? outer_->tls() : nullptr; }
  bool is_pipe() const { return pipe_ != nullptr; }
  StreamPipe* pipe() { return pipe_; }
  // REQUIRES: `pipe` and `outer` outlive this stream; called before the first read or write.
  void attach_pipe(StreamPipe& pipe, ClientStream& outer) {
    pipe_ = &pipe;
    outer_ = &outer;
  }
  Tls& start_tls(asio::ssl::context& context) {
    tls_ = std::make_unique<Tls>(socket_, context);
    return *tls_;
  }

  template <typename MutableBuffers, typename Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return asio::async_initiate<Token, void(asio::error_code, std::size_t)>(
        [this](auto handler, const MutableBuffers& b) {
          if (pipe_)
            pipe_->async_read_some(b, std::move(handler));
          else if (tls_)
            tls_->async_read_some(b, std::move(handler));
          else
            socket_.async_read_some(b, std::move(handler));
        },
        token, buffers);
  }

  template <typename ConstBuffers, typename Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return asio::async_initiate<Token, void(asio::error_code, std::size_t)>(
        [this](auto handler, const ConstBuffers& b) {
          if (pipe_)
            pipe_->async_write_some(b, std::move(handler));
          else if (tls_)
            tls_->async_write_some(b, std::move(handler));
          else
            socket_.async_write_some(b, std::move(handler));
        },
        token, buffers);
  }

  template <typename MutableBuffers, typename Token>
  auto async_receive(const MutableBuffers& buffers, asio::socket_base::message_flags flags,
                     Token&& token) {
    return socket_.async_receive(buffers, flags, std::forward<Token>(token));
  }

  void shutdown(Socket::shutdown_type what, asio::error_code& ec) {
    if (pipe_)
      pipe_->close();
    else
      socket_.shutdown(what, ec);
  }
  void close(asio::error_code& ec) {
    if (pipe_)
      pipe_->close();
    else
      socket_.close(ec);
  }

 private:
  Socket socket_;
  std::unique_ptr<Tls> tls_;       // set by start_tls(); refers to socket_
  StreamPipe* pipe_ = nullptr;     // set by attach_pipe(): an HTTP/2 stream
  ClientStream* outer_ = nullptr;  // ... and the connection carrying it
};

}  // namespace doorman::runtime
