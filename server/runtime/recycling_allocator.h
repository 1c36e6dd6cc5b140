#pragma once
// RecyclingAllocator<T>: a standard allocator that keeps up to kKept freed single-object blocks of
// each type per thread and hands them out again, for objects made and dropped once per request
// (an HTTP/2 stream with its shared_ptr control block, about 1.6 KiB). glibc serves blocks over
// 1 KiB outside its per-thread cache, through the locked bins that split and merge chunks: at one
// stream per request that was a measurable share of the HTTP/2 CPU per request.
// - Only single objects (n == 1) are recycled; arrays go to operator new as usual.
// - Blocks are per thread: one freed on another thread lands in that thread's list, which is fine
//   (the memory is the same heap) and never happens on doorman's shard-per-core paths.
// - Use with std::allocate_shared: the control block and the object share one recycled block.
// - Under AddressSanitizer a kept block is poisoned until it is handed out again, so a use after
//   free still reports.
#include <cstddef>
#include <new>

#include "doorman/asan_poison.h"

namespace doorman::runtime {

template <typename T>
class RecyclingAllocator {
 public:
  using value_type = T;

  RecyclingAllocator() noexcept = default;
  template <typename U>
  RecyclingAllocator(const RecyclingAllocator<U>&) noexcept {}

  T* allocate(std::size_t n) {
    if (n == 1) {
      Cache& cache = cache_of();
      if (cache.count > 0) {
        void* block = cache.blocks[--cache.count];
        unpoison(block);
        return static_cast<T*>(block);
      }
    }
    return static_cast<T*>(fresh(n * sizeof(T)));
  }

  void deallocate(T* p, std::size_t n) noexcept {
    if (n == 1) {
      Cache& cache = cache_of();
      if (cache.count < kKept) {
        poison(p);
        cache.blocks[cache.count++] = p;
        return;
      }
    }
    release(p);
  }

  template <typename U>
  bool operator==(const RecyclingAllocator<U>&) const noexcept {
    return true;
  }

 private:
  static constexpr std::size_t kKept = 64;

  struct Cache {
    void* blocks[kKept];
    std::size_t count = 0;
    ~Cache() {
      while (count > 0) {
        unpoison(blocks[--count]);
        release(blocks[count]);
      }
    }
  };

  static constexpr bool kOverAligned = alignof(T) > __STDCPP_DEFAULT_NEW_ALIGNMENT__;

  static void* fresh(std::size_t bytes) {
    if constexpr (kOverAligned) return ::operator new (bytes, std::align_val_t{alignof(T)});
    return ::operator new(bytes);
  }

  static void release(void* p) noexcept {
    if constexpr (kOverAligned)
      ::operator delete (p, std::align_val_t{alignof(T)});
    else
      ::operator delete(p);
  }

  static void poison(void* p) noexcept { asan_poison(p, sizeof(T)); }
  static void unpoison(void* p) noexcept { asan_unpoison(p, sizeof(T)); }

  static Cache& cache_of() {
    thread_local Cache cache;
    return cache;
  }
};

}  // namespace doorman::runtime
