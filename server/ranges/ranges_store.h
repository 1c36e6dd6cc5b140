// RangesStore: the published range list of one provider, swapped without locks on the request
// path.
//
// Contract:
// - publish() installs a new immutable CidrSet (std::atomic<std::shared_ptr<const CidrSet>>) and
//   bumps a generation counter; sets are never modified after publication.
// - current() is for request-path threads: each thread keeps its own shared_ptr to the last set
//   it saw and re-loads the atomic only when the generation moved, so the hot path is one acquire
//   load and no shared refcount traffic. The returned reference stays valid until this thread
//   calls current() on this store again: take it once per request and decide with it, so every
//   decision sees one consistent set.
// - state()/set_state() carry the RangesState under a mutex (the refresher and the CLI, never
//   the request path).
// Thread safety: every method may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include "doorman/cidr_set.h"
#include "ranges/ranges_state.h"

namespace doorman::ranges {

class RangesStore {
 public:
  RangesStore(std::shared_ptr<const CidrSet> initial, RangesState state);
  RangesStore(const RangesStore&) = delete;
  RangesStore& operator=(const RangesStore&) = delete;

  const CidrSet& current() const;
  std::shared_ptr<const CidrSet> load() const { return set_.load(std::memory_order_acquire); }
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

  void publish(std::shared_ptr<const CidrSet> set, RangesState state);
  RangesState state() const;
  void set_state(RangesState state);

 private:
  const uint64_t id_;  // process-unique, keys the per-thread cache (addresses can be reused)
  std::atomic<std::shared_ptr<const CidrSet>> set_;
  std::atomic<uint64_t> generation_{1};
  mutable std::mutex state_mutex_;
  RangesState state_;
};

}  // namespace doorman::ranges
