#include "upstream/idle_readiness.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace doorman::upstream {

IdleReadiness::IdleReadiness(Clock::duration fresh, std::size_t capacity)
    : epoll_fd_(::epoll_create1(EPOLL_CLOEXEC)),
      fresh_(fresh),
      events_(std::max<std::size_t>(capacity, 1)) {
  ready_.reserve(events_.size());
}

IdleReadiness::~IdleReadiness() {
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
}

std::uint64_t IdleReadiness::watch(int fd) {
  if (epoll_fd_ < 0) return 0;
  epoll_event event{};
  // Level-triggered: a snapshot reports what is waiting now, not what arrived since the last one
  // (response bytes the request path has already read would otherwise look like strays).
  event.events = EPOLLIN | EPOLLRDHUP;
  event.data.u64 = next_key_;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) != 0) return 0;
  return next_key_++;
}

bool IdleReadiness::quiet(int fd, std::uint64_t key, Clock::time_point idle_since,
                          Clock::time_point now) {
  if (key == 0) return peek_quiet(fd);
  // A snapshot taken before the connection went idle (or none yet: taken_at_ is the epoch's
  // minimum) says nothing about what came after its response; an old one says nothing about now.
  if (!(idle_since < taken_at_) || now - taken_at_ >= fresh_) {
    take_snapshot(now);
  }
  if (!complete_) return peek_quiet(fd);
  return !std::binary_search(ready_.begin(), ready_.end(), key);
}

void IdleReadiness::take_snapshot(Clock::time_point now) {
  ++snapshots_;
  taken_at_ = now;
  ready_.clear();
  const int capacity = static_cast<int>(events_.size());
  const int n = ::epoll_wait(epoll_fd_, events_.data(), capacity, 0);
  complete_ = n >= 0 && n < capacity;
  if (!complete_) return;
  for (int i = 0; i < n; ++i) ready_.push_back(events_[i].data.u64);
  std::sort(ready_.begin(), ready_.end());
}

bool IdleReadiness::peek_quiet(int fd) {
  ++peeks_;
  char byte;
  const ssize_t n = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

}  // namespace doorman::upstream
