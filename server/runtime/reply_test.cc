// gather_pieces: a small head (with its body run) is copied into the room given and goes as one
// buffer; one that does not fit the room or kFlatGatherMax goes as its pieces, untouched.
#include "runtime/reply.h"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

namespace doorman::runtime {
namespace {

std::string joined(std::span<const asio::const_buffer> buffers) {
  std::string out;
  for (const asio::const_buffer& b : buffers)
    out.append(static_cast<const char*>(b.data()), b.size());
  return out;
}

struct Case {
  const char* name;
  std::vector<std::string> pieces;
  std::string body;
  std::size_t room;
  std::size_t buffers;  // what gather_pieces returns
};

TEST(GatherPieces, CopiesWhatFitsIntoOneBufferAndGathersTheRest) {
  const std::string big(kFlatGatherMax, 'x');
  const Case cases[] = {
      {"a head and its body in ample room",
       {"GET / HTTP/1.1\r\n", "Host: a\r\n", "\r\n"},
       "hi",
       4096,
       1},
      {"a head alone", {"HTTP/1.1 204 No Content\r\n", "\r\n"}, "", 4096, 1},
      {"exactly the room", {"abc", "de"}, "f", 6, 1},
      {"one byte over the room", {"abc", "de"}, "fg", 6, 3},
      {"no room at all", {"abc", "de"}, "", 0, 2},
      {"over kFlatGatherMax in ample room", {big, "\r\n"}, "", 2 * kFlatGatherMax, 2},
      {"kFlatGatherMax exactly", {big.substr(2), "\r\n"}, "", 2 * kFlatGatherMax, 1},
  };
  for (const Case& c : cases) {
    HeadPieces pieces;
    // Separate strings: append() merges pieces only when they are contiguous in memory.
    for (const std::string& p : c.pieces) pieces.append(p);
    std::vector<char> room(c.room + 1, '\0');
    std::array<asio::const_buffer, HeadPieces::kMaxPieces + 1> gather;
    const std::size_t n = gather_pieces(gather, pieces, c.body, asio::buffer(room.data(), c.room));
    EXPECT_EQ(n, c.buffers) << c.name;
    std::string expected;
    for (const std::string& p : c.pieces) expected += p;
    expected += c.body;
    EXPECT_EQ(joined(std::span(gather.data(), n)), expected) << c.name;
    if (n == 1) {
      EXPECT_EQ(gather[0].data(), room.data()) << c.name;
    } else {
      EXPECT_EQ(room[0], '\0') << c.name << ": the room was written";
    }
  }
}

}  // namespace
}  // namespace doorman::runtime
