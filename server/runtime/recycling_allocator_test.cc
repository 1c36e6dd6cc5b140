// RecyclingAllocator: freed single blocks come back LIFO, per type, with the type's alignment;
// it works as std::allocate_shared's allocator (one block for control block and object).
#include "runtime/recycling_allocator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

namespace doorman::runtime {
namespace {

struct Small {
  int value = 0;
};
struct Other {
  double a = 0, b = 0;
};
struct alignas(64) Wide {
  char bytes[64];
};

// Allocations of every small size, as the rest of the program makes between two streams: a
// block freed to the heap would be taken by one of them (glibc reuses the last freed first).
std::vector<void*> intruders() {
  std::vector<void*> taken;
  for (std::size_t size = 8; size <= 512; size += 8) taken.push_back(::operator new(size));
  return taken;
}
void release(const std::vector<void*>& taken) {
  for (void* p : taken) ::operator delete(p);
}
bool contains(const std::vector<void*>& taken, const void* p) {
  return std::find(taken.begin(), taken.end(), p) != taken.end();
}

TEST(RecyclingAllocator, AFreedBlockIsHandedOutAgain) {
  RecyclingAllocator<Small> a;
  Small* first = a.allocate(1);
  a.deallocate(first, 1);
  const std::vector<void*> others = intruders();
  Small* second = a.allocate(1);
  EXPECT_EQ(second, first);  // kept for this type, not given back to the heap
  EXPECT_FALSE(contains(others, first));
  release(others);
  a.deallocate(second, 1);
}

TEST(RecyclingAllocator, TheLastFreedComesBackFirst) {
  RecyclingAllocator<Small> a;
  Small* x = a.allocate(1);
  Small* y = a.allocate(1);
  a.deallocate(x, 1);
  a.deallocate(y, 1);
  const std::vector<void*> others = intruders();
  Small* p = a.allocate(1);
  Small* q = a.allocate(1);
  EXPECT_EQ(p, y);  // the most recently used block is the warmest
  EXPECT_EQ(q, x);
  release(others);
  a.deallocate(p, 1);
  a.deallocate(q, 1);
}

TEST(RecyclingAllocator, EachTypeKeepsItsOwnBlocks) {
  RecyclingAllocator<Small> small;
  RecyclingAllocator<Other> other;
  Small* s = small.allocate(1);
  small.deallocate(s, 1);
  Other* o = other.allocate(1);
  EXPECT_NE(static_cast<void*>(o), static_cast<void*>(s));
  other.deallocate(o, 1);
  Small* again = small.allocate(1);
  EXPECT_EQ(again, s);
  small.deallocate(again, 1);
}

TEST(RecyclingAllocator, ManyBlocksOutAndBackStayDistinctAndUsable) {
  RecyclingAllocator<Other> a;
  std::vector<Other*> blocks;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 200; ++i) {  // more than the cache keeps: the rest go to operator delete
      Other* p = a.allocate(1);
      p->a = i;
      blocks.push_back(p);
    }
    for (std::size_t i = 0; i < blocks.size(); ++i)
      for (std::size_t j = i + 1; j < blocks.size() && j < i + 4; ++j)
        ASSERT_NE(blocks[i], blocks[j]);
    for (Other* p : blocks) a.deallocate(p, 1);
    blocks.clear();
  }
}

TEST(RecyclingAllocator, OverAlignedTypesGetTheirAlignment) {
  RecyclingAllocator<Wide> a;
  for (int i = 0; i < 4; ++i) {
    Wide* p = a.allocate(1);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % 64, 0u);
    a.deallocate(p, 1);
  }
  Wide* arr = a.allocate(3);  // arrays bypass the cache
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(arr) % 64, 0u);
  a.deallocate(arr, 3);
}

TEST(RecyclingAllocator, ServesAllocateSharedWithOneReusedBlock) {
  auto first = std::allocate_shared<Other>(RecyclingAllocator<Other>{});
  const void* where = first.get();
  first.reset();
  const std::vector<void*> others = intruders();
  auto second = std::allocate_shared<Other>(RecyclingAllocator<Other>{});
  EXPECT_EQ(static_cast<const void*>(second.get()), where);
  release(others);
  std::weak_ptr<Other> weak = second;
  second.reset();  // the block waits for the weak count too
  EXPECT_TRUE(weak.expired());
}

#if defined(DOORMAN_ASAN)
TEST(RecyclingAllocatorDeathTest, AUseOfAKeptBlockStillReportsUnderAsan) {
  RecyclingAllocator<Small> a;
  Small* p = a.allocate(1);
  a.deallocate(p, 1);
  EXPECT_DEATH(static_cast<volatile Small*>(p)->value = 1, "use-after-poison");
}
#endif

}  // namespace
}  // namespace doorman::runtime
