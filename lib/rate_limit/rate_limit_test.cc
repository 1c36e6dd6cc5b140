// GCRA and the shared table with a fake clock: bursts, refill, exact boundaries, IPv6 prefix
// aggregation, eviction under the cap, the IETF fields, and a threaded smoke test.
#include "doorman/rate_limit.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace doorman {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr RateTime kEpoch = seconds(1000);  // any fixed time > 0

IpAddress ip(std::string_view text) {
  return *IpAddress::parse(text);
}

// A step of a scripted client: at `at` after the epoch, is the request allowed, and what
// remains?
struct Step {
  RateTime at;
  bool allowed;
  uint32_t remaining;
};

struct Script {
  const char* name;
  RateLimitPolicy policy;
  std::vector<Step> steps;
};

TEST(Gcra, ScriptedSequences) {
  const std::vector<Script> scripts = {
      {"BurstOfThreeThenRefused",
       {.requests = 1, .per = seconds(1), .burst = 3},
       {{{}, true, 2}, {{}, true, 1}, {{}, true, 0}, {{}, false, 0}}},
      {"BurstDefaultsToRequests",
       {.requests = 2, .per = seconds(1), .burst = 0},
       {{{}, true, 1}, {{}, true, 0}, {{}, false, 0}}},
      {"RefillOnePerInterval",
       {.requests = 10, .per = seconds(1), .burst = 1},
       {{{}, true, 0},
        {milliseconds(50), false, 0},
        {milliseconds(100), true, 0},
        {milliseconds(150), false, 0},
        {milliseconds(200), true, 0}}},
      {"ExactBoundaryIsAllowedOneNanosecondEarlyIsNot",
       {.requests = 1, .per = seconds(1), .burst = 1},
       {{{}, true, 0}, {seconds(1) - RateTime(1), false, 0}, {seconds(1), true, 0}}},
      {"QuietClientRegainsItsWholeBurst",
       {.requests = 1, .per = seconds(1), .burst = 2},
       {{{}, true, 1},
        {{}, true, 0},
        {{}, false, 0},
        {seconds(2), true, 1},
        {seconds(2), true, 0}}},
      {"PartialRefill",
       {.requests = 4, .per = seconds(1), .burst = 4},
       {{{}, true, 3},
        {{}, true, 2},
        {{}, true, 1},
        {{}, true, 0},
        {milliseconds(500), true, 1},
        {milliseconds(500), true, 0},
        {milliseconds(500), false, 0}}},
      {"PerMinute",
       {.requests = 60, .per = seconds(60), .burst = 1},
       {{{}, true, 0}, {milliseconds(999), false, 0}, {seconds(1), true, 0}}},
  };
  for (const Script& script : scripts) {
    SCOPED_TRACE(script.name);
    int64_t tat = 0;
    for (std::size_t i = 0; i < script.steps.size(); ++i) {
      SCOPED_TRACE(i);
      const Step& s = script.steps[i];
      const GcraStep step = gcra_step(script.policy, tat, (kEpoch + s.at).count());
      EXPECT_EQ(step.decision.allowed, s.allowed);
      EXPECT_EQ(step.decision.remaining, s.remaining);
      if (!s.allowed) {
        EXPECT_EQ(step.tat, tat) << "a refused request must not consume budget";
        EXPECT_GT(step.decision.retry_after.count(), 0);
      }
      tat = step.tat;
    }
  }
}

TEST(Gcra, RetryAfterIsExactlyWhenTheNextRequestPasses) {
  const RateLimitPolicy policy{.requests = 3, .per = seconds(1), .burst = 3};
  int64_t tat = 0;
  const int64_t now = kEpoch.count();
  for (int i = 0; i < 3; ++i) tat = gcra_step(policy, tat, now).tat;
  const GcraStep refused = gcra_step(policy, tat, now);
  ASSERT_FALSE(refused.decision.allowed);
  const int64_t retry = refused.decision.retry_after.count();
  EXPECT_EQ(retry, RateTime(seconds(1)).count() / 3);
  EXPECT_FALSE(gcra_step(policy, tat, now + retry - 1).decision.allowed);
  EXPECT_TRUE(gcra_step(policy, tat, now + retry).decision.allowed);
  // reset: the whole burst back after TAT - now.
  EXPECT_EQ(refused.decision.reset.count(), tat - now);
}

TEST(Gcra, HugeBurstTimesLongPeriodSaturatesInsteadOfOverflowing) {
  const RateLimitPolicy policy{
      .requests = 1, .per = std::chrono::hours(24 * 365), .burst = 1'000'000};
  const GcraStep step = gcra_step(policy, 0, kEpoch.count());
  EXPECT_TRUE(step.decision.allowed);
  EXPECT_GT(step.tat, kEpoch.count());
}

