// IdleReadiness: whether a pool's idle upstream connections have anything waiting (bytes, EOF,
// an error), answered for all of them by one epoll_wait instead of one recv(MSG_PEEK) each.
//
// Contract:
// - watch(fd) adds a socket to a level-triggered epoll set of this object's own (not the event
//   loop's: nothing here is asynchronous) and returns its key; closing the socket removes it
//   (epoll(7)), so there is no unwatch. A key of 0 means the socket is not in the set.
// - quiet() is true when the socket has nothing waiting. It answers from the last snapshot of
//   the set (the keys epoll_wait reported readable, hung up or failed) when that snapshot is
//   younger than `fresh` and was taken after the connection became idle; otherwise it takes a
//   new one. A snapshot that filled the event array (more sockets readable than `capacity`, most
//   of them in use) or failed is not trusted: quiet() then peeks the one socket.
// - So bytes that arrive less than `fresh` after a snapshot can go unseen until the next one,
//   which is the window nginx and HAProxy have for the whole of an event-loop iteration; the peek
//   this replaces had its own (bytes arriving between the peek and the request's write).
// Thread safety: one thread (the owning worker's).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

struct epoll_event;

namespace doorman::upstream {

class IdleReadiness {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr Clock::duration kFresh = std::chrono::microseconds(200);
  static constexpr std::size_t kCapacity = 256;

  explicit IdleReadiness(Clock::duration fresh = kFresh, std::size_t capacity = kCapacity);
  ~IdleReadiness();
  IdleReadiness(const IdleReadiness&) = delete;
  IdleReadiness& operator=(const IdleReadiness&) = delete;

  // Adds `fd` (a connected stream socket) to the set; its key, or 0 when it could not be added.
  std::uint64_t watch(int fd);
  // Whether the socket `fd` with key `key`, idle since `idle_since`, has nothing waiting.
  bool quiet(int fd, std::uint64_t key, Clock::time_point idle_since, Clock::time_point now);
  // How many snapshots (epoll_wait calls) and single-socket peeks quiet() has made.
  std::uint64_t snapshots() const { return snapshots_; }
  std::uint64_t peeks() const { return peeks_; }

 private:
  void take_snapshot(Clock::time_point now);
  bool peek_quiet(int fd);

  int epoll_fd_ = -1;
  Clock::duration fresh_;
  std::vector<epoll_event> events_;
  std::vector<std::uint64_t> ready_;  // sorted keys of the last snapshot
  bool complete_ = false;
  Clock::time_point taken_at_ = Clock::time_point::min();  // no snapshot yet
  std::uint64_t next_key_ = 1;
  std::uint64_t snapshots_ = 0;
  std::uint64_t peeks_ = 0;
};

}  // namespace doorman::upstream
