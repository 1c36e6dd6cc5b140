#include "acme/renewal.h"

#include <algorithm>

namespace doorman::acme {

Clock::time_point renewal_time(Clock::time_point not_before, Clock::time_point not_after,
                               double jitter) {
  const auto lifetime = std::chrono::duration_cast<std::chrono::seconds>(not_after - not_before);
  if (lifetime.count() <= 0) return not_before;  // nonsense validity: renew at once
  jitter = std::clamp(jitter, 0.0, 1.0);
  const auto two_thirds = lifetime * 2 / 3;
  const auto early = std::chrono::seconds(static_cast<long long>(jitter * lifetime.count() / 30));
  return not_before + two_thirds - early;
}

Clock::time_point renewal_time_in_window(Clock::time_point start, Clock::time_point end,
                                         double jitter) {
  if (end <= start) return start;
  jitter = std::clamp(jitter, 0.0, 1.0);
  const auto width = std::chrono::duration_cast<std::chrono::seconds>(end - start);
  return start + std::chrono::seconds(static_cast<long long>(jitter * width.count()));
}

std::chrono::seconds retry_delay(int failures, std::chrono::seconds first,
                                 std::chrono::seconds cap) {
  std::chrono::seconds delay = first;
  for (int i = 1; i < failures && delay < cap; ++i) delay *= 2;
  return std::min(delay, cap);
}

}  // namespace doorman::acme
