#include "ranges/ranges_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace doorman::ranges {
namespace {

std::shared_ptr<const CidrSet> set_of(std::string_view text) {
  return std::make_shared<const CidrSet>(*parse_cidr_list(text));
}

TEST(RangesStore, CurrentFollowsPublish) {
  RangesStore store(set_of("10.0.0.0/8\n"), RangesState{});
  const IpAddress a = *IpAddress::parse("10.1.2.3");
  const IpAddress b = *IpAddress::parse("192.0.2.1");
  EXPECT_TRUE(store.current().contains(a));
  EXPECT_FALSE(store.current().contains(b));
  RangesState s;
  s.source = RangesSource::kLive;
  store.publish(set_of("192.0.2.0/24\n"), s);
  EXPECT_TRUE(store.current().contains(b));
  EXPECT_FALSE(store.current().contains(a));
  EXPECT_EQ(store.state().source, RangesSource::kLive);
}

TEST(RangesStore, ASetTakenForARequestSurvivesAPublishOnAnotherThread) {
  RangesStore store(set_of("10.0.0.0/8\n"), RangesState{});
  const CidrSet& taken = store.current();
  std::thread([&] { store.publish(set_of("192.0.2.0/24\n"), RangesState{}); }).join();
  // This thread's cached pointer keeps the old set alive until its next current().
  EXPECT_TRUE(taken.contains(*IpAddress::parse("10.1.2.3")));
  EXPECT_TRUE(store.current().contains(*IpAddress::parse("192.0.2.1")));
}

TEST(RangesStore, TwoStoresDoNotShareThePerThreadCache) {
  RangesStore one(set_of("10.0.0.0/8\n"), RangesState{});
  RangesStore two(set_of("192.0.2.0/24\n"), RangesState{});
  EXPECT_TRUE(one.current().contains(*IpAddress::parse("10.0.0.1")));
  EXPECT_TRUE(two.current().contains(*IpAddress::parse("192.0.2.1")));
  EXPECT_FALSE(one.current().contains(*IpAddress::parse("192.0.2.1")));
}

TEST(RangesStore, ReadersSeeOneWholeSetDuringPublishes) {
  // Each published set is either A (10/8 + 2001:db8::/32) or B (192.0.2.0/24 + 2001:db9::/32):
  // a reader must never see a mix.
  RangesStore store(set_of("10.0.0.0/8\n2001:db8::/32\n"), RangesState{});
  std::atomic<bool> stop{false};
  std::atomic<int> mixed{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 2; ++i)
    readers.emplace_back([&] {
      const IpAddress a4 = *IpAddress::parse("10.0.0.1"), a6 = *IpAddress::parse("2001:db8::1");
      while (!stop.load()) {
        const CidrSet& s = store.current();
        if (s.contains(a4) != s.contains(a6)) ++mixed;
      }
    });
  for (int i = 0; i < 2000; ++i)
    store.publish(
        i % 2 ? set_of("10.0.0.0/8\n2001:db8::/32\n") : set_of("192.0.2.0/24\n2001:db9::/32\n"),
        RangesState{});
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(mixed.load(), 0);
}

}  // namespace
}  // namespace doorman::ranges
