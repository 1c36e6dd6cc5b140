// asan_poison / asan_unpoison: mark memory a cache keeps for reuse as unusable, so that
// AddressSanitizer still reports a use after free of a recycled block. No-ops in builds without
// ASan. DOORMAN_ASAN is defined when ASan is on (GCC or clang).
#pragma once

#include <cstddef>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DOORMAN_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(DOORMAN_ASAN)
#define DOORMAN_ASAN 1
#endif
#if defined(DOORMAN_ASAN)
#include <sanitizer/asan_interface.h>
#endif

namespace doorman {

inline void asan_poison([[maybe_unused]] const void* p, [[maybe_unused]] std::size_t size) {
#if defined(DOORMAN_ASAN)
  ASAN_POISON_MEMORY_REGION(p, size);
#endif
}

inline void asan_unpoison([[maybe_unused]] const void* p, [[maybe_unused]] std::size_t size) {
#if defined(DOORMAN_ASAN)
  ASAN_UNPOISON_MEMORY_REGION(p, size);
#endif
}

}  // namespace doorman