TEST(RateLimitKey, Ipv6AggregatesToPrefixIpv4IsWhole) {
  struct Case {
    const char* in;
    int prefix;
    const char* out;
  } cases[] = {
      {"2001:db8:1:2:aaaa:bbbb:cccc:dddd", 64, "2001:db8:1:2::"},
      {"2001:db8:1:2:aaaa:bbbb:cccc:dddd", 48, "2001:db8:1::"},
      {"2001:db8:1:2:aaaa:bbbb:cccc:dddd", 60, "2001:db8:1::"},
      {"2001:db8:1:ff:aaaa::", 60, "2001:db8:1:f0::"},
      {"2001:db8:1:2:aaaa:bbbb:cccc:dddd", 128, "2001:db8:1:2:aaaa:bbbb:cccc:dddd"},
      {"2001:db8::1", 0, "::"},
      {"192.0.2.77", 64, "192.0.2.77"},
      {"::ffff:192.0.2.77", 48, "192.0.2.77"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.in);
    EXPECT_EQ(rate_limit_key(ip(c.in), c.prefix).to_string(), c.out);
  }
}

TEST(RateLimiter, TwoAddressesInOneSlash64ShareABudgetOtherSlash64sDoNot) {
  RateLimiter limiter({.max_keys = 1000, .ipv6_prefix = 64});
  const RateLimitPolicy policy{.requests = 1, .per = seconds(10), .burst = 2};
  EXPECT_TRUE(limiter.check(0, policy, ip("2001:db8:0:1::1"), kEpoch).allowed);
  EXPECT_TRUE(limiter.check(0, policy, ip("2001:db8:0:1:ffff::9"), kEpoch).allowed);
  EXPECT_FALSE(limiter.check(0, policy, ip("2001:db8:0:1::2"), kEpoch).allowed);
  EXPECT_TRUE(limiter.check(0, policy, ip("2001:db8:0:2::1"), kEpoch).allowed);
  // IPv4 neighbours never share.
  EXPECT_TRUE(limiter.check(0, policy, ip("198.51.100.1"), kEpoch).allowed);
  EXPECT_TRUE(limiter.check(0, policy, ip("198.51.100.1"), kEpoch).allowed);
  EXPECT_FALSE(limiter.check(0, policy, ip("198.51.100.1"), kEpoch).allowed);
  EXPECT_TRUE(limiter.check(0, policy, ip("198.51.100.2"), kEpoch).allowed);
}

TEST(RateLimiter, EachPolicyHasItsOwnBudgetForTheSameClient) {
  RateLimiter limiter({.max_keys = 1000});
  const RateLimitPolicy policy{.requests = 1, .per = seconds(10), .burst = 1};
  EXPECT_TRUE(limiter.check(0, policy, ip("192.0.2.1"), kEpoch).allowed);
  EXPECT_FALSE(limiter.check(0, policy, ip("192.0.2.1"), kEpoch).allowed);
  EXPECT_TRUE(limiter.check(1, policy, ip("192.0.2.1"), kEpoch).allowed);
}

TEST(RateLimiter, RefillsWithTheFakeClock) {
  RateLimiter limiter({.max_keys = 10});
  const RateLimitPolicy policy{.requests = 2, .per = seconds(1), .burst = 2};
  const IpAddress a = ip("2001:db8::7");
  EXPECT_TRUE(limiter.check(0, policy, a, kEpoch).allowed);
  EXPECT_TRUE(limiter.check(0, policy, a, kEpoch).allowed);
  const RateLimitDecision refused = limiter.check(0, policy, a, kEpoch);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, milliseconds(500));
  EXPECT_FALSE(limiter.check(0, policy, a, kEpoch + milliseconds(499)).allowed);
  EXPECT_TRUE(limiter.check(0, policy, a, kEpoch + milliseconds(500)).allowed);
}

