// Request head parser: table-driven cases per rule (RFC 9112), smuggling vectors, caps, and
// incremental feeding at every byte boundary.
#include "doorman/http_request.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace doorman {
namespace {

struct Outcome {
  ParseState state;
  ErrorCode code;  // meaningful when invalid
};

HeadProgress parse_whole(RequestHeadParser& parser, std::string_view input) {
  return parser.parse(input);
}

struct RejectCase {
  const char* name;
  std::string input;
  ErrorCode code;
  int status;
};

void expect_rejected(const std::vector<RejectCase>& cases, RequestParseOptions options = {}) {
  for (const RejectCase& c : cases) {
    SCOPED_TRACE(c.name);
    RequestHeadParser parser(options);
    const HeadProgress p = parse_whole(parser, c.input);
    ASSERT_TRUE(p.invalid()) << "state " << static_cast<int>(p.state);
    EXPECT_EQ(p.error.code, c.code) << error_code_name(p.error.code);
    EXPECT_EQ(http_status_for(p.error.code), c.status);
  }
}

const RequestHead& parse_ok(RequestHeadParser& parser, const std::string& input) {
  const HeadProgress p = parser.parse(input);
  EXPECT_TRUE(p.complete()) << "state " << static_cast<int>(p.state) << " code "
                            << error_code_name(p.error.code) << " at " << p.error.offset;
  return parser.head();
}

// The head's views point into the input: a temporary would dangle.
const RequestHead& parse_ok(RequestHeadParser& parser, std::string&& input) = delete;

std::string req(std::string_view line, std::string_view headers) {
  return std::string(line) + "\r\n" + std::string(headers) + "\r\n";
}

TEST(RequestHeadParser, ParsesTypicalRequest) {
  const std::string input =
      "GET /index.html?q=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: test\r\n"
      "Accept: */*\r\n\r\n";
  RequestHeadParser parser;
  const HeadProgress p = parser.parse(input);
  ASSERT_TRUE(p.complete());
  EXPECT_EQ(p.consumed, input.size());
  const RequestHead& h = parser.head();
  EXPECT_EQ(h.method, "GET");
  EXPECT_EQ(h.method_id, Method::kGet);
  EXPECT_EQ(h.target, "/index.html?q=1");
  EXPECT_EQ(h.target_form, TargetForm::kOrigin);
  EXPECT_EQ(h.version, HttpVersion::k11);
  EXPECT_EQ(h.request_line, "GET /index.html?q=1 HTTP/1.1");
  EXPECT_EQ(h.host, "example.com");
  EXPECT_TRUE(h.keep_alive);
  EXPECT_EQ(h.framing.kind, BodyKind::kNone);
  ASSERT_EQ(h.header_count, 3u);
  EXPECT_EQ(h.headers()[1].name, "User-Agent");
  EXPECT_EQ(h.headers()[1].value, "test");
  EXPECT_EQ(h.line(1), "User-Agent: test\r\n");
  EXPECT_EQ(h.ids[0], HeaderId::kHost);
  EXPECT_EQ(h.ids[1], HeaderId::kOther);
  EXPECT_EQ(h.find(HeaderId::kHost), "example.com");
}

TEST(RequestHeadParser, AcceptedRequestLines) {
  struct Case {
    const char* name;
    std::string line;
    std::string_view method, target;
    Method id;
    TargetForm form;
    HttpVersion version;
  };
  const std::vector<Case> cases = {
      {"post", "POST /api HTTP/1.1", "POST", "/api", Method::kPost, TargetForm::kOrigin,
       HttpVersion::k11},
      {"http10", "HEAD / HTTP/1.0", "HEAD", "/", Method::kHead, TargetForm::kOrigin,
       HttpVersion::k10},
      {"extension method", "PROPFIND /dav HTTP/1.1", "PROPFIND", "/dav", Method::kOther,
       TargetForm::kOrigin, HttpVersion::k11},
      {"absolute form", "GET http://example.com/x HTTP/1.1", "GET", "http://example.com/x",
       Method::kGet, TargetForm::kAbsolute, HttpVersion::k11},
      {"absolute https upper", "GET HTTPS://example.com HTTP/1.1", "GET", "HTTPS://example.com",
       Method::kGet, TargetForm::kAbsolute, HttpVersion::k11},
      {"asterisk", "OPTIONS * HTTP/1.1", "OPTIONS", "*", Method::kOptions, TargetForm::kAsterisk,
       HttpVersion::k11},
      {"percent and query", "DELETE /a%20b?c=d&e=%2F HTTP/1.1", "DELETE", "/a%20b?c=d&e=%2F",
       Method::kDelete, TargetForm::kOrigin, HttpVersion::k11},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    RequestHeadParser parser;
    const std::string input = req(c.line, "Host: h\r\n");
    const RequestHead& h = parse_ok(parser, input);
    EXPECT_EQ(h.method, c.method);
    EXPECT_EQ(h.target, c.target);
    EXPECT_EQ(h.method_id, c.id);
    EXPECT_EQ(h.target_form, c.form);
    EXPECT_EQ(h.version, c.version);
  }
}

// RFC 9112 §3.2.2: an absolute-form target's authority replaces the received Host.
TEST(RequestHeadParser, AbsoluteFormAuthorityIsTheHost) {
  struct Case {
    const char* name;
    std::string line, host_line;
    std::string_view host, absolute_path;
  };
  const std::vector<Case> cases = {
      {"agrees", "GET http://a.test/p?q=1 HTTP/1.1", "Host: a.test\r\n", "a.test", "/p?q=1"},
      {"disagrees", "GET http://a.test/p HTTP/1.1", "Host: admin.internal\r\n", "a.test", "/p"},
      {"upper scheme and port", "GET HTTPS://A.Test:8443/x HTTP/1.1", "Host: b\r\n", "A.Test:8443",
       "/x"},
      {"query without path", "GET http://a.test?x=1 HTTP/1.1", "Host: a.test\r\n", "a.test",
       "?x=1"},
      {"no path", "GET http://a.test HTTP/1.1", "Host: a.test\r\n", "a.test", ""},
      {"http10 without Host", "GET http://a.test/p HTTP/1.0", "", "a.test", "/p"},
      {"origin form keeps Host", "GET /p HTTP/1.1", "Host: b.test\r\n", "b.test", ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    RequestHeadParser parser;
    const std::string input = req(c.line, c.host_line);
    const RequestHead& h = parse_ok(parser, input);
    EXPECT_EQ(h.host, c.host);
    EXPECT_EQ(h.absolute_path, c.absolute_path);
    EXPECT_EQ(h.has_host, !c.host_line.empty());
  }
}

TEST(RequestHeadParser, RejectedRequestLines) {
  const std::string host = "Host: h\r\n";
  expect_rejected({
      {"double space", req("GET  / HTTP/1.1", host), ErrorCode::kHttpBadRequest, 400},
      {"trailing space", req("GET / HTTP/1.1 ", host), ErrorCode::kHttpBadRequest, 400},
      {"leading space", req(" GET / HTTP/1.1", host), ErrorCode::kHttpBadRequest, 400},
      {"tab separator", req("GET\t/ HTTP/1.1", host), ErrorCode::kHttpBadRequest, 400},
      {"http09", req("GET /", host), ErrorCode::kHttpBadRequest, 400},
      {"lowercase version", req("GET / http/1.1", host), ErrorCode::kHttpBadRequest, 400},
      {"version 1.2", req("GET / HTTP/1.2", host), ErrorCode::kHttpBadVersion, 505},
      {"version 2.0", req("GET / HTTP/2.0", host), ErrorCode::kHttpBadVersion, 505},
      {"version 0.9", req("GET / HTTP/0.9", host), ErrorCode::kHttpBadVersion, 505},
      {"version junk", req("GET / HTTP/1.1x", host), ErrorCode::kHttpBadRequest, 400},
      {"method not token", req("GE(T / HTTP/1.1", host), ErrorCode::kHttpBadRequest, 400},
      {"connect", req("CONNECT example.com:443 HTTP/1.1", host), ErrorCode::kHttpNotImplemented,
       501},
      {"relative target", req("GET foo HTTP/1.1", host), ErrorCode::kHttpBadRequest, 400},
      {"asterisk for get", req("GET * HTTP/1.1", host), ErrorCode::kHttpBadRequest, 400},
      {"absolute without host", req("GET http:///x HTTP/1.1", host), ErrorCode::kHttpBadRequest,
       400},
      {"absolute userinfo", req("GET http://u@h/x HTTP/1.1", host), ErrorCode::kHttpBadRequest,
       400},
      {"absolute bad authority", req("GET http://}h/x HTTP/1.1", host), ErrorCode::kHttpBadRequest,
       400},
      {"ftp scheme", req("GET ftp://h/x HTTP/1.1", host), ErrorCode::kHttpBadRequest, 400},
      {"control in target", req("GET /a\x01 HTTP/1.1", host), ErrorCode::kHttpBadRequest, 400},
      {"fragment in target", req("GET /a#b HTTP/1.1", host), ErrorCode::kHttpBadRequest, 400},
      {"del in target", req("GET /a\x7f HTTP/1.1", host), ErrorCode::kHttpBadRequest, 400},
      {"high byte in target", req("GET /\xc3\xa9 HTTP/1.1", host), ErrorCode::kHttpBadRequest, 400},
      {"fragment-free target ok but NUL", req(std::string("GET /\0 HTTP/1.1", 15), host),
       ErrorCode::kHttpBadRequest, 400},
      {"empty line only then junk", "\r\n\r\nX\r\n\r\n", ErrorCode::kHttpBadRequest, 400},
  });
}

TEST(RequestHeadParser, SkipsEmptyLinesBeforeRequestLine) {
  const std::string input = "\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n";
  RequestHeadParser parser;
  const HeadProgress p = parser.parse(input);
  ASSERT_TRUE(p.complete());
  EXPECT_EQ(p.consumed, input.size());
  EXPECT_EQ(parser.head().request_line, "GET / HTTP/1.1");
  EXPECT_EQ(parser.head().head_begin, 4u);
}

TEST(RequestHeadParser, HeaderSyntax) {
  struct Case {
    const char* name;
    std::string headers;
    std::string_view field_name, field_value;  // of the last header
  };
  const std::vector<Case> cases = {
      {"ows trimmed", "Host: h\r\nX-A: \t v \t\r\n", "X-A", "v"},
      {"no ows", "Host: h\r\nX-A:v\r\n", "X-A", "v"},
      {"empty value", "Host: h\r\nX-Empty:\r\n", "X-Empty", ""},
      {"inner spaces kept", "Host: h\r\nX-A: a  b\tc\r\n", "X-A", "a  b\tc"},
      {"obs-text", "Host: h\r\nX-Name: caf\xc3\xa9\r\n", "X-Name", "caf\xc3\xa9"},
      {"token specials in name", "Host: h\r\nX!#$%&'*+-.^_`|~9: 1\r\n", "X!#$%&'*+-.^_`|~9", "1"},
      {"colon in value", "Host: h\r\nX-T: a:b: c\r\n", "X-T", "a:b: c"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    RequestHeadParser parser;
    const std::string input = req("GET / HTTP/1.1", c.headers);
    const RequestHead& h = parse_ok(parser, input);
    ASSERT_GE(h.header_count, 1u);
    EXPECT_EQ(h.fields[h.header_count - 1].name, c.field_name);
    EXPECT_EQ(h.fields[h.header_count - 1].value, c.field_value);
  }
}

TEST(RequestHeadParser, RejectedHeaderSyntax) {
  const std::string line = "GET / HTTP/1.1";
  expect_rejected({
      {"obs-fold", req(line, "Host: h\r\nX-A: a\r\n b\r\n"), ErrorCode::kHttpBadRequest, 400},
      {"obs-fold tab", req(line, "Host: h\r\nX-A: a\r\n\tb\r\n"), ErrorCode::kHttpBadRequest, 400},
      {"whitespace before first header", req(line, " Host: h\r\n"), ErrorCode::kHttpBadRequest,
       400},
      {"space before colon", req(line, "Host : h\r\n"), ErrorCode::kHttpBadRequest, 400},
      {"tab before colon", req(line, "Host: h\r\nX-A\t: v\r\n"), ErrorCode::kHttpBadRequest, 400},
      {"space in name", req(line, "Host: h\r\nX A: v\r\n"), ErrorCode::kHttpBadRequest, 400},
      {"empty name", req(line, "Host: h\r\n: v\r\n"), ErrorCode::kHttpBadRequest, 400},
      {"no colon", req(line, "Host: h\r\nNoColon\r\n"), ErrorCode::kHttpBadRequest, 400},
      {"non-token name", req(line, "Host: h\r\nX@Y: v\r\n"), ErrorCode::kHttpBadRequest, 400},
      {"nul in value", req(line, std::string("Host: h\r\nX-A: a\0b\r\n", 19)),
       ErrorCode::kHttpBadRequest, 400},
      {"bare cr in value", req(line, "Host: h\r\nX-A: a\rb\r\n"), ErrorCode::kHttpBadRequest, 400},
      {"cr before crlf", req(line, "Host: h\r\nX-A: a\r\r\n"), ErrorCode::kHttpBadRequest, 400},
      {"control in value", req(line, "Host: h\r\nX-A: a\x01\r\n"), ErrorCode::kHttpBadRequest, 400},
      {"del in value", req(line, "Host: h\r\nX-A: a\x7f\r\n"), ErrorCode::kHttpBadRequest, 400},
      {"bare lf header", "GET / HTTP/1.1\r\nHost: h\nX: y\r\n\r\n", ErrorCode::kHttpBadRequest,
       400},
      {"bare lf request line", "GET / HTTP/1.1\nHost: h\r\n\r\n", ErrorCode::kHttpBadRequest, 400},
      {"bare lf end", "GET / HTTP/1.1\r\nHost: h\r\n\n", ErrorCode::kHttpBadRequest, 400},
      {"all bare lf", "GET / HTTP/1.1\nHost: h\n\n", ErrorCode::kHttpBadRequest, 400},
      {"connection non-token", req(line, "Host: h\r\nConnection: close, a b\r\n"),
       ErrorCode::kHttpBadRequest, 400},
  });
}

// The value check works on 8 bytes at a time: try every byte class at every position.
TEST(RequestHeadParser, ValueBytesAtEveryPosition) {
  const std::string bad_bytes("\x00\x01\x08\x0a\x0b\x0d\x1f\x7f", 8);
  const std::string good_bytes("\x09\x20\x21\x7e\x80\xff", 6);
  for (std::size_t pos = 0; pos < 21; ++pos) {
    for (char c : bad_bytes) {
      std::string value(21, 'v');
      value[pos] = c;
      const std::string input = req("GET / HTTP/1.1", "Host: h\r\nX-V: a" + value + "z\r\n");
      RequestHeadParser parser;
      EXPECT_TRUE(parser.parse(input).invalid()) << pos << " " << static_cast<int>(c);
    }
    for (char c : good_bytes) {
      std::string value(21, 'v');
      value[pos] = c;
      const std::string input = req("GET / HTTP/1.1", "Host: h\r\nX-V: a" + value + "z\r\n");
      RequestHeadParser parser;
      ASSERT_TRUE(parser.parse(input).complete()) << pos << " " << static_cast<int>(c);
      EXPECT_EQ(parser.head().fields[1].value, "a" + value + "z");
    }
  }
}

TEST(RequestHeadParser, ConnectionTokensAreBounded) {
  std::string tokens;
  for (int i = 0; i < 32; ++i) tokens += (i ? ", x" : "x") + std::to_string(i);
  RequestHeadParser ok;
  const std::string at_cap = req("GET / HTTP/1.1", "Host: h\r\nConnection: " + tokens + "\r\n");
  EXPECT_TRUE(ok.parse(at_cap).complete());
  RequestHeadParser over;
  const std::string above =
      req("GET / HTTP/1.1", "Host: h\r\nConnection: " + tokens + "\r\nConnection: y\r\n");
  EXPECT_TRUE(over.parse(above).invalid());
}

TEST(RequestHeadParser, HostRules) {
  expect_rejected({
      {"missing host 1.1", req("GET / HTTP/1.1", "Accept: */*\r\n"), ErrorCode::kHttpBadRequest,
       400},
      {"two hosts", req("GET / HTTP/1.1", "Host: a\r\nHost: a\r\n"), ErrorCode::kHttpBadRequest,
       400},
      {"two hosts 1.0", req("GET / HTTP/1.0", "Host: a\r\nHost: b\r\n"), ErrorCode::kHttpBadRequest,
       400},
      {"space in host", req("GET / HTTP/1.1", "Host: a b\r\n"), ErrorCode::kHttpBadRequest, 400},
      {"slash in host", req("GET / HTTP/1.1", "Host: a/b\r\n"), ErrorCode::kHttpBadRequest, 400},
      {"at in host", req("GET / HTTP/1.1", "Host: user@h\r\n"), ErrorCode::kHttpBadRequest, 400},
      {"quote in host", req("GET / HTTP/1.1", "Host: \"h\"\r\n"), ErrorCode::kHttpBadRequest, 400},
  });
  struct Case {
    const char* name;
    std::string input;
    std::string_view host;
    bool has_host;
  };
  const std::vector<Case> cases = {
      {"port", req("GET / HTTP/1.1", "host: example.com:8080\r\n"), "example.com:8080", true},
      {"ipv4", req("GET / HTTP/1.1", "Host: 192.0.2.1\r\n"), "192.0.2.1", true},
      {"ipv6 literal", req("GET / HTTP/1.1", "Host: [2001:db8::1]:443\r\n"), "[2001:db8::1]:443",
       true},
      {"empty host", req("GET / HTTP/1.1", "Host:\r\n"), "", true},
      {"http10 without host", req("GET / HTTP/1.0", "Accept: */*\r\n"), "", false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    RequestHeadParser parser;
    const RequestHead& h = parse_ok(parser, c.input);
    EXPECT_EQ(h.host, c.host);
    EXPECT_EQ(h.has_host, c.has_host);
  }
}

TEST(RequestHeadParser, Framing) {
  struct Case {
    const char* name;
    std::string input;
    BodyFraming framing;
    bool repeated;
  };
  const std::string line = "POST /u HTTP/1.1";
  const std::vector<Case> cases = {
      {"no body", req(line, "Host: h\r\n"), {BodyKind::kNone, 0}, false},
      {"content-length",
       req(line, "Host: h\r\nContent-Length: 5\r\n"),
       {BodyKind::kContentLength, 5},
       false},
      {"content-length zero",
       req(line, "Host: h\r\nContent-Length: 0\r\n"),
       {BodyKind::kContentLength, 0},
       false},
      {"leading zeros",
       req(line, "Host: h\r\nContent-Length: 007\r\n"),
       {BodyKind::kContentLength, 7},
       false},
      {"max 19 digits",
       req(line, "Host: h\r\nContent-Length: 9999999999999999999\r\n"),
       {BodyKind::kContentLength, 9999999999999999999ULL},
       false},
      {"identical duplicate lines",
       req(line, "Host: h\r\ncontent-length: 5\r\nContent-Length: 5\r\n"),
       {BodyKind::kContentLength, 5},
       true},
      {"identical list",
       req(line, "Host: h\r\nContent-Length: 5, 5\r\n"),
       {BodyKind::kContentLength, 5},
       true},
      {"same value other spelling",
       req(line, "Host: h\r\nContent-Length: 5\r\nContent-Length: 05\r\n"),
       {BodyKind::kContentLength, 5},
       true},
      {"chunked",
       req(line, "Host: h\r\nTransfer-Encoding: chunked\r\n"),
       {BodyKind::kChunked, 0},
       false},
      {"chunked case",
       req(line, "Host: h\r\nTransfer-Encoding: ChUnKeD\r\n"),
       {BodyKind::kChunked, 0},
       false},
      {"chunked ows",
       req(line, "Host: h\r\nTransfer-Encoding:  chunked \t\r\n"),
       {BodyKind::kChunked, 0},
       false},
      {"gzip then chunked",
       req(line, "Host: h\r\nTransfer-Encoding: gzip, chunked\r\n"),
       {BodyKind::kChunked, 0},
       false},
      {"codings over two lines",
       req(line, "Host: h\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n"),
       {BodyKind::kChunked, 0},
       false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    RequestHeadParser parser;
    const RequestHead& h = parse_ok(parser, c.input);
    EXPECT_EQ(h.framing, c.framing);
    EXPECT_EQ(h.content_length_repeated, c.repeated);
  }
}

// Request smuggling vectors (RFC 9112 §6.3, §11.2): each must be refused, never guessed at.
TEST(RequestHeadParser, SmugglingVectors) {
  const std::string line = "POST / HTTP/1.1";
  const auto h = [](std::string_view extra) { return "Host: h\r\n" + std::string(extra); };
  expect_rejected({
      {"cl and te", req(line, h("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n")),
       ErrorCode::kHttpAmbiguousLength, 400},
      {"te and cl", req(line, h("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n")),
       ErrorCode::kHttpAmbiguousLength, 400},
      {"cl cl differing", req(line, h("Content-Length: 5\r\nContent-Length: 6\r\n")),
       ErrorCode::kHttpBadContentLength, 400},
      {"cl list differing", req(line, h("Content-Length: 5, 6\r\n")),
       ErrorCode::kHttpBadContentLength, 400},
      {"cl empty", req(line, h("Content-Length:\r\n")), ErrorCode::kHttpBadContentLength, 400},
      {"cl empty element", req(line, h("Content-Length: 5,\r\n")), ErrorCode::kHttpBadContentLength,
       400},
      {"cl sign", req(line, h("Content-Length: +5\r\n")), ErrorCode::kHttpBadContentLength, 400},
      {"cl negative", req(line, h("Content-Length: -1\r\n")), ErrorCode::kHttpBadContentLength,
       400},
      {"cl hex", req(line, h("Content-Length: 0x10\r\n")), ErrorCode::kHttpBadContentLength, 400},
      {"cl inner space", req(line, h("Content-Length: 1 2\r\n")), ErrorCode::kHttpBadContentLength,
       400},
      {"cl letters", req(line, h("Content-Length: abc\r\n")), ErrorCode::kHttpBadContentLength,
       400},
      {"cl overflow 20 digits", req(line, h("Content-Length: 18446744073709551616\r\n")),
       ErrorCode::kHttpBadContentLength, 400},
      {"cl 20 digits", req(line, h("Content-Length: 10000000000000000000\r\n")),
       ErrorCode::kHttpBadContentLength, 400},
      {"te identity", req(line, h("Transfer-Encoding: identity\r\n")),
       ErrorCode::kHttpNotImplemented, 501},
      {"te xchunked", req(line, h("Transfer-Encoding: xchunked\r\n")),
       ErrorCode::kHttpNotImplemented, 501},
      {"te chunkedx", req(line, h("Transfer-Encoding: chunkedx\r\n")),
       ErrorCode::kHttpNotImplemented, 501},
      {"te unknown before chunked", req(line, h("Transfer-Encoding: foo, chunked\r\n")),
       ErrorCode::kHttpNotImplemented, 501},
      {"te chunked identity", req(line, h("Transfer-Encoding: chunked, identity\r\n")),
       ErrorCode::kHttpBadRequest, 400},
      {"te chunked not last", req(line, h("Transfer-Encoding: chunked, gzip\r\n")),
       ErrorCode::kHttpBadRequest, 400},
      {"te chunked not last over lines",
       req(line, h("Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n")),
       ErrorCode::kHttpBadRequest, 400},
      {"te chunked twice", req(line, h("Transfer-Encoding: chunked, chunked\r\n")),
       ErrorCode::kHttpBadRequest, 400},
      {"te without chunked", req(line, h("Transfer-Encoding: gzip\r\n")),
       ErrorCode::kHttpBadRequest, 400},
      {"te empty", req(line, h("Transfer-Encoding:\r\n")), ErrorCode::kHttpBadRequest, 400},
      {"te empty element", req(line, h("Transfer-Encoding: chunked,\r\n")),
       ErrorCode::kHttpBadRequest, 400},
      {"te parameter", req(line, h("Transfer-Encoding: chunked;q=1\r\n")),
       ErrorCode::kHttpBadRequest, 400},
      {"te quoted", req(line, h("Transfer-Encoding: \"chunked\"\r\n")), ErrorCode::kHttpBadRequest,
       400},
      {"te vertical tab",
       req(line, h("Transfer-Encoding: \x0b"
                   "chunked\r\n")),
       ErrorCode::kHttpBadRequest, 400},
      {"te space before colon", req(line, h("Transfer-Encoding : chunked\r\n")),
       ErrorCode::kHttpBadRequest, 400},
      {"te obs-fold", req(line, h("Transfer-Encoding:\r\n chunked\r\n")),
       ErrorCode::kHttpBadRequest, 400},
      {"te on http10", req("POST / HTTP/1.0", h("Transfer-Encoding: chunked\r\n")),
       ErrorCode::kHttpBadRequest, 400},
      {"te nul", req(line, h(std::string("Transfer-Encoding: chunked\0\r\n", 29))),
       ErrorCode::kHttpBadRequest, 400},
  });
}

TEST(RequestHeadParser, ConnectionSemantics) {
  struct Case {
    const char* name;
    std::string input;
    bool keep_alive, upgrade, expect_continue;
  };
  const std::vector<Case> cases = {
      {"http11 default", req("GET / HTTP/1.1", "Host: h\r\n"), true, false, false},
      {"http11 close", req("GET / HTTP/1.1", "Host: h\r\nConnection: close\r\n"), false, false,
       false},
      {"http11 close in list", req("GET / HTTP/1.1", "Host: h\r\nConnection: foo, CLOSE\r\n"),
       false, false, false},
      {"http10 default", req("GET / HTTP/1.0", ""), false, false, false},
      {"http10 keep-alive", req("GET / HTTP/1.0", "Connection: Keep-Alive\r\n"), true, false,
       false},
      {"http10 keep-alive and close", req("GET / HTTP/1.0", "Connection: keep-alive, close\r\n"),
       false, false, false},
      {"websocket",
       req("GET /ws HTTP/1.1", "Host: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"), true,
       true, false},
      {"upgrade in list",
       req("GET /ws HTTP/1.1",
           "Host: h\r\nConnection: keep-alive, upgrade\r\nUpgrade: websocket\r\n"),
       true, true, false},
      {"upgrade without connection", req("GET / HTTP/1.1", "Host: h\r\nUpgrade: websocket\r\n"),
       true, false, false},
      {"connection upgrade without upgrade",
       req("GET / HTTP/1.1", "Host: h\r\nConnection: upgrade\r\n"), true, false, false},
      {"h2c refused",
       req("GET / HTTP/1.1",
           "Host: h\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: "
           "AA\r\n"),
       true, false, false},
      {"h2c in list refused",
       req("GET / HTTP/1.1", "Host: h\r\nConnection: upgrade\r\nUpgrade: websocket, H2C\r\n"), true,
       false, false},
      {"http10 upgrade ignored",
       req("GET / HTTP/1.0", "Connection: upgrade\r\nUpgrade: websocket\r\n"), false, false, false},
      {"expect", req("PUT / HTTP/1.1", "Host: h\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n"),
       true, false, true},
      {"expect other", req("PUT / HTTP/1.1", "Host: h\r\nExpect: something\r\n"), true, false,
       false},
      {"expect http10", req("PUT / HTTP/1.0", "Expect: 100-continue\r\n"), false, false, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    RequestHeadParser parser;
    const RequestHead& h = parse_ok(parser, c.input);
    EXPECT_EQ(h.keep_alive, c.keep_alive);
    EXPECT_EQ(h.upgrade, c.upgrade);
    EXPECT_EQ(h.expect_continue, c.expect_continue);
  }
  RequestHeadParser parser;
  EXPECT_EQ(parse_ok(parser, cases[6].input).upgrade_protocol, "websocket");
}

TEST(RequestHeadParser, Caps) {
  RequestParseOptions options;
  options.max_target_length = 16;
  options.max_head_size = 128;
  options.max_headers = 3;
  const std::string long_target = "/" + std::string(16, 'a');
  expect_rejected(
      {
          {"target over cap", req("GET " + long_target + " HTTP/1.1", "Host: h\r\n"),
           ErrorCode::kHttpUriTooLong, 414},
          {"target over cap incomplete", "GET " + long_target + std::string(64, 'b'),
           ErrorCode::kHttpUriTooLong, 414},
          {"head over cap",
           req("GET / HTTP/1.1", "Host: h\r\nX: " + std::string(120, 'x') + "\r\n"),
           ErrorCode::kHttpHeadersTooLarge, 431},
          {"head over cap incomplete", "GET / HTTP/1.1\r\nX: " + std::string(200, 'x'),
           ErrorCode::kHttpHeadersTooLarge, 431},
          {"too many headers", req("GET / HTTP/1.1", "Host: h\r\nA: 1\r\nB: 2\r\nC: 3\r\n"),
           ErrorCode::kHttpHeadersTooLarge, 431},
      },
      options);
  // Exactly at the caps is fine.
  RequestHeadParser parser(options);
  const std::string at_cap =
      req("GET /" + std::string(15, 'a') + " HTTP/1.1", "Host: h\r\nA: 1\r\nB: 2\r\n");
  EXPECT_TRUE(parser.parse(at_cap).complete());
  std::string exact = req("GET / HTTP/1.1", "Host: h\r\nX: ");
  exact.insert(exact.size() - 2, std::string(128 - exact.size() - 2, 'x') + "\r\n");
  ASSERT_EQ(exact.size(), 128u);
  RequestHeadParser exact_parser(options);
  EXPECT_TRUE(exact_parser.parse(exact).complete());
  // Default capacity: 100 header lines, the 101st is a 431.
  std::string many = "GET / HTTP/1.1\r\nHost: h\r\n";
  for (int i = 0; i < 99; ++i) many += "X-" + std::to_string(i) + ": v\r\n";
  RequestHeadParser hundred;
  EXPECT_TRUE(hundred.parse(many + "\r\n").complete());
  RequestHeadParser hundred_one;
  const HeadProgress p = hundred_one.parse(many + "Y: 1\r\n\r\n");
  ASSERT_TRUE(p.invalid());
  EXPECT_EQ(p.error.code, ErrorCode::kHttpHeadersTooLarge);
}

TEST(RequestHeadParser, RejectsNonHttpEarly) {
  // A TLS ClientHello on the plain-HTTP port: rejected from the first bytes, no blank line needed.
  const std::string hello("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11);
  RequestHeadParser parser;
  const HeadProgress p = parser.parse(hello);
  ASSERT_TRUE(p.invalid());
  EXPECT_EQ(http_status_for(p.error.code), 400);
  RequestHeadParser long_method;
  EXPECT_TRUE(long_method.parse(std::string(40, 'A')).invalid());
}

TEST(RequestHeadParser, NeedMoreUntilBlankLine) {
  RequestHeadParser parser;
  EXPECT_TRUE(parser.parse("").need_more());
  EXPECT_TRUE(parser.parse("GET / HTTP/1.1\r\n").need_more());
  EXPECT_TRUE(parser.parse("GET / HTTP/1.1\r\nHost: h\r\n").need_more());
  EXPECT_TRUE(parser.parse("GET / HTTP/1.1\r\nHost: h\r\n\r").need_more());
  EXPECT_TRUE(parser.parse("GET / HTTP/1.1\r\nHost: h\r\n\r\n").complete());
}

TEST(RequestHeadParser, PipelinedRequestsAndReset) {
  const std::string first = "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\n";
  const std::string second = "GET /b HTTP/1.1\r\nHost: h\r\n\r\n";
  const std::string buffer = first + "abc" + second;
  RequestHeadParser parser;
  const HeadProgress p1 = parser.parse(buffer);
  ASSERT_TRUE(p1.complete());
  EXPECT_EQ(p1.consumed, first.size());
  EXPECT_EQ(parser.head().framing.content_length, 3u);
  // Outcome is sticky until reset().
  EXPECT_EQ(parser.parse(buffer).consumed, first.size());
  parser.reset();
  const std::string_view rest = std::string_view(buffer).substr(first.size() + 3);
  const HeadProgress p2 = parser.parse(rest);
  ASSERT_TRUE(p2.complete());
  EXPECT_EQ(p2.consumed, second.size());
  EXPECT_EQ(parser.head().target, "/b");
}

// Feeding a request in two parts split at every byte boundary, and one byte at a time, gives the
// same outcome as feeding it whole.
TEST(RequestHeadParser, SplitFeedingAtEveryBoundary) {
  const std::vector<std::string> inputs = {
      "GET /index.html HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: Mozilla/5.0\r\n"
      "Accept: text/html\r\nAccept-Language: en\r\nConnection: keep-alive\r\n\r\n",
      "\r\nPOST /upload HTTP/1.1\r\nHost: h:8080\r\nTransfer-Encoding: chunked\r\n"
      "Expect: 100-continue\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
      "GET / HTTP/1.0\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: h\nX: 1\r\n\r\n",
      "GET /\x01 HTTP/1.1\r\n\r\n",
  };
  for (const std::string& input : inputs) {
    SCOPED_TRACE(input);
    RequestHeadParser whole_parser;
    const HeadProgress whole = whole_parser.parse(input);
    ASSERT_FALSE(whole.need_more());
    for (std::size_t split = 0; split <= input.size(); ++split) {
      RequestHeadParser parser;
      const HeadProgress first = parser.parse(std::string_view(input).substr(0, split));
      if (!first.need_more()) {
        // Decided early: only possible when the decision lies within the prefix.
        EXPECT_EQ(first.state, whole.state) << "split " << split;
        if (first.invalid()) {
          EXPECT_EQ(first.error.code, whole.error.code);
        }
        if (first.complete()) {
          EXPECT_EQ(first.consumed, whole.consumed);
        }
        continue;
      }
      const HeadProgress second = parser.parse(input);
      ASSERT_EQ(second.state, whole.state) << "split " << split;
      if (whole.invalid()) {
        EXPECT_EQ(second.error.code, whole.error.code) << "split " << split;
      }
      if (whole.complete()) {
        EXPECT_EQ(second.consumed, whole.consumed);
        EXPECT_EQ(parser.head().header_count, whole_parser.head().header_count);
        EXPECT_EQ(parser.head().framing, whole_parser.head().framing);
      }
    }
    RequestHeadParser bytewise;
    HeadProgress last;
    for (std::size_t n = 0; n <= input.size(); ++n) {
      last = bytewise.parse(std::string_view(input).substr(0, n));
      if (!last.need_more()) break;
    }
    EXPECT_EQ(last.state, whole.state);
    if (whole.invalid()) {
      EXPECT_EQ(last.error.code, whole.error.code);
    }
  }
}

TEST(RequestHeadParser, BufferMayMoveBetweenCalls) {
  const std::string input = "GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n\r\n";
  RequestHeadParser parser;
  std::string first = input.substr(0, 20);
  EXPECT_TRUE(parser.parse(first).need_more());
  const std::string moved = input;  // a different allocation holding the grown bytes
  ASSERT_TRUE(parser.parse(moved).complete());
  EXPECT_EQ(parser.head().fields[1].value.data(), moved.data() + input.find("X-A: 1") + 5);
}

}  // namespace
}  // namespace doorman
