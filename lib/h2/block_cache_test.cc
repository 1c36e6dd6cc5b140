// BlockCache: small blocks come back newest first per class, aligned, with their bytes intact
// through reallocate; large ones and the surplus go to the heap; nghttp2 runs on it.
#include "doorman/h2_block_cache.h"

#include "doorman/asan_poison.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

namespace doorman::h2 {
namespace {

TEST(BlockCache, AFreedSmallBlockIsHandedOutAgainNewestFirst) {
  BlockCache c;
  void* a = c.allocate(100);
  void* b = c.allocate(120);  // the same 32-byte class (97..128)
  c.release(a);
  c.release(b);
  EXPECT_EQ(c.kept(), 2u);
  EXPECT_EQ(c.allocate(110), b);
  EXPECT_EQ(c.allocate(128), a);
  EXPECT_EQ(c.kept(), 0u);
  c.release(a);
  c.release(b);
}

TEST(BlockCache, ClassesAreSeparateAndBlocksAligned) {
  BlockCache c;
  void* small = c.allocate(10);
  c.release(small);
  void* other = c.allocate(200);
  EXPECT_NE(other, small);
  for (std::size_t size : {0u, 1u, 31u, 32u, 33u, 511u, 512u, 513u, 5000u}) {
    void* p = c.allocate(size);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % 16, 0u) << size;
    std::memset(p, 0xab, size);  // the whole size is usable (ASan checks it)
    c.release(p);
  }
  c.release(other);
}

TEST(BlockCache, LargeBlocksAndTheSurplusAreNotKept) {
  BlockCache c;
  c.release(c.allocate(4096));
  EXPECT_EQ(c.kept(), 0u);
  std::vector<void*> many;
  for (std::size_t i = 0; i < BlockCache::kPerClass + 10; ++i) many.push_back(c.allocate(64));
  for (void* p : many) c.release(p);
  EXPECT_EQ(c.kept(), BlockCache::kPerClass);
  c.release(nullptr);  // as free(nullptr)
}

TEST(BlockCache, ReallocateKeepsTheBytes) {
  BlockCache c;
  auto* p = static_cast<char*>(c.allocate(40));
  std::memcpy(p, "0123456789abcdefghijklmnopqrstuvwxyzABCD", 40);
  EXPECT_EQ(c.reallocate(p, 60), p);  // still within its 64-byte class
  auto* q = static_cast<char*>(c.reallocate(p, 3000));
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(std::memcmp(q, "0123456789abcdefghijklmnopqrstuvwxyzABCD", 40), 0);
  auto* r = static_cast<char*>(c.reallocate(q, 20));
  EXPECT_EQ(std::memcmp(r, "0123456789abcdefghij", 20), 0);
  c.release(r);
  auto* fresh = static_cast<char*>(c.reallocate(nullptr, 16));
  ASSERT_NE(fresh, nullptr);
  c.release(fresh);
}

TEST(BlockCache, CallocZeroesAndRefusesAnOverflow) {
  BlockCache c;
  nghttp2_mem* m = c.mem();
  auto* p = static_cast<unsigned char*>(m->malloc(64, m->mem_user_data));
  std::memset(p, 0xff, 64);
  m->free(p, m->mem_user_data);
  auto* z = static_cast<unsigned char*>(m->calloc(8, 8, m->mem_user_data));
  ASSERT_EQ(z, p);  // the same block, reused
  for (int i = 0; i < 64; ++i) ASSERT_EQ(z[i], 0) << i;
  m->free(z, m->mem_user_data);
  EXPECT_EQ(m->calloc(SIZE_MAX / 2, 4, m->mem_user_data), nullptr);
}

#if defined(DOORMAN_ASAN)
TEST(BlockCacheDeathTest, AUseOfAKeptBlockStillReportsUnderAsan) {
  BlockCache c;
  auto* p = static_cast<volatile char*>(c.allocate(64));
  c.release(const_cast<char*>(p));
  EXPECT_DEATH(p[3] = 1, "use-after-poison");
}
#endif

}  // namespace
}  // namespace doorman::h2
