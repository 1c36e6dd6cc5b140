// The watchdog of a Session (session.h): one timer per session that sleeps until the armed
// deadline and, when it passes, closes what the phase waits on (Asio's cpp20 examples: a
// deadline plus watchdog per connection). A plain completion handler re-arms it, not a
// coroutine: nothing to spawn or allocate per connection beyond the timer's wait. An HTTP/1.1
// connection has one; so does each HTTP/2 stream's session (its "client" is a StreamPipe, which
// closing ends).
//
// Contract: runs until s.done; upstream phases close only the upstream socket (the stage answers
// 504 and the client side stays usable), client phases close both sides. s.timed_out records
// the phase that expired.
// Thread safety: the session's worker thread only.
#pragma once

#include <asio.hpp>
#include <memory>

#include "runtime/session.h"

namespace doorman::runtime {

// Starts the watchdog; `owner` (the Connection or HTTP/2 stream) keeps `s` alive while it runs.
void watch_session(Session& s, std::shared_ptr<void> owner);

}  // namespace doorman::runtime
