#include "request_path/diagnostics_log.h"

#include <fcntl.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <unistd.h>

#include <cstring>
#include <ctime>

#include "request_path/json_line.h"
#include "request_path/rate_limit_note.h"
#include "tls/client_certificate.h"

namespace doorman::request_path {
namespace {

constexpr std::size_t kMaxBuffered = 4 << 20;
constexpr std::size_t kWakeBytes = 64 << 10;
std::atomic<bool> g_reopen{false};

void on_sigusr1(int) {
  g_reopen.store(true);
}

template <std::size_t N>
void address(JsonLine& l, const JsonKey<N>& k, const IpAddress& a) {
  char text[IpAddress::kMaxTextLength];
  l.plain(k, std::string_view(text, a.format_to(text)));
}

}  // namespace

DiagnosticsLog::DiagnosticsLog(std::string path) : path_(std::move(path)) {
  static std::atomic<uint64_t> last_id{0};
  id_ = last_id.fetch_add(1, std::memory_order_relaxed) + 1;
}

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
  // One buffer per (thread, log): a worker thread finds its own without a shared lock. The log
  // is known by its id, not its address: a log made after a reload may sit where a destroyed
  // one was, and must not inherit that one's freed buffer.
  thread_local uint64_t owner = 0;
  thread_local Buffer* buffer = nullptr;
  if (owner != id_) {
    std::lock_guard lock(buffers_mutex_);
    buffers_.push_back(std::make_unique<Buffer>());
    buffer = buffers_.back().get();
    owner = id_;
  }
  return *buffer;
}

void DiagnosticsLog::write(std::string_view line) {
  Buffer& b = buffer_of_this_thread();
  bool wake = false;
  {
    std::lock_guard lock(b.mutex);
    if (b.data.size() + line.size() > kMaxBuffered) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    wake = b.data.size() < kWakeBytes && b.data.size() + line.size() >= kWakeBytes;
    b.data.append(line);
  }
  if (wake) {
    // Once per 64 KiB of lines: the writer takes them now rather than at its next tick.
    {
      std::lock_guard lock(stop_mutex_);
      wake_ = true;
    }
    stop_cv_.notify_one();
  }
}

