// IdleReadiness: one snapshot answers for every socket that went idle before it, while it is
// fresh; a socket idle since after it, or an old snapshot, takes a new one; bytes, EOF and
// a shut-down socket all count as something waiting; an unwatched socket, or a snapshot that filled
// its event array, falls back to a peek of the one socket.
#include "upstream/idle_readiness.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <vector>

namespace doorman::upstream {
namespace {

using namespace std::chrono_literals;
using Clock = IdleReadiness::Clock;

// A connected pair of stream sockets: `ours` is doorman's end, `theirs` the upstream's.
struct Pair {
  Pair() {
    std::array<int, 2> fds{};
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds.data()), 0);
    ours = fds[0];
    theirs = fds[1];
  }
  ~Pair() {
    if (ours >= 0) ::close(ours);
    if (theirs >= 0) ::close(theirs);
  }
  void send(const char* text) const { EXPECT_GT(::write(theirs, text, 1), 0); }
  void close_theirs() {
    ::close(theirs);
    theirs = -1;
  }
  int ours = -1;
  int theirs = -1;
};

const Clock::time_point t0{std::chrono::seconds(1000)};

TEST(IdleReadiness, OneSnapshotAnswersForEverySocketIdleBeforeIt) {
  IdleReadiness r(1s);
  std::vector<Pair> pairs(4);
  std::vector<std::uint64_t> keys;
  for (Pair& p : pairs) keys.push_back(r.watch(p.ours));
  pairs[2].send("x");
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    EXPECT_EQ(r.quiet(pairs[i].ours, keys[i], t0, t0 + 1us), i != 2) << i;
  }
  EXPECT_EQ(r.snapshots(), 1u);
  EXPECT_EQ(r.peeks(), 0u);
}

TEST(IdleReadiness, BytesEofAndAShutSocketAllCountAsSomethingWaiting) {
  IdleReadiness r(0s);  // a snapshot per question
  Pair quiet, bytes, eof, shut;
  for (Pair* p : {&quiet, &bytes, &eof, &shut}) {
    const std::uint64_t key = r.watch(p->ours);
    ASSERT_NE(key, 0u);
    if (p == &bytes) p->send("x");
    if (p == &eof) p->close_theirs();
    if (p == &shut) {
      ::shutdown(p->ours, SHUT_RDWR);  // a socket that cannot carry a request any more
    }
    EXPECT_EQ(r.quiet(p->ours, key, t0, t0 + 1us), p == &quiet);
  }
  EXPECT_EQ(r.snapshots(), 4u);
}

TEST(IdleReadiness, ASocketIdleSinceTheSnapshotTakesANewOne) {
  IdleReadiness r(1s);
  Pair a, b;
  const std::uint64_t ka = r.watch(a.ours);
  const std::uint64_t kb = r.watch(b.ours);
  EXPECT_TRUE(r.quiet(a.ours, ka, t0, t0 + 10us));  // snapshot at t0 + 10us
  // b's response ended after that snapshot, and bytes came after it.
  b.send("x");
  EXPECT_FALSE(r.quiet(b.ours, kb, t0 + 20us, t0 + 30us));
  EXPECT_EQ(r.snapshots(), 2u);
}

TEST(IdleReadiness, AnOldSnapshotIsTakenAgain) {
  IdleReadiness r(200us);
  Pair a;
  const std::uint64_t key = r.watch(a.ours);
  EXPECT_TRUE(r.quiet(a.ours, key, t0, t0 + 1us));
  a.send("x");
  EXPECT_TRUE(r.quiet(a.ours, key, t0, t0 + 100us));  // within the window: the snapshot's answer
  EXPECT_FALSE(r.quiet(a.ours, key, t0, t0 + 201us));
  EXPECT_EQ(r.snapshots(), 2u);
}

TEST(IdleReadiness, AnUnwatchedSocketIsPeeked) {
  IdleReadiness r(1s);
  Pair a, b;
  EXPECT_TRUE(r.quiet(a.ours, 0, t0, t0 + 1us));
  b.send("x");
  EXPECT_FALSE(r.quiet(b.ours, 0, t0, t0 + 1us));
  EXPECT_EQ(r.peeks(), 2u);
  EXPECT_EQ(r.snapshots(), 0u);
}

TEST(IdleReadiness, AFullEventArrayIsNotTrustedAndThePeekDecides) {
  IdleReadiness r(1s, 2);  // room for two events: three readable sockets overflow it
  std::vector<Pair> busy(3);
  for (Pair& p : busy) {
    r.watch(p.ours);
    p.send("x");  // in use, a response waiting: readable, not idle
  }
  Pair idle_quiet, idle_stray;
  const std::uint64_t kq = r.watch(idle_quiet.ours);
  const std::uint64_t ks = r.watch(idle_stray.ours);
  idle_stray.send("x");
  EXPECT_TRUE(r.quiet(idle_quiet.ours, kq, t0, t0 + 1us));
  EXPECT_FALSE(r.quiet(idle_stray.ours, ks, t0, t0 + 1us));
  EXPECT_EQ(r.snapshots(), 1u);
  EXPECT_EQ(r.peeks(), 2u);
}

TEST(IdleReadiness, AClosedSocketLeavesTheSet) {
  IdleReadiness r(0s);
  std::uint64_t first_key = 0;
  {
    Pair a;
    first_key = r.watch(a.ours);
    a.send("x");
  }        // closed with a byte waiting: epoll forgets it
  Pair b;  // most likely the same descriptor number
  const std::uint64_t key = r.watch(b.ours);
  EXPECT_NE(key, 0u);
  EXPECT_NE(key, first_key);
  EXPECT_TRUE(r.quiet(b.ours, key, t0, t0 + 1us));
}

}  // namespace
}  // namespace doorman::upstream
