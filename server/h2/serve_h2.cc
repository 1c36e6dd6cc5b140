#include "h2/serve_h2.h"

#include <openssl/ssl.h>

#include <cstring>

#include "h2/driver.h"

namespace doorman::h2 {
namespace {

constexpr std::string_view kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

bool alpn_chose_h2(runtime::Session& s) {
  runtime::ClientStream::Tls* tls = s.client.tls();
  if (tls == nullptr) return false;
  const unsigned char* proto = nullptr;
  unsigned int length = 0;
  SSL_get0_alpn_selected(tls->native_handle(), &proto, &length);
  return length == 2 && std::memcmp(proto, "h2", 2) == 0;
}

}  // namespace

Preface match_preface(std::string_view bytes) {
  const std::size_t n = std::min(bytes.size(), kPreface.size());
  if (bytes.substr(0, n) != kPreface.substr(0, n)) return Preface::kNo;
  return n == kPreface.size() ? Preface::kYes : Preface::kMaybe;
}

asio::awaitable<bool> serve_if_h2(runtime::Session& s) {
  const config::ListenerEdge& edge = s.listener->edge;
  if (s.client.is_tls()) {
    if (!alpn_chose_h2(s)) co_return false;
    s.ensure_buffers();  // the driver reads into s.in
  } else {
    if (!edge.h2c) co_return false;
    s.ensure_buffers();
    // Read until the bytes stop looking like the preface (an HTTP/1.1 request differs by its
    // second byte at the latest) or all of it is there. The head timer armed at accept bounds
    // a client that sends nothing.
    for (;;) {
      const Preface p = match_preface(s.in.view());
      if (p == Preface::kNo) co_return false;
      if (p == Preface::kYes) break;
      s.idle = s.in.empty();
      auto [ec, n] = co_await s.client.async_read_some(s.in.free_space(), runtime::kNoThrow);
      s.idle = false;
      if (ec || n == 0 || s.closing) co_return false;
      s.in.end += n;
    }
  }
  Driver driver(s);
  const std::string initial(s.in.view());  // the driver reads into s.in
  s.in.begin = s.in.end = 0;
  co_await driver.run(initial);
  co_return true;
}

}  // namespace doorman::h2
