// The diagnostics log: one JSON object per line per request (docs/logs.md), the answer to "why
// was this user limited?" with the resolved client IP beside the socket peer (DESIGN.md "The
// same IP everywhere").
//
// Contract:
// - DiagnosticsLog is one per server ([log] diagnostics = "stdout" by default, "off", or
//   [log] file = "/path"). Lines are written OFF the request path: a worker formats its line
//   into a fixed buffer and appends it to its own thread's buffer (a mutex only the writer
//   thread ever contends for); a writer thread swaps the buffers out every 50 ms, or as soon as
//   one holds 64 KiB, and writes them with one write() each, straight from the swapped-out
//   buffer. The early swap keeps a busy worker's buffer small enough to stay in its core's
//   cache (at 50 ms, tens of thousands of lines a second made it a megabyte, written, read and
//   copied again cold). SIGUSR1 makes the writer reopen the file (log rotation).
// - Constructing one has no side effect (`doorman check` and `explain` compile a snapshot too):
//   start() opens the file, installs the SIGUSR1 handler and starts the writer; only `serve`
//   calls it (runtime/server.cc). stop() writes what is buffered and joins the writer; call it
//   after the workers stopped writing. Lines written before start() wait in their buffers.
// - A buffer over 4 MiB (the writer cannot keep up) drops new lines and counts them; the count is
//   reported on stderr when the writer catches up. The request path never waits on the disk.
// - log_diagnostics() formats the fields listed in docs/logs.md; strings are JSON-escaped
//   (bytes >= 0x80 as \u00XX, so the line is valid UTF-8 whatever a client sent).
// Thread safety: write() from any thread; the writer thread owns the file.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "request_path/exchange.h"
#include "runtime/session.h"

namespace doorman::request_path {

class DiagnosticsLog {
 public:
  // path "" = stdout.
  explicit DiagnosticsLog(std::string path);
  ~DiagnosticsLog();
  DiagnosticsLog(const DiagnosticsLog&) = delete;
  DiagnosticsLog& operator=(const DiagnosticsLog&) = delete;

  void start();
  void stop();  // idempotent; the destructor calls it
  void write(std::string_view line);

 private:
  struct Buffer {
    std::mutex mutex;
    std::string data;
    std::string spare;  // the writer's: what it swapped out last, emptied, capacity kept
  };
  Buffer& buffer_of_this_thread();
  void run();
  void reopen();

  std::string path_;
  uint64_t id_ = 0;  // unique per process, never 0
  int fd_ = 1;
  std::mutex buffers_mutex_;  // guards the list, taken once per thread and by the writer
  std::vector<std::unique_ptr<Buffer>> buffers_;
  std::atomic<uint64_t> dropped_{0};
  std::mutex stop_mutex_;
  std::condition_variable stop_cv_;
  bool stop_ = false;
  bool wake_ = false;  // a buffer reached kWakeBytes (guarded by stop_mutex_)
  std::thread writer_;
};

std::shared_ptr<DiagnosticsLog> make_diagnostics_log(const config::Config& config);

// Formats and queues the request's line. REQUIRES: s.snapshot->diagnostics is set.
void log_diagnostics(runtime::Session& s, const Exchange& x);

}  // namespace doorman::request_path
