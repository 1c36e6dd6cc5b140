#include "request_path/rate_limit.h"

#include <algorithm>
#include <cstring>
#include <optional>

#include "redis/rate_limit_backend.h"
#include "runtime/worker.h"

namespace doorman::request_path {
namespace {

RateLimitPolicy to_policy(const config::RateLimitRule& rule) {
  return RateLimitPolicy{.requests = rule.requests,
                         .per = std::chrono::duration_cast<RateTime>(rule.per),
                         .burst = rule.burst};
}

RateTime now() {
  return std::chrono::duration_cast<RateTime>(std::chrono::steady_clock::now().time_since_epoch());
}

void note_decision(Exchange& x, const RoutePolicy& p, const RateLimitDecision& d,
                   RateLimitOutcome outcome) {
  x.rate_limit.outcome = outcome;
  x.rate_limit.fields_size =
      static_cast<uint16_t>(format_rate_limit_fields(p.name, p.policy, d, x.rate_limit.fields));
  if (!d.allowed) x.reason = Reason::kRateLimited;
}

// Asks Redis and waits at most `budget` on a timer of this worker; nullopt when Redis failed or
// answered late. The answer comes from the backend thread as a post onto this worker, so the
// timer and `pending` are only ever touched here (the backend thread drops its reference before
// posting).
asio::awaitable<std::optional<RateLimitDecision>> ask_shared(runtime::Session& s,
                                                             redis::RateLimitBackend& backend,
                                                             const RoutePolicy& p,
                                                             const IpAddress& key,
                                                             std::chrono::milliseconds budget) {
  struct Pending {
    explicit Pending(asio::io_context& context) : timer(context) {}
    asio::steady_timer timer;
    std::optional<RateLimitDecision> answer;
    bool done = false;
  };
  auto pending = std::make_shared<Pending>(s.worker.context());
  pending->timer.expires_after(budget);
  backend.check(p.id, p.policy, key,
                [pending, executor = s.worker.context().get_executor()](
                    std::optional<RateLimitDecision> answer) mutable {
                  asio::post(executor, [pending = std::move(pending), answer] {
                    if (pending->done) return;
                    pending->done = true;
                    pending->answer = answer;
                    pending->timer.cancel();
                  });
                });
  co_await pending->timer.async_wait(runtime::kNoThrow);
  if (!pending->done) {
    pending->done = true;
    backend.report_timeout();
  }
  co_return pending->answer;
}

}  // namespace

std::string_view rate_limit_outcome_name(RateLimitOutcome outcome) {
  switch (outcome) {
    case RateLimitOutcome::kNone:
      return "-";
    case RateLimitOutcome::kAllowed:
      return "allowed";
    case RateLimitOutcome::kLimited:
      return "limited";
    case RateLimitOutcome::kFallbackAllow:
      return "fallback-allow";
    case RateLimitOutcome::kFallbackDeny:
      return "fallback-deny";
    case RateLimitOutcome::kFallbackLocal:
      return "fallback-local";
    case RateLimitOutcome::kFallbackLocalLimited:
      return "fallback-local-limited";
  }
  return "-";
}

RateLimits::RateLimits(const config::Config& config, const RateLimits* previous)
    : section_(config.rate_limit) {
  // Routes on the server default share policy id 0; each route with its own rule gets its own
  // id, hence its own budget per client.
  uint32_t next_id = 1;
  for (const config::RouteSection& route : config.routes) {
    RoutePolicy p;
    switch (route.rate_limit.kind) {
      case config::RouteRateLimit::Kind::kOff:
        break;
      case config::RouteRateLimit::Kind::kInherit:
        if (section_.has_default) {
          p.limited = true;
          p.id = 0;
          p.policy = to_policy(section_.rule);
          p.name = "default";
        }
        break;
      case config::RouteRateLimit::Kind::kOwn:
        p.limited = true;
        p.id = next_id++;
        p.policy = to_policy(route.rate_limit.rule);
        p.name = "route";
        break;
    }
    routes_.push_back(p);
  }
  if (previous && same_budgets(*previous))
    local_ = previous->local_;
  else
    local_ = std::make_shared<RateLimiter>(
        RateLimiter::Options{.max_keys = static_cast<std::size_t>(section_.max_keys),
                             .ipv6_prefix = section_.ipv6_prefix});
  const bool any_limited =
      std::any_of(routes_.begin(), routes_.end(), [](const RoutePolicy& r) { return r.limited; });
  if (!section_.redis || !any_limited) return;
  const config::RateLimitSection* before = previous ? &previous->section_ : nullptr;
  if (previous && previous->shared_ && before->redis_host == section_.redis_host &&
      before->redis_port == section_.redis_port &&
      before->backend_timeout == section_.backend_timeout)
    shared_ = previous->shared_;
  else
    shared_ = std::make_shared<redis::RateLimitBackend>(section_.redis_host, section_.redis_port,
                                                        section_.backend_timeout);
}

// The table's state is keyed by (policy id, client): it keeps its meaning when the table has the
// same shape and no id now names a different rule.
bool RateLimits::same_budgets(const RateLimits& other) const {
  if (other.section_.max_keys != section_.max_keys ||
      other.section_.ipv6_prefix != section_.ipv6_prefix)
    return false;
  for (const RoutePolicy& mine : routes_) {
    if (!mine.limited) continue;
    for (const RoutePolicy& theirs : other.routes_)
      if (theirs.limited && theirs.id == mine.id && !(theirs.policy == mine.policy)) return false;
  }
  return true;
}

RateLimits::~RateLimits() = default;

std::shared_ptr<RateLimits> make_rate_limits(const config::Config& config,
                                             const RateLimits* previous) {
  return std::make_shared<RateLimits>(config, previous);
}

std::optional<bool> limit_rate_at_once(runtime::Session& s, Exchange& x) {
  RateLimits& limits = *s.snapshot->rate_limits;
  const RoutePolicy& p =
      limits.policy_of(static_cast<std::size_t>(x.route - s.snapshot->config.routes.data()));
  if (!p.limited || !x.identity.client_ip) return true;
  if (limits.shared() != nullptr) return std::nullopt;
  const RateLimitDecision d = limits.local().check(p.id, p.policy, *x.identity.client_ip, now());
  note_decision(x, p, d, d.allowed ? RateLimitOutcome::kAllowed : RateLimitOutcome::kLimited);
  return d.allowed;
}

asio::awaitable<bool> limit_rate(runtime::Session& s, Exchange& x) {
  if (const std::optional<bool> decided = limit_rate_at_once(s, x)) co_return *decided;
  RateLimits& limits = *s.snapshot->rate_limits;
  const RoutePolicy& p =
      limits.policy_of(static_cast<std::size_t>(x.route - s.snapshot->config.routes.data()));
  const IpAddress& client = *x.identity.client_ip;
  redis::RateLimitBackend* shared = limits.shared();
  // Shared budgets: ask Redis (only while it is reachable: a down backend costs no wait).
  std::optional<RateLimitDecision> answer;
  if (shared->available())
    answer =
        co_await ask_shared(s, *shared, p, rate_limit_key(client, limits.section().ipv6_prefix),
                            limits.section().backend_timeout);
  if (answer) {
    note_decision(x, p, *answer,
                  answer->allowed ? RateLimitOutcome::kAllowed : RateLimitOutcome::kLimited);
    co_return answer->allowed;
  }
  switch (limits.section().on_backend_error) {
    case config::RateLimitFallback::kAllow:
      x.rate_limit.outcome = RateLimitOutcome::kFallbackAllow;
      co_return true;
    case config::RateLimitFallback::kDeny:
      x.rate_limit.outcome = RateLimitOutcome::kFallbackDeny;
      x.reason = Reason::kRateLimitUnavailable;
      co_return false;
    case config::RateLimitFallback::kLocal:
      break;
  }
  // This instance's own table: the same policy, but only this instance's share of traffic.
  const RateLimitDecision d = limits.local().check(p.id, p.policy, client, now());
  note_decision(
      x, p, d,
      d.allowed ? RateLimitOutcome::kFallbackLocal : RateLimitOutcome::kFallbackLocalLimited);
  co_return d.allowed;
}

void add_rate_limit_fields(HeadPieces& pieces, const RateLimitNote& note) {
  if (note.fields_size == 0) return;
  const auto all = pieces.pieces();
  // The head's last two bytes are the blank line's CRLF (RFC 9112 §2.1), in the last piece
  // (which may be exactly "\r\n"): the fields go in front of it. In place: HeadPieces is a few
  // KiB of views, and copying it per response cost more than the limiter itself.
  if (all.empty() || !all.back().ends_with("\r\n")) return;
  pieces.drop_suffix(2);
  pieces.append(note.fields_view());
  pieces.append("\r\n");
}

std::string_view with_rate_limit_fields(std::string_view reply, const RateLimitNote& note,
                                        std::span<char> buffer) {
  if (note.fields_size == 0) return reply;
  const std::size_t blank = reply.find("\r\n\r\n");
  if (blank == std::string_view::npos || reply.data() != buffer.data() ||
      reply.size() + note.fields_size > buffer.size())
    return reply;
  const std::size_t at = blank + 2;
  char* base = buffer.data();
  std::memmove(base + at + note.fields_size, base + at, reply.size() - at);
  std::memcpy(base + at, note.fields.data(), note.fields_size);
  return {base, reply.size() + note.fields_size};
}

}  // namespace doorman::request_path
