#include "local_reply.h"

#include <algorithm>
#include <charconv>
#include <cstring>

namespace doorman {
namespace {

constexpr LocalReply kReplies[] = {
    /* kNone */ {200, "OK", "none", Fault::kNone},
    /* kNoRoute */ {404, "Not Found", "no-route", Fault::kPolicy},
    /* kForbidden */ {403, "Forbidden", "forbidden", Fault::kPolicy},
    /* kBadRequest */ {400, "Bad Request", "bad-request", Fault::kClient},
    /* kBadRequestBody */ {400, "Bad Request", "bad-request-body", Fault::kClient},
    /* kBodyTooLarge */ {413, "Content Too Large", "body-too-large", Fault::kClient},
    /* kUriTooLong */ {414, "URI Too Long", "uri-too-long", Fault::kClient},
    /* kHeadersTooLarge */
    {431, "Request Header Fields Too Large", "headers-too-large", Fault::kClient},
    /* kNotImplemented */ {501, "Not Implemented", "not-implemented", Fault::kClient},
    /* kVersionNotSupported */
    {505, "HTTP Version Not Supported", "version-not-supported", Fault::kClient},
    /* kUpstreamConnectFailed */
    {502, "Bad Gateway", "upstream-connect-failed", Fault::kUpstream},
    /* kUpstreamClosed */ {502, "Bad Gateway", "upstream-closed", Fault::kUpstream},
    /* kUpstreamBadResponse */ {502, "Bad Gateway", "upstream-bad-response", Fault::kUpstream},
    /* kUpstreamConnectTimeout */
    {504, "Gateway Timeout", "upstream-connect-timeout", Fault::kUpstream},
    /* kUpstreamTimeout */ {504, "Gateway Timeout", "upstream-timeout", Fault::kUpstream},
    /* kUpstreamTruncated */ {502, "Bad Gateway", "upstream-truncated", Fault::kUpstream},
    /* kOverCapacity */ {503, "Service Unavailable", "over-capacity", Fault::kDoorman},
    /* kInternal */ {500, "Internal Server Error", "internal", Fault::kDoorman},
    /* kHttpsRedirect */ {301, "Moved Permanently", "https-redirect", Fault::kPolicy},
    /* kRateLimited */ {429, "Too Many Requests", "rate-limited", Fault::kClient},
    /* kRateLimitUnavailable */
    {503, "Service Unavailable", "rate-limit-unavailable", Fault::kDoorman},
    /* kAcmeChallenge */ {200, "OK", "acme-challenge", Fault::kNone},
};

class Writer {
 public:
  explicit Writer(std::span<char> out) : out_(out) {}
  void put(std::string_view s) {
    const std::size_t n = std::min(s.size(), out_.size() - size_);
    std::memcpy(out_.data() + size_, s.data(), n);
    size_ += n;
  }
  void put(std::size_t value) {
    char digits[24];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
    put(std::string_view(digits, static_cast<std::size_t>(end - digits)));
  }
  std::string_view view() const { return {out_.data(), size_}; }

 private:
  std::span<char> out_;
  std::size_t size_ = 0;
};

}  // namespace

const LocalReply& local_reply_for(Reason reason) {
  return kReplies[static_cast<std::size_t>(reason)];
}

Reason reason_for_parse_error(ErrorCode code) {
  switch (code) {
    case ErrorCode::kHttpUriTooLong:
      return Reason::kUriTooLong;
    case ErrorCode::kHttpHeadersTooLarge:
      return Reason::kHeadersTooLarge;
    case ErrorCode::kHttpNotImplemented:
      return Reason::kNotImplemented;
    case ErrorCode::kHttpBadVersion:
      return Reason::kVersionNotSupported;
    case ErrorCode::kHttpBadChunk:
      return Reason::kBadRequestBody;
    default:
      return Reason::kBadRequest;
  }
}

std::string_view fault_name(Fault fault) {
  switch (fault) {
    case Fault::kNone:
      return "none";
    case Fault::kClient:
      return "client";
    case Fault::kPolicy:
      return "policy";
    case Fault::kUpstream:
      return "upstream";
    case Fault::kDoorman:
      return "doorman";
  }
  return "none";
}

std::string_view render_local_reply(Reason reason, std::string_view detail, bool head_request,
                                    bool close, bool keep_alive_http10, std::span<char> out) {
  const LocalReply& r = local_reply_for(reason);
  // An upstream fault's detail (refused, reset, ...) describes the origin's network, not the
  // client's request: it stays in the logs and metrics.
  if (r.fault == Fault::kUpstream) detail = {};
  detail = detail.substr(0, 64);
  const std::size_t body_size = r.code.size() + (detail.empty() ? 0 : 2 + detail.size()) + 1;
  Writer w(out);
  w.put("HTTP/1.1 ");
  w.put(static_cast<std::size_t>(r.status));
  w.put(" ");
  w.put(r.status_text);
  w.put("\r\nContent-Type: text/plain; charset=utf-8\r\nCache-Control: no-store\r\n");
  w.put("Content-Length: ");
  w.put(body_size);
  w.put("\r\n");
  if (close) w.put("Connection: close\r\n");
  if (keep_alive_http10 && !close) w.put("Connection: keep-alive\r\n");
  w.put("\r\n");
  if (!head_request) {
    w.put(r.code);
    if (!detail.empty()) {
      w.put(": ");
      w.put(detail);
    }
    w.put("\n");
  }
  return w.view();
}

}  // namespace doorman
