#include "runtime/session.h"

#include "runtime/worker.h"

namespace doorman::runtime {
namespace {

// Moves the unread window of `buffer` to the front of `storage` (n bytes, at least its size).
void rebind(ByteBuffer& buffer, char* storage, std::size_t n) {
  const std::size_t size = buffer.size();
  if (size != 0) std::memmove(storage, buffer.data + buffer.begin, size);
  buffer.bind(storage, n);
  buffer.end = size;
}

}  // namespace

Session::~Session() {
  if (ws) worker.give_workspace(std::move(ws));
}

void Session::ensure_buffers() {
  const config::LimitsSection& limits = snapshot->config.limits;
  if (!ws) {
    ws = worker.workspaces().take(limits);
    in.bind(ws->in_bytes.get(), ws->buffer_bytes);
    out.bind(ws->out_bytes.get(), ws->buffer_bytes);
    return;
  }
  if (ws->fits(limits)) return;
  // A reload changed [limits] between two requests on this connection. Bytes already read (a
  // pipelined request) stay; the buffers only grow, so they always fit.
  const std::size_t size = Workspace::buffer_size(limits);
  if (ws->buffer_bytes < size) {
    std::unique_ptr<char[]> in_bytes(new char[size]);
    std::unique_ptr<char[]> out_bytes(new char[size]);
    rebind(in, in_bytes.get(), size);
    rebind(out, out_bytes.get(), size);
    ws->in_bytes = std::move(in_bytes);
    ws->out_bytes = std::move(out_bytes);
    ws->buffer_bytes = size;
  }
  ws->refit(limits);
}

void Session::release_buffers() {
  if (!ws || !in.empty()) return;
  in.unbind();
  out.unbind();
  worker.give_workspace(std::move(ws));
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
  }
  ensure_buffers();  // the parsers are remade there if the new [limits] differ
}

}  // namespace doorman::runtime
