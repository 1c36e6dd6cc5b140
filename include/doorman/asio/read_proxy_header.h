// read_proxy_header(): read a PROXY protocol header from an Asio TCP socket under a deadline,
// for servers that run their own protocol over raw TCP (see examples/proxy_echo_server.cc).
//
// This header is the only part of the PROXY protocol module that touches I/O; it is
// header-only and needs standalone Asio (libasio-dev, ASIO_STANDALONE) and C++20 coroutines.
//
// Contract:
// - On success the socket is positioned at the first payload byte: the helper peeks at the
//   arriving bytes (MSG_PEEK) and takes from the socket only the bytes that belong to the
//   header, so nothing after the header is ever consumed or buffered here.
// - The whole header must arrive within `timeout` (spec §2: "at least 3 seconds to cover a TCP
//   retransmit"); a peer dribbling bytes cannot extend it. Expiry is kProxyTimeout.
// - Failures are values: the decoder's codes (kNotProxy, kProxyInvalid, kProxyTooLong,
//   kProxyTooLarge, kProxyCrcMismatch), kProxyTimeout, or kProxyIncomplete when the peer
//   closed (io_error is then set if a socket error rather than EOF ended the stream). On any
//   failure the caller must close the connection: never fall back to treating the bytes as
//   payload (spec §2: a receiver "MUST not try to guess whether the protocol header is
//   present").
// - The result's header follows ProxyHeader's rules: for LOCAL, or without addresses (v1
//   UNKNOWN, v2 UNSPEC), keep using the socket's own endpoints.
// REQUIRES: the socket's executor is not running handlers for this socket concurrently (one
// thread per io_context, or a strand), as Asio requires for any socket.
#pragma once

#ifndef ASIO_STANDALONE
#define ASIO_STANDALONE
#endif

#include <array>
#include <asio.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <chrono>
#include <memory>
#include <span>
#include <system_error>

#include "doorman/proxy_protocol.h"
#include "doorman/result.h"

namespace doorman::asio_support {

struct ProxyHeaderRead {
  Result<ProxyHeader> header;  // the header, or why there is none
  std::error_code io_error;    // a socket error (not EOF) that ended the read
};

namespace detail {
struct Deadline {
  bool expired = false;
  bool done = false;
};
}  // namespace detail

inline asio::awaitable<ProxyHeaderRead> read_proxy_header(
    asio::ip::tcp::socket& socket, std::chrono::steady_clock::duration timeout,
    AcceptedVersions accepted = AcceptedVersions::kAny) {
  constexpr auto token = asio::experimental::as_tuple(asio::use_awaitable);
  auto deadline = std::make_shared<detail::Deadline>();
  asio::steady_timer timer(socket.get_executor());
  timer.expires_after(timeout);
  timer.async_wait([deadline, &socket](std::error_code ec) {
    // `done` guards against a timer that fired just as the read finished.
    if (ec || deadline->done) return;
    deadline->expired = true;
    std::error_code ignored;
    socket.cancel(ignored);
  });

  ProxyDecoder decoder(accepted);
  std::array<uint8_t, ProxyHeader::kMaxHeaderSize> buffer;
  ProxyHeaderRead out{fail(ErrorCode::kProxyIncomplete), {}};
  auto stop = [&](std::error_code ec) {
    if (deadline->expired) {
      out.header = fail(ErrorCode::kProxyTimeout, decoder.header().size());
    } else if (ec && ec != asio::error::eof) {
      out.io_error = ec;
    }
  };
  for (;;) {
    auto [peek_error, n] =
        co_await socket.async_receive(asio::buffer(buffer), asio::socket_base::message_peek, token);
    if (peek_error || n == 0) {
      stop(peek_error);
      break;
    }
    const DecodeStep step = decoder.feed(std::span<const uint8_t>(buffer.data(), n));
    // Take exactly the header's bytes out of the socket: all of them while more are needed,
    // the header's tail when complete, nothing on failure (the caller closes).
    const std::size_t take = step.status == DecodeStatus::kInvalid ? 0 : step.consumed;
    if (take > 0) {
      auto [read_error, m] =
          co_await asio::async_read(socket, asio::buffer(buffer.data(), take), token);
      if (read_error || m != take) {
        stop(read_error);
        break;
      }
    }
    if (step.status == DecodeStatus::kComplete) {
      out.header = decoder.header();
      break;
    }
    if (step.status == DecodeStatus::kInvalid) {
      out.header = std::unexpected(step.error);
      break;
    }
  }
  deadline->done = true;
  timer.cancel();
  co_return out;
}

}  // namespace doorman::asio_support
