#include "runtime/workspace.h"

namespace doorman::runtime {

Workspace::Workspace(const config::LimitsSection& limits)
    : max_head_size(limits.max_head_size),
      max_uri_length(limits.max_uri_length),
      buffer_bytes(buffer_size(limits)),
      // not make_unique: no need to zero what reads overwrite
      in_bytes(new char[buffer_bytes]),
      out_bytes(new char[buffer_bytes]),
      request_parser(RequestParseOptions{.max_head_size = limits.max_head_size,
                                         .max_target_length = limits.max_uri_length}),
      response_parser(ResponseParseOptions{.max_head_size = limits.max_head_size}) {}

void Workspace::refit(const config::LimitsSection& limits) {
  max_head_size = limits.max_head_size;
  max_uri_length = limits.max_uri_length;
  request_parser = RequestHeadParser(RequestParseOptions{
      .max_head_size = limits.max_head_size, .max_target_length = limits.max_uri_length});
  response_parser = ResponseHeadParser(ResponseParseOptions{.max_head_size = limits.max_head_size});
}

std::unique_ptr<Workspace> WorkspacePool::take(const config::LimitsSection& limits) {
  while (!free_.empty()) {
    std::unique_ptr<Workspace> w = std::move(free_.back().workspace);
    free_.pop_back();
    if (w->fits(limits)) return w;
    // Made for the limits before a reload: dropped, and so are the others like it in turn.
  }
  return std::make_unique<Workspace>(limits);
}

bool WorkspacePool::give(std::unique_ptr<Workspace> workspace, Clock::time_point now) {
  free_.push_back(Free{std::move(workspace), now});
  return trim(now);
}

bool WorkspacePool::trim(Clock::time_point now) {
  // The front is the one given back longest ago: LIFO reuse leaves the ones a swing no longer
  // reaches there, and each is older than all behind it.
  while (free_.size() > kMaxFree && now - free_.front().given_at >= excess_grace_) {
    free_.pop_front();
  }
  return free_.size() > kMaxFree;
}

void WorkspacePool::drop_excess() {
  while (free_.size() > kMaxFree) free_.pop_front();
}

}  // namespace doorman::runtime