void DiagnosticsLog::run() {
  std::vector<Buffer*> buffers;
  for (;;) {
    bool stopping;
    {
      std::unique_lock lock(stop_mutex_);
      stop_cv_.wait_for(lock, std::chrono::milliseconds(50), [&] { return stop_ || wake_; });
      stopping = stop_;
      wake_ = false;
    }
    if (g_reopen.exchange(false)) reopen();
    {
      std::lock_guard list(buffers_mutex_);  // buffers are never removed: the pointers stay valid
      buffers.clear();
      for (auto& b : buffers_) buffers.push_back(b.get());
    }
    for (Buffer* b : buffers) {
      {
        std::lock_guard lock(b->mutex);
        b->data.swap(b->spare);  // the worker goes on in the emptied one
      }
      std::string& out = b->spare;
      std::size_t done = 0;
      while (done < out.size()) {
        const ssize_t n = ::write(fd_, out.data() + done, out.size() - done);
        if (n <= 0) break;
        done += static_cast<std::size_t>(n);
      }
      out.clear();
    }
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
  JsonLine l;
  char time_text[40];
  std::size_t time_size;
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
    time_size = static_cast<std::size_t>(p - time_text);
  }
  l.plain(JsonKey{"time"}, std::string_view(time_text, time_size));
  if (x.request_id[0])
    l.string(
        JsonKey{"request_id"},
        std::string_view(x.request_id.data(), strnlen(x.request_id.data(), x.request_id.size())));
  else
    l.null(JsonKey{"request_id"});
  if (s.listener != nullptr)
    l.string(JsonKey{"listener"}, s.listener->address.text);
  else
    l.null(JsonKey{"listener"});
  if (x.route != nullptr)
    l.string(JsonKey{"route"}, x.route->name);
  else
    l.null(JsonKey{"route"});
  l.string(JsonKey{"host"}, x.log.host_view());
  l.string(JsonKey{"method"}, x.log.method_view());
  l.string(JsonKey{"path"}, x.log.target_view());
  l.number(JsonKey{"status"}, static_cast<uint64_t>(x.status));
  l.number(JsonKey{"bytes_in"}, x.bytes_in);
  l.number(JsonKey{"bytes_out"}, x.bytes_out);
  if (x.identity.client_ip) {
    address(l, JsonKey{"client_ip"}, *x.identity.client_ip);
    l.plain(JsonKey{"client_ip_source"}, client_ip_source_name(x.identity.source));
  } else {
    l.null(JsonKey{"client_ip"});
    l.null(JsonKey{"client_ip_source"});
  }
  if (s.unix_listener)
    l.plain(JsonKey{"socket_peer"}, "unix");
  else
    address(l, JsonKey{"socket_peer"}, s.socket_peer);
  if (s.peer_from_proxy_protocol)
    address(l, JsonKey{"proxy_source"}, s.peer);
  else
    l.null(JsonKey{"proxy_source"});
  if (x.reason != Reason::kNone) {
    l.plain(JsonKey{"reason"}, local_reply_for(x.reason).code);
    if (!x.reason_detail.empty()) l.string(JsonKey{"reason_detail"}, x.reason_detail);
  } else {
    l.null(JsonKey{"reason"});
  }
  // The framing the request came in: an HTTP/2 stream runs the same stages (h2/stream.h).
  if (s.h2_stream_id != 0) {
    l.plain(JsonKey{"protocol"}, "h2");
    l.number(JsonKey{"h2_stream"}, s.h2_stream_id);
  } else {
    l.plain(JsonKey{"protocol"}, x.version == HttpVersion::k10 ? "http/1.0" : "http/1.1");
    l.null(JsonKey{"h2_stream"});
  }
  if (auto* tls = s.client.tls()) {
    SSL* ssl = tls->native_handle();
    l.plain(JsonKey{"tls_version"}, SSL_get_version(ssl));
    const char* sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    if (sni != nullptr)
      l.string(JsonKey{"sni"}, sni);
    else
      l.null(JsonKey{"sni"});
  } else {
    l.null(JsonKey{"tls_version"});
    l.null(JsonKey{"sni"});
  }
  // Authenticated Origin Pulls: the connection's client certificate (null where none was
  // requested) and the route's origin-pull step (null where it did not run).
  if (s.client_certificate)
    l.plain(JsonKey{"client_cert"}, client_cert_state_name(s.client_certificate->state));
  else
    l.null(JsonKey{"client_cert"});
  if (x.identity.origin_pull != OriginPullCheck::kNotRequired)
    l.plain(JsonKey{"origin_pull"}, origin_pull_check_name(x.identity.origin_pull));
  else
    l.null(JsonKey{"origin_pull"});
  l.millis(JsonKey{"duration_ms"}, x.head == nullptr
                                       ? std::chrono::steady_clock::duration::zero()
                                       : std::chrono::steady_clock::now() - x.started);
  // The upstream stage's clock readings (Exchange::upstream_timing): null for what did not
  // happen, never a made-up number. A pooled connection has no connect time.
  const UpstreamTiming& t = x.upstream_timing;
  using TimePoint = UpstreamTiming::TimePoint;
  if (t.connected != TimePoint{})
    l.millis(JsonKey{"upstream_connect_ms"}, t.connected - t.connect_started);
  else
    l.null(JsonKey{"upstream_connect_ms"});
  if (t.head_sent != TimePoint{} && t.first_byte != TimePoint{})
    l.millis(JsonKey{"upstream_ttfb_ms"}, t.first_byte - t.head_sent);
  else
    l.null(JsonKey{"upstream_ttfb_ms"});
  if (t.used()) {
    l.boolean(JsonKey{"upstream_reused"}, t.reused);
    l.boolean(JsonKey{"upstream_retried"}, x.retried);
  } else {
    l.null(JsonKey{"upstream_reused"});
    l.null(JsonKey{"upstream_retried"});
  }
  // The upstream answered: a relayed response, even one it broke after its head went out.
  const bool relayed = x.reason == Reason::kNone || x.reason == Reason::kUpstreamTruncated;
  if (x.route_runtime != nullptr && x.status != 0 && relayed)
    l.string(JsonKey{"upstream"}, s.snapshot->upstreams[x.route_runtime->upstream_index].text);
  else
    l.null(JsonKey{"upstream"});
  l.plain(JsonKey{"rate_limit"}, rate_limit_outcome_name(x.rate_limit.outcome));
  // [route.access]: "ok" or the 403 reason (fixed names); the verified email (null where none).
  if (x.access.checked)
    l.plain(JsonKey{"access"}, x.access.reason);
  else
    l.null(JsonKey{"access"});
  if (!x.access.email.empty())
    l.string(JsonKey{"access_email"}, x.access.email);
  else
    l.null(JsonKey{"access_email"});
  s.snapshot->diagnostics->write(l.finish());
}

}  // namespace doorman::request_path
