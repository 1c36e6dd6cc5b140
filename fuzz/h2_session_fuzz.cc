// The HTTP/2 server session (doorman/h2_session.h) fed a client's bytes, with a small app behind
// it that validates each request with the real RequestHeadBuilder and answers, or not, as the
// input says. Checks properties, not just the absence of crashes:
// - never more live request streams than kMaxConcurrentStreams;
// - a header block refused by on_field gets no further field and no on_headers_end;
// - no header block with more than kMaxContinuations CONTINUATION frames completes;
// - ACKs owed to a client that does not read never exceed kMaxOutboundAck (plus the frame being
//   read): past it the session fails with ENHANCE_YOUR_CALM;
// - past the rapid-reset budget (RST_STREAM frames sent by the client beyond kResetBurst plus
//   kResetRate per second elapsed) the connection gets GOAWAY;
// - a failed feed queues GOAWAY with failure()'s code; what the session sends is whole frames.
//
// Input: byte 0 = mode (bit 0: the client reads what is sent between chunks; bit 1: the app
// answers each request as soon as its head is complete; bit 2: the app reads request bodies;
// bit 3: prepend the client preface), byte 1 = chunk size of the feed in 16-byte units (0: one
// feed), the rest = the client's bytes after the preface.
#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <span>
#include <string>
#include <string_view>

#include "doorman/h2_caps.h"
#include "doorman/h2_request_head.h"
#include "doorman/h2_session.h"

