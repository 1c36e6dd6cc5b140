#include "runtime/accept_backoff.h"

#include <cerrno>

namespace doorman::runtime {

AcceptFailure classify_accept_error(const asio::error_code& ec) {
  if (ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor)
    return AcceptFailure::kStop;
  if (ec.category() != asio::error::get_system_category()) return AcceptFailure::kBackOff;
  switch (ec.value()) {
    // accept(2), "Error handling": Linux passes already-pending network errors on the new
    // socket as accept()'s error; the connection is gone and the next accept may succeed.
    // (Asio itself retries ECONNABORTED and EPROTO.)
    case ENETDOWN:
    case ENOPROTOOPT:
    case EHOSTDOWN:
    case ENONET:
    case EHOSTUNREACH:
    case EOPNOTSUPP:
    case ENETUNREACH:
    case ECONNABORTED:
    case EPROTO:
    case EPERM:  // firewall rules forbid the connection
      return AcceptFailure::kRetry;
    default:
      // EMFILE, ENFILE, ENOBUFS, ENOMEM, and anything unforeseen: never spin on it.
      return AcceptFailure::kBackOff;
  }
}

uint64_t AcceptFailureLog::note(std::chrono::steady_clock::time_point now) {
  unlogged_.fetch_add(1, std::memory_order_relaxed);
  const int64_t t =
      std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
  int64_t last = last_line_ns_.load(std::memory_order_relaxed);
  if (last != kNever && t - last < std::chrono::nanoseconds(kInterval).count()) return 0;
  // One thread wins the line; the failures the others counted meanwhile are in its total.
  if (!last_line_ns_.compare_exchange_strong(last, t, std::memory_order_relaxed)) return 0;
  return unlogged_.exchange(0, std::memory_order_relaxed);
}

}  // namespace doorman::runtime
