// HTTPS redirects: which requests are redirected (trusted scheme http, not ACME), the status by
// method, the Location built from Host or an absolute-form target without the http port (IPv4,
// IPv6, names), the https_port option, and the exact bytes of the reply.
#include "request_path/redirect.h"

#include <gtest/gtest.h>

#include <string>

namespace doorman::request_path {
namespace {

struct Case {
  Scheme scheme;
  Method method;
  const char* host;
  const char* target;
  RedirectAction action;
  int status;
  const char* authority;
  const char* path_and_query;
};

TEST(PlanHttpsRedirect, CoversSchemeMethodAuthorityAndAcme) {
  const Scheme http = Scheme::kHttp, https = Scheme::kHttps;
  const Case cases[] = {
      // Already https (the resolver's trusted decision): pass.
      {https, Method::kGet, "example.com", "/a", RedirectAction::kPass, 0, "", ""},
      // GET and HEAD: 301; anything else keeps its method with 308.
      {http, Method::kGet, "example.com", "/a?b=c", RedirectAction::kRedirect, 301, "example.com",
       "/a?b=c"},
      {http, Method::kHead, "example.com", "/", RedirectAction::kRedirect, 301, "example.com", "/"},
      {http, Method::kPost, "example.com", "/form", RedirectAction::kRedirect, 308, "example.com",
       "/form"},
      {http, Method::kOther, "example.com", "/x", RedirectAction::kRedirect, 308, "example.com",
       "/x"},
      // The http port is dropped; case is kept as sent.
      {http, Method::kGet, "Example.COM:8080", "/", RedirectAction::kRedirect, 301, "Example.COM",
       "/"},
      {http, Method::kGet, "192.0.2.7:80", "/p", RedirectAction::kRedirect, 301, "192.0.2.7", "/p"},
      {http, Method::kGet, "[2001:db8::1]:8080", "/p", RedirectAction::kRedirect, 301,
       "[2001:db8::1]", "/p"},
      {http, Method::kGet, "[::1]", "/", RedirectAction::kRedirect, 301, "[::1]", "/"},
      // Absolute-form: the target's authority wins over Host (RFC 9112 §3.2.2).
      {http, Method::kGet, "other.test", "http://example.com:81/x?y", RedirectAction::kRedirect,
       301, "example.com", "/x?y"},
      {http, Method::kGet, "other.test", "http://[2001:db8::2]", RedirectAction::kRedirect, 301,
       "[2001:db8::2]", "/"},
      {http, Method::kGet, "other.test", "http://example.com?q", RedirectAction::kRedirect, 301,
       "example.com", "?q"},
      {http, Method::kGet, "other.test", "HTTP://Example.com/x", RedirectAction::kRedirect, 301,
       "Example.com", "/x"},
      // OPTIONS *: the site root.
      {http, Method::kOther, "example.com", "*", RedirectAction::kRedirect, 308, "example.com",
       "/"},
      // ACME HTTP-01 (RFC 8555 §8.3) stays on http; only that exact prefix.
      {http, Method::kGet, "example.com", "/.well-known/acme-challenge/tok", RedirectAction::kPass,
       0, "", ""},
      {http, Method::kGet, "example.com", "http://example.com/.well-known/acme-challenge/t",
       RedirectAction::kPass, 0, "", ""},
      {http, Method::kGet, "example.com", "/.well-known/acme-challenge", RedirectAction::kRedirect,
       301, "example.com", "/.well-known/acme-challenge"},
      {http, Method::kGet, "example.com", "/x/.well-known/acme-challenge/t",
       RedirectAction::kRedirect, 301, "example.com", "/x/.well-known/acme-challenge/t"},
      {http, Method::kGet, "example.com", "/?/.well-known/acme-challenge/t",
       RedirectAction::kRedirect, 301, "example.com", "/?/.well-known/acme-challenge/t"},
      // No authority (HTTP/1.0 without Host): cannot redirect.
      {http, Method::kGet, "", "/", RedirectAction::kNoHost, 0, "", ""},
      {http, Method::kGet, ":80", "/", RedirectAction::kNoHost, 0, "", ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.host) + " " + c.target);
    const RedirectPlan plan = plan_https_redirect(
        {.scheme = c.scheme, .method = c.method, .host = c.host, .target = c.target});
    EXPECT_EQ(plan.action, c.action);
    if (c.action != RedirectAction::kRedirect) continue;
    EXPECT_EQ(plan.status, c.status);
    EXPECT_EQ(plan.authority, c.authority);
    EXPECT_EQ(plan.path_and_query, c.path_and_query);
  }
}

std::string render(const RedirectPlan& plan, uint16_t port, bool head, bool close, bool ka10) {
  std::array<char, kRedirectScratchSize> scratch;
  const RedirectHead h = build_redirect_head(plan, port, head, close, ka10, scratch);
  std::string out;
  for (std::size_t i = 0; i < h.count; ++i) out += h.pieces[i];
  return out;
}

TEST(BuildRedirectHead, WritesLocationStatusAndFraming) {
  const RedirectPlan get = plan_https_redirect(
      {.scheme = Scheme::kHttp, .method = Method::kGet, .host = "a.test:80", .target = "/p?q=1"});
  EXPECT_EQ(render(get, 0, false, false, false),
            "HTTP/1.1 301 Moved Permanently\r\nLocation: https://a.test/p?q=1\r\n"
            "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 15\r\n\r\n"
            "https-redirect\n");
  // https_port: written unless it is the default 443.
  EXPECT_EQ(render(get, 443, false, false, false), render(get, 0, false, false, false));
  EXPECT_NE(render(get, 8443, false, false, false).find("Location: https://a.test:8443/p?q=1\r\n"),
            std::string::npos);
  EXPECT_NE(render(get, 65535, false, false, false).find("https://a.test:65535/p"),
            std::string::npos);
  // HEAD: no body, same Content-Length (RFC 9110 §9.3.2).
  const std::string head = render(get, 0, true, false, false);
  EXPECT_TRUE(head.ends_with("Content-Length: 15\r\n\r\n")) << head;
  // Connection handling.
  EXPECT_NE(render(get, 0, false, true, false).find("\r\nConnection: close\r\n\r\n"),
            std::string::npos);
  EXPECT_NE(render(get, 0, false, false, true).find("\r\nConnection: keep-alive\r\n\r\n"),
            std::string::npos);

  const RedirectPlan post = plan_https_redirect({.scheme = Scheme::kHttp,
                                                 .method = Method::kPost,
                                                 .host = "[2001:db8::1]:8080",
                                                 .target = "/form"});
  EXPECT_TRUE(render(post, 0, false, true, false)
                  .starts_with("HTTP/1.1 308 Permanent Redirect\r\nLocation: "
                               "https://[2001:db8::1]/form\r\n"));
  const RedirectPlan query_only = plan_https_redirect(
      {.scheme = Scheme::kHttp, .method = Method::kGet, .host = "x", .target = "http://b.test?q"});
  EXPECT_NE(render(query_only, 0, false, false, false).find("Location: https://b.test/?q\r\n"),
            std::string::npos);
}

}  // namespace
}  // namespace doorman::request_path
