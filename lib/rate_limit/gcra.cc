// GCRA arithmetic, the IPv6 prefix key and the IETF RateLimit fields (see rate_limit.h).
#include <algorithm>
#include <charconv>
#include <cstring>
#include <limits>

#include "doorman/rate_limit.h"

namespace doorman {
namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

// a * b, saturating at INT64_MAX (a, b >= 0): a policy of 1 request per day with a burst of a
// million would otherwise overflow burst * T.
int64_t saturating_mul(int64_t a, int64_t b) {
  if (a != 0 && b > kMax / a) return kMax;
  return a * b;
}

int64_t saturating_add(int64_t a, int64_t b) {
  return b > 0 && a > kMax - b ? kMax : a + b;
}

class FieldWriter {
 public:
  explicit FieldWriter(std::span<char> out) : out_(out) {}
  void put(std::string_view s) {
    if (s.size() > out_.size() - size_) {
      overflow_ = true;
      return;
    }
    std::memcpy(out_.data() + size_, s.data(), s.size());
    size_ += s.size();
  }
  void put(int64_t v) {
    char digits[24];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, v);
    put(std::string_view(digits, static_cast<std::size_t>(end - digits)));
  }
  std::size_t size() const { return overflow_ ? 0 : size_; }

 private:
  std::span<char> out_;
  std::size_t size_ = 0;
  bool overflow_ = false;
};

}  // namespace

RateTime RateLimitPolicy::emission_interval() const {
  const int64_t t = per.count() / std::max<int64_t>(requests, 1);
  return RateTime(std::max<int64_t>(t, 1));
}

GcraStep gcra_step(const RateLimitPolicy& policy, int64_t tat, int64_t now) {
  const int64_t t = policy.emission_interval().count();
  // tau: how far ahead of now the TAT may run after an admitted request; burst * T lets a quiet
  // client send `burst` requests at once (the first moves TAT to now + T, the last to now + B*T).
  const int64_t tau = saturating_mul(policy.effective_burst(), t);
  const int64_t start = std::max(tat, now);
  const int64_t next = saturating_add(start, t);
  GcraStep step;
  if (next - now > tau) {
    step.tat = tat;
    step.decision.allowed = false;
    step.decision.remaining = 0;
    step.decision.retry_after = RateTime(next - tau - now);
    step.decision.reset = RateTime(start - now);
    return step;
  }
  step.tat = next;
  step.decision.allowed = true;
  step.decision.remaining = static_cast<uint32_t>((tau - (next - now)) / t);
  step.decision.reset = RateTime(next - now);
  return step;
}

IpAddress rate_limit_key(const IpAddress& client, int ipv6_prefix) {
  if (client.is_v4() || ipv6_prefix >= 128) return client;
  std::array<uint8_t, 16> bytes = client.bytes();
  const int prefix = std::max(ipv6_prefix, 0);
  for (int i = 0; i < 16; ++i) {
    const int keep = std::clamp(prefix - i * 8, 0, 8);
    bytes[static_cast<std::size_t>(i)] &= static_cast<uint8_t>(0xff00u >> keep);
  }
  return IpAddress::from_v6(bytes);
}

int64_t ceil_seconds(RateTime t) {
  constexpr int64_t kSecond = 1'000'000'000;
  const int64_t ns = std::max<int64_t>(t.count(), 0);
  return ns / kSecond + (ns % kSecond != 0 ? 1 : 0);
}

std::size_t format_rate_limit_fields(std::string_view policy_name, const RateLimitPolicy& policy,
                                     const RateLimitDecision& decision, std::span<char> out) {
  // RFC 8941 §3.3.3: a String holds printable ASCII; '"' and '\\' would need escaping, which a
  // configured name has no reason to need.
  if (policy_name.size() > 32) return 0;
  for (char c : policy_name)
    if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') return 0;
  FieldWriter w(out);
  w.put("RateLimit-Policy: \"");
  w.put(policy_name);
  w.put("\";q=");
  w.put(static_cast<int64_t>(policy.requests));
  w.put(";w=");
  w.put(ceil_seconds(policy.per));
  w.put("\r\nRateLimit: \"");
  w.put(policy_name);
  w.put("\";r=");
  w.put(static_cast<int64_t>(decision.remaining));
  w.put(";t=");
  w.put(ceil_seconds(decision.reset));
  w.put("\r\n");
  if (!decision.allowed) {
    // RFC 9110 §10.2.3 delay-seconds; never 0, which would invite an immediate retry storm.
    w.put("Retry-After: ");
    w.put(std::max<int64_t>(ceil_seconds(decision.retry_after), 1));
    w.put("\r\n");
  }
  return w.size();
}

}  // namespace doorman
