#include "ranges/ranges_store.h"

#include <array>

namespace doorman::ranges {
namespace {

std::atomic<uint64_t> next_store_id{1};

}  // namespace

RangesStore::RangesStore(std::shared_ptr<const CidrSet> initial, RangesState state)
    : id_(next_store_id.fetch_add(1, std::memory_order_relaxed)),
      set_(std::move(initial)),
      state_(std::move(state)) {}

const CidrSet& RangesStore::current() const {
  // A few slots per thread: the server has at most two stores (Cloudflare, Fastly) alive; tests
  // create more, and a miss only costs an atomic load.
  struct Slot {
    uint64_t store = 0;
    uint64_t generation = 0;
    std::shared_ptr<const CidrSet> set;
  };
  thread_local std::array<Slot, 4> slots;
  thread_local std::size_t next_victim = 0;
  const uint64_t generation = generation_.load(std::memory_order_acquire);
  Slot* slot = nullptr;
  for (Slot& s : slots)
    if (s.store == id_) slot = &s;
  if (slot == nullptr) {
    slot = &slots[next_victim++ % slots.size()];
    slot->store = id_;
    slot->generation = 0;
  }
  if (slot->generation != generation || !slot->set) {
    // publish() stores the set before bumping the generation, so this load sees a set at least
    // as new as `generation`.
    slot->set = set_.load(std::memory_order_acquire);
    slot->generation = generation;
  }
  return *slot->set;
}

void RangesStore::publish(std::shared_ptr<const CidrSet> set, RangesState state) {
  {
    std::lock_guard lock(state_mutex_);
    state_ = std::move(state);
  }
  set_.store(std::move(set), std::memory_order_release);
  generation_.fetch_add(1, std::memory_order_acq_rel);
}

RangesState RangesStore::state() const {
  std::lock_guard lock(state_mutex_);
  return state_;
}

void RangesStore::set_state(RangesState state) {
  std::lock_guard lock(state_mutex_);
  state_ = std::move(state);
}

}  // namespace doorman::ranges
