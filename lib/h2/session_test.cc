#include "doorman/h2_session.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "doorman/h2_caps.h"

namespace doorman::h2 {
namespace {

// --- a client's frames (HPACK: literal without indexing, no Huffman) ------------------------

std::string frame(uint8_t type, uint8_t flags, uint32_t stream, std::string_view payload = {}) {
  std::string f;
  const std::size_t n = payload.size();
  f += static_cast<char>(n >> 16), f += static_cast<char>(n >> 8), f += static_cast<char>(n);
  f += static_cast<char>(type), f += static_cast<char>(flags);
  for (int shift = 24; shift >= 0; shift -= 8) f += static_cast<char>(stream >> shift);
  return f.append(payload);
}

std::string u32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

std::string hpack(std::vector<std::pair<std::string, std::string>> fields) {
  std::string out;
  for (const auto& [name, value] : fields) {
    out += '\0';
    out += static_cast<char>(name.size()), out += name;  // names and values < 127 bytes
    out += static_cast<char>(value.size()), out += value;
  }
  return out;
}

std::string get(uint32_t stream, bool end_stream = true,
                std::vector<std::pair<std::string, std::string>> extra = {}) {
  std::vector<std::pair<std::string, std::string>> fields = {
      {":method", "GET"}, {":scheme", "https"}, {":authority", "a.test"}, {":path", "/"}};
  fields.insert(fields.end(), extra.begin(), extra.end());
  return frame(NGHTTP2_HEADERS,
               NGHTTP2_FLAG_END_HEADERS | (end_stream ? NGHTTP2_FLAG_END_STREAM : 0), stream,
               hpack(fields));
}

const std::string kStart =
    std::string("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") + frame(NGHTTP2_SETTINGS, 0, 0);

struct Sent {
  uint8_t type;
  uint32_t stream;
  uint32_t code;  // RST_STREAM and GOAWAY
};

std::vector<Sent> frames_of(std::string_view bytes) {
  std::vector<Sent> out;
  while (bytes.size() >= 9) {
    const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
    const std::size_t n = (std::size_t{p[0]} << 16) | (p[1] << 8) | p[2];
    EXPECT_GE(bytes.size(), 9 + n);
    auto be32 = [&](std::size_t at) {
      return (uint32_t{p[at]} << 24) | (p[at + 1] << 16) | (p[at + 2] << 8) | p[at + 3];
    };
    const uint32_t stream = be32(5) & 0x7fffffff;
    uint32_t code = 0;
    if (p[3] == NGHTTP2_RST_STREAM) code = be32(9);
    if (p[3] == NGHTTP2_GOAWAY) code = be32(13);
    out.push_back({p[3], stream, code});
    bytes.remove_prefix(9 + n);
  }
  EXPECT_TRUE(bytes.empty());
  return out;
}

// Records what the session reports; refuses a field named "x-refuse".
class Recorder : public StreamEvents {
 public:
  void on_request_begin(int32_t id) override { begun.push_back(id); }
  FieldOutcome on_field(int32_t id, std::string_view name, std::string_view value, bool) override {
    fields[id].emplace_back(name, value);
    return name == "x-refuse" ? FieldOutcome::kTooLarge : FieldOutcome::kOk;
  }
  bool on_headers_end(int32_t id, bool) override {
    ended.push_back(id);
    return true;
  }
  bool on_data(int32_t, std::span<const uint8_t>) override { return false; }
  void on_end_stream(int32_t) override {}
  void on_closed(int32_t id, uint32_t code) override { closed[id] = code; }

  std::vector<int32_t> begun, ended;
  std::map<int32_t, std::vector<std::pair<std::string, std::string>>> fields;
  std::map<int32_t, uint32_t> closed;
};

class ServerSessionTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(session.open()); }
  std::vector<Sent> output() {
    std::string out;
    EXPECT_TRUE(session.take_output(out, 1 << 22));
    return frames_of(out);
  }
  static bool has(const std::vector<Sent>& frames, uint8_t type, uint32_t stream, uint32_t code) {
    for (const Sent& f : frames)
      if (f.type == type && f.stream == stream && f.code == code) return true;
    return false;
  }

