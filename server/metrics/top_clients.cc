#include "metrics/top_clients.h"

#include <algorithm>
#include <cstring>

namespace doorman::metrics {
namespace {

std::size_t hash_of(const IpAddress& address) {
  // FNV-1a over the 16 bytes: cheap, and the table is per worker (no flooding across workers).
  uint64_t h = 1469598103934665603ull;
  for (uint8_t b : address.bytes()) h = (h ^ b) * 1099511628211ull;
  return static_cast<std::size_t>(h ^ (h >> 29));
}

}  // namespace

void TopClients::add(Slot& slot, const IpAddress& address, uint64_t n) {
  const std::size_t start = hash_of(address);
  Entry* smallest = nullptr;
  for (std::size_t i = 0; i < kProbes; ++i) {
    Entry& e = slot.entries[(start + i) % kEntries];
    if (e.count == 0) {
      e.address = address;
      e.count = n;
      return;
    }
    if (e.address == address) {
      e.count += n;
      return;
    }
    if (smallest == nullptr || e.count < smallest->count) smallest = &e;
  }
  // Space-saving: the newcomer takes the smallest probed entry and its count.
  smallest->address = address;
  smallest->count += n;
}

void TopClients::record(const IpAddress& address, int64_t unix_seconds) {
  const int64_t minute = unix_seconds / 60;
  Slot& slot = slots_[static_cast<std::size_t>(minute) % kSlots];
  if (slot.minute != minute) {
    slot.minute = minute;
    slot.entries.fill(Entry{});
  }
  add(slot, address, 1);
}

void TopClients::merge(const TopClients& other) {
  for (std::size_t s = 0; s < kSlots; ++s) {
    const Slot& from = other.slots_[s];
    Slot& into = slots_[s];
    if (from.minute < 0) continue;
    if (into.minute != from.minute) {
      if (into.minute > from.minute) continue;  // ours is newer: theirs is outside the window
      into.minute = from.minute;
      into.entries.fill(Entry{});
    }
    for (const Entry& e : from.entries)
      if (e.count > 0) add(into, e.address, e.count);
  }
}

std::vector<std::pair<IpAddress, uint64_t>> TopClients::top(std::size_t n,
                                                            int64_t unix_seconds) const {
  const int64_t now = unix_seconds / 60;
  std::vector<std::pair<IpAddress, uint64_t>> all;
  for (const Slot& slot : slots_) {
    if (slot.minute < 0 || slot.minute <= now - static_cast<int64_t>(kSlots)) continue;
    for (const Entry& e : slot.entries) {
      if (e.count == 0) continue;
      auto it =
          std::find_if(all.begin(), all.end(), [&](const auto& p) { return p.first == e.address; });
      if (it == all.end())
        all.emplace_back(e.address, e.count);
      else
        it->second += e.count;
    }
  }
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first.bytes() < b.first.bytes();
  });
  if (all.size() > n) all.resize(n);
  return all;
}

}  // namespace doorman::metrics
