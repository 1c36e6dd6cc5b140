// StreamPipe: write_now() hands the owner what it takes at once, the async write the rest, and a
// closed pipe takes nothing; reads and writes wait for the owner's wake calls.
#include "runtime/stream_pipe.h"

#include <gtest/gtest.h>

#include <string>

namespace doorman::runtime {
namespace {

// An owner with room for `room` bytes and a fixed input.
class FakeOwner : public StreamPipe {
 public:
  FakeOwner(asio::io_context& context, std::size_t room, std::string input)
      : StreamPipe(context.get_executor()),
        context_(context),
        room_(room),
        input_(std::move(input)) {}
  // What asio::async_write needs of a stream (ClientStream provides it in the server).
  using executor_type = asio::io_context::executor_type;
  executor_type get_executor() { return context_.get_executor(); }
  std::string taken;
  void make_room(std::size_t n) {
    room_ += n;
    wake_writer();
  }

 protected:
  Pulled pull(std::span<char> into) override {
    const std::size_t n = std::min(into.size(), input_.size() - read_);
    input_.copy(into.data(), n, read_);
    read_ += n;
    return {n, n == 0};
  }
  std::size_t push(std::span<const char> bytes) override {
    const std::size_t n = std::min(room_, bytes.size());
    taken.append(bytes.data(), n);
    room_ -= n;
    return n;
  }

 private:
  asio::io_context& context_;
  std::size_t room_;
  std::string input_;
  std::size_t read_ = 0;
};

TEST(StreamPipe, WriteNowTakesWhatFitsWithoutRunningTheLoop) {
  asio::io_context context;
  FakeOwner pipe(context, 5, "");
  EXPECT_EQ(pipe.write_now("abc"), 3u);
  EXPECT_EQ(pipe.write_now("defgh"), 2u);  // the owner had room for two more
  EXPECT_EQ(pipe.write_now("ijk"), 0u);
  EXPECT_EQ(pipe.write_now(""), 0u);
  EXPECT_EQ(pipe.taken, "abcde");
  EXPECT_EQ(context.poll(), 0u);  // nothing was posted
}

TEST(StreamPipe, WriteNowOnAClosedPipeTakesNothingAndTheAsyncWriteFails) {
  asio::io_context context;
  FakeOwner pipe(context, 100, "");
  pipe.close();
  EXPECT_EQ(pipe.write_now("abc"), 0u);
  asio::error_code got;
  pipe.async_write_some(asio::buffer(std::string_view("abc")),
                        [&](asio::error_code ec, std::size_t) { got = ec; });
  context.run();
  EXPECT_EQ(got, asio::error::broken_pipe);
  EXPECT_EQ(pipe.taken, "");
}

TEST(StreamPipe, TheRestGoesByAnAsyncWriteThatWaitsForRoom) {
  asio::io_context context;
  FakeOwner pipe(context, 2, "");
  std::string_view bytes = "hello";
  bytes.remove_prefix(pipe.write_now(bytes));
  EXPECT_EQ(bytes, "llo");
  bool done = false;
  asio::async_write(pipe, asio::buffer(bytes), [&](asio::error_code ec, std::size_t n) {
    EXPECT_FALSE(ec);
    EXPECT_EQ(n, 3u);
    done = true;
  });
  context.poll();
  EXPECT_FALSE(done);  // no room: the write waits
  pipe.make_room(1);
  context.poll();
  EXPECT_FALSE(done);
  pipe.make_room(10);
  context.poll();
  EXPECT_TRUE(done);
  EXPECT_EQ(pipe.taken, "hello");
}

TEST(StreamPipe, AReadCompletesByPostAndEndsWithEof) {
  asio::io_context context;
  FakeOwner pipe(context, 0, "xy");
  char buf[8];
  std::size_t got = 0;
  asio::error_code end;
  pipe.async_read_some(asio::buffer(buf), [&](asio::error_code ec, std::size_t n) {
    EXPECT_FALSE(ec);
    got = n;
  });
  EXPECT_EQ(got, 0u);  // never completed inside its initiation
  context.run();
  EXPECT_EQ(got, 2u);
  context.restart();
  pipe.async_read_some(asio::buffer(buf), [&](asio::error_code ec, std::size_t) { end = ec; });
  context.run();
  EXPECT_EQ(end, asio::error::eof);
}

}  // namespace
}  // namespace doorman::runtime
