#include "redis/rate_limit_backend.h"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <cstdio>
#include <memory>

namespace doorman::redis {
namespace {

// GCRA as in lib/rate_limit/gcra.cc, in microseconds (Lua numbers are doubles: microseconds
// since the epoch stay exact, nanoseconds would not). KEYS[1] = key, ARGV = {T, tau}.
// Returns {allowed, remaining, retry_after_us, reset_us}.
constexpr const char* kScript = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tau = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local start = math.max(tat, now)
local nxt = start + interval
if nxt - now > tau then
  return {0, 0, nxt - tau - now, start - now}
end
redis.call('SET', KEYS[1], string.format('%d', nxt), 'PX', math.floor((nxt - now) / 1000) + 1)
return {1, math.floor((tau - (nxt - now)) / interval), 0, nxt - now}
)lua";

struct ContextDeleter {
  void operator()(redisContext* c) const { redisFree(c); }
};
using Context = std::unique_ptr<redisContext, ContextDeleter>;
struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

timeval to_timeval(std::chrono::milliseconds ms) {
  return timeval{static_cast<time_t>(ms.count() / 1000),
                 static_cast<suseconds_t>((ms.count() % 1000) * 1000)};
}

std::optional<RateLimitDecision> decode(const redisReply* r) {
  if (r == nullptr || r->type != REDIS_REPLY_ARRAY || r->elements != 4) return std::nullopt;
  for (std::size_t i = 0; i < 4; ++i)
    if (r->element[i]->type != REDIS_REPLY_INTEGER) return std::nullopt;
  using std::chrono::microseconds;
  RateLimitDecision d;
  d.allowed = r->element[0]->integer == 1;
  d.remaining = static_cast<uint32_t>(std::max<long long>(r->element[1]->integer, 0));
  d.retry_after = microseconds(r->element[2]->integer);
  d.reset = microseconds(r->element[3]->integer);
  return d;
}

bool is_noscript(const redisReply* r) {
  return r != nullptr && r->type == REDIS_REPLY_ERROR &&
         std::string_view(r->str).starts_with("NOSCRIPT");
}

}  // namespace

RateLimitBackend::RateLimitBackend(std::string host, uint16_t port,
                                   std::chrono::milliseconds timeout)
    : host_(std::move(host)), port_(port), timeout_(timeout) {}

RateLimitBackend::~RateLimitBackend() {
  stop();
}

void RateLimitBackend::start() {
  std::unique_lock lock(mutex_);
  if (thread_.joinable() || stop_) return;
  thread_ = std::thread([this] { run(); });
  // Wait for the first connection attempt (bounded by its own timeout), so the server starts
  // accepting with Redis already in use when it is up: otherwise the first requests would be
  // decided by on_backend_error only because the connect had not finished yet.
  const auto bound = std::max(timeout_ * 20, std::chrono::milliseconds(100)) * 2;
  wake_.wait_for(lock, bound, [&] { return first_attempt_done_ || stop_; });
}

void RateLimitBackend::stop() {
  std::vector<Job> left;
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
    left.swap(queue_);  // never started: nobody else will answer these
  }
  available_.store(false, std::memory_order_relaxed);
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  for (Job& job : left) job.done(std::nullopt);
}

std::string RateLimitBackend::describe() const {
  return "redis://" + (host_.find(':') != std::string::npos ? "[" + host_ + "]" : host_) + ":" +
         std::to_string(port_);
}

void RateLimitBackend::check(uint32_t policy_id, const RateLimitPolicy& policy,
                             const IpAddress& key, Callback done) {
  const long long interval_us = std::max<long long>(
      std::chrono::duration_cast<std::chrono::microseconds>(policy.emission_interval()).count(), 1);
  Job job{"doorman:rl:" + std::to_string(policy_id) + ":" + key.to_string(), interval_us,
          interval_us * static_cast<long long>(policy.effective_burst()), std::move(done)};
  bool queued = false;
  {
    std::lock_guard lock(mutex_);
    if (!stop_) {
      queue_.push_back(std::move(job));
      queued = true;
    }
  }
  if (!queued) {  // stopped (the server is shutting down): fail at once, on the caller's thread
    job.done(std::nullopt);
    return;
  }
  wake_.notify_one();
}

