// Accept failures: which errors pause the accept loop, how long, and how often they are logged.
#include "runtime/accept_backoff.h"

#include <gtest/gtest.h>

namespace doorman::runtime {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

asio::error_code sys(int e) {
  return asio::error_code(e, asio::error::get_system_category());
}

TEST(ClassifyAcceptError, OutOfDescriptorsOrMemoryBacksOff) {
  for (int e : {EMFILE, ENFILE, ENOBUFS, ENOMEM})
    EXPECT_EQ(classify_accept_error(sys(e)), AcceptFailure::kBackOff) << e;
}

TEST(ClassifyAcceptError, ClosedAcceptorStops) {
  EXPECT_EQ(classify_accept_error(asio::error::operation_aborted), AcceptFailure::kStop);
  EXPECT_EQ(classify_accept_error(asio::error::bad_descriptor), AcceptFailure::kStop);
}

TEST(ClassifyAcceptError, OneDeadConnectionRetriesAtOnce) {
  for (int e : {ECONNABORTED, EPROTO, ENETDOWN, EHOSTUNREACH, ENETUNREACH, EPERM})
    EXPECT_EQ(classify_accept_error(sys(e)), AcceptFailure::kRetry) << e;
}

TEST(ClassifyAcceptError, UnforeseenErrorsBackOffRatherThanSpin) {
  EXPECT_EQ(classify_accept_error(sys(EINVAL)), AcceptFailure::kBackOff);
  EXPECT_EQ(classify_accept_error(asio::error::eof), AcceptFailure::kBackOff);  // misc category
}

TEST(AcceptBackoff, GrowsByHalfUpToTheLongestAndResets) {
  AcceptBackoff b;
  EXPECT_EQ(b.next(), milliseconds(50));
  EXPECT_EQ(b.next(), milliseconds(75));
  EXPECT_EQ(b.next(), milliseconds(112));
  EXPECT_EQ(b.next(), milliseconds(168));
  EXPECT_EQ(b.next(), milliseconds(200));
  EXPECT_EQ(b.next(), milliseconds(200));
  b.reset();
  EXPECT_EQ(b.next(), milliseconds(50));
}

TEST(AcceptFailureLog, FirstFailureIsLoggedAtOnce) {
  AcceptFailureLog log;
  EXPECT_EQ(log.note(Clock::time_point(milliseconds(0))), 1u);
}

TEST(AcceptFailureLog, OneLineASecondCountingTheSuppressedFailures) {
  AcceptFailureLog log;
  const Clock::time_point t0(std::chrono::hours(1));
  EXPECT_EQ(log.note(t0), 1u);
  for (int i = 1; i <= 19; ++i) EXPECT_EQ(log.note(t0 + milliseconds(50 * i)), 0u) << i;
  // 1 s after the last line: this failure and the 19 before it.
  EXPECT_EQ(log.note(t0 + milliseconds(1000)), 20u);
  EXPECT_EQ(log.note(t0 + milliseconds(1999)), 0u);
  EXPECT_EQ(log.note(t0 + milliseconds(5000)), 2u);
}

}  // namespace
}  // namespace doorman::runtime
