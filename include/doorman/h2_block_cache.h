// BlockCache: the allocator one nghttp2 session uses (nghttp2_mem), keeping the small blocks the
// session frees (its per-stream state, header and DATA items: about ten per request, 100-300
// bytes) and handing them out again, newest first, so a stream reuses memory still in the CPU's
// cache instead of whatever the heap's bins give after 100 streams in flight churned them.
//
// Contract:
// - Blocks up to kMaxCached bytes come in 32-byte classes; up to kPerClass free ones are kept
//   per class; larger blocks and the surplus go to malloc/free. Every block is 16-byte aligned
//   (a 16-byte header before it records its class, or its size for a large block).
// - mem() is the nghttp2_mem to pass to nghttp2_session_server_new3; the cache must outlive
//   the session (delete the session first: it frees into the cache).
// - Not thread-safe: one session, one thread, like the session itself.
#pragma once

#include <nghttp2/nghttp2.h>

#include <array>
#include <cstddef>
#include <cstdint>

namespace doorman::h2 {

class BlockCache {
 public:
  static constexpr std::size_t kClassBytes = 32;
  static constexpr std::size_t kMaxCached = 512;
  static constexpr std::size_t kPerClass = 32;

  BlockCache();
  ~BlockCache();
  BlockCache(const BlockCache&) = delete;
  BlockCache& operator=(const BlockCache&) = delete;

  void* allocate(std::size_t size);
  void release(void* block);
  void* reallocate(void* block, std::size_t size);
  // Free blocks kept now (for tests).
  std::size_t kept() const;

  nghttp2_mem* mem() { return &mem_; }

 private:
  static constexpr std::size_t kClasses = kMaxCached / kClassBytes;
  struct FreeList {
    std::array<void*, kPerClass> blocks{};
    std::size_t count = 0;
  };
  std::array<FreeList, kClasses> free_{};
  nghttp2_mem mem_{};
};

}  // namespace doorman::h2
