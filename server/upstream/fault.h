// Upstream faults: the detail word a failed upstream operation gets in the diagnostics log
// (`reason_detail`) and in the metrics (`detail` label of doorman_rejections_total), from the
// error code the socket reported.
//
// Contract:
// - fault_detail() returns one of a fixed set of static words, so label values stay bounded and
//   never carry an errno text: "refused" (nobody listens), "unreachable" (no route, host or
//   network unreachable), "reset" (the peer reset or aborted the connection, or it was gone
//   when written to), "eof" (a clean close), "error" (anything else).
// - A timeout is not an error code here: the caller knows from Session::timed_out that the
//   watchdog cancelled the operation and picks the timeout reason instead.
// Thread safety: pure.
#pragma once

#include <asio/error.hpp>
#include <string_view>

namespace doorman::upstream {

std::string_view fault_detail(const asio::error_code& ec);

}  // namespace doorman::upstream
