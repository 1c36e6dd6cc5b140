#include "request_path/diagnostics_log.h"

#include <fcntl.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <unistd.h>

#include <array>
#include <charconv>
#include <cstring>
#include <ctime>

#include "request_path/rate_limit_note.h"
#include "tls/client_certificate.h"

namespace doorman::request_path {
namespace {

constexpr std::size_t kMaxBuffered = 4 << 20;
std::atomic<bool> g_reopen{false};

void on_sigusr1(int) {
  g_reopen.store(true);
}

// A fixed-size line; anything past the end is dropped (the line stays valid JSON because the
// caller reserves room for the closing brace).
// Bytes a JSON string carries as they are: printable ASCII but the quote and the backslash.
constexpr std::array<bool, 256> kPlain = [] {
  std::array<bool, 256> plain{};
  for (int c = 0x20; c < 0x7f; ++c) plain[c] = c != '"' && c != '\\';
  return plain;
}();

class Line {
 public:
  void raw(std::string_view s) {
    const std::size_t n = std::min(s.size(), kRoom - size_);
    std::memcpy(data_ + size_, s.data(), n);
    size_ += n;
  }
  void key(std::string_view k) {
    raw(size_ == 1 ? "\"" : ",\"");
    raw(k);
    raw("\":");
  }
  void string(std::string_view k, std::string_view v) {
    key(k);
    raw("\"");
    for (std::size_t i = 0; i < v.size();) {
      if (size_ + 6 > kRoom) break;
      // A run of bytes that need no escape goes in one copy (as many as the per-byte rule
      // below would have written before the line is full).
      std::size_t j = i;
      while (j < v.size() && kPlain[static_cast<unsigned char>(v[j])]) ++j;
      if (j > i) {
        const std::size_t n = std::min(j - i, kRoom - 5 - size_);
        std::memcpy(data_ + size_, v.data() + i, n);
        size_ += n;
        i += n;
        continue;
      }
      const unsigned char c = static_cast<unsigned char>(v[i++]);
      if (c == '"' || c == '\\') {
        data_[size_++] = '\\';
        data_[size_++] = static_cast<char>(c);
      } else if (c < 0x20 || c >= 0x7f) {
        static constexpr char kHex[] = "0123456789abcdef";
        raw("\\u00");
        data_[size_++] = kHex[c >> 4];
        data_[size_++] = kHex[c & 15];
      } else {
        data_[size_++] = static_cast<char>(c);
      }
    }
    raw("\"");
  }
  void null(std::string_view k) {
    key(k);
    raw("null");
  }
  void number(std::string_view k, uint64_t v) {
    key(k);
    char digits[24];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, v);
    raw(std::string_view(digits, static_cast<std::size_t>(end - digits)));
  }
  void boolean(std::string_view k, bool v) {
    key(k);
    raw(v ? "true" : "false");
  }
  void millis(std::string_view k, double ms) {
    key(k);
    char digits[32];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, ms, std::chars_format::fixed, 3);
    raw(std::string_view(digits, static_cast<std::size_t>(end - digits)));
  }
  void address(std::string_view k, const IpAddress& a) {
    char text[IpAddress::kMaxTextLength];
    string(k, std::string_view(text, a.format_to(text)));
  }
  std::string_view finish() {
    data_[size_++] = '}';
    data_[size_++] = '\n';
    return {data_, size_};
  }

 private:
  static constexpr std::size_t kSize = 2048;
  static constexpr std::size_t kRoom = kSize - 2;  // '}' and '\n'
  char data_[kSize] = {'{'};
  std::size_t size_ = 1;
};

}  // namespace

DiagnosticsLog::DiagnosticsLog(std::string path) : path_(std::move(path)) {}

DiagnosticsLog::~DiagnosticsLog() {
  stop();
  if (fd_ > 2) ::close(fd_);
}

void DiagnosticsLog::start() {
  if (writer_.joinable()) return;
  reopen();
  struct sigaction action {};
  action.sa_handler = on_sigusr1;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGUSR1, &action, nullptr);
  writer_ = std::thread([this] { run(); });
}

