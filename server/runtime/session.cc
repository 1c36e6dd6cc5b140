#include "runtime/session.h"

#include "runtime/worker.h"

namespace doorman::runtime {

void Session::ensure_buffers() {
  const config::LimitsSection& limits = snapshot->config.limits;
  // The head must fit with room to spare for the body bytes that arrive with it.
  const std::size_t size = std::size_t{limits.max_head_size} + 16384;
  if (in.capacity < size) {
    // Pipelined bytes already read stay (a reload may have raised max_head_size meanwhile).
    ByteBuffer bigger;
    bigger.allocate(size);
    if (!in.empty()) std::memcpy(bigger.data.get(), in.data.get() + in.begin, in.size());
    bigger.end = in.size();
    in = std::move(bigger);
  }
  if (out.capacity < size && out.empty()) out.allocate(size);
}

void Session::release_buffers() {
  if (in.empty()) in.release();
  if (out.empty()) out.release();
}

bool Session::adopt_current_generation() {
  if (generation == worker.current()) return false;
  generation = worker.current();
  snapshot = generation->snapshot.get();
  return true;
}

void Session::start_request() {
  // An HTTP/2 stream's session serves its one request on the generation it started with.
  if (!client.is_pipe() && generation != worker.current()) {
    // The old generation's pool keyed upstreams by its own indexes: a connection still held
    // here cannot go back into the new one.
    close_upstream();
    adopt_current_generation();
    const config::LimitsSection& limits = snapshot->config.limits;
    request_parser = RequestHeadParser(RequestParseOptions{
        .max_head_size = limits.max_head_size, .max_target_length = limits.max_uri_length});
    response_parser =
        ResponseHeadParser(ResponseParseOptions{.max_head_size = limits.max_head_size});
  }
  ensure_buffers();
}

}  // namespace doorman::runtime
