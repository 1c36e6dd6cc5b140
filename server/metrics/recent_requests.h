// RecentRequests: the last few requests a worker finished, for the status page ("what
// `doorman logs` shows": time, request id, route, client, status, reason, duration). A fixed
// ring of fixed-size records: no allocation per request, bounded memory, newest overwrites
// oldest.
// Thread safety: one writer; copies are values.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "doorman/ip_address.h"

namespace doorman::metrics {

// Bounded text copied into a record (truncated, never allocated).
template <std::size_t N>
struct Text {
  std::array<char, N> bytes{};
  uint8_t size = 0;
  void set(std::string_view v) {
    size = static_cast<uint8_t>(v.size() < N ? v.size() : N);
    for (std::size_t i = 0; i < size; ++i) bytes[i] = v[i];
  }
  std::string_view view() const { return {bytes.data(), size}; }
};

struct RecentRequest {
  int64_t unix_ms = 0;
  Text<32> request_id;
  Text<48> route;  // "" = no route
  Text<8> method;
  Text<80> target;
  bool has_client = false;
  IpAddress client;
  Text<24> source;  // client_ip_source name
  int status = 0;
  Text<32> reason;  // local-reply code, "" when relayed
  Text<40> detail;
  float duration_ms = 0;
};

class RecentRequests {
 public:
  static constexpr std::size_t kSize = 32;
  void add(const RecentRequest& r) {
    ring_[next_ % kSize] = r;
    ++next_;
  }
  // Every held record (up to kSize), any order.
  std::vector<RecentRequest> all() const {
    const std::size_t n = next_ < kSize ? next_ : kSize;
    return std::vector<RecentRequest>(ring_.begin(), ring_.begin() + static_cast<long>(n));
  }

 private:
  std::array<RecentRequest, kSize> ring_{};
  uint64_t next_ = 0;
};

}  // namespace doorman::metrics
