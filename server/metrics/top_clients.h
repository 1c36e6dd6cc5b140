// TopClients: the resolved client IPs seen most in the last few minutes, bounded in memory and
// per request cost, for the status page (never a metric label).
//
// Contract:
// - Time is cut into one-minute slots; kSlots slots are kept (the current one and the previous
//   ones), so the window is the last kSlots minutes. A slot is a small open-addressed table of
//   kEntries addresses with counts. A new address that finds no free entry within kProbes
//   probes replaces the smallest count it probed and inherits that count + 1 (the space-saving
//   heavy-hitter rule: a frequent address cannot be pushed out by a stream of one-off ones, and
//   a count is never under its true value while the address stays).
// - record() costs one hash and at most kProbes comparisons; no allocation after construction.
// - top() merges the slots of the window into the n largest (counts are upper bounds when the
//   table was full).
// Thread safety: one writer; copies are values.
#pragma once

#include <array>
#include <cstdint>
#include <utility>
#include <vector>

#include "doorman/ip_address.h"

namespace doorman::metrics {

class TopClients {
 public:
  static constexpr std::size_t kSlots = 5;     // minutes kept
  static constexpr std::size_t kEntries = 64;  // addresses per minute and worker
  static constexpr std::size_t kProbes = 8;

  struct Entry {
    IpAddress address;
    uint64_t count = 0;  // 0 = free
  };

  void record(const IpAddress& address, int64_t unix_seconds);
  // Adds other's slots into this one's (slot by slot, same minutes only).
  void merge(const TopClients& other);
  // The n addresses with the largest counts over the minutes in (now - kSlots min, now].
  std::vector<std::pair<IpAddress, uint64_t>> top(std::size_t n, int64_t unix_seconds) const;

 private:
  struct Slot {
    int64_t minute = -1;
    std::array<Entry, kEntries> entries{};
  };
  void add(Slot& slot, const IpAddress& address, uint64_t n);
  std::array<Slot, kSlots> slots_{};
};

}  // namespace doorman::metrics
