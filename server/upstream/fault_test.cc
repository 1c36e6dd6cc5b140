// fault_detail: every error code an upstream socket reports maps to one of the bounded words.
#include "upstream/fault.h"

#include <gtest/gtest.h>

#include <system_error>

namespace doorman::upstream {
namespace {

TEST(FaultDetail, ErrorCodesMapToBoundedWords) {
  struct Case {
    asio::error_code ec;
    std::string_view detail;
  };
  const Case cases[] = {
      {asio::error::connection_refused, "refused"},
      {asio::error::network_unreachable, "unreachable"},
      {asio::error::host_unreachable, "unreachable"},
      {asio::error::network_down, "unreachable"},
      {asio::error::connection_reset, "reset"},
      {asio::error::connection_aborted, "reset"},
      {asio::error::broken_pipe, "reset"},
      {asio::error::eof, "eof"},
      {asio::error::operation_aborted, "error"},
      {asio::error::timed_out, "error"},
      {asio::error_code(EMFILE, asio::error::get_system_category()), "error"},
  };
  for (const Case& c : cases) EXPECT_EQ(fault_detail(c.ec), c.detail) << c.ec.message();
}

TEST(FaultDetail, RawErrnoValuesMapLikeTheNamedOnes) {
  // Asio's named errors are errno values in the system category: the same code either way.
  const auto sys = [](int e) { return asio::error_code(e, asio::error::get_system_category()); };
  EXPECT_EQ(fault_detail(sys(ECONNREFUSED)), "refused");
  EXPECT_EQ(fault_detail(sys(ENETUNREACH)), "unreachable");
  EXPECT_EQ(fault_detail(sys(EHOSTUNREACH)), "unreachable");
  EXPECT_EQ(fault_detail(sys(ECONNRESET)), "reset");
  EXPECT_EQ(fault_detail(sys(EPIPE)), "reset");
}

}  // namespace
}  // namespace doorman::upstream
