#include "request_path/redirect.h"

#include <charconv>

namespace doorman::request_path {
namespace {

// The host of "host[:port]" or "[v6][:port]" (RFC 9110 §7.2 uri-host [":" port]).
std::string_view strip_port(std::string_view authority) {
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    return close == std::string_view::npos ? authority : authority.substr(0, close + 1);
  }
  return authority.substr(0, authority.find(':'));
}

// "http://" or "https://" in any case (RFC 9110 §4.2.3: the scheme is case-insensitive; the
// parser accepts "HTTP://" too).
bool is_absolute_form(std::string_view target) {
  const auto starts_ci = [target](std::string_view prefix) {
    if (target.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
      if ((target[i] | 0x20) != prefix[i]) return false;  // prefix: lower-case letters and ":/"
    return true;
  };
  return starts_ci("http://") || starts_ci("https://");
}

}  // namespace

RedirectPlan plan_https_redirect(const RedirectRequest& request) {
  RedirectPlan plan;
  if (request.scheme == Scheme::kHttps) return plan;
  std::string_view authority = request.host;
  std::string_view target = request.target;
  // Absolute-form (RFC 9112 §3.2.2): the target's authority replaces Host.
  if (is_absolute_form(target)) {
    target.remove_prefix(target.find("//") + 2);
    const auto slash = target.find_first_of("/?");
    authority = target.substr(0, slash);
    target = slash == std::string_view::npos ? std::string_view() : target.substr(slash);
  }
  if (target.empty() || target == "*") target = "/";
  const std::string_view path = target.substr(0, target.find('?'));
  if (path.starts_with(kAcmeChallengePrefix)) return plan;
  authority = strip_port(authority);
  if (authority.empty()) {
    plan.action = RedirectAction::kNoHost;
    return plan;
  }
  plan.action = RedirectAction::kRedirect;
  // RFC 9110 §15.4.2 lets clients turn a 301 POST into GET; 308 (§15.4.9) keeps the method.
  plan.status = request.method == Method::kGet || request.method == Method::kHead ? 301 : 308;
  plan.authority = authority;
  plan.path_and_query = target;
  return plan;
}

RedirectHead build_redirect_head(const RedirectPlan& plan, uint16_t https_port, bool head_request,
                                 bool close, bool keep_alive_http10,
                                 std::span<char, kRedirectScratchSize> scratch) {
  RedirectHead h;
  auto put = [&h](std::string_view piece) {
    if (!piece.empty()) h.pieces[h.count++] = piece;
  };
  put(plan.status == 301 ? "HTTP/1.1 301 Moved Permanently\r\nLocation: https://"
                         : "HTTP/1.1 308 Permanent Redirect\r\nLocation: https://");
  put(plan.authority);
  if (https_port != 0 && https_port != 443) {
    scratch[0] = ':';
    auto [end, ec] = std::to_chars(scratch.data() + 1, scratch.data() + scratch.size(), https_port);
    put({scratch.data(), static_cast<std::size_t>(end - scratch.data())});
  }
  // "http://host?q" has an empty path; the URL needs one before the query.
  if (plan.path_and_query.front() == '?') put("/");
  put(plan.path_and_query);
  // The body is the reason code, like every local reply (local_reply.h).
  put("\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 15\r\n");
  if (close)
    put("Connection: close\r\n");
  else if (keep_alive_http10)
    put("Connection: keep-alive\r\n");
  put(head_request ? "\r\n" : "\r\nhttps-redirect\n");
  return h;
}

asio::awaitable<bool> redirect_to_https(runtime::Session& s, Exchange& x) {
  if (!x.route->edge.https_redirect) co_return false;
  const RedirectPlan plan = plan_https_redirect({.scheme = x.identity.proto.scheme,
                                                 .method = x.method,
                                                 .host = x.head->host,
                                                 .target = x.head->target});
  if (plan.action == RedirectAction::kPass) co_return false;
  if (plan.action == RedirectAction::kNoHost) {
    x.reason = Reason::kBadRequest;
    x.reason_detail = "https-redirect-without-host";
    co_return true;
  }
  // An unread body would be parsed as the next request: close instead (RFC 9112 §9.6).
  const BodyFraming& f = x.head->framing;
  if (f.kind == BodyKind::kChunked || (f.kind == BodyKind::kContentLength && f.content_length))
    x.keep_alive = false;
  if (s.closing) x.keep_alive = false;
  std::array<char, kRedirectScratchSize> scratch;
  const RedirectHead head =
      build_redirect_head(plan, x.route->edge.https_port, x.head_request, !x.keep_alive,
                          x.keep_alive && x.version == HttpVersion::k10, scratch);
  std::array<asio::const_buffer, 7> buffers;
  for (std::size_t i = 0; i < head.count; ++i) buffers[i] = asio::buffer(head.pieces[i]);
  x.status = plan.status;
  x.reason = Reason::kHttpsRedirect;
  auto [ec, n] = co_await asio::async_write(
      s.client, std::span<const asio::const_buffer>(buffers.data(), head.count), runtime::kNoThrow);
  if (ec) x.keep_alive = false;
  if (x.keep_alive) {
    s.in.consume(x.head_size);
    x.request_consumed = true;
  }
  co_return true;
}

}  // namespace doorman::request_path
