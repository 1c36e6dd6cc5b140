#include "upstream/fault.h"

namespace doorman::upstream {

std::string_view fault_detail(const asio::error_code& ec) {
  if (ec == asio::error::eof) return "eof";
  if (ec == asio::error::connection_refused) return "refused";
  // ENETUNREACH comes at once from the kernel when no route leads there (or for a multicast or
  // broadcast address); EHOSTUNREACH after ARP/NDP found nobody or an ICMP error came back.
  if (ec == asio::error::network_unreachable || ec == asio::error::host_unreachable ||
      ec == asio::error::network_down)
    return "unreachable";
  // EPIPE: a write after the peer's reset (Linux reports the RST on the next send).
  if (ec == asio::error::connection_reset || ec == asio::error::connection_aborted ||
      ec == asio::error::broken_pipe)
    return "reset";
  return "error";
}

}  // namespace doorman::upstream