TEST(RateLimiter, CapacityIsMaxKeysRoundedUpAndNeverGrows) {
  RateLimiter limiter({.max_keys = 1000});
  EXPECT_EQ(limiter.capacity() % (RateLimiter::kShards * RateLimiter::kWays), 0u);
  EXPECT_GE(limiter.capacity(), 1000u);
  EXPECT_LT(limiter.capacity(), 1000u + RateLimiter::kShards * RateLimiter::kWays);
  const RateLimitPolicy policy{.requests = 1, .per = seconds(60), .burst = 1};
  // A flood of distinct keys, all busy (TAT a minute ahead): the table holds at most capacity().
  for (uint32_t i = 0; i < 50'000; ++i)
    EXPECT_TRUE(limiter.check(0, policy, IpAddress::from_v4(0x0a000000 + i), kEpoch).allowed);
  EXPECT_LE(limiter.tracked_keys(kEpoch), limiter.capacity());
  EXPECT_GT(limiter.tracked_keys(kEpoch), limiter.capacity() / 2);
}

TEST(RateLimiter, IdleKeysAreEvictedBeforeBusyOnes) {
  // One bucket per shard (max_keys 1): kWays slots per shard. Fill every slot of the table with
  // keys that go idle after a second, keep one key busy, then flood with new keys after the
  // others went idle: the busy key must keep its state while idle ones make room.
  RateLimiter limiter({.max_keys = 1});
  ASSERT_EQ(limiter.capacity(), RateLimiter::kShards * RateLimiter::kWays);
  const RateLimitPolicy quick{.requests = 1, .per = seconds(1), .burst = 1};
  const RateLimitPolicy slow{.requests = 1, .per = seconds(3600), .burst = 1};
  const IpAddress busy = ip("203.0.113.9");
  ASSERT_TRUE(limiter.check(7, slow, busy, kEpoch).allowed);
  for (uint32_t i = 0; i < 2000; ++i)
    limiter.check(0, quick, IpAddress::from_v4(0x0a000000 + i), kEpoch);
  const RateTime later = kEpoch + seconds(2);  // every quick key is idle now
  EXPECT_EQ(limiter.tracked_keys(later), 1u);
  for (uint32_t i = 0; i < 2000; ++i)
    limiter.check(0, quick, IpAddress::from_v4(0x0b000000 + i), later);
  EXPECT_FALSE(limiter.check(7, slow, busy, later).allowed) << "the busy key was evicted";
}

TEST(RateLimitFields, FormatsPolicyRemainingResetAndRetryAfter) {
  struct Case {
    const char* name;
    RateLimitPolicy policy;
    RateLimitDecision decision;
    const char* expected;
  } cases[] = {
      {"AllowedPerSecond",
       {.requests = 100, .per = seconds(1), .burst = 200},
       {.allowed = true, .remaining = 42, .reset = milliseconds(10)},
       "RateLimit-Policy: \"default\";q=100;w=1\r\nRateLimit: \"default\";r=42;t=1\r\n"},
      {"RefusedPerMinuteRoundsUp",
       {.requests = 30, .per = seconds(60), .burst = 0},
       {.allowed = false, .remaining = 0, .retry_after = milliseconds(1500), .reset = seconds(60)},
       "RateLimit-Policy: \"default\";q=30;w=60\r\nRateLimit: \"default\";r=0;t=60\r\n"
       "Retry-After: 2\r\n"},
      {"RetryAfterIsAtLeastOne",
       {.requests = 1000, .per = seconds(1), .burst = 1},
       {.allowed = false, .remaining = 0, .retry_after = RateTime(0), .reset = RateTime(0)},
       "RateLimit-Policy: \"default\";q=1000;w=1\r\nRateLimit: \"default\";r=0;t=0\r\n"
       "Retry-After: 1\r\n"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    char out[kRateLimitFieldsMaxSize];
    const std::size_t n = format_rate_limit_fields("default", c.policy, c.decision, out);
    EXPECT_EQ(std::string(out, n), c.expected);
  }
}

TEST(RateLimitFields, RejectsNamesAStructuredStringCannotHoldAndSmallBuffers) {
  const RateLimitPolicy policy{.requests = 1};
  char out[kRateLimitFieldsMaxSize];
  EXPECT_EQ(format_rate_limit_fields("a\"b", policy, {}, out), 0u);
  EXPECT_EQ(format_rate_limit_fields("a\\b", policy, {}, out), 0u);
  EXPECT_EQ(format_rate_limit_fields("a\nb", policy, {}, out), 0u);
  EXPECT_EQ(format_rate_limit_fields(std::string(33, 'x'), policy, {}, out), 0u);
  char small[20];
  EXPECT_EQ(format_rate_limit_fields("default", policy, {}, small), 0u);
  EXPECT_GT(format_rate_limit_fields(std::string(32, 'x'), policy, {.allowed = false}, out), 0u);
}

TEST(RateLimiter, ThreadsNeverAdmitMoreThanTheBudget) {
  // Several threads hammer one key and many private keys at a frozen time: exactly `burst`
  // requests of the shared key may pass, however the threads interleave.
  RateLimiter limiter({.max_keys = 100'000});
  const RateLimitPolicy policy{.requests = 1, .per = seconds(3600), .burst = 500};
  const IpAddress shared = ip("2001:db8:aa::1");
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        if (limiter.check(0, policy, shared, kEpoch).allowed) ++admitted;
        limiter.check(1, policy, IpAddress::from_v4(0x0a000000 + t * 10000 + i), kEpoch);
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(admitted.load(), 500);
}

}  // namespace
}  // namespace doorman