void DiagnosticsLog::stop() {
  if (!writer_.joinable()) return;
  {
    std::lock_guard lock(stop_mutex_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  writer_.join();  // its last pass wrote everything buffered
}

void DiagnosticsLog::reopen() {
  if (path_.empty()) return;
  const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    std::fprintf(stderr, "doorman: cannot open the diagnostics log %s: %s\n", path_.c_str(),
                 std::strerror(errno));
    if (fd_ < 0) fd_ = 2;
    return;
  }
  if (fd_ > 2) ::close(fd_);
  fd_ = fd;
}

DiagnosticsLog::Buffer& DiagnosticsLog::buffer_of_this_thread() {
  // One buffer per (thread, log): a worker thread finds its own without a shared lock.
  thread_local DiagnosticsLog* owner = nullptr;
  thread_local Buffer* buffer = nullptr;
  if (owner != this) {
    std::lock_guard lock(buffers_mutex_);
    buffers_.push_back(std::make_unique<Buffer>());
    buffer = buffers_.back().get();
    owner = this;
  }
  return *buffer;
}

void DiagnosticsLog::write(std::string_view line) {
  Buffer& b = buffer_of_this_thread();
  std::lock_guard lock(b.mutex);
  if (b.data.size() + line.size() > kMaxBuffered) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  b.data.append(line);
}

void DiagnosticsLog::run() {
  std::string out;
  for (;;) {
    bool stopping;
    {
      std::unique_lock lock(stop_mutex_);
      stop_cv_.wait_for(lock, std::chrono::milliseconds(50), [&] { return stop_; });
      stopping = stop_;
    }
    if (g_reopen.exchange(false)) reopen();
    {
      std::lock_guard list(buffers_mutex_);
      for (auto& b : buffers_) {
        std::lock_guard lock(b->mutex);
        out.append(b->data);
        b->data.clear();
      }
    }
    std::size_t done = 0;
    while (done < out.size()) {
      const ssize_t n = ::write(fd_, out.data() + done, out.size() - done);
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    out.clear();
    if (const uint64_t lost = dropped_.exchange(0))
      std::fprintf(stderr, "doorman: diagnostics log fell behind, %llu lines dropped\n",
                   static_cast<unsigned long long>(lost));
    if (stopping) return;
  }
}

std::shared_ptr<DiagnosticsLog> make_diagnostics_log(const config::Config& config) {
  if (!config.diagnostics.enabled) return nullptr;
  return std::make_shared<DiagnosticsLog>(config.diagnostics.file);
}

void log_diagnostics(runtime::Session& s, const Exchange& x) {
  Line l;
  char time_text[40];
  {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    // The date and time to the second are formatted once a second per thread.
    thread_local time_t formatted_second = -1;
    thread_local char second_text[32];
    thread_local std::size_t second_size = 0;
    if (ts.tv_sec != formatted_second) {
      std::tm tm{};
      gmtime_r(&ts.tv_sec, &tm);
      second_size = std::strftime(second_text, sizeof second_text, "%Y-%m-%dT%H:%M:%S", &tm);
      formatted_second = ts.tv_sec;
    }
    std::memcpy(time_text, second_text, second_size);
    const long ms = ts.tv_nsec / 1'000'000;
    char* p = time_text + second_size;
    *p++ = '.';
    *p++ = static_cast<char>('0' + ms / 100);
    *p++ = static_cast<char>('0' + ms / 10 % 10);
    *p++ = static_cast<char>('0' + ms % 10);
    *p++ = 'Z';
    *p = '\0';
  }
  l.string("time", time_text);
  if (x.request_id[0])
    l.string("request_id", std::string_view(x.request_id.data(),
                                            strnlen(x.request_id.data(), x.request_id.size())));
  else
    l.null("request_id");
  if (s.listener != nullptr)
    l.string("listener", s.listener->address.text);
  else
    l.null("listener");
  if (x.route != nullptr)
    l.string("route", x.route->name);
  else
    l.null("route");
  l.string("host", x.log.host_view());
  l.string("method", x.log.method_view());
  l.string("path", x.log.target_view());
  l.number("status", static_cast<uint64_t>(x.status));
  l.number("bytes_in", x.bytes_in);
  l.number("bytes_out", x.bytes_out);
  if (x.identity.client_ip) {
    l.address("client_ip", *x.identity.client_ip);
    l.string("client_ip_source", client_ip_source_name(x.identity.source));
  } else {
    l.null("client_ip");
    l.null("client_ip_source");
  }
  if (s.unix_listener)
    l.string("socket_peer", "unix");
  else
    l.address("socket_peer", s.socket_peer);
  if (s.peer_from_proxy_protocol)
    l.address("proxy_source", s.peer);
  else
    l.null("proxy_source");
  if (x.reason != Reason::kNone) {
    l.string("reason", local_reply_for(x.reason).code);
    if (!x.reason_detail.empty()) l.string("reason_detail", x.reason_detail);
  } else {
    l.null("reason");
  }
  // The framing the request came in: an HTTP/2 stream runs the same stages (h2/stream.h).
  if (s.h2_stream_id != 0) {
    l.string("protocol", "h2");
    l.number("h2_stream", s.h2_stream_id);
  } else {
    l.string("protocol", x.version == HttpVersion::k10 ? "http/1.0" : "http/1.1");
    l.null("h2_stream");
  }
  if (auto* tls = s.client.tls()) {
    SSL* ssl = tls->native_handle();
    l.string("tls_version", SSL_get_version(ssl));
    const char* sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    if (sni != nullptr)
      l.string("sni", sni);
    else
      l.null("sni");
  } else {
    l.null("tls_version");
    l.null("sni");
  }
  // Authenticated Origin Pulls: the connection's client certificate (null where none was
  // requested) and the route's origin-pull step (null where it did not run).
  if (s.client_certificate)
    l.string("client_cert", client_cert_state_name(s.client_certificate->state));
  else
    l.null("client_cert");
  if (x.identity.origin_pull != OriginPullCheck::kNotRequired)
    l.string("origin_pull", origin_pull_check_name(x.identity.origin_pull));
  else
    l.null("origin_pull");
  const double ms =
      x.head == nullptr
          ? 0.0
          : std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - x.started)
                .count();
  l.millis("duration_ms", ms);
  // The upstream stage's clock readings (Exchange::upstream_timing): null for what did not
  // happen, never a made-up number. A pooled connection has no connect time.
  const UpstreamTiming& t = x.upstream_timing;
  using TimePoint = UpstreamTiming::TimePoint;
  const auto between = [](TimePoint from, TimePoint to) {
    return std::chrono::duration<double, std::milli>(to - from).count();
  };
  if (t.connected != TimePoint{})
    l.millis("upstream_connect_ms", between(t.connect_started, t.connected));
  else
    l.null("upstream_connect_ms");
  if (t.head_sent != TimePoint{} && t.first_byte != TimePoint{})
    l.millis("upstream_ttfb_ms", between(t.head_sent, t.first_byte));
  else
    l.null("upstream_ttfb_ms");
  if (t.used()) {
    l.boolean("upstream_reused", t.reused);
    l.boolean("upstream_retried", x.retried);
  } else {
    l.null("upstream_reused");
    l.null("upstream_retried");
  }
  // The upstream answered: a relayed response, even one it broke after its head went out.
  const bool relayed = x.reason == Reason::kNone || x.reason == Reason::kUpstreamTruncated;
  if (x.route_runtime != nullptr && x.status != 0 && relayed)
    l.string("upstream", s.snapshot->upstreams[x.route_runtime->upstream_index].text);
  else
    l.null("upstream");
  l.string("rate_limit", rate_limit_outcome_name(x.rate_limit.outcome));
  s.snapshot->diagnostics->write(l.finish());
}

}  // namespace doorman::request_path
