// RateLimiter: the sharded, set-associative table of GCRA states (see rate_limit.h).
#include <algorithm>
#include <mutex>

#include "doorman/rate_limit.h"

namespace doorman {
namespace {

// One tracked key. tat <= now means idle (equivalent to absent); 0 marks a never-used slot.
struct Slot {
  IpAddress key;
  uint32_t policy = 0;
  int64_t tat = 0;
};
static_assert(sizeof(Slot) == RateLimiter::kBytesPerKey, "kBytesPerKey documents the slot size");

uint64_t hash_key(const IpAddress& key, uint32_t policy) {
  // splitmix64 finalizer over both halves and the policy: shard and bucket come from
  // different bits, so they must all be well mixed.
  uint64_t h = key.high64() ^ (key.low64() * 0x9e3779b97f4a7c15ULL) ^ (uint64_t{policy} << 32);
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return h;
}

}  // namespace

// Aligned to a cache line each so two workers on different shards never share one.
struct alignas(64) RateLimiter::Shard {
  std::mutex mutex;
  std::unique_ptr<Slot[]> slots;
};

RateLimiter::RateLimiter(Options options) : options_(options) {
  const std::size_t per_bucket_group = kShards * kWays;
  const std::size_t wanted = std::max<std::size_t>(options.max_keys, 1);
  buckets_per_shard_ = (wanted + per_bucket_group - 1) / per_bucket_group;
  capacity_ = buckets_per_shard_ * per_bucket_group;
  shards_ = std::make_unique<Shard[]>(kShards);
  for (std::size_t i = 0; i < kShards; ++i)
    shards_[i].slots = std::make_unique<Slot[]>(buckets_per_shard_ * kWays);
}

RateLimiter::~RateLimiter() = default;

RateLimitDecision RateLimiter::check(uint32_t policy_id, const RateLimitPolicy& policy,
                                     const IpAddress& client, RateTime now) {
  const IpAddress key = rate_limit_key(client, options_.ipv6_prefix);
  const uint64_t h = hash_key(key, policy_id);
  Shard& shard = shards_[h >> 58];  // top 6 bits: kShards = 64
  Slot* bucket = shard.slots.get() + (h % buckets_per_shard_) * kWays;
  const int64_t t = now.count();

  std::lock_guard lock(shard.mutex);
  Slot* found = nullptr;
  Slot* victim = bucket;
  for (std::size_t i = 0; i < kWays; ++i) {
    Slot& slot = bucket[i];
    if (slot.tat != 0 && slot.policy == policy_id && slot.key == key) {
      found = &slot;
      break;
    }
    // Prefer the slot closest to idle: an idle one (tat <= now) loses nothing when reused.
    if (slot.tat < victim->tat) victim = &slot;
  }
  const int64_t stored = found != nullptr ? found->tat : 0;
  const GcraStep step = gcra_step(policy, stored, t);
  if (found == nullptr) {
    // A refused request of an absent key cannot happen (a fresh key always has its burst), so
    // a new slot is only taken for an admitted request.
    if (!step.decision.allowed) return step.decision;
    victim->key = key;
    victim->policy = policy_id;
    found = victim;
  }
  found->tat = step.tat;
  return step.decision;
}

std::size_t RateLimiter::tracked_keys(RateTime now) const {
  std::size_t n = 0;
  for (std::size_t s = 0; s < kShards; ++s) {
    std::lock_guard lock(shards_[s].mutex);
    for (std::size_t i = 0; i < buckets_per_shard_ * kWays; ++i)
      if (shards_[s].slots[i].tat > now.count()) ++n;
  }
  return n;
}

}  // namespace doorman
