#include "request_path/proxy_header.h"

#include <cstdio>

#include "request_path/metrics_hook.h"

namespace doorman::request_path {
namespace {

using runtime::kNoThrow;
using runtime::Phase;

AcceptedVersions accepted_versions(config::ProxyProtocolMode mode) {
  switch (mode) {
    case config::ProxyProtocolMode::kV1:
      return AcceptedVersions::kV1Only;
    case config::ProxyProtocolMode::kV2:
      return AcceptedVersions::kV2Only;
    default:
      return AcceptedVersions::kAny;
  }
}

// One line per refused connection: the operator's answer to "why did the LB see resets?".
// `code` is the metrics detail (a label value: no spaces), `reason` the log's words.
void log_refusal(runtime::Session& s, std::string_view reason, std::string_view code) {
  count_refusal(s, "proxy-header", code);
  char peer[IpAddress::kMaxTextLength + 1];
  peer[s.socket_peer.format_to(peer)] = '\0';
  std::fprintf(stderr, "doorman: proxy-header: closed connection from %s: %.*s\n",
               s.unix_listener ? "unix" : peer, static_cast<int>(reason.size()), reason.data());
}

}  // namespace

bool proxy_header_names_peer(const ProxyHeader& header) {
  // Spec §2.1/§2.2: LOCAL and UNKNOWN/UNSPEC keep the connection's own addresses; a UNIX
  // source has no IP to key identity on, so the socket peer stays too.
  return header.command() == ProxyCommand::kProxy && header.has_addresses() &&
         (header.family() == ProxyFamily::kInet || header.family() == ProxyFamily::kInet6);
}

asio::awaitable<bool> read_proxy_header(runtime::Session& s, const config::ListenerEdge& edge) {
  if (edge.proxy_protocol == config::ProxyProtocolMode::kOff) co_return true;
  if (!edge.proxy_protocol_from.empty() && !edge.proxy_protocol_from_set.contains(s.socket_peer)) {
    log_refusal(s, "peer not in proxy_protocol_from", "peer-not-in-proxy-protocol-from");
    co_return false;
  }
  s.arm(Phase::kRequestHead, edge.proxy_header_timeout);
  ProxyDecoder decoder(accepted_versions(edge.proxy_protocol));
  // The input buffer is empty before the first request: peek into it, then take exactly the
  // header's bytes out of the socket (into the same place; they are not kept there).
  s.ensure_buffers();
  const asio::mutable_buffer scratch(s.in.data, std::min<std::size_t>(s.in.capacity, 4096));
  std::string_view failure;
  for (;;) {
    s.idle = true;  // a drain may close a connection still waiting for its header
    auto [peek_error, n] =
        co_await s.client.async_receive(scratch, asio::socket_base::message_peek, kNoThrow);
    s.idle = false;
    if (s.closing) co_return false;
    if (peek_error || n == 0) {
      failure = s.timed_out == Phase::kRequestHead ? error_code_name(ErrorCode::kProxyTimeout)
                                                   : error_code_name(ErrorCode::kProxyIncomplete);
      break;
    }
    const DecodeStep step =
        decoder.feed(std::span<const uint8_t>(static_cast<const uint8_t*>(scratch.data()), n));
    if (step.status == DecodeStatus::kInvalid) {
      failure = error_code_name(step.error.code);
      break;
    }
    auto [read_error, m] =
        co_await asio::async_read(s.client, asio::buffer(scratch, step.consumed), kNoThrow);
    if (read_error || m != step.consumed) {
      failure = s.timed_out == Phase::kRequestHead ? error_code_name(ErrorCode::kProxyTimeout)
                                                   : error_code_name(ErrorCode::kProxyIncomplete);
      break;
    }
    if (step.status == DecodeStatus::kComplete) break;
  }
  if (!failure.empty()) {
    log_refusal(s, failure, failure);
    co_return false;
  }
  s.proxy_header = std::make_unique<ProxyHeader>(decoder.header());
  if (proxy_header_names_peer(*s.proxy_header)) {
    s.peer = s.proxy_header->source().address;
    s.peer_from_proxy_protocol = true;
  }
  // The request head's clock starts now (the header's own time is not the client's).
  s.arm(Phase::kRequestHead, s.snapshot->config.timeouts.request_head);
  co_return true;
}

}  // namespace doorman::request_path
