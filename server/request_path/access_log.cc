#include "request_path/access_log.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace doorman::request_path {

void LogFields::capture(const RequestHead& head) {
  auto copy = [](std::string_view from, auto& to, std::size_t& size) {
    size = std::min(from.size(), to.size());
    // An absent Host is an empty view with a null data(): memcpy's arguments must not be null.
    if (size != 0) std::memcpy(to.data(), from.data(), size);
  };
  copy(head.method, method, method_size);
  copy(head.host, host, host_size);
  copy(head.target, target, target_size);
}

void log_access(const runtime::Session& s, const Exchange& x) {
  char time_text[32];
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::strftime(time_text, sizeof time_text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  char peer[IpAddress::kMaxTextLength + 1];
  peer[s.peer.format_to(peer)] = '\0';
  char client[IpAddress::kMaxTextLength + 1] = "-";
  if (x.identity.client_ip) client[x.identity.client_ip->format_to(client)] = '\0';
  const double ms =
      x.head == nullptr
          ? 0.0
          : std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - x.started)
                .count();
  const std::string_view reason =
      x.reason == Reason::kNone ? std::string_view("-") : local_reply_for(x.reason).code;
  const std::string_view detail = x.reason_detail.empty() ? std::string_view() : x.reason_detail;
  char line[1024];
  const int n = std::snprintf(
      line, sizeof line, "%s %s %s %s \"%.*s %.*s\" %.*s %s %d %.*s%s%.*s %llu %llu %.2f %.*s\n",
      time_text, s.unix_listener ? "unix" : peer, client,
      x.identity.client_ip ? client_ip_source_name(x.identity.source).data() : "-",
      static_cast<int>(x.log.method_size), x.log.method.data(), static_cast<int>(x.log.target_size),
      x.log.target.data(), static_cast<int>(x.log.host_size ? x.log.host_size : 1),
      x.log.host_size ? x.log.host.data() : "-", x.route ? x.route->name.c_str() : "-", x.status,
      static_cast<int>(reason.size()), reason.data(), detail.empty() ? "" : ":",
      static_cast<int>(detail.size()), detail.data(), static_cast<unsigned long long>(x.bytes_in),
      static_cast<unsigned long long>(x.bytes_out), ms,
      x.request_id[0] ? static_cast<int>(x.request_id.size()) : 1,
      x.request_id[0] ? x.request_id.data() : "-");
  if (n <= 0) return;
  std::size_t size = std::min<std::size_t>(static_cast<std::size_t>(n), sizeof line - 1);
  if (s.peer_from_proxy_protocol && size + 64 < sizeof line) {
    // The peer above is the PROXY header's source; the TCP peer (the balancer) goes last
    // (DESIGN.md "Words": socket_peer is kept for logs).
    char socket_peer[IpAddress::kMaxTextLength + 1];
    socket_peer[s.socket_peer.format_to(socket_peer)] = '\0';
    size += static_cast<std::size_t>(std::snprintf(line + size - 1, sizeof line - size + 1,
                                                   " socket_peer=%s\n", socket_peer)) -
            1;
  }
  FILE* out = s.snapshot->config.access_log == config::AccessLog::kStderr ? stderr : stdout;
  std::fwrite(line, 1, size, out);
  std::fflush(out);
}

}  // namespace doorman::request_path
