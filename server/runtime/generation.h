// Generation: what one configuration snapshot means on one worker: the snapshot itself and the
// upstream pool keyed by that snapshot's upstream indexes.
//
// Contract:
// - A worker holds its current Generation; each connection holds the one its request in flight
//   uses (Session::generation) and picks up the worker's current one when the next request
//   begins (Session::start_request). A reload (runtime/reload.h) gives every worker a new
//   Generation; the old one lives until its last request ends, then its pool (and the idle
//   upstream connections in it) is destroyed on the worker's thread.
// - Never mutated after construction apart from the pool, which belongs to the worker's thread.
// Thread safety: the owning worker's thread only (the snapshot inside is immutable and shared).
#pragma once

#include <asio.hpp>
#include <memory>

#include "runtime/snapshot.h"
#include "upstream/pool.h"

namespace doorman::runtime {

struct Generation {
  Generation(std::shared_ptr<const Snapshot> s, asio::io_context& context)
      : snapshot(std::move(s)), pool(context, *snapshot) {}
  Generation(const Generation&) = delete;
  Generation& operator=(const Generation&) = delete;

  const std::shared_ptr<const Snapshot> snapshot;
  upstream::Pool pool;
};

}  // namespace doorman::runtime