namespace {

using doorman::h2::FieldOutcome;
using doorman::h2::RequestHeadBuilder;
using doorman::h2::ServerSession;

constexpr std::string_view kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
constexpr uint32_t kMaxHeadSize = 8192;  // the default limits.max_head_size

#define CHECK(cond)                                                                              \
  do {                                                                                           \
    if (!(cond)) {                                                                               \
      std::fprintf(stderr, "h2_session_fuzz: property failed: %s (line %d)\n", #cond, __LINE__); \
      std::abort();                                                                              \
    }                                                                                            \
  } while (0)

struct Request {
  RequestHeadBuilder head{kMaxHeadSize + 4096};
  bool refused = false;  // on_field said no: nghttp2 drops the rest of the block
  bool headers_done = false;
  bool answered = false;
  std::size_t body_left = 0;  // response bytes still to send
};

class App : public doorman::h2::StreamEvents {
 public:
  App(bool answer, bool read_bodies) : answer_(answer), read_bodies_(read_bodies) {}

  void attach(ServerSession& session) { session_ = &session; }

  void on_request_begin(int32_t id) override {
    CHECK(requests_.count(id) == 0);
    requests_.try_emplace(id);
    CHECK(requests_.size() <= doorman::h2::kMaxConcurrentStreams);
    max_live_ = std::max(max_live_, requests_.size());
    continuations_ = 0;
  }

  FieldOutcome on_field(int32_t id, std::string_view name, std::string_view value,
                        bool trailer) override {
    auto it = requests_.find(id);
    if (it == requests_.end()) return FieldOutcome::kOk;
    Request& r = it->second;
    CHECK(!r.refused);
    const FieldOutcome outcome =
        trailer ? r.head.add_trailer(name, value) : r.head.add(name, value);
    if (outcome != FieldOutcome::kOk) r.refused = true;
    return outcome;
  }

  bool on_headers_end(int32_t id, bool) override {
    CHECK(continuations_ <= doorman::h2::kMaxContinuations);
    auto it = requests_.find(id);
    if (it == requests_.end()) return true;
    Request& r = it->second;
    CHECK(!r.refused);
    CHECK(!r.headers_done);
    r.headers_done = true;
    std::string head;
    if (r.head.build(false, head) != FieldOutcome::kOk) return false;
    r.body_left = head.size() * 613 % 100000;  // some span several DATA frames and windows
    if (answer_) answer(id, r);
    return true;
  }

  bool on_data(int32_t id, std::span<const uint8_t> bytes) override {
    if (requests_.count(id) == 0 || !read_bodies_) return false;
    nghttp2_session_consume(session_->get(), id, bytes.size());
    return true;
  }

  void on_end_stream(int32_t) override {}

  void on_closed(int32_t id, uint32_t) override { requests_.erase(id); }

  void on_frame_begin(const nghttp2_frame_hd& hd) override {
    if (hd.type == NGHTTP2_HEADERS) continuations_ = 0;
    if (hd.type == NGHTTP2_CONTINUATION) ++continuations_;
    if (hd.type == NGHTTP2_RST_STREAM) ++resets_;
  }

  void on_frame(const nghttp2_frame& frame) override {
    const bool ack = (frame.hd.flags & NGHTTP2_FLAG_ACK) != 0;
    if ((frame.hd.type == NGHTTP2_PING || frame.hd.type == NGHTTP2_SETTINGS) && !ack) {
      ++acks_owed_;
      CHECK(acks_owed_ <= doorman::h2::kMaxOutboundAck + 1);
    }
  }

  // The client read everything sent so far.
  void sent() { acks_owed_ = 0; }
  // The app answers whatever is still waiting (the end of the input).
  void answer_all() {
    for (auto& [id, r] : requests_)
      if (r.headers_done && !r.answered) answer(id, r);
  }
  uint64_t resets() const { return resets_; }
  std::size_t max_live() const { return max_live_; }

 private:
  void answer(int32_t id, Request& r) {
    r.answered = true;
    const nghttp2_nv fields[] = {
        {const_cast<uint8_t*>(reinterpret_cast<const uint8_t*>(":status")),
         const_cast<uint8_t*>(reinterpret_cast<const uint8_t*>("200")), 7, 3, NGHTTP2_NV_FLAG_NONE},
    };
    nghttp2_data_provider provider{};
    provider.source.ptr = &r;
    provider.read_callback = [](nghttp2_session*, int32_t, uint8_t* buf, size_t length,
                                uint32_t* flags, nghttp2_data_source* source, void*) -> ssize_t {
      Request& req = *static_cast<Request*>(source->ptr);
      const std::size_t n = std::min(length, req.body_left);
      std::memset(buf, 'x', n);
      req.body_left -= n;
      if (req.body_left == 0) *flags |= NGHTTP2_DATA_FLAG_EOF;
      return static_cast<ssize_t>(n);
    };
    nghttp2_submit_response(session_->get(), id, fields, 1, r.body_left > 0 ? &provider : nullptr);
  }

  bool answer_;
  bool read_bodies_;
  ServerSession* session_ = nullptr;
  std::map<int32_t, Request> requests_;
  std::size_t continuations_ = 0;
  std::size_t acks_owed_ = 0;
  uint64_t resets_ = 0;
  std::size_t max_live_ = 0;
};

// What the session sent: whole frames; remembers whether one was a GOAWAY and its code.
struct Sent {
  std::string bytes;
  std::size_t parsed = 0;
  bool goaway = false;
  uint32_t goaway_code = 0;

  void scan() {
    while (bytes.size() - parsed >= 9) {
      const auto* p = reinterpret_cast<const uint8_t*>(bytes.data()) + parsed;
      const std::size_t length = (std::size_t{p[0]} << 16) | (p[1] << 8) | p[2];
      if (bytes.size() - parsed < 9 + length) break;
      if (p[3] == NGHTTP2_GOAWAY && length >= 8 && !goaway) {
        goaway = true;
        goaway_code = (uint32_t{p[13]} << 24) | (p[14] << 16) | (p[15] << 8) | p[16];
      }
      parsed += 9 + length;
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t mode = data[0];
  const bool client_reads = mode & 1, answer = mode & 2, read_bodies = mode & 4;
  const std::size_t chunk = data[1] == 0 ? size : std::size_t{data[1]} * 16;
  std::string input;
  if (mode & 8) input.append(kPreface);
  input.append(reinterpret_cast<const char*>(data) + 2, size - 2);

  const auto start = std::chrono::steady_clock::now();
  App app(answer, read_bodies);
  ServerSession session(app, kMaxHeadSize);
  app.attach(session);
  if (!session.open()) return 0;
  Sent sent;
  bool ok = true;
  bool writable = true;
  for (std::size_t off = 0; ok && off < input.size(); off += chunk) {
    ok = session.feed(std::string_view(input).substr(off, chunk));
    if (client_reads && writable) {
      writable = session.take_output(sent.bytes, 1 << 20);
      app.sent();
    }
  }
  if (ok) app.answer_all();
  // The end: everything queued goes out (a client that did not read reads it now).
  for (int i = 0; i < 64 && writable; ++i) {
    const std::size_t before = sent.bytes.size();
    writable = session.take_output(sent.bytes, 1 << 20);
    if (sent.bytes.size() == before) break;
  }
  sent.scan();
  CHECK(sent.parsed == sent.bytes.size());  // whole frames only
  if (!ok) {
    CHECK(session.failure() != NGHTTP2_NO_ERROR);
    CHECK(sent.goaway);
  }
  const auto elapsed =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start);
  const uint64_t budget = doorman::h2::kResetBurst +
                          doorman::h2::kResetRate * (static_cast<uint64_t>(elapsed.count()) + 2);
  if (app.resets() > budget) CHECK(sent.goaway);
  // H2_SESSION_FUZZ_VERBOSE=1: what each input did (to see that seeds reach the caps).
  if (std::getenv("H2_SESSION_FUZZ_VERBOSE") != nullptr)
    std::fprintf(stderr,
                 "mode %u fed ok %d failure %u goaway %d code %u resets %llu max live %zu\n", mode,
                 ok, session.failure(), sent.goaway, sent.goaway_code,
                 static_cast<unsigned long long>(app.resets()), app.max_live());
  return 0;
}
