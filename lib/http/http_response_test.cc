// Response head parser: status line, header rules, and the RFC 9112 §6.3 framing table.
#include "doorman/http_response.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace doorman {
namespace {

std::string resp(std::string_view status_line, std::string_view headers) {
  return std::string(status_line) + "\r\n" + std::string(headers) + "\r\n";
}

TEST(ResponseHeadParser, ParsesStatusLine) {
  struct Case {
    const char* name;
    std::string input;
    HttpVersion version;
    int status;
    std::string_view reason;
  };
  const std::vector<Case> cases = {
      {"ok", resp("HTTP/1.1 200 OK", "Content-Length: 0\r\n"), HttpVersion::k11, 200, "OK"},
      {"reason with spaces", resp("HTTP/1.1 404 Not Found", ""), HttpVersion::k11, 404,
       "Not Found"},
      {"empty reason", resp("HTTP/1.1 204 ", ""), HttpVersion::k11, 204, ""},
      {"no reason no space", resp("HTTP/1.1 204", ""), HttpVersion::k11, 204, ""},
      {"http10", resp("HTTP/1.0 500 Oops", ""), HttpVersion::k10, 500, "Oops"},
      {"obs-text reason", resp("HTTP/1.1 200 \xc3\x9c", ""), HttpVersion::k11, 200, "\xc3\x9c"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ResponseHeadParser parser;
    const HeadProgress p = parser.parse(c.input, Method::kGet);
    ASSERT_TRUE(p.complete()) << error_code_name(p.error.code);
    EXPECT_EQ(p.consumed, c.input.size());
    EXPECT_EQ(parser.head().version, c.version);
    EXPECT_EQ(parser.head().status, c.status);
    EXPECT_EQ(parser.head().reason, c.reason);
  }
}

TEST(ResponseHeadParser, RejectsMalformedHeads) {
  const std::vector<std::pair<const char*, std::string>> cases = {
      {"http2", resp("HTTP/2 200 OK", "")},
      {"version 1.2", resp("HTTP/1.2 200 OK", "")},
      {"two digit status", resp("HTTP/1.1 20 OK", "")},
      {"status 99", resp("HTTP/1.1 099 X", "")},
      {"status 600", resp("HTTP/1.1 600 X", "")},
      {"letters", resp("HTTP/1.1 2x0 OK", "")},
      {"no space after status", resp("HTTP/1.1 200OK", "")},
      {"control in reason", resp("HTTP/1.1 200 O\x01K", "")},
      {"cl and te", resp("HTTP/1.1 200 OK", "Content-Length: 1\r\nTransfer-Encoding: chunked\r\n")},
      {"cl differing", resp("HTTP/1.1 200 OK", "Content-Length: 1\r\nContent-Length: 2\r\n")},
      {"cl junk", resp("HTTP/1.1 200 OK", "Content-Length: 1a\r\n")},
      {"te on http10", resp("HTTP/1.0 200 OK", "Transfer-Encoding: chunked\r\n")},
      {"te and cl on 204",
       resp("HTTP/1.1 204 No", "Content-Length: 0\r\nTransfer-Encoding: chunked\r\n")},
      {"chunked twice", resp("HTTP/1.1 200 OK", "Transfer-Encoding: chunked, chunked\r\n")},
      {"obs-fold", resp("HTTP/1.1 200 OK", "X: a\r\n b\r\n")},
      {"space before colon", resp("HTTP/1.1 200 OK", "X : a\r\n")},
      {"nul", resp("HTTP/1.1 200 OK", std::string("X: a\0\r\n", 7))},
      {"bare lf", "HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n"},
      {"leading empty line", "\r\nHTTP/1.1 200 OK\r\n\r\n"},
      {"not http", "SSH-2.0-OpenSSH\r\n"},
  };
  for (const auto& [name, input] : cases) {
    SCOPED_TRACE(name);
    ResponseHeadParser parser;
    const HeadProgress p = parser.parse(input, Method::kGet);
    ASSERT_TRUE(p.invalid());
    EXPECT_EQ(p.error.code, ErrorCode::kHttpBadResponse);
    EXPECT_EQ(http_status_for(p.error.code), 502);
  }
}

// RFC 9112 §6.3 in table form.
TEST(ResponseHeadParser, FramingTable) {
  struct Case {
    const char* name;
    Method method;
    std::string input;
    BodyKind kind;
    uint64_t length;
    bool keep_alive;
  };
  const std::vector<Case> cases = {
      {"content-length", Method::kGet, resp("HTTP/1.1 200 OK", "Content-Length: 12\r\n"),
       BodyKind::kContentLength, 12, true},
      {"chunked", Method::kGet, resp("HTTP/1.1 200 OK", "Transfer-Encoding: chunked\r\n"),
       BodyKind::kChunked, 0, true},
      {"gzip chunked", Method::kGet,
       resp("HTTP/1.1 200 OK", "Transfer-Encoding: gzip, chunked\r\n"), BodyKind::kChunked, 0,
       true},
      {"te without chunked reads until close", Method::kGet,
       resp("HTTP/1.1 200 OK", "Transfer-Encoding: gzip\r\n"), BodyKind::kUntilClose, 0, false},
      {"chunked not last reads until close", Method::kGet,
       resp("HTTP/1.1 200 OK", "Transfer-Encoding: chunked, gzip\r\n"), BodyKind::kUntilClose, 0,
       false},
      {"close delimited", Method::kGet, resp("HTTP/1.1 200 OK", "Server: x\r\n"),
       BodyKind::kUntilClose, 0, false},
      {"head response with length", Method::kHead,
       resp("HTTP/1.1 200 OK", "Content-Length: 99\r\n"), BodyKind::kNone, 0, true},
      {"head response chunked", Method::kHead,
       resp("HTTP/1.1 200 OK", "Transfer-Encoding: chunked\r\n"), BodyKind::kNone, 0, true},
      {"head response bare", Method::kHead, resp("HTTP/1.1 200 OK", ""), BodyKind::kNone, 0, true},
      {"204", Method::kGet, resp("HTTP/1.1 204 No Content", ""), BodyKind::kNone, 0, true},
      {"204 with length", Method::kGet, resp("HTTP/1.1 204 No Content", "Content-Length: 5\r\n"),
       BodyKind::kNone, 0, true},
      {"304", Method::kGet, resp("HTTP/1.1 304 Not Modified", "Content-Length: 100\r\n"),
       BodyKind::kNone, 0, true},
      {"100", Method::kPost, resp("HTTP/1.1 100 Continue", ""), BodyKind::kNone, 0, true},
      {"103", Method::kGet, resp("HTTP/1.1 103 Early Hints", "Link: </s.css>\r\n"), BodyKind::kNone,
       0, true},
      {"101", Method::kGet,
       resp("HTTP/1.1 101 Switching Protocols", "Connection: Upgrade\r\nUpgrade: websocket\r\n"),
       BodyKind::kNone, 0, true},
      {"http10 length", Method::kGet, resp("HTTP/1.0 200 OK", "Content-Length: 3\r\n"),
       BodyKind::kContentLength, 3, false},
      {"http10 keep-alive", Method::kGet,
       resp("HTTP/1.0 200 OK", "Content-Length: 3\r\nConnection: keep-alive\r\n"),
       BodyKind::kContentLength, 3, true},
      {"http11 close", Method::kGet,
       resp("HTTP/1.1 200 OK", "Content-Length: 3\r\nConnection: close\r\n"),
       BodyKind::kContentLength, 3, false},
      {"repeated length", Method::kGet,
       resp("HTTP/1.1 200 OK", "Content-Length: 3\r\nContent-Length: 3\r\n"),
       BodyKind::kContentLength, 3, true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ResponseHeadParser parser;
    const HeadProgress p = parser.parse(c.input, c.method);
    ASSERT_TRUE(p.complete()) << error_code_name(p.error.code);
    EXPECT_EQ(parser.head().framing.kind, c.kind);
    EXPECT_EQ(parser.head().framing.content_length, c.length);
    EXPECT_EQ(parser.head().keep_alive, c.keep_alive);
  }
}

TEST(ResponseHeadParser, InterimAndSwitching) {
  ResponseHeadParser parser;
  const std::string cont =
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
  const HeadProgress p = parser.parse(cont, Method::kPut);
  ASSERT_TRUE(p.complete());
  EXPECT_TRUE(parser.head().interim);
  EXPECT_FALSE(parser.head().switching_protocols);
  EXPECT_EQ(p.consumed, 25u);
  parser.reset();
  const HeadProgress final_head =
      parser.parse(std::string_view(cont).substr(p.consumed), Method::kPut);
  ASSERT_TRUE(final_head.complete());
  EXPECT_EQ(parser.head().status, 200);
  EXPECT_FALSE(parser.head().interim);

  ResponseHeadParser upgrade;
  const std::string sw = resp("HTTP/1.1 101 Switching Protocols", "Upgrade: websocket\r\n");
  ASSERT_TRUE(upgrade.parse(sw, Method::kGet).complete());
  EXPECT_TRUE(upgrade.head().switching_protocols);
  EXPECT_FALSE(upgrade.head().interim);
}

TEST(ResponseHeadParser, SplitFeedingAtEveryBoundary) {
  const std::string input =
      "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n"
      "Connection: keep-alive\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
  ResponseHeadParser whole;
  const HeadProgress expected = whole.parse(input, Method::kGet);
  ASSERT_TRUE(expected.complete());
  for (std::size_t split = 0; split < expected.consumed; ++split) {
    ResponseHeadParser parser;
    ASSERT_TRUE(parser.parse(std::string_view(input).substr(0, split), Method::kGet).need_more())
        << split;
    const HeadProgress p = parser.parse(input, Method::kGet);
    ASSERT_TRUE(p.complete()) << split;
    EXPECT_EQ(p.consumed, expected.consumed);
    EXPECT_EQ(parser.head().framing, whole.head().framing);
    EXPECT_EQ(parser.head().header_count, 3u);
  }
}

TEST(ResponseHeadParser, HeadSizeCap) {
  ResponseParseOptions options;
  options.max_head_size = 64;
  ResponseHeadParser parser(options);
  const std::string big = resp("HTTP/1.1 200 OK", "X: " + std::string(80, 'x') + "\r\n");
  EXPECT_TRUE(parser.parse(big, Method::kGet).invalid());
  ResponseHeadParser partial(options);
  EXPECT_TRUE(partial.parse(big.substr(0, 70), Method::kGet).invalid());
}

}  // namespace
}  // namespace doorman
