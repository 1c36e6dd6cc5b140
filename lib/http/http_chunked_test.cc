// Chunked body decoder (RFC 9112 §7.1): framing accounting, strictness, bounds, split feeding.
#include "doorman/http_chunked.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace doorman {
namespace {

struct Whole {
  bool ok;
  std::size_t consumed;
  uint64_t data;
  bool done;
};

Whole feed_whole(std::string_view body, ChunkedOptions options = {}) {
  ChunkedDecoder decoder(options);
  const auto r = decoder.feed(body);
  if (!r) return {false, r.error().offset, 0, false};
  return {true, r->consumed, r->data_bytes, r->done};
}

TEST(ChunkedDecoder, ValidBodies) {
  struct Case {
    const char* name;
    std::string body;
    uint64_t data;
  };
  const std::vector<Case> cases = {
      {"empty body", "0\r\n\r\n", 0},
      {"one chunk", "5\r\nhello\r\n0\r\n\r\n", 5},
      {"two chunks", "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", 11},
      {"hex upper and lower", "a\r\n0123456789\r\nA\r\n0123456789\r\n0\r\n\r\n", 20},
      {"leading zeros", "0005\r\nhello\r\n000\r\n\r\n", 5},
      {"sixteen digits", "0000000000000001\r\nx\r\n0\r\n\r\n", 1},
      {"extension", "5;name\r\nhello\r\n0\r\n\r\n", 5},
      {"extension value", "5;name=value;other=\"q s\\\"x\"\r\nhello\r\n0;last\r\n\r\n", 5},
      {"extension bws", "5 ; name = value\r\nhello\r\n0\r\n\r\n", 5},
      {"trailers", "5\r\nhello\r\n0\r\nX-Checksum: abc\r\nX-Other:\r\n\r\n", 5},
      {"data with crlf inside", "4\r\n\r\n\r\n\r\n0\r\n\r\n", 4},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string input = c.body + "NEXT";  // the next pipelined message must not be eaten
    const Whole w = feed_whole(input);
    ASSERT_TRUE(w.ok) << "error at " << w.consumed;
    EXPECT_TRUE(w.done);
    EXPECT_EQ(w.consumed, c.body.size());
    EXPECT_EQ(w.data, c.data);
  }
}

TEST(ChunkedDecoder, RejectsBadFraming) {
  struct Case {
    const char* name;
    std::string body;
  };
  const std::vector<Case> cases = {
      {"no size", "\r\nhello\r\n0\r\n\r\n"},
      {"hex prefix", "0x5\r\nhello\r\n0\r\n\r\n"},
      {"sign", "+5\r\nhello\r\n0\r\n\r\n"},
      {"negative", "-5\r\nhello\r\n0\r\n\r\n"},
      {"space before size", " 5\r\nhello\r\n0\r\n\r\n"},
      {"space after size", "5 \r\nhello\r\n0\r\n\r\n"},
      {"not hex", "g\r\n0\r\n\r\n"},
      {"seventeen digits", "00000000000000001\r\nx\r\n0\r\n\r\n"},
      {"overflow", "10000000000000000\r\n"},
      {"bare lf after size", "5\nhello\r\n0\r\n\r\n"},
      {"cr without lf", "5\rhello\r\n0\r\n\r\n"},
      {"data too long", "5\r\nhello!\r\n0\r\n\r\n"},
      {"data lf only", "5\r\nhello\n0\r\n\r\n"},
      {"data missing crlf", "5\r\nhelloX\r\n"},
      {"last chunk bare lf", "0\n\r\n"},
      {"final bare lf", "0\r\n\n"},
      {"empty extension", "5;\r\nhello\r\n0\r\n\r\n"},
      {"extension equals nothing", "5;a=\r\nhello\r\n0\r\n\r\n"},
      {"extension bad char", "5;a@b\r\nhello\r\n0\r\n\r\n"},
      {"extension unterminated quote", "5;a=\"x\r\nhello\r\n0\r\n\r\n"},
      {"extension nul", std::string("5;a\0\r\nhello\r\n0\r\n\r\n", 19)},
      {"extension trailing space", "5;a \r\nhello\r\n0\r\n\r\n"},
      {"trailer obs-fold", "0\r\nX: a\r\n b\r\n\r\n"},
      {"trailer space before colon", "0\r\nX : a\r\n\r\n"},
      {"trailer no colon", "0\r\nX\r\n\r\n"},
      {"trailer nul", std::string("0\r\nX: a\0\r\n\r\n", 12)},
      {"trailer bare lf", "0\r\nX: a\n\r\n"},
      {"trailer empty name", "0\r\n: a\r\n\r\n"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const Whole w = feed_whole(c.body);
    EXPECT_FALSE(w.ok);
  }
}

TEST(ChunkedDecoder, Bounds) {
  ChunkedOptions options;
  options.max_extension_length = 16;
  options.max_total_extension_bytes = 40;
  options.max_trailer_size = 32;
  EXPECT_TRUE(feed_whole("1;" + std::string(15, 'a') + "\r\nx\r\n0\r\n\r\n", options).ok);
  EXPECT_FALSE(feed_whole("1;" + std::string(16, 'a') + "\r\nx\r\n0\r\n\r\n", options).ok);
  std::string many;
  for (int i = 0; i < 4; ++i) many += "1;" + std::string(12, 'a') + "\r\nx\r\n";
  EXPECT_FALSE(feed_whole(many + "0\r\n\r\n", options).ok);  // 52 extension bytes in total
  EXPECT_TRUE(feed_whole("0\r\nX: " + std::string(20, 'v') + "\r\n\r\n", options).ok);
  EXPECT_FALSE(feed_whole("0\r\nX: " + std::string(40, 'v') + "\r\n\r\n", options).ok);
  // A huge chunk size is fine to announce (it is streamed), just not past 64 bits.
  ChunkedDecoder big;
  const auto r = big.feed("ffffffffffffffff\r\nabc");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->data_bytes, 3u);
  EXPECT_FALSE(r->done);
}

TEST(ChunkedDecoder, ErrorAndDoneAreSticky) {
  ChunkedDecoder decoder;
  ASSERT_TRUE(decoder.feed("0\r\n\r\n"));
  EXPECT_TRUE(decoder.done());
  const auto again = decoder.feed("5\r\nhello");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->consumed, 0u);
  EXPECT_TRUE(again->done);
  ChunkedDecoder bad;
  EXPECT_FALSE(bad.feed("z"));
  EXPECT_FALSE(bad.feed("0\r\n\r\n"));
  bad.reset();
  EXPECT_TRUE(bad.feed("0\r\n\r\n"));
}

