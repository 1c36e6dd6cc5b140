#include "request_path/acme_challenge.h"

#include <string>

#include "acme/challenges.h"
#include "request_path/redirect.h"

namespace doorman::request_path {

std::string_view acme_challenge_token(std::string_view target) {
  if (!target.starts_with(kAcmeChallengePrefix)) return {};
  const std::string_view token = target.substr(kAcmeChallengePrefix.size());
  if (token.empty() || token.size() > 256) return {};
  for (char c : token) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return {};
  }
  return token;
}

bool may_be_acme_challenge(const runtime::Session& s, const Exchange& x) {
  if (s.listener->edge.tls) return false;
  if (x.method != Method::kGet && x.method != Method::kHead) return false;
  return !acme_challenge_token(x.head->target).empty();
}

asio::awaitable<bool> answer_acme_challenge(runtime::Session& s, Exchange& x) {
  if (!may_be_acme_challenge(s, x)) co_return false;
  const std::string_view token = acme_challenge_token(x.head->target);
  if (token.empty()) co_return false;
  const std::optional<std::string> answer = acme::Challenges::shared().http01(token);
  if (!answer) co_return false;
  // An unread body would be parsed as the next request: close instead (RFC 9112 §9.6).
  const BodyFraming& f = x.head->framing;
  if (f.kind == BodyKind::kChunked || (f.kind == BodyKind::kContentLength && f.content_length))
    x.keep_alive = false;
  if (s.closing) x.keep_alive = false;
  std::string reply =
      "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: ";
  reply += std::to_string(answer->size());
  reply += "\r\nCache-Control: no-store\r\n";
  if (!x.keep_alive)
    reply += "Connection: close\r\n";
  else if (x.version == HttpVersion::k10)
    reply += "Connection: keep-alive\r\n";
  reply += "\r\n";
  if (!x.head_request) reply += *answer;
  x.status = 200;
  x.reason = Reason::kAcmeChallenge;
  auto [ec, n] = co_await asio::async_write(s.client, asio::buffer(reply), runtime::kNoThrow);
  if (ec) x.keep_alive = false;
  x.bytes_out = x.head_request ? 0 : answer->size();
  if (x.keep_alive) {
    s.in.consume(x.head_size);
    x.request_consumed = true;
  }
  co_return true;
}

}  // namespace doorman::request_path
