// What a listener's accept loop does when accept() fails, and the rate-limited line it logs.
//
// Contract:
// - classify_accept_error() sorts an error from accept(): kStop when the acceptor was closed (a
//   drain or a reload removed the listener); kRetry for the errors that belong to one connection
//   that died in the listen backlog (accept(2) on Linux passes the new socket's pending network
//   error on: ENETDOWN, EHOSTUNREACH, EPERM from a firewall, ...), which the next accept does not
//   repeat; kBackOff for everything else, above all running out of descriptors (EMFILE, ENFILE)
//   or kernel memory (ENOBUFS, ENOMEM). Then the connection stays in the kernel's listen backlog
//   and an accept at once would fail again at once: a busy loop.
// - AcceptBackoff: the pause before the next accept after consecutive kBackOff failures: 50 ms,
//   growing by half up to 200 ms; reset() after an accept succeeds. A saturated listener makes
//   at most 20 calls a second and accepts again within 200 ms of a descriptor freeing up.
// - AcceptFailureLog: at most one line a second for the whole server (every worker and listener
//   runs out of descriptors at once), saying how many failures it covers. The time is a
//   parameter.
// Thread safety: classify_accept_error is pure; an AcceptBackoff belongs to one accept loop;
// AcceptFailureLog::note may be called from any thread.
#pragma once

#include <algorithm>
#include <asio/error.hpp>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>

namespace doorman::runtime {

enum class AcceptFailure : uint8_t { kStop, kRetry, kBackOff };

AcceptFailure classify_accept_error(const asio::error_code& ec);

class AcceptBackoff {
 public:
  static constexpr std::chrono::milliseconds kFirst{50};
  static constexpr std::chrono::milliseconds kLongest{200};

  // The pause to take now; the next one is half as long again (at most kLongest).
  std::chrono::milliseconds next() {
    const std::chrono::milliseconds pause = pause_;
    pause_ = std::min(kLongest, pause_ * 3 / 2);
    return pause;
  }
  void reset() { pause_ = kFirst; }

 private:
  std::chrono::milliseconds pause_ = kFirst;
};

class AcceptFailureLog {
 public:
  static constexpr std::chrono::seconds kInterval{1};

  // Counts one failure at `now`. Returns how many failures the line to print now covers (this
  // one and those not logged since the last line), or 0 when the last line is less than
  // kInterval old (or another thread is printing it).
  uint64_t note(std::chrono::steady_clock::time_point now);

 private:
  static constexpr int64_t kNever = std::numeric_limits<int64_t>::min();
  std::atomic<int64_t> last_line_ns_{kNever};
  std::atomic<uint64_t> unlogged_{0};
};

}  // namespace doorman::runtime
