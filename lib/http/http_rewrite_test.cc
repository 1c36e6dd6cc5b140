// The upstream contract (DESIGN.md "What the app receives") as rewrite tables, IPv4 and IPv6,
// plus the zero-copy property and the response-side hop-by-hop removal.
#include "doorman/http_rewrite.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

namespace doorman {
namespace {

IpAddress ip(std::string_view text) {
  return *IpAddress::parse(text);
}

std::string join(const HeadPieces& pieces) {
  std::string out;
  for (std::string_view p : pieces.pieces()) out.append(p);
  EXPECT_EQ(out.size(), pieces.size());
  return out;
}

// Parses `request` and returns the upstream head as one string.
std::string rewrite(const std::string& request, const RewriteInputs& inputs,
                    const RewriteOptions& options = {}) {
  RequestHeadParser parser;
  const HeadProgress p = parser.parse(request);
  EXPECT_TRUE(p.complete()) << error_code_name(p.error.code);
  if (!p.complete()) return {};
  char scratch[kRewriteScratchSize];
  HeadPieces out;
  const auto r = plan_request_rewrite(parser.head(), inputs, options, scratch, out);
  EXPECT_TRUE(r) << error_code_name(r.error().code);
  return join(out);
}

RewriteInputs client(std::string_view address) {
  RewriteInputs in;
  in.client_ip = ip(address);
  in.request_id = "fresh-id";
  return in;
}

std::string get(std::string_view headers) {
  return "GET /p HTTP/1.1\r\nHost: example.com\r\n" + std::string(headers) + "\r\n";
}

TEST(PlanRequestRewrite, TypicalRequest) {
  const std::string out =
      rewrite(get("Accept: */*\r\nConnection: keep-alive\r\n"), client("192.0.2.7"));
  EXPECT_EQ(
      out,
      "GET /p HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n"
      "X-Forwarded-For: 192.0.2.7\r\nX-Forwarded-Proto: http\r\nX-Request-ID: fresh-id\r\n\r\n");
}

TEST(PlanRequestRewrite, XForwardedForActions) {
  const IpAddress hops[] = {ip("10.0.0.1"), ip("2001:db8::a")};
  struct Case {
    const char* name;
    XffAction action;
    std::optional<IpAddress> client_ip;
    std::string_view expected;  // the X-Forwarded-For line, or empty for none
  };
  const std::vector<Case> cases = {
      {"set v4", XffAction::kSet, ip("203.0.113.9"), "X-Forwarded-For: 203.0.113.9\r\n"},
      {"set v6", XffAction::kSet, ip("2001:DB8:0:0::1"), "X-Forwarded-For: 2001:db8::1\r\n"},
      {"set mapped v4", XffAction::kSet, ip("::ffff:198.51.100.1"),
       "X-Forwarded-For: 198.51.100.1\r\n"},
      {"chain v4", XffAction::kChain, ip("203.0.113.9"),
       "X-Forwarded-For: 203.0.113.9, 10.0.0.1, 2001:db8::a\r\n"},
      {"chain v6", XffAction::kChain, ip("2001:db8::5"),
       "X-Forwarded-For: 2001:db8::5, 10.0.0.1, 2001:db8::a\r\n"},
      {"remove", XffAction::kRemove, ip("203.0.113.9"), ""},
      {"no client ip", XffAction::kSet, std::nullopt, ""},
      {"no client ip chain", XffAction::kChain, std::nullopt, ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    RewriteInputs in;
    in.client_ip = c.client_ip;
    in.trusted_hops = hops;
    RewriteOptions options;
    options.x_forwarded_for = c.action;
    const std::string out =
        rewrite(get("X-Forwarded-For: 6.6.6.6\r\nx-forwarded-for: 7.7.7.7\r\n"), in, options);
    EXPECT_EQ(out.find("6.6.6.6"), std::string::npos);
    EXPECT_EQ(out.find("7.7.7.7"), std::string::npos);
    if (c.expected.empty()) {
      EXPECT_EQ(out.find("X-Forwarded-For"), std::string::npos);
    } else {
      EXPECT_NE(out.find(c.expected), std::string::npos) << out;
    }
  }
}

TEST(PlanRequestRewrite, ForwardedActions) {
  struct Case {
    const char* name;
    std::string request;
    std::string_view address;
    bool https;
    ForwardedAction action;
    std::string_view expected;
  };
  const std::vector<Case> cases = {
      {"set v4", get(""), "192.0.2.1", false, ForwardedAction::kSet,
       "Forwarded: for=192.0.2.1;proto=http;host=example.com\r\n"},
      {"set v6 quoted and bracketed", get(""), "2001:db8::1", true, ForwardedAction::kSet,
       "Forwarded: for=\"[2001:db8::1]\";proto=https;host=example.com\r\n"},
      {"host with port quoted", "GET / HTTP/1.1\r\nHost: example.com:8080\r\n\r\n", "192.0.2.1",
       false, ForwardedAction::kSet,
       "Forwarded: for=192.0.2.1;proto=http;host=\"example.com:8080\"\r\n"},
      {"ipv6 host quoted", "GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n", "::1", false,
       ForwardedAction::kSet, "Forwarded: for=\"[::1]\";proto=http;host=\"[::1]:80\"\r\n"},
      {"empty host omitted", "GET / HTTP/1.1\r\nHost:\r\n\r\n", "192.0.2.1", false,
       ForwardedAction::kSet, "Forwarded: for=192.0.2.1;proto=http\r\n"},
      {"remove", get(""), "192.0.2.1", false, ForwardedAction::kRemove, ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    RewriteInputs in = client(c.address);
    in.https = c.https;
    RewriteOptions options;
    options.forwarded = c.action;
    std::string request = c.request;
    request.insert(request.size() - 2, "Forwarded: for=6.6.6.6\r\n");
    const std::string out = rewrite(request, in, options);
    EXPECT_EQ(out.find("6.6.6.6"), std::string::npos) << out;
    if (c.expected.empty()) {
      EXPECT_EQ(out.find("Forwarded:"), std::string::npos) << out;
    } else {
      EXPECT_NE(out.find(c.expected), std::string::npos) << out;
    }
  }
}

TEST(PlanRequestRewrite, ForwardedProtoIsAlwaysDoormans) {
  for (bool https : {false, true}) {
    RewriteInputs in = client("192.0.2.1");
    in.https = https;
    in.peer_trusted = true;  // even a trusted peer's value is replaced by the decided scheme
    const std::string out = rewrite(get("X-Forwarded-Proto: ftp\r\n"), in);
    EXPECT_EQ(out.find("ftp"), std::string::npos);
    EXPECT_NE(out.find(https ? "X-Forwarded-Proto: https\r\n" : "X-Forwarded-Proto: http\r\n"),
              std::string::npos);
  }
}

// CVE-2022-31813: a client listing doorman's headers in Connection cannot make them disappear.
TEST(PlanRequestRewrite, ConnectionListedHeaders) {
  const std::string request =
      "POST / HTTP/1.1\r\nHost: example.com\r\nContent-Length: 3\r\nX-Custom: 1\r\n"
      "X-Forwarded-For: 6.6.6.6\r\nConnection: close, X-Forwarded-For, X-Request-ID, "
      "X-Forwarded-Proto, Forwarded, X-Custom, Content-Length, Host, X-Real-IP\r\n\r\n";
  RewriteInputs in = client("2001:db8::7");
  RewriteOptions options;
  options.forwarded = ForwardedAction::kSet;
  options.client_ip_header = "X-Real-IP";
  const std::string out = rewrite(request, in, options);
  EXPECT_EQ(out.find("Connection"), std::string::npos) << out;
  EXPECT_EQ(out.find("X-Custom"), std::string::npos) << out;
  EXPECT_NE(out.find("Host: example.com\r\n"), std::string::npos) << out;
  EXPECT_NE(out.find("Content-Length: 3\r\n"), std::string::npos) << out;
  EXPECT_NE(out.find("X-Forwarded-For: 2001:db8::7\r\n"), std::string::npos) << out;
  EXPECT_NE(out.find("Forwarded: for=\"[2001:db8::7]\""), std::string::npos) << out;
  EXPECT_NE(out.find("X-Forwarded-Proto: http\r\n"), std::string::npos) << out;
  EXPECT_NE(out.find("X-Request-ID: fresh-id\r\n"), std::string::npos) << out;
  EXPECT_NE(out.find("X-Real-IP: 2001:db8::7\r\n"), std::string::npos) << out;
}

TEST(PlanRequestRewrite, FramingHeadersSurviveConnection) {
  const std::string request =
      "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
      "Connection: Transfer-Encoding, keep-alive\r\n\r\n";
  const std::string out = rewrite(request, client("192.0.2.1"));
  EXPECT_NE(out.find("Transfer-Encoding: chunked\r\n"), std::string::npos) << out;
}

TEST(PlanRequestRewrite, HopByHopRemoved) {
  const std::string request =
      get("Keep-Alive: timeout=5\r\nProxy-Connection: keep-alive\r\nTE: trailers\r\n"
          "Trailer: X-Sum\r\nProxy-Authorization: Basic Zm9vOmJhcg==\r\nUpgrade: websocket\r\n"
          "HTTP2-Settings: AAMAAABkAAQAAP__\r\nConnection: keep-alive\r\nX-Keep: yes\r\n");
  const std::string out = rewrite(request, client("192.0.2.1"));
  for (std::string_view gone : {"Keep-Alive", "Proxy-Connection", "TE:", "Trailer", "Proxy-Auth",
                                "Upgrade", "HTTP2-Settings", "Connection"}) {
    EXPECT_EQ(out.find(gone), std::string::npos) << gone << "\n" << out;
  }
  EXPECT_NE(out.find("X-Keep: yes\r\n"), std::string::npos);
}

TEST(PlanRequestRewrite, UpgradeKeepsUpgradeHeaders) {
  const std::string ws =
      get("Connection: keep-alive, Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: abc\r\n"
          "Sec-WebSocket-Version: 13\r\n");
  const std::string out = rewrite(ws, client("192.0.2.1"));
  EXPECT_NE(out.find("Upgrade: websocket\r\n"), std::string::npos) << out;
  EXPECT_NE(out.find("Connection: upgrade\r\n"), std::string::npos) << out;
  EXPECT_EQ(out.find("keep-alive"), std::string::npos) << out;
  EXPECT_NE(out.find("Sec-WebSocket-Key: abc\r\n"), std::string::npos);
  // h2c is not an upgrade doorman performs: it goes out as a plain request.
  const std::string h2c =
      get("Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AA\r\n");
  const std::string plain = rewrite(h2c, client("192.0.2.1"));
  EXPECT_EQ(plain.find("Upgrade"), std::string::npos) << plain;
  EXPECT_EQ(plain.find("HTTP2-Settings"), std::string::npos) << plain;
}

TEST(PlanRequestRewrite, IdentityHeadersByTrust) {
  const std::string request =
      get("CF-Connecting-IP: 198.51.100.1\r\nCF-Connecting-IPv6: 2001:db8::1\r\n"
          "True-Client-IP: 198.51.100.2\r\nX-Real-IP: 198.51.100.3\r\nFastly-Client-IP: "
          "198.51.100.4\r\n"
          "X-Client-IP: 198.51.100.5\r\nX-Cluster-Client-IP: 198.51.100.6\r\n"
          "CloudFront-Viewer-Address: 198.51.100.7:443\r\nCF-Visitor: {\"scheme\":\"https\"}\r\n"
          "X-Forwarded-Host: evil.example\r\n");
  const std::vector<std::string_view> names = {
      "CF-Connecting-IP:",    "CF-Connecting-IPv6:",        "True-Client-IP:",
      "X-Real-IP:",           "Fastly-Client-IP:",          "X-Client-IP:",
      "X-Cluster-Client-IP:", "CloudFront-Viewer-Address:", "CF-Visitor:",
      "X-Forwarded-Host:"};
  struct Case {
    const char* name;
    bool peer_trusted, cloudflare_matched;
    HeaderIdSet pass;
    bool kept;
  };
  const std::vector<Case> cases = {
      {"untrusted peer", false, false, all_identity_headers(), false},
      {"trusted peer", true, false, all_identity_headers(), true},
      {"cloudflare matched", false, true, all_identity_headers(), true},
      {"trusted but route passes none", true, false, HeaderIdSet{}, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    RewriteInputs in = client("2001:db8::99");
    in.peer_trusted = c.peer_trusted;
    in.cloudflare_matched = c.cloudflare_matched;
    RewriteOptions options;
    options.pass_identity = c.pass;
    const std::string out = rewrite(request, in, options);
    for (std::string_view name : names)
      EXPECT_EQ(out.find(name) != std::string::npos, c.kept) << name << "\n" << out;
  }
  // A route passing only CF-Connecting-IP.
  RewriteInputs in = client("198.51.100.1");
  in.cloudflare_matched = true;
  RewriteOptions only_cf;
  only_cf.pass_identity = HeaderIdSet{HeaderId::kCfConnectingIp};
  const std::string out = rewrite(request, in, only_cf);
  EXPECT_NE(out.find("CF-Connecting-IP: 198.51.100.1\r\n"), std::string::npos);
  EXPECT_EQ(out.find("True-Client-IP"), std::string::npos);
}

// From a trusted peer the server passes, per request, only the identity header its accepted
// decision was read from, plus X-Forwarded-Host (request_path/rewrite.h
// identity_headers_to_pass): the rewriter keeps exactly the listed lines and removes every other
// client claim a trusted proxy relayed (True-Client-IP, X-Real-IP, ...), IPv4 and IPv6 clients.
TEST(PlanRequestRewrite, TrustedPeerKeepsOnlyTheDecidedIdentityHeader) {
  const std::string request =
      get("CF-Connecting-IP: 198.51.100.1\r\nCF-Connecting-IPv6: 2001:db8::1\r\n"
          "True-Client-IP: 6.6.6.2\r\nX-Real-IP: 6.6.6.3\r\nFastly-Client-IP: 198.51.100.4\r\n"
          "X-Client-IP: 6.6.6.5\r\nX-Cluster-Client-IP: 6.6.6.6\r\n"
          "CloudFront-Viewer-Address: 6.6.6.7:443\r\nCF-Visitor: {\"scheme\":\"https\"}\r\n"
          "X-Forwarded-Host: app.example\r\n");
  const std::vector<std::string_view> names = {
      "CF-Connecting-IP:",    "CF-Connecting-IPv6:",        "True-Client-IP:",
      "X-Real-IP:",           "Fastly-Client-IP:",          "X-Client-IP:",
      "X-Cluster-Client-IP:", "CloudFront-Viewer-Address:", "CF-Visitor:",
      "X-Forwarded-Host:"};
  const HeaderId xfh = HeaderId::kXForwardedHost;
  struct Case {
    const char* name;
    bool peer_trusted, cloudflare_matched;
    HeaderIdSet pass;
    std::vector<std::string_view> kept;
  };
  const std::vector<Case> cases = {
      {"decided from the peer or X-Forwarded-For", true, false, {xfh}, {"X-Forwarded-Host:"}},
      {"decided from CF-Connecting-IP (tunnel)",
       true,
       false,
       {xfh, HeaderId::kCfConnectingIp},
       {"CF-Connecting-IP:", "X-Forwarded-Host:"}},
      {"Cloudflare edge, scheme from CF-Visitor",
       false,
       true,
       {xfh, HeaderId::kCfConnectingIp, HeaderId::kCfVisitor},
       {"CF-Connecting-IP:", "CF-Visitor:", "X-Forwarded-Host:"}},
      {"decided from Fastly-Client-IP",
       true,
       false,
       {xfh, HeaderId::kFastlyClientIp},
       {"Fastly-Client-IP:", "X-Forwarded-Host:"}},
      {"untrusted peer: nothing, whatever is listed",
       false,
       false,
       {xfh, HeaderId::kCfConnectingIp},
       {}},
  };
  for (std::string_view address : {"198.51.100.1", "2001:db8::99"}) {
    for (const Case& c : cases) {
      SCOPED_TRACE(std::string(c.name) + " " + std::string(address));
      RewriteInputs in = client(address);
      in.peer_trusted = c.peer_trusted;
      in.cloudflare_matched = c.cloudflare_matched;
      RewriteOptions options;
      options.pass_identity = c.pass;
      const std::string out = rewrite(request, in, options);
      for (std::string_view name : names) {
        const bool kept = std::find(c.kept.begin(), c.kept.end(), name) != c.kept.end();
        EXPECT_EQ(out.find(name) != std::string::npos, kept) << name << "\n" << out;
      }
      // doorman's own identity lines are there whatever passes.
      EXPECT_NE(out.find("X-Forwarded-For: " + std::string(address) + "\r\n"), std::string::npos);
    }
  }
}

// client_ip_header names a claim: doorman writes its own line whatever passes, and the client's
// lines of that name never reach the app (IPv4 and IPv6).
TEST(PlanRequestRewrite, ClientIpHeaderIsDoormansOwnEvenWhenListed) {
  for (std::string_view address : {"198.51.100.1", "2001:db8::1"}) {
    SCOPED_TRACE(address);
    RewriteInputs in = client(address);
    in.peer_trusted = true;
    RewriteOptions options;
    options.client_ip_header = "X-Real-IP";
    options.pass_identity = {HeaderId::kXRealIp};
    const std::string out =
        rewrite(get("X-Real-IP: 6.6.6.6\r\nTrue-Client-IP: 6.6.6.7\r\n"), in, options);
    EXPECT_EQ(out.find("6.6.6."), std::string::npos) << out;
    EXPECT_NE(out.find("X-Real-IP: " + std::string(address) + "\r\n"), std::string::npos) << out;
  }
}

TEST(PlanRequestRewrite, AliasesAlwaysRemoved) {
  const std::string request =
      get("X_Forwarded_For: 6.6.6.1\r\nX.Forwarded.For: 6.6.6.2\r\nx_real_ip: 6.6.6.3\r\n"
          "CF_CONNECTING_IP: 6.6.6.4\r\nTrue.Client.IP: 6.6.6.5\r\nX_Forwarded_Proto: https\r\n"
          "X_Request_ID: 6.6.6.6\r\nX-Forwarded_Host: 6.6.6.7\r\nX_Client_Address: 6.6.6.8\r\n"
          "X_Other_Header: keep\r\n");
  for (bool trusted : {false, true}) {
    SCOPED_TRACE(trusted);
    RewriteInputs in = client("192.0.2.1");
    in.peer_trusted = trusted;
    RewriteOptions options;
    options.client_ip_header = "X-Client-Address";
    const std::string out = rewrite(request, in, options);
    EXPECT_EQ(out.find("6.6.6."), std::string::npos) << out;
    EXPECT_NE(out.find("X_Other_Header: keep\r\n"), std::string::npos);
    EXPECT_NE(out.find("X-Client-Address: 192.0.2.1\r\n"), std::string::npos);
  }
}

TEST(PlanRequestRewrite, FramingAliasesRemoved) {
  // An app that folds '_' into '-' would see a second Content-Length or a Transfer-Encoding.
  const std::string request =
      "POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent_Length: 0\r\n"
      "Transfer_Encoding: chunked\r\ncontent.length: 9\r\n\r\n";
  const std::string out = rewrite(request, client("192.0.2.1"));
  EXPECT_EQ(out.find("_"), std::string::npos) << out;
  EXPECT_EQ(out.find("content.length"), std::string::npos) << out;
  EXPECT_NE(out.find("Content-Length: 5\r\n"), std::string::npos) << out;
}

// RFC 9112 §3.2.2: the app gets an origin-form target and one Host, the target's authority.
TEST(PlanRequestRewrite, AbsoluteFormBecomesOriginForm) {
  struct Case {
    const char* name;
    std::string request;
    std::string expected;  // up to doorman's X-Forwarded-For line
  };
  const std::vector<Case> cases = {
      {"host disagrees", "GET http://a.test/p HTTP/1.1\r\nHost: evil\r\nX-A: b\r\n\r\n",
       "GET /p HTTP/1.1\r\nX-A: b\r\nHost: a.test\r\n"},
      {"host agrees", "GET http://a.test/p?q HTTP/1.1\r\nHost: a.test\r\n\r\n",
       "GET /p?q HTTP/1.1\r\nHost: a.test\r\n"},
      {"query only", "GET http://a.test?x=1 HTTP/1.1\r\nHost: a.test\r\n\r\n",
       "GET /?x=1 HTTP/1.1\r\nHost: a.test\r\n"},
      {"no path, upper scheme", "DELETE HTTP://A:81 HTTP/1.1\r\nHost: a\r\n\r\n",
       "DELETE / HTTP/1.1\r\nHost: A:81\r\n"},
      {"http10", "GET http://a.test/p HTTP/1.0\r\n\r\n", "GET /p HTTP/1.1\r\nHost: a.test\r\n"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string out = rewrite(c.request, client("192.0.2.1"));
    EXPECT_EQ(out.substr(0, out.find("X-Forwarded-For")), c.expected);
  }
}

TEST(PlanRequestRewrite, RequestId) {
  struct Case {
    const char* name;
    std::string headers;
    bool trusted;
    std::string_view expected;
  };
  const std::vector<Case> cases = {
      {"trusted valid kept", "X-Request-ID: abc.DEF_1:2-3\r\n", true,
       "X-Request-ID: abc.DEF_1:2-3\r\n"},
      {"trusted 128 chars kept", "X-Request-ID: " + std::string(128, 'a') + "\r\n", true,
       "X-Request-ID: aaaa"},
      {"untrusted replaced", "X-Request-ID: abc\r\n", false, "X-Request-ID: fresh-id\r\n"},
      {"trusted 129 chars replaced", "X-Request-ID: " + std::string(129, 'a') + "\r\n", true,
       "X-Request-ID: fresh-id\r\n"},
      {"trusted bad chars replaced", "X-Request-ID: a/b\r\n", true, "X-Request-ID: fresh-id\r\n"},
      {"trusted empty replaced", "X-Request-ID:\r\n", true, "X-Request-ID: fresh-id\r\n"},
      {"trusted two lines replaced", "X-Request-ID: a\r\nX-Request-Id: b\r\n", true,
       "X-Request-ID: fresh-id\r\n"},
      {"absent", "", true, "X-Request-ID: fresh-id\r\n"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    RewriteInputs in = client("192.0.2.1");
    in.peer_trusted = c.trusted;
    const std::string out = rewrite(get(c.headers), in);
    EXPECT_NE(out.find(c.expected), std::string::npos) << out;
    std::size_t count = 0;
    for (std::size_t at = out.find("X-Request-I"); at != std::string::npos;
         at = out.find("X-Request-I", at + 1))
      ++count;
    EXPECT_EQ(count, 1u) << out;
  }
}

TEST(PlanRequestRewrite, IdentitySetMatchesTable) {
  EXPECT_EQ(kAllIdentityHeaders, all_identity_headers());
  EXPECT_EQ(RewriteOptions{}.pass_identity, all_identity_headers());
}

TEST(PlanRequestRewrite, IsValidRequestId) {
  EXPECT_TRUE(is_valid_request_id("a"));
  EXPECT_TRUE(is_valid_request_id("0123-abc_DEF.x:y"));
  EXPECT_TRUE(is_valid_request_id(std::string(128, 'z')));
  EXPECT_FALSE(is_valid_request_id(""));
  EXPECT_FALSE(is_valid_request_id(std::string(129, 'z')));
  for (std::string_view bad : {"a b", "a/b", "a\r\nb", "a,b", "a\"b", "\xc3\xa9", "a;b"})
    EXPECT_FALSE(is_valid_request_id(bad)) << bad;
  // Every byte, in the middle of an id: only letters, digits and . _ : - pass.
  for (int c = 0; c < 256; ++c) {
    const bool allowed = std::isalnum(c) != 0 || c == '.' || c == '_' || c == ':' || c == '-';
    const std::string id = std::string("a") + static_cast<char>(c) + "b";
    EXPECT_EQ(is_valid_request_id(id), allowed) << c;
  }
}

TEST(PlanRequestRewrite, Http10RequestGoesOutAsHttp11) {
  RewriteInputs in = client("192.0.2.1");
  in.host = "app.internal";
  const std::string out = rewrite("GET /x HTTP/1.0\r\nAccept: */*\r\n\r\n", in);
  EXPECT_TRUE(out.starts_with("GET /x HTTP/1.1\r\nAccept: */*\r\nHost: app.internal\r\n")) << out;
  const std::string with_host = rewrite("GET /x HTTP/1.0\r\nHost: a.example\r\n\r\n", in);
  EXPECT_TRUE(with_host.starts_with("GET /x HTTP/1.1\r\nHost: a.example\r\nX-Forwarded-For"))
      << with_host;
}

TEST(PlanRequestRewrite, RepeatedContentLengthNormalized) {
  const std::string out =
      rewrite("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\ncontent-length: 005\r\n\r\n",
              client("192.0.2.1"));
  EXPECT_EQ(out.find("005"), std::string::npos) << out;
  EXPECT_NE(out.find("Content-Length: 5\r\n"), std::string::npos) << out;
  EXPECT_EQ(out.find("Content-Length", out.find("Content-Length") + 1), std::string::npos) << out;
}

TEST(PlanRequestRewrite, ExpectOnlyForContinue) {
  const std::string kept =
      rewrite("PUT / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n",
              client("192.0.2.1"));
  EXPECT_NE(kept.find("Expect: 100-continue\r\n"), std::string::npos);
  const std::string dropped =
      rewrite("PUT / HTTP/1.1\r\nHost: h\r\nExpect: foo\r\n\r\n", client("192.0.2.1"));
  EXPECT_EQ(dropped.find("Expect"), std::string::npos);
}

TEST(PlanRequestRewrite, UnchangedLinesAreViewsIntoTheBuffer) {
  const std::string request =
      "GET /p HTTP/1.1\r\nHost: example.com\r\nUser-Agent: UA\r\nAccept: */*\r\n"
      "Accept-Language: en\r\nCookie: a=b\r\n\r\n";
  RequestHeadParser parser;
  ASSERT_TRUE(parser.parse(request).complete());
  char scratch[kRewriteScratchSize];
  HeadPieces out;
  ASSERT_TRUE(plan_request_rewrite(parser.head(), client("192.0.2.1"), {}, scratch, out));
  // Request line and all five headers in one piece pointing into the buffer, then one piece of
  // doorman's lines in scratch.
  ASSERT_EQ(out.pieces().size(), 2u);
  EXPECT_EQ(out.pieces()[0].data(), request.data());
  EXPECT_EQ(out.pieces()[0].size(), request.size() - 2);
  EXPECT_EQ(out.pieces()[1].data(), scratch);
  EXPECT_EQ(out.size(), out.pieces()[0].size() + out.pieces()[1].size());
}

TEST(PlanRequestRewrite, OwnedHeadersScrubbedAndWritten) {
  const OwnedHeader owned[] = {{"X-Auth-Email", "ada@example.com"}, {"X-Auth-Subject", ""}};
  RewriteOptions options;
  options.owned_headers = owned;
  const std::string out =
      rewrite(get("X-Auth-Email: evil@example.com\r\nx-auth-subject: forged\r\nX_Auth_Email: a\r\n"
                  "X.Auth.Subject: b\r\nAccept: */*\r\n"),
              client("2001:db8::7"), options);
  EXPECT_EQ(out,
            "GET /p HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n"
            "X-Forwarded-For: 2001:db8::7\r\nX-Forwarded-Proto: http\r\n"
            "X-Request-ID: fresh-id\r\nX-Auth-Email: ada@example.com\r\n\r\n");
}

TEST(PlanRequestRewrite, OwnedHeaderValuesCannotInject) {
  RequestHeadParser parser;
  ASSERT_TRUE(parser.parse(get("")).complete());
  char scratch[kRewriteScratchSize];
  HeadPieces out;
  const std::string_view bad_values[] = {
      "a\r\nX-Admin: 1", "a\nb", std::string_view("a\0b", 3), " a", "a\t", "a\x7f"};
  for (std::string_view bad : bad_values) {
    const OwnedHeader owned[] = {{"X-Auth-Email", bad}};
    RewriteOptions options;
    options.owned_headers = owned;
    EXPECT_FALSE(plan_request_rewrite(parser.head(), client("192.0.2.1"), options, scratch, out));
  }
  const OwnedHeader bad_name[] = {{"X Auth", "v"}};
  RewriteOptions options;
  options.owned_headers = bad_name;
  EXPECT_FALSE(plan_request_rewrite(parser.head(), client("192.0.2.1"), options, scratch, out));
  EXPECT_TRUE(is_valid_field_value("ada@example.com"));
  EXPECT_TRUE(is_valid_field_value("caf\xc3\xa9 a\tb"));
}

TEST(HeadPieces, DropSuffixAcrossPieces) {
  const std::string a = "HTTP/1.1 200 OK\r\nA: 1\r\n";
  const std::string b = "\r\n";
  struct Case {
    const char* name;
    std::size_t drop;
    std::string want;
    std::size_t pieces;
  };
  const Case cases[] = {
      {"nothing", 0, a + b, 2},
      {"the blank line piece exactly", 2, a, 1},
      {"into the previous piece", 4, a.substr(0, a.size() - 2), 1},
      {"more than everything", 100, "", 0},
  };
  for (const Case& c : cases) {
    HeadPieces p;
    p.append(a);
    p.append(b);
    p.drop_suffix(c.drop);
    EXPECT_EQ(join(p), c.want) << c.name;
    EXPECT_EQ(p.size(), c.want.size()) << c.name;
    EXPECT_EQ(p.pieces().size(), c.pieces) << c.name;
  }
  // Fields in front of the blank line of one contiguous head, as the rate limiter adds them.
  const std::string head = "HTTP/1.1 200 OK\r\nA: 1\r\n\r\n";
  HeadPieces p;
  p.append(head);
  p.drop_suffix(2);
  p.append("RateLimit: x\r\n");
  p.append("\r\n");
  EXPECT_EQ(join(p), "HTTP/1.1 200 OK\r\nA: 1\r\nRateLimit: x\r\n\r\n");
}

TEST(PlanRequestRewrite, Errors) {
  const std::string request = get("");
  RequestHeadParser parser;
  ASSERT_TRUE(parser.parse(request).complete());
  HeadPieces out;
  char tiny[16];
  const auto small = plan_request_rewrite(parser.head(), client("192.0.2.1"), {}, tiny, out);
  ASSERT_FALSE(small);
  EXPECT_EQ(small.error().code, ErrorCode::kHttpHeadersTooLarge);
  EXPECT_EQ(out.size(), 0u);
  char scratch[kRewriteScratchSize];
  RewriteInputs injected = client("192.0.2.1");
  injected.request_id = "x\r\nEvil: 1";
  EXPECT_FALSE(plan_request_rewrite(parser.head(), injected, {}, scratch, out));
  RewriteOptions bad_name;
  bad_name.client_ip_header = "X Real";
  EXPECT_FALSE(plan_request_rewrite(parser.head(), client("192.0.2.1"), bad_name, scratch, out));
  EXPECT_LE(rewrite_scratch_size(parser.head(), client("192.0.2.1"), {}), kRewriteScratchSize);
}

std::string rewrite_response(const std::string& response, const ResponseRewriteOptions& options,
                             std::size_t* pieces = nullptr) {
  ResponseHeadParser parser;
  EXPECT_TRUE(parser.parse(response, Method::kGet).complete());
  char scratch[64];
  HeadPieces out;
  EXPECT_TRUE(plan_response_rewrite(parser.head(), options, scratch, out));
  if (pieces != nullptr) *pieces = out.pieces().size();
  return join(out);
}

TEST(PlanResponseRewrite, Table) {
  struct Case {
    const char* name;
    std::string response;
    ResponseRewriteOptions options;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"unchanged",
       "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-A: 1\r\n\r\n",
       {},
       "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-A: 1\r\n\r\n"},
      {"hop-by-hop removed",
       "HTTP/1.1 200 OK\r\nConnection: keep-alive, X-Secret\r\nKeep-Alive: timeout=5\r\n"
       "X-Secret: s\r\nProxy-Authenticate: Basic\r\nTrailer: X\r\nUpgrade: h2\r\n"
       "Transfer-Encoding: chunked\r\n\r\n",
       {},
       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"},
      {"te dropped for http10 client",
       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
       {.close = true, .drop_transfer_encoding = true},
       "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n"},
      {"close added",
       "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
       {.close = true},
       "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"},
      {"keep-alive for http10",
       "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
       {.keep_alive_http10 = true},
       "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n"},
      {"101 keeps upgrade",
       "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
       "Sec-WebSocket-Accept: x\r\nKeep-Alive: 1\r\n\r\n",
       {.close = true},
       "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
       "Sec-WebSocket-Accept: x\r\n\r\n"},
      {"content-length listed in connection stays",
       "HTTP/1.1 200 OK\r\nConnection: Content-Length\r\nContent-Length: 1\r\n\r\n",
       {},
       "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n"},
      {"repeated content-length normalized",
       "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 01\r\n\r\n",
       {},
       "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(rewrite_response(c.response, c.options), c.expected);
    // The field rule alone (HTTP/2's framing uses it) keeps exactly the lines the rewrite kept.
    ResponseHeadParser parser;
    ASSERT_TRUE(parser.parse(c.response, Method::kGet).complete());
    const ResponseHead& head = parser.head();
    const ResponseFieldMask kept = response_fields_kept(head, c.options);
    std::string lines;
    for (std::size_t i = 0; i < head.header_count; ++i)
      if (kept[i]) lines.append(head.line(i));
    for (std::size_t i = head.header_count; i < kMaxHeaderLines; ++i) EXPECT_FALSE(kept[i]);
    const std::string expected_lines = c.expected.substr(c.expected.find("\r\n") + 2);
    if (head.content_length_repeated) lines += "Content-Length: 1\r\n";
    if (!head.switching_protocols && c.options.close) lines += "Connection: close\r\n";
    if (!head.switching_protocols && !c.options.close && c.options.keep_alive_http10)
      lines += "Connection: keep-alive\r\n";
    EXPECT_EQ(lines + "\r\n", expected_lines);
  }
  std::size_t pieces = 0;
  rewrite_response(cases[0].response, {}, &pieces);
  EXPECT_EQ(pieces, 1u);  // an unchanged head is one view of the upstream's bytes
}

}  // namespace
}  // namespace doorman