void RateLimitBackend::set_available(bool available, const char* why) {
  available_.store(available, std::memory_order_relaxed);
  const int state = available ? 1 : 2;
  if (logged_state_.exchange(state) == state) return;  // logged once per transition
  if (available)
    std::fprintf(stderr, "doorman: rate_limit backend %s reachable\n", describe().c_str());
  else
    std::fprintf(stderr,
                 "doorman: rate_limit backend %s unavailable (%s): using on_backend_error\n",
                 describe().c_str(), why);
}

void RateLimitBackend::report_timeout() {
  if (available_.load(std::memory_order_relaxed)) set_available(false, "timeout");
}

void RateLimitBackend::run() {
  Context ctx;
  std::string sha;
  // The socket timeout bounds how long this thread is stuck on a hung Redis; workers stopped
  // waiting after their own budget long before.
  const auto io_timeout = to_timeval(std::max(timeout_ * 20, std::chrono::milliseconds(100)));
  std::unique_lock lock(mutex_);
  while (!stop_) {
    if (!ctx) {
      lock.unlock();
      Context c(redisConnectWithTimeout(host_.c_str(), port_, io_timeout));
      if (c && c->err == 0) {
        redisSetTimeout(c.get(), io_timeout);
        Reply r(static_cast<redisReply*>(redisCommand(c.get(), "SCRIPT LOAD %s", kScript)));
        if (r && r->type == REDIS_REPLY_STRING) {
          sha.assign(r->str, r->len);
          ctx = std::move(c);
          set_available(true, "connected");
        }
      }
      if (!ctx) set_available(false, "cannot connect");
      lock.lock();
      if (!first_attempt_done_) {
        first_attempt_done_ = true;
        wake_.notify_all();  // start() waits for this
      }
      if (!ctx) {
        // Fail what is queued at once, then retry the connection in 200 ms.
        std::vector<Job> failed;
        failed.swap(queue_);
        lock.unlock();
        for (Job& job : failed) job.done(std::nullopt);
        lock.lock();
        wake_.wait_for(lock, std::chrono::milliseconds(200), [&] { return stop_; });
        continue;
      }
    }
    wake_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (stop_) break;
    std::vector<Job> batch;
    batch.swap(queue_);
    lock.unlock();
    // Pipeline: every queued request in one write, then the replies in order.
    for (const Job& job : batch)
      redisAppendCommand(ctx.get(), "EVALSHA %s 1 %s %lld %lld", sha.c_str(), job.key.c_str(),
                         job.interval_us, job.tau_us);
    std::size_t answered = 0;
    for (; answered < batch.size(); ++answered) {
      void* raw = nullptr;
      if (redisGetReply(ctx.get(), &raw) != REDIS_OK) break;
      Reply r(static_cast<redisReply*>(raw));
      if (is_noscript(r.get()))  // Redis restarted under us with an empty script cache
        r.reset(static_cast<redisReply*>(
            redisCommand(ctx.get(), "EVAL %s 1 %s %lld %lld", kScript, batch[answered].key.c_str(),
                         batch[answered].interval_us, batch[answered].tau_us)));
      const auto decision = decode(r.get());
      if (decision) set_available(true, nullptr);
      batch[answered].done(decision);
    }
    if (answered < batch.size() || ctx->err != 0) {
      set_available(false, ctx->err ? ctx->errstr : "bad reply");
      ctx.reset();
      for (std::size_t i = answered; i < batch.size(); ++i) batch[i].done(std::nullopt);
    }
    lock.lock();
  }
  // Stopping: fail what is still queued now, while the askers' event loops are alive (stop()'s
  // contract), instead of leaving callbacks that point at them to a later destructor.
  std::vector<Job> left;
  left.swap(queue_);
  lock.unlock();
  for (Job& job : left) job.done(std::nullopt);
}

}  // namespace doorman::redis
