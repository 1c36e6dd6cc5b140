// WorkspacePool: LIFO reuse; kMaxFree kept however long; above it, workspaces given back within
// the grace period are kept (a burst that swings back reuses them) and older ones are freed,
// least recently given first; a reload's new limits rebuild what no longer fits.
#include "runtime/workspace.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <set>
#include <vector>

namespace doorman::runtime {
namespace {

using Clock = WorkspacePool::Clock;
using std::chrono::milliseconds;

config::LimitsSection limits() {
  return config::LimitsSection{};
}

// Takes n workspaces, as n requests in flight would.
std::vector<std::unique_ptr<Workspace>> take(WorkspacePool& pool, std::size_t n) {
  std::vector<std::unique_ptr<Workspace>> taken;
  for (std::size_t i = 0; i < n; ++i) taken.push_back(pool.take(limits()));
  return taken;
}

// n workspaces taken and all given back at `t`: a burst of n that has just ended.
void after_burst(WorkspacePool& pool, std::size_t n, Clock::time_point t) {
  for (auto& w : take(pool, n)) pool.give(std::move(w), t);
}

std::set<const Workspace*> addresses(const std::vector<std::unique_ptr<Workspace>>& ws) {
  std::set<const Workspace*> out;
  for (const auto& w : ws) out.insert(w.get());
  return out;
}

TEST(WorkspacePool, TheLastGivenBackIsTakenFirst) {
  WorkspacePool pool;
  auto a = pool.take(limits());
  auto b = pool.take(limits());
  const Workspace* pa = a.get();
  const Workspace* pb = b.get();
  const auto t = Clock::now();
  pool.give(std::move(a), t);
  pool.give(std::move(b), t);
  EXPECT_EQ(pool.take(limits()).get(), pb);
  EXPECT_EQ(pool.take(limits()).get(), pa);
}

TEST(WorkspacePool, ABurstAboveTheCapIsReusedWithinTheGrace) {
  WorkspacePool pool(milliseconds(1000));
  const std::size_t burst = WorkspacePool::kMaxFree + 36;
  auto first = take(pool, burst);
  const auto before = addresses(first);
  const auto t = Clock::now();
  for (std::size_t i = 0; i < burst; ++i) {
    // True (a trim is due later) once more than the cap are free.
    EXPECT_EQ(pool.give(std::move(first[i]), t), i + 1 > WorkspacePool::kMaxFree);
  }
  EXPECT_EQ(pool.free_count(), burst);
  // The swing comes back half a second later: every workspace is one of the burst's.
  EXPECT_TRUE(pool.trim(t + milliseconds(500)));
  auto second = take(pool, burst);
  EXPECT_EQ(addresses(second), before);
}

TEST(WorkspacePool, TheExcessIsFreedOnceIdleForTheGraceOldestFirst) {
  WorkspacePool pool(milliseconds(1000));
  const std::size_t burst = WorkspacePool::kMaxFree + 10;
  auto ws = take(pool, burst);
  const auto t = Clock::now();
  // Ten given back early, the rest 800 ms later.
  std::set<const Workspace*> early;
  for (std::size_t i = 0; i < 10; ++i) {
    early.insert(ws[i].get());
    EXPECT_FALSE(pool.give(std::move(ws[i]), t));
  }
  for (std::size_t i = 10; i < burst; ++i) pool.give(std::move(ws[i]), t + milliseconds(800));
  EXPECT_EQ(pool.free_count(), burst);
  // Before the grace has passed for any of them, nothing is freed.
  EXPECT_TRUE(pool.trim(t + milliseconds(999)));
  EXPECT_EQ(pool.free_count(), burst);
  // At 1 s the early ten have been idle for the grace: they go, the cap's worth stays.
  EXPECT_FALSE(pool.trim(t + milliseconds(1000)));
  EXPECT_EQ(pool.free_count(), WorkspacePool::kMaxFree);
  auto left = take(pool, WorkspacePool::kMaxFree);
  for (const auto& w : left) EXPECT_EQ(early.count(w.get()), 0u);
}

TEST(WorkspacePool, NeverFreesBelowTheCapHoweverOld) {
  WorkspacePool pool(milliseconds(10));
  auto ws = take(pool, WorkspacePool::kMaxFree);
  const auto t = Clock::now();
  for (auto& w : ws) EXPECT_FALSE(pool.give(std::move(w), t));
  EXPECT_FALSE(pool.trim(t + std::chrono::hours(1)));
  EXPECT_EQ(pool.free_count(), WorkspacePool::kMaxFree);
}

TEST(WorkspacePool, GivingBackTrimsTheAgedExcess) {
  WorkspacePool pool(milliseconds(1000));
  const auto t = Clock::now();
  after_burst(pool, WorkspacePool::kMaxFree + 5, t);
  auto one = pool.take(limits());
  EXPECT_FALSE(pool.give(std::move(one), t + milliseconds(1500)));
  EXPECT_EQ(pool.free_count(), WorkspacePool::kMaxFree);
}

TEST(WorkspacePool, DropExcessFreesEverythingAboveTheCapAtOnce) {
  WorkspacePool pool(milliseconds(1000));
  after_burst(pool, WorkspacePool::kMaxFree + 7, Clock::now());
  pool.drop_excess();
  EXPECT_EQ(pool.free_count(), WorkspacePool::kMaxFree);
}

TEST(WorkspacePool, AWorkspaceForOtherLimitsIsRebuilt) {
  WorkspacePool pool;
  pool.give(pool.take(limits()));
  config::LimitsSection bigger = limits();
  bigger.max_head_size = limits().max_head_size * 2;
  auto fresh = pool.take(bigger);
  EXPECT_EQ(fresh->max_head_size, bigger.max_head_size);
  EXPECT_TRUE(fresh->fits(bigger));
  EXPECT_EQ(pool.free_count(), 0u);
}

}  // namespace
}  // namespace doorman::runtime
