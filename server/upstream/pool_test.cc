// Pool: idle connections above upstream_idle_per_target stay while demand may come back (the
// excess grace) and are closed oldest first after it; a cap of 0 keeps none; a connection the
// upstream closed, or one with stray bytes, is never handed out, also when it was put back after
// the last readiness check.
#include "upstream/pool.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "config/config.h"

namespace doorman::upstream {
namespace {

using namespace std::chrono_literals;

// A loopback listener and a snapshot whose one upstream is it.
struct Fixture {
  explicit Fixture(int cap) {
    acceptor.open(asio::ip::tcp::v4());
    acceptor.bind({asio::ip::make_address("127.0.0.1"), 0});
    acceptor.listen();
    const std::string text = "[limits]\nupstream_idle_per_target = " + std::to_string(cap) +
                             "\n[cloudflare]\nrefresh = false\n[[listener]]\naddress = "
                             "\"127.0.0.1:1\"\n[[route]]\nupstream = \"127.0.0.1:" +
                             std::to_string(acceptor.local_endpoint().port()) + "\"\n";
    auto loaded = config::load_config_text(text, "pool.toml");
    EXPECT_TRUE(loaded.config) << (loaded.errors.empty() ? "" : loaded.errors[0]);
    auto compiled = runtime::compile_snapshot(*loaded.config);
    EXPECT_TRUE(compiled) << (compiled ? "" : compiled.error());
    snapshot = *compiled;
  }

  // A connected upstream connection, and the server's end of it.
  std::unique_ptr<UpstreamConnection> connect(Pool& pool) {
    auto c = pool.make(0);
    c->socket.connect(pool.endpoint(0));
    peers.emplace_back(acceptor.accept());
    return c;
  }

  asio::io_context context;
  asio::ip::tcp::acceptor acceptor{context};
  std::shared_ptr<const runtime::Snapshot> snapshot;
  std::vector<asio::ip::tcp::socket> peers;
};

TEST(UpstreamPool, KeepsABurstAboveTheCapWhileItMayBeNeededAgain) {
  Fixture f(2);
  Pool pool(f.context, *f.snapshot, 10s);
  for (int i = 0; i < 5; ++i) pool.put_idle(f.connect(pool));
  EXPECT_EQ(pool.idle_count(0), 5u);  // nginx's cache would have closed three of them
  for (int i = 0; i < 5; ++i) EXPECT_NE(pool.take_idle(0), nullptr) << i;
  EXPECT_EQ(pool.take_idle(0), nullptr);
}

TEST(UpstreamPool, ClosesTheExcessOldestFirstOnceIdleForTheGrace) {
  Fixture f(2);
  Pool pool(f.context, *f.snapshot, 50ms);
  std::vector<int> fds;
  for (int i = 0; i < 4; ++i) {
    auto c = f.connect(pool);
    fds.push_back(c->socket.native_handle());
    pool.put_idle(std::move(c));
  }
  std::this_thread::sleep_for(80ms);
  auto newest = f.connect(pool);
  const int newest_fd = newest->socket.native_handle();
  pool.put_idle(std::move(newest));  // the pool is used: the three oldest have waited too long
  EXPECT_EQ(pool.idle_count(0), 2u);
  auto a = pool.take_idle(0);
  auto b = pool.take_idle(0);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(a->socket.native_handle(), newest_fd);
  EXPECT_EQ(b->socket.native_handle(), fds[3]);
  EXPECT_EQ(pool.take_idle(0), nullptr);
}

TEST(UpstreamPool, TheExcessIsAlsoTrimmedWhenAConnectionIsTaken) {
  Fixture f(1);
  Pool pool(f.context, *f.snapshot, 50ms);
  for (int i = 0; i < 3; ++i) pool.put_idle(f.connect(pool));
  std::this_thread::sleep_for(80ms);
  EXPECT_NE(pool.take_idle(0), nullptr);  // trims to the cap first, then takes the one left
  EXPECT_EQ(pool.idle_count(0), 0u);
}

TEST(UpstreamPool, ACapOfZeroKeepsNone) {
  Fixture f(0);
  Pool pool(f.context, *f.snapshot, 10s);
  pool.put_idle(f.connect(pool));
  EXPECT_EQ(pool.idle_count(0), 0u);
  EXPECT_EQ(pool.take_idle(0), nullptr);
}

TEST(UpstreamPool, NeverHandsOutAClosedConnectionOrOneWithStrayBytes) {
  Fixture f(4);
  Pool pool(f.context, *f.snapshot, 10s);
  pool.put_idle(f.connect(pool));
  f.peers.back().close();  // the upstream closed it while idle
  pool.put_idle(f.connect(pool));
  asio::write(f.peers.back(), asio::buffer(std::string_view("HTTP/1.1 200 OK\r\n")));  // stray
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(pool.take_idle(0), nullptr);
  EXPECT_EQ(pool.idle_count(0), 0u);
}

TEST(UpstreamPool, AConnectionPutBackAfterTheLastCheckIsCheckedAgain) {
  Fixture f(4);
  Pool pool(f.context, *f.snapshot, 10s, 10s);  // one check would otherwise serve for 10 s
  pool.put_idle(f.connect(pool));
  pool.put_idle(f.connect(pool));
  auto second = pool.take_idle(0);  // checks both
  ASSERT_NE(second, nullptr);
  const int second_fd = second->socket.native_handle();
  pool.put_idle(std::move(second));
  asio::write(f.peers.back(), asio::buffer(std::string_view("late body")));  // after its 204
  auto next = pool.take_idle(0);
  ASSERT_NE(next, nullptr);
  EXPECT_NE(next->socket.native_handle(), second_fd);
  EXPECT_EQ(pool.take_idle(0), nullptr);
  EXPECT_EQ(pool.readiness().snapshots(), 2u);
}

TEST(UpstreamPool, OneCheckServesEveryConnectionIdleBeforeIt) {
  Fixture f(8);
  Pool pool(f.context, *f.snapshot, 10s, 10s);
  for (int i = 0; i < 6; ++i) pool.put_idle(f.connect(pool));
  for (int i = 0; i < 6; ++i) EXPECT_NE(pool.take_idle(0), nullptr) << i;
  EXPECT_EQ(pool.readiness().snapshots(), 1u);
  EXPECT_EQ(pool.readiness().peeks(), 0u);
}

}  // namespace
}  // namespace doorman::upstream