// Feeding in two parts at every boundary, and byte by byte, gives the same accounting.
TEST(ChunkedDecoder, SplitFeedingAtEveryBoundary) {
  const std::vector<std::string> bodies = {
      "5\r\nhello\r\n1a;ext=\"v\"\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nT: 1\r\n\r\n",
      "3\r\nabc\r\n0\r\n\r\n",
      "3\r\nabc\r\nzz\r\n",  // invalid
  };
  for (const std::string& body : bodies) {
    SCOPED_TRACE(body);
    const Whole whole = feed_whole(body);
    for (std::size_t split = 0; split <= body.size(); ++split) {
      ChunkedDecoder decoder;
      const auto a = decoder.feed(std::string_view(body).substr(0, split));
      if (!a) {
        EXPECT_FALSE(whole.ok);
        continue;
      }
      const auto b = decoder.feed(std::string_view(body).substr(split));
      ASSERT_EQ(static_cast<bool>(b), whole.ok) << split;
      if (!b) continue;
      EXPECT_EQ(a->consumed + b->consumed, whole.consumed);
      EXPECT_EQ(a->data_bytes + b->data_bytes, whole.data);
      EXPECT_EQ(b->done, whole.done);
    }
    ChunkedDecoder bytewise;
    uint64_t data = 0;
    bool ok = true;
    for (char c : body) {
      const auto r = bytewise.feed(std::string_view(&c, 1));
      if (!r) {
        ok = false;
        break;
      }
      data += r->data_bytes;
    }
    EXPECT_EQ(ok, whole.ok);
    if (ok) {
      EXPECT_EQ(data, whole.data);
    }
  }
}

TEST(ChunkedDecoder, SegmentsYieldTheData) {
  const std::string body = "5\r\nhello\r\n6;x=y\r\n world\r\n0\r\n\r\n";
  ChunkedDecoder decoder;
  std::string data;
  std::string_view rest = body;
  bool done = false;
  while (!done) {
    const auto seg = decoder.next_segment(rest);
    ASSERT_TRUE(seg);
    data.append(rest.substr(seg->data_offset, seg->data_length));
    rest.remove_prefix(seg->consumed);
    done = seg->done;
  }
  EXPECT_EQ(data, "hello world");
  EXPECT_TRUE(rest.empty());
  EXPECT_EQ(decoder.total_data_bytes(), 11u);
}

}  // namespace
}  // namespace doorman
