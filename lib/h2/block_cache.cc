#include "doorman/h2_block_cache.h"

#include <cstdlib>
#include <cstring>

#include "doorman/asan_poison.h"

namespace doorman::h2 {
namespace {

// Before each block: its class (1..kClasses) or 0 for a large one, and the usable size.
struct alignas(16) Header {
  uint64_t cls;
  uint64_t size;
};
static_assert(sizeof(Header) == 16);

Header* header_of(void* block) {
  return reinterpret_cast<Header*>(static_cast<char*>(block) - sizeof(Header));
}

}  // namespace

BlockCache::BlockCache() {
  mem_.mem_user_data = this;
  mem_.malloc = [](size_t size, void* self) {
    return static_cast<BlockCache*>(self)->allocate(size);
  };
  mem_.free = [](void* p, void* self) { static_cast<BlockCache*>(self)->release(p); };
  mem_.calloc = [](size_t n, size_t size, void* self) -> void* {
    if (size != 0 && n > SIZE_MAX / size) return nullptr;
    void* p = static_cast<BlockCache*>(self)->allocate(n * size);
    if (p != nullptr) std::memset(p, 0, n * size);
    return p;
  };
  mem_.realloc = [](void* p, size_t size, void* self) {
    return static_cast<BlockCache*>(self)->reallocate(p, size);
  };
}

BlockCache::~BlockCache() {
  for (FreeList& list : free_)
    while (list.count > 0) {
      void* block = list.blocks[--list.count];
      Header* h = header_of(block);  // before the block: never poisoned
      asan_unpoison(block, h->size);
      std::free(h);
    }
}

void* BlockCache::allocate(std::size_t size) {
  const std::size_t cls = size == 0 ? 1 : (size + kClassBytes - 1) / kClassBytes;
  if (cls <= kClasses) {
    FreeList& list = free_[cls - 1];
    if (list.count > 0) {
      void* block = list.blocks[--list.count];
      asan_unpoison(block, cls * kClassBytes);
      return block;
    }
    auto* h = static_cast<Header*>(std::malloc(sizeof(Header) + cls * kClassBytes));
    if (h == nullptr) return nullptr;
    *h = {cls, cls * kClassBytes};
    return h + 1;
  }
  if (size > SIZE_MAX - sizeof(Header)) return nullptr;
  auto* h = static_cast<Header*>(std::malloc(sizeof(Header) + size));
  if (h == nullptr) return nullptr;
  *h = {0, size};
  return h + 1;
}

void BlockCache::release(void* block) {
  if (block == nullptr) return;
  Header* h = header_of(block);
  if (h->cls != 0) {
    FreeList& list = free_[h->cls - 1];
    if (list.count < kPerClass) {
      asan_poison(block, h->size);  // a use after free still reports under ASan
      list.blocks[list.count++] = block;
      return;
    }
  }
  std::free(h);
}

void* BlockCache::reallocate(void* block, std::size_t size) {
  if (block == nullptr) return allocate(size);
  const std::size_t old_size = header_of(block)->size;
  if (size <= old_size && header_of(block)->cls != 0) return block;  // its class has room
  void* moved = allocate(size);
  if (moved == nullptr) return nullptr;  // the old block stays valid, as realloc's does
  std::memcpy(moved, block, old_size < size ? old_size : size);
  release(block);
  return moved;
}

std::size_t BlockCache::kept() const {
  std::size_t n = 0;
  for (const FreeList& list : free_) n += list.count;
  return n;
}

}  // namespace doorman::h2