  Recorder events;
  ServerSession session{events, 8192};
};

TEST_F(ServerSessionTest, SendsSettingsAndReportsARequest) {
  ASSERT_TRUE(session.feed(kStart + get(1, true, {{"accept", "*/*"}})));
  EXPECT_EQ(events.begun, std::vector<int32_t>{1});
  EXPECT_EQ(events.ended, std::vector<int32_t>{1});
  ASSERT_EQ(events.fields[1].size(), 5u);
  EXPECT_EQ(events.fields[1][4], (std::pair<std::string, std::string>{"accept", "*/*"}));
  const std::vector<Sent> sent = output();
  ASSERT_FALSE(sent.empty());
  EXPECT_EQ(sent[0].type, NGHTTP2_SETTINGS);
}

TEST_F(ServerSessionTest, ConnectionSpecificFieldIsAStreamErrorBeforeTheApp) {
  ASSERT_TRUE(session.feed(kStart + get(1, true, {{"connection", "close"}}) + get(3)));
  EXPECT_EQ(events.ended, std::vector<int32_t>{3});
  EXPECT_TRUE(has(output(), NGHTTP2_RST_STREAM, 1, NGHTTP2_PROTOCOL_ERROR));
}

TEST_F(ServerSessionTest, RefusedFieldResetsTheStreamAndDropsTheBlock) {
  ASSERT_TRUE(session.feed(kStart + get(1, true, {{"x-refuse", "1"}, {"x-after", "2"}})));
  EXPECT_TRUE(events.ended.empty());
  EXPECT_EQ(events.fields[1].back().first, "x-refuse");  // nothing after it
  EXPECT_TRUE(has(output(), NGHTTP2_RST_STREAM, 1, NGHTTP2_ENHANCE_YOUR_CALM));
}

TEST_F(ServerSessionTest, StreamsPastTheCapAreRefused) {
  std::string in = kStart;
  for (uint32_t i = 0; i <= kMaxConcurrentStreams; ++i) in += get(2 * i + 1, false);
  ASSERT_TRUE(session.feed(in));
  EXPECT_EQ(events.begun.size(), kMaxConcurrentStreams);
  EXPECT_TRUE(
      has(output(), NGHTTP2_RST_STREAM, 2 * kMaxConcurrentStreams + 1, NGHTTP2_REFUSED_STREAM));
}

TEST_F(ServerSessionTest, RapidResetPastTheBudgetGetsGoaway) {
  std::string in = kStart;
  for (uint32_t i = 0; i < kResetBurst + 50; ++i)
    in += get(2 * i + 1, false) + frame(NGHTTP2_RST_STREAM, 0, 2 * i + 1, u32(NGHTTP2_CANCEL));
  EXPECT_TRUE(session.feed(in));
  EXPECT_TRUE(has(output(), NGHTTP2_GOAWAY, 0, NGHTTP2_INTERNAL_ERROR));
  // Every stream is gone: the connection is over once the GOAWAY is out.
  EXPECT_FALSE(session.want_read());
  EXPECT_FALSE(session.want_write());
}

TEST_F(ServerSessionTest, ResetsWithinTheBudgetAreServed) {
  std::string in = kStart;
  for (uint32_t i = 0; i < kResetBurst / 2; ++i)
    in += get(2 * i + 1, false) + frame(NGHTTP2_RST_STREAM, 0, 2 * i + 1, u32(NGHTTP2_CANCEL));
  EXPECT_TRUE(session.feed(in));
  for (const Sent& f : output()) EXPECT_NE(f.type, NGHTTP2_GOAWAY);
}

