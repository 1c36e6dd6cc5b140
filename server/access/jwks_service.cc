#include "access/jwks_service.h"

#include <cstdio>

#include "ranges/cache_file.h"
#include "ranges/fetch.h"

namespace doorman::access {
namespace {

// Cloudflare's document is a few KiB; the cap bounds what a broken endpoint can make us hold.
constexpr std::size_t kMaxJwksBody = 256 * 1024;

}  // namespace

JwksService::JwksService(JwksSource source) : source_(std::move(source)) {}

JwksService::~JwksService() {
  stop();
}

void JwksService::start() {
  if (thread_.joinable()) return;
  if (!source_.cache_file.empty()) {
    if (auto text = ranges::read_whole_file(source_.cache_file)) {
      if (auto set = Jwks::parse(*text)) {
        publish(*set);
        std::fprintf(stderr, "doorman: access: %zu keys from the cache %s\n", (*set)->size(),
                     source_.cache_file.c_str());
      } else {
        std::fprintf(stderr, "doorman: access: ignoring the cache %s: %s\n",
                     source_.cache_file.c_str(), set.error().c_str());
      }
    }
  }
  thread_ = std::thread([this] { run(); });
}

void JwksService::stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void JwksService::request_refresh() {
  {
    std::lock_guard lock(mutex_);
    if (refresh_requested_) return;
    refresh_requested_ = true;
  }
  wake_.notify_all();
}

bool JwksService::fetch_once() {
  ranges::FetchOptions options;
  options.url = source_.url;
  options.timeout = source_.timeout;
  options.max_bytes = kMaxJwksBody;
  std::string error;
  auto response = ranges::fetch_ranges(options);
  if (!response) {
    error = response.error();
  } else if (auto set = Jwks::parse(response->body); !set) {
    error = "unusable JWKS: " + set.error();
  } else {
    const bool first = current() == nullptr;
    publish(*set);
    if (!source_.cache_file.empty()) {
      if (auto written = ranges::write_file_atomic(source_.cache_file, response->body); !written)
        std::fprintf(stderr, "doorman: access: cannot write the cache %s: %s\n",
                     source_.cache_file.c_str(), written.error().c_str());
    }
    if (first || !last_error_.empty())
      std::fprintf(stderr, "doorman: access: %zu keys from %s\n", (*set)->size(),
                   source_.url.c_str());
    last_error_.clear();
    return true;
  }
  if (error != last_error_)
    std::fprintf(stderr, "doorman: access: fetching %s failed: %s (keeping %s)\n",
                 source_.url.c_str(), error.c_str(),
                 current() ? "the keys in force" : "no keys: tokens are refused");
  last_error_ = error;
  return false;
}

void JwksService::run() {
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stop_) return;
      refresh_requested_ = false;
      last_fetch_ = std::chrono::steady_clock::now();
    }
    const bool ok = fetch_once();
    std::unique_lock lock(mutex_);
    const auto interval = ok ? source_.refresh_interval : source_.refresh_min_interval;
    const auto next = last_fetch_ + interval;
    const auto earliest = last_fetch_ + source_.refresh_min_interval;
    // Sleep until the schedule, or until an unknown kid asks for an earlier fetch, but never
    // fetch again sooner than refresh_min_interval after the last one.
    wake_.wait_until(lock, next, [&] { return stop_ || refresh_requested_; });
    if (stop_) return;
    if (refresh_requested_) wake_.wait_until(lock, earliest, [&] { return stop_; });
    if (stop_) return;
  }
}

}  // namespace doorman::access
