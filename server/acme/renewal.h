// When to renew a certificate and when to retry a failed attempt: pure functions of times and a
// random fraction, so tests pass both.
//
// Contract:
// - renewal_time(): two thirds into the certificate's lifetime, moved earlier by up to one
//   thirtieth of the lifetime (`jitter` in [0, 1)), so many hosts (or many doorman instances)
//   issued together do not all renew in the same second. A 90-day certificate renews between
//   day 57 and day 60; a 6-day one between 3.8 and 4 days in.
// - ARI (RFC 9773): when the server suggests a window, a time inside it (start + jitter * width)
//   wins over the local rule; a window that ends before `now` means "renew now".
// - retry_delay(): after `failures` failed attempts in a row (>= 1), `first` doubled each time,
//   at most `cap` (RFC 8555 §6.6 asks clients not to hammer a failing server).
#pragma once

#include <chrono>

namespace doorman::acme {

using Clock = std::chrono::system_clock;

Clock::time_point renewal_time(Clock::time_point not_before, Clock::time_point not_after,
                               double jitter);
Clock::time_point renewal_time_in_window(Clock::time_point start, Clock::time_point end,
                                         double jitter);
std::chrono::seconds retry_delay(int failures, std::chrono::seconds first,
                                 std::chrono::seconds cap);

}  // namespace doorman::acme
