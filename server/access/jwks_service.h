// JwksService: keeps one Access team's JWKS current for the request path: the last-known-good
// copy on disk at start, a fetch at start and on a schedule, and an early fetch when a token
// names a kid the set does not have (key rotation), rate-limited.
//
// Contract:
// - start(): reads cache_file when it holds a usable JWKS (jwks.h) and publishes it, so a
//   restart while the endpoint is down still verifies; then one background thread fetches
//   jwks_url at once and every refresh_interval. A fetched set that parses is published and
//   written to cache_file atomically; a failed fetch or an unusable document keeps the set in
//   force (and the cache), is logged to stderr once per change of state, and is retried after
//   refresh_min_interval. Without any set, tokens cannot verify: 403 access-token-invalid
//   (fail closed).
// - request_refresh(): an unknown kid. Wakes the thread unless a fetch started less than
//   refresh_min_interval ago (a stream of forged kids cannot make doorman hammer the endpoint).
//   Never blocks: the request that saw the unknown kid is refused; later ones see the new set.
// - current(): the set in force (null until one is known); one atomic load.
// - Nothing runs until start() (`doorman check` / `explain` build snapshots without threads);
//   stop() and the destructor join the thread.
// Thread safety: current() and request_refresh() from any worker; start/stop from the main thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "access/jwks.h"

namespace doorman::access {

struct JwksSource {
  std::string url;
  std::string cache_file;  // "" = none
  std::chrono::milliseconds refresh_interval{std::chrono::hours(1)};
  std::chrono::milliseconds refresh_min_interval{std::chrono::seconds(10)};
  std::chrono::milliseconds timeout{std::chrono::seconds(10)};
  bool operator==(const JwksSource&) const = default;
};

class JwksService {
 public:
  explicit JwksService(JwksSource source);
  ~JwksService();
  JwksService(const JwksService&) = delete;
  JwksService& operator=(const JwksService&) = delete;

  void start();
  void stop();
  std::shared_ptr<const Jwks> current() const { return current_.load(); }
  void request_refresh();
  const JwksSource& source() const { return source_; }

 private:
  void run();
  bool fetch_once();  // true when a set was published
  void publish(std::shared_ptr<const Jwks> set) { current_.store(std::move(set)); }

  const JwksSource source_;
  std::atomic<std::shared_ptr<const Jwks>> current_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  bool refresh_requested_ = false;
  std::chrono::steady_clock::time_point last_fetch_{};
  std::string last_error_;  // the thread's own: logged once per change
  std::thread thread_;
};

}  // namespace doorman::access