TEST_F(ServerSessionTest, ContinuationFloodFailsTheConnection) {
  std::string in = kStart + frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_STREAM, 1,
                                  hpack({{":method", "GET"}, {":path", "/"}}));
  for (std::size_t i = 0; i <= kMaxContinuations; ++i)
    in += frame(NGHTTP2_CONTINUATION, 0, 1, hpack({{"x-pad", "a"}}));
  EXPECT_FALSE(session.feed(in));
  EXPECT_EQ(session.failure(), NGHTTP2_ENHANCE_YOUR_CALM);
  EXPECT_TRUE(events.ended.empty());
  std::string out;
  session.take_output(out, 1 << 20);
  EXPECT_TRUE(has(frames_of(out), NGHTTP2_GOAWAY, 0, NGHTTP2_ENHANCE_YOUR_CALM));
}

TEST_F(ServerSessionTest, PingFloodFromAClientThatDoesNotReadFails) {
  std::string in = kStart;
  for (std::size_t i = 0; i < kMaxOutboundAck + 10; ++i)
    in += frame(NGHTTP2_PING, 0, 0, "12345678");
  EXPECT_FALSE(session.feed(in));
  EXPECT_EQ(session.failure(), NGHTTP2_ENHANCE_YOUR_CALM);
}

TEST_F(ServerSessionTest, SettingsFloodFromAClientThatDoesNotReadFails) {
  std::string in = kStart;
  for (std::size_t i = 0; i < kMaxOutboundAck + 10; ++i) in += frame(NGHTTP2_SETTINGS, 0, 0);
  EXPECT_FALSE(session.feed(in));
  EXPECT_EQ(session.failure(), NGHTTP2_ENHANCE_YOUR_CALM);
}

TEST_F(ServerSessionTest, PingsFromAClientThatReadsAreAnswered) {
  ASSERT_TRUE(session.feed(kStart));
  std::size_t acks = 0;
  for (int round = 0; round < 5; ++round) {
    std::string in;
    for (std::size_t i = 0; i < kMaxOutboundAck / 2; ++i)
      in += frame(NGHTTP2_PING, 0, 0, "12345678");
    ASSERT_TRUE(session.feed(in)) << round;
    for (const Sent& f : output()) acks += f.type == NGHTTP2_PING;
  }
  EXPECT_EQ(acks, 5 * (kMaxOutboundAck / 2));
}

TEST_F(ServerSessionTest, TooManySettingsEntriesFail) {
  std::string entries;
  for (std::size_t i = 0; i <= kMaxSettingsEntries; ++i)
    entries += std::string("\x00\x04", 2) + u32(65535);
  // nghttp2 answers with GOAWAY itself (a connection error, not a fatal one for mem_recv).
  session.feed(kStart + frame(NGHTTP2_SETTINGS, 0, 0, entries));
  EXPECT_TRUE(has(output(), NGHTTP2_GOAWAY, 0, NGHTTP2_ENHANCE_YOUR_CALM));
  EXPECT_FALSE(session.want_read());
}

TEST_F(ServerSessionTest, DrainSendsGoawayWithTheLastStream) {
  ASSERT_TRUE(session.feed(kStart + get(1, false) + get(3, false)));
  session.drain();
  EXPECT_TRUE(has(output(), NGHTTP2_GOAWAY, 0, NGHTTP2_NO_ERROR));
}

}  // namespace
}  // namespace doorman::h2

namespace doorman::h2 {
namespace {

TEST_F(ServerSessionTest, RapidResetReadInPiecesEndsTheConnection) {
  std::string in = kStart;
  for (uint32_t i = 0; i < 600; ++i)
    in += get(2 * i + 1, true) + frame(NGHTTP2_RST_STREAM, 0, 2 * i + 1, u32(NGHTTP2_CANCEL));
  bool goaway = false;
  for (std::size_t off = 0; off < in.size(); off += 16384) {
    EXPECT_TRUE(session.feed(std::string_view(in).substr(off, 16384)));
    goaway = goaway || has(output(), NGHTTP2_GOAWAY, 0, NGHTTP2_INTERNAL_ERROR);
  }
  EXPECT_TRUE(goaway);
  EXPECT_FALSE(session.want_read())
      << events.begun.size() << " begun " << events.closed.size() << " closed";
}

}  // namespace
}  // namespace doorman::h2
