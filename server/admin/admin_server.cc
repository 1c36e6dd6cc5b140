#include "admin/admin_server.h"

#include <asio/experimental/as_tuple.hpp>
#include <cstdio>
#include <ctime>

#include "admin/collect.h"
#include "admin/health.h"
#include "admin/status_page.h"

namespace doorman::admin {
namespace {

constexpr auto kNoThrow = asio::experimental::as_tuple(asio::use_awaitable);
constexpr std::size_t kMaxHead = 8192;
constexpr std::chrono::seconds kHeadTimeout{5};
constexpr std::chrono::milliseconds kCollectTimeout{2000};

IpAddress to_ip(const asio::ip::address& address) {
  if (address.is_v4()) return IpAddress::from_v4(address.to_v4().to_uint());
  const auto bytes = address.to_v6().to_bytes();  // from_v6 folds ::ffff:a.b.c.d into IPv4
  return IpAddress::from_v6(std::span<const uint8_t, 16>(bytes.data(), 16));
}

std::string_view status_text(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 503:
      return "Service Unavailable";
  }
  return "Error";
}

int64_t unix_now() {
  return static_cast<int64_t>(std::time(nullptr));
}

}  // namespace

AdminServer::AdminServer(std::shared_ptr<const runtime::Snapshot> snapshot,
                         std::vector<runtime::Worker*> workers)
    : snapshot_(std::move(snapshot)),
      section_(snapshot_->config.admin),
      workers_(std::move(workers)),
      started_unix_(unix_now()) {}

void AdminServer::set_snapshot(std::shared_ptr<const runtime::Snapshot> snapshot) {
  std::lock_guard lock(mutex_);
  snapshot_ = std::move(snapshot);
}

std::shared_ptr<const runtime::Snapshot> AdminServer::snapshot() const {
  std::lock_guard lock(mutex_);
  return snapshot_;
}

AdminServer::~AdminServer() {
  stop();
}

std::expected<std::string, std::string> AdminServer::start() {
  const config::AdminSection& a = section_;
  asio::error_code ec;
  const asio::ip::tcp::endpoint endpoint(asio::ip::make_address(a.host, ec), a.port);
  if (!ec) acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(64, ec);
  if (ec) return std::unexpected("cannot listen on " + a.text + ": " + ec.message());
  const auto bound = acceptor_.local_endpoint(ec);
  std::string text = bound.address().is_v6() ? "[" + bound.address().to_string() + "]"
                                             : bound.address().to_string();
  text += ":" + std::to_string(bound.port());
  asio::co_spawn(context_, accept_loop(), asio::detached);
  thread_ = std::thread([this] { context_.run(); });
  return text;
}

void AdminServer::stop() {
  if (!thread_.joinable()) return;
  context_.stop();  // connections in progress are dropped: the process is going away
  thread_.join();
}

asio::awaitable<void> AdminServer::accept_loop() {
  asio::steady_timer backoff(context_);
  for (;;) {
    auto [ec, socket] = co_await acceptor_.async_accept(kNoThrow);
    if (ec == asio::error::operation_aborted) co_return;
    if (ec) {
      backoff.expires_after(std::chrono::milliseconds(50));  // out of descriptors: no spin
      co_await backoff.async_wait(kNoThrow);
      continue;
    }
    asio::co_spawn(context_, serve(std::move(socket)), asio::detached);
  }
}

asio::awaitable<void> AdminServer::serve(asio::ip::tcp::socket socket) {
  asio::error_code ec;
  const auto peer = socket.remote_endpoint(ec);
  Reply reply;
  std::string head;  // `method` points into it
  std::string_view method = "GET";
  if (ec || !section_.allowed.contains(to_ip(peer.address()))) {
    reply = Reply{403, "text/plain; charset=utf-8", "forbidden: peer not in [admin] allow\n"};
  } else {
    // The whole head within kHeadTimeout: the timer closes the socket, which ends the read.
    asio::steady_timer deadline(context_);
    deadline.expires_after(kHeadTimeout);
    deadline.async_wait([&socket](asio::error_code e) {
      if (!e) socket.close();
    });
    auto [read_error, n] = co_await asio::async_read_until(
        socket, asio::dynamic_buffer(head, kMaxHead), "\r\n\r\n", kNoThrow);
    deadline.cancel();
    if (read_error) {
      if (read_error != asio::error::not_found) co_return;  // closed, reset or timed out
      reply = Reply{400, "text/plain; charset=utf-8", "bad request: head too large\n"};
    } else {
      // "METHOD SP TARGET SP HTTP/1.x": the admin listener needs no more of RFC 9112 §3.
      const std::string_view line(head.data(), head.find("\r\n"));
      const std::size_t sp1 = line.find(' ');
      const std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
      if (sp2 == std::string_view::npos || !line.substr(sp2 + 1).starts_with("HTTP/1.")) {
        reply = Reply{400, "text/plain; charset=utf-8", "bad request\n"};
      } else {
        std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
        target = target.substr(0, target.find('?'));
        method = line.substr(0, sp1);
        reply = answer(method, target);
      }
    }
  }
  std::string out = "HTTP/1.1 " + std::to_string(reply.status) + " " +
                    std::string(status_text(reply.status)) +
                    "\r\nContent-Type: " + std::string(reply.content_type) +
                    "\r\nContent-Length: " + std::to_string(reply.body.size()) +
                    "\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n"
                    "Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'; "
                    "script-src 'unsafe-inline'; connect-src 'self'\r\n"
                    "Connection: close\r\n\r\n";
  if (method != "HEAD") out += reply.body;
  asio::steady_timer deadline(context_);
  deadline.expires_after(kHeadTimeout);
  deadline.async_wait([&socket](asio::error_code e) {
    if (!e) socket.close();
  });
  co_await asio::async_write(socket, asio::buffer(out), kNoThrow);
  deadline.cancel();
  socket.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket.close(ec);
}

ServerView AdminServer::view(const runtime::Snapshot& snapshot, bool ready) const {
  ServerView v;
  v.snapshot = &snapshot;
  v.started_unix = started_unix_;
  v.now_unix = unix_now();
  v.ready = ready;
  v.extra = &extra_;
  return v;
}

AdminServer::Reply AdminServer::answer(std::string_view method, std::string_view path) {
  if (method != "GET" && method != "HEAD")
    return Reply{405, "text/plain; charset=utf-8", "only GET and HEAD\n"};
  if (path == "/healthz") return Reply{200, "text/plain; charset=utf-8", "ok\n"};
  // This request's snapshot: a reload meanwhile does not change it under the answer.
  const std::shared_ptr<const runtime::Snapshot> snapshot = this->snapshot();
  const Readiness readiness = check_ready(*snapshot, listening_.load(), draining_.load());
  if (path == "/readyz")
    return Reply{readiness.ready ? 200 : 503, "text/plain; charset=utf-8", readiness.text};
  if (path == "/metrics")
    return Reply{
        200, "text/plain; version=0.0.4; charset=utf-8",
        render_metrics(collect(workers_, kCollectTimeout), view(*snapshot, readiness.ready))};
  if (path == "/status.json")
    return Reply{200, "application/json",
                 status_json(collect(workers_, kCollectTimeout), view(*snapshot, readiness.ready))};
  if (path == "/" || path == "/index.html")
    return Reply{200, "text/html; charset=utf-8", std::string(status_page_html())};
  return Reply{404, "text/plain; charset=utf-8", "not found: /metrics /healthz /readyz /\n"};
}

}  // namespace doorman::admin
