// RateLimitBackend: the per-client budgets kept in Redis, so several doorman instances share
// one budget per client ([rate_limit] backend = "redis://host:port").
//
// Contract:
// - The arithmetic is the library's GCRA (doorman/rate_limit.h) run inside Redis by one Lua
//   script (EVALSHA, EVAL when Redis answers NOSCRIPT, e.g. after a restart): read TAT, decide,
//   write TAT, atomically, on Redis's own clock (TIME), so two instances can neither double a
//   budget nor disagree about time. State per key: one string "doorman:rl:<policy>:<address>"
//   with a TTL of TAT - now (an idle key expires by itself; Redis bounds memory, not doorman).
// - Design: one dedicated thread owns one hiredis connection (blocking calls with a socket
//   timeout) and a queue. Workers never block: check() enqueues and returns at once; the thread
//   pipelines everything queued in one write (one round trip per batch, however many workers
//   ask) and posts each answer back to the asking worker's executor. The worker waits at most
//   its budget (backend_timeout) on a timer and falls back when the answer is late. One
//   connection for the server keeps Redis's connection count at one per instance and keeps the
//   hiredis context single-threaded, without an event-loop adapter per worker.
// - Failure: while the connection is down, check() answers "unavailable" at once (no waiting);
//   the thread reconnects by itself every 200 ms. Each change between reachable and unreachable
//   is logged once on stderr.
// - A late answer is dropped; its request has counted in Redis anyway (it may cost that client
//   one request of budget; never more).
// - Lifetime: constructing one starts nothing (`doorman check`/`explain` compile a snapshot
//   too); start() starts the thread (`serve` only, runtime/server.cc). stop() joins it and
//   fails every question still queued (each `done` runs exactly once, with nullopt); after it,
//   check() fails at once on the caller's thread. Because the callbacks post onto the askers'
//   event loops, stop() must return before those loops are destroyed: the server stops the
//   backend after the drain and before it stops and destroys its workers.
// Thread safety: check() from any thread; the callback runs on the thread that owns `executor`.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "doorman/rate_limit.h"

namespace doorman::redis {

class RateLimitBackend {
 public:
  using Callback = std::function<void(std::optional<RateLimitDecision>)>;

  RateLimitBackend(std::string host, uint16_t port, std::chrono::milliseconds timeout);
  ~RateLimitBackend();
  RateLimitBackend(const RateLimitBackend&) = delete;
  RateLimitBackend& operator=(const RateLimitBackend&) = delete;

  void start();
  void stop();  // idempotent; the destructor calls it. May wait for one round trip (io timeout).

  // False while the connection is down: the caller should fall back without asking.
  bool available() const { return available_.load(std::memory_order_relaxed); }
  // Queues one GCRA step for (policy_id, key); `done` runs on the backend thread with the
  // decision, or nullopt when Redis failed (or at once on this thread after stop()). The
  // caller moves it to its own thread.
  void check(uint32_t policy_id, const RateLimitPolicy& policy, const IpAddress& key,
             Callback done);
  // A worker's answer came too late: counts as a failure for the reachable/unreachable log.
  void report_timeout();

  std::string describe() const;  // "redis://host:port"

 private:
  struct Job {
    std::string key;
    long long interval_us;
    long long tau_us;
    Callback done;
  };
  void run();
  void set_available(bool available, const char* why);

  std::string host_;
  uint16_t port_;
  std::chrono::milliseconds timeout_;
  std::atomic<bool> available_{false};
  std::atomic<int> logged_state_{0};  // 0 unknown, 1 reachable, 2 unavailable
  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Job> queue_;
  bool stop_ = false;
  bool first_attempt_done_ = false;  // the thread's first connection attempt ended (guarded)
  std::thread thread_;
};

}  // namespace doorman::redis
