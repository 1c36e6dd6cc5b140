#include "acme/renewal.h"

#include <gtest/gtest.h>

namespace doorman::acme {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::seconds;

const Clock::time_point kIssued = Clock::from_time_t(1'800'000'000);

TEST(Renewal, TwoThirdsOfTheLifetimeWithoutJitter) {
  EXPECT_EQ(renewal_time(kIssued, kIssued + days(90), 0.0), kIssued + days(60));
  EXPECT_EQ(renewal_time(kIssued, kIssued + hours(6), 0.0), kIssued + hours(4));
}

TEST(Renewal, JitterMovesItEarlierByAtMostAThirtieth) {
  EXPECT_EQ(renewal_time(kIssued, kIssued + days(90), 1.0), kIssued + days(57));
  const auto half = renewal_time(kIssued, kIssued + days(90), 0.5);
  EXPECT_EQ(half, kIssued + days(60) - hours(36));
  for (double j : {0.0, 0.1, 0.37, 0.99}) {
    const auto t = renewal_time(kIssued, kIssued + days(90), j);
    EXPECT_LE(t, kIssued + days(60));
    EXPECT_GE(t, kIssued + days(57));
  }
  // Out-of-range jitter is clamped, never past two thirds or before the window.
  EXPECT_EQ(renewal_time(kIssued, kIssued + days(90), -3.0), kIssued + days(60));
  EXPECT_EQ(renewal_time(kIssued, kIssued + days(90), 7.0), kIssued + days(57));
}

TEST(Renewal, NonsenseValidityRenewsAtOnce) {
  EXPECT_EQ(renewal_time(kIssued, kIssued, 0.5), kIssued);
  EXPECT_EQ(renewal_time(kIssued, kIssued - days(1), 0.5), kIssued);
}

TEST(Renewal, AriWindowPicksAPointInside) {
  const auto start = kIssued + days(59), end = kIssued + days(61);
  EXPECT_EQ(renewal_time_in_window(start, end, 0.0), start);
  EXPECT_EQ(renewal_time_in_window(start, end, 0.5), kIssued + days(60));
  EXPECT_EQ(renewal_time_in_window(start, end, 1.0), end);
  EXPECT_EQ(renewal_time_in_window(end, start, 0.5), end);  // inverted: its start
}

TEST(Renewal, RetryDelayDoublesUpToTheCap) {
  EXPECT_EQ(retry_delay(1, seconds(60), seconds(3600)), seconds(60));
  EXPECT_EQ(retry_delay(2, seconds(60), seconds(3600)), seconds(120));
  EXPECT_EQ(retry_delay(4, seconds(60), seconds(3600)), seconds(480));
  EXPECT_EQ(retry_delay(7, seconds(60), seconds(3600)), seconds(3600));
  EXPECT_EQ(retry_delay(1000, seconds(60), seconds(3600)), seconds(3600));
}

}  // namespace
}  // namespace doorman::acme
