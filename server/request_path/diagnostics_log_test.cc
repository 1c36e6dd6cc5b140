// DiagnosticsLog's writer: every line written reaches the file once, in each thread's order,
// whether the writer took it on its tick, early (a buffer reached 64 KiB) or at stop().
#include "request_path/diagnostics_log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace doorman::request_path {
namespace {

struct TempFile {
  TempFile() {
    char name[] = "/tmp/doorman-diagnostics-test-XXXXXX";
    const int fd = mkstemp(name);
    EXPECT_GE(fd, 0);
    ::close(fd);
    path = name;
  }
  ~TempFile() { std::remove(path.c_str()); }
  std::vector<std::string> lines() const {
    std::ifstream in(path);
    std::vector<std::string> out;
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
  }
  std::string path;
};

std::string line(int thread, int i) {
  std::string text = "{\"t\":" + std::to_string(thread) + ",\"i\":" + std::to_string(i) + "}";
  text.resize(120, ' ');  // 120-byte lines: 600 of them cross the early-write mark
  return text + "\n";
}

TEST(DiagnosticsLog, EveryLineReachesTheFileOnceInOrder) {
  TempFile file;
  {
    DiagnosticsLog log(file.path);
    log.start();
    for (int i = 0; i < 5000; ++i) {
      log.write(line(0, i));
      if (i % 1000 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(60));  // a tick
    }
    log.stop();
  }
  const auto lines = file.lines();
  ASSERT_EQ(lines.size(), 5000u);
  for (int i = 0; i < 5000; ++i) ASSERT_EQ(lines[i] + "\n", line(0, i)) << i;
}

TEST(DiagnosticsLog, AFullBufferIsWrittenBeforeTheTick) {
  TempFile file;
  DiagnosticsLog log(file.path);
  log.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(60));  // past the first tick
  for (int i = 0; i < 700; ++i) log.write(line(0, i));         // over 64 KiB
  // The writer wakes at once; allow for a loaded machine, but well under a few ticks.
  std::size_t seen = 0;
  for (int wait = 0; wait < 40 && seen == 0; ++wait) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    seen = file.lines().size();
  }
  EXPECT_GE(seen, 540u);  // at least the 64 KiB that triggered it
  log.stop();
  EXPECT_EQ(file.lines().size(), 700u);
}

TEST(DiagnosticsLog, LinesFromManyThreadsKeepEachThreadsOrder) {
  TempFile file;
  {
    DiagnosticsLog log(file.path);
    log.start();
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&log, t] {
        for (int i = 0; i < 3000; ++i) log.write(line(t, i));
      });
    for (auto& th : threads) th.join();
    log.stop();
  }
  std::vector<int> next(4, 0);
  const auto lines = file.lines();
  ASSERT_EQ(lines.size(), 12000u);
  for (const std::string& l : lines) {
    int t = -1, i = -1;
    ASSERT_EQ(std::sscanf(l.c_str(), "{\"t\":%d,\"i\":%d}", &t, &i), 2) << l;
    ASSERT_TRUE(t >= 0 && t < 4);
    ASSERT_EQ(i, next[t]) << "thread " << t;
    ++next[t];
  }
}

TEST(DiagnosticsLog, ALogMadeWhereADestroyedOneWasGetsItsOwnBuffer) {
  // A reload may allocate the new log where an old one was; a thread that wrote to the old one
  // must not find the old (freed) buffer.
  TempFile first, second;
  std::optional<DiagnosticsLog> log;
  log.emplace(first.path);
  log->start();
  log->write(line(0, 1));
  log.reset();
  log.emplace(second.path);  // same storage, same address
  log->start();
  log->write(line(0, 2));
  log->stop();
  ASSERT_EQ(second.lines().size(), 1u);
  EXPECT_EQ(second.lines()[0] + "\n", line(0, 2));
  EXPECT_EQ(first.lines().size(), 1u);
}

}  // namespace
}  // namespace doorman::request_path
