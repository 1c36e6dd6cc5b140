#include "doorman/crc32c.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

namespace doorman {
namespace {

std::vector<uint8_t> bytes_of(std::string_view s) {
  return {s.begin(), s.end()};
}

std::vector<uint8_t> pattern(std::size_t n, const std::function<uint8_t(std::size_t)>& f) {
  std::vector<uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = f(i);
  return v;
}

struct Vector {
  const char* name;
  std::vector<uint8_t> data;
  uint32_t crc;
};

// The check value from the CRC catalogue and the iSCSI vectors of RFC 3720 §B.4.
std::vector<Vector> known_vectors() {
  return {
      {"empty", {}, 0x00000000},
      {"check_123456789", bytes_of("123456789"), 0xE3069283},
      {"rfc3720_32_zeros", std::vector<uint8_t>(32, 0x00), 0x8A9136AA},
      {"rfc3720_32_ones", std::vector<uint8_t>(32, 0xFF), 0x62A8AB43},
      {"rfc3720_incrementing", pattern(32, [](std::size_t i) { return uint8_t(i); }), 0x46DD794E},
      {"rfc3720_decrementing", pattern(32, [](std::size_t i) { return uint8_t(31 - i); }),
       0x113FDB5C},
  };
}

using Impl = uint32_t (*)(std::span<const uint8_t>, uint32_t);

void check_vectors(Impl impl) {
  for (const auto& v : known_vectors()) {
    SCOPED_TRACE(v.name);
    EXPECT_EQ(impl(v.data, 0), v.crc);
  }
}

void check_chaining(Impl impl) {
  const auto data = pattern(300, [](std::size_t i) { return uint8_t(i * 131 + 7); });
  const uint32_t whole = impl(data, 0);
  for (std::size_t split = 0; split <= data.size(); split += 7) {
    const std::span<const uint8_t> all(data);
    EXPECT_EQ(impl(all.subspan(split), impl(all.first(split), 0)), whole) << split;
  }
}

TEST(Crc32c, PortableMatchesKnownVectors) {
  check_vectors(crc32c_portable);
}

TEST(Crc32c, PortableChainsAcrossSplits) {
  check_chaining(crc32c_portable);
}

TEST(Crc32c, HardwareMatchesKnownVectors) {
  if (!crc32c_hardware_available()) GTEST_SKIP() << "no SSE4.2 on this CPU";
  check_vectors(crc32c_hardware);
}

TEST(Crc32c, HardwareChainsAcrossSplits) {
  if (!crc32c_hardware_available()) GTEST_SKIP() << "no SSE4.2 on this CPU";
  check_chaining(crc32c_hardware);
}

TEST(Crc32c, HardwareAndPortableAgreeOnEveryLengthAndAlignment) {
  if (!crc32c_hardware_available()) GTEST_SKIP() << "no SSE4.2 on this CPU";
  const auto data = pattern(600, [](std::size_t i) { return uint8_t((i * 2654435761u) >> 13); });
  const std::span<const uint8_t> all(data);
  for (std::size_t offset = 0; offset < 8; ++offset) {
    for (std::size_t n = 0; n + offset <= 560; ++n) {
      const auto piece = all.subspan(offset, n);
      ASSERT_EQ(crc32c_hardware(piece, 0x12345678), crc32c_portable(piece, 0x12345678))
          << offset << " " << n;
    }
  }
}

TEST(Crc32c, DispatchMatchesPortable) {
  for (const auto& v : known_vectors()) EXPECT_EQ(crc32c(v.data), v.crc) << v.name;
}

}  // namespace
}  // namespace doorman
