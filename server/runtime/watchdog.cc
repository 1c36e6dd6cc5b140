#include "runtime/watchdog.h"

namespace doorman::runtime {
namespace {

void on_timeout(Session& s) {
  s.timed_out = s.phase;
  switch (s.phase) {
    case Phase::kUpstreamConnect:
    case Phase::kUpstreamHead:
      // The request path answers 504; the client connection stays usable.
      if (s.upstream) {
        asio::error_code ignored;
        s.upstream->socket.close(ignored);
      }
      break;
    case Phase::kRequestHead:
    case Phase::kKeepAliveIdle:
    case Phase::kBodyIdle:
    case Phase::kNone:
      if (s.upstream) {
        asio::error_code ignored;
        s.upstream->socket.close(ignored);
      }
      s.close_client();
      break;
  }
  s.phase = Phase::kNone;
}

}  // namespace

void watch_session(Session& s, std::shared_ptr<void> owner) {
  if (s.done) return;
  const auto now = std::chrono::steady_clock::now();
  if (s.phase != Phase::kNone && s.deadline <= now) on_timeout(s);
  s.watchdog_wakes =
      s.phase == Phase::kNone ? std::chrono::steady_clock::time_point::max() : s.deadline;
  s.watchdog.expires_at(s.watchdog_wakes);
  // Woken by the deadline, or cancelled by arm() (an earlier deadline) or at the end (s.done).
  s.watchdog.async_wait([&s, owner = std::move(owner)](const asio::error_code&) mutable {
    watch_session(s, std::move(owner));
  });
}

}  // namespace doorman::runtime
