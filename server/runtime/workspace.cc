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
    std::unique_ptr<Workspace> w = std::move(free_.back());
    free_.pop_back();
    if (w->fits(limits)) return w;
    // Made for the limits before a reload: dropped, and so are the others like it in turn.
  }
  return std::make_unique<Workspace>(limits);
}

void WorkspacePool::give(std::unique_ptr<Workspace> workspace) {
  if (free_.size() < kMaxFree) free_.push_back(std::move(workspace));
}

}  // namespace doorman::runtime
