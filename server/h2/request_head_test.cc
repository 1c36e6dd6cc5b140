#include "doorman/h2_request_head.h"

#include <gtest/gtest.h>

#include "h2/response_fields.h"
#include "h2/serve_h2.h"

namespace doorman::h2 {
namespace {

std::string build(std::initializer_list<std::pair<std::string_view, std::string_view>> fields,
                  bool end_stream, FieldOutcome expect = FieldOutcome::kOk) {
  RequestHeadBuilder b(4096);
  for (auto [n, v] : fields) EXPECT_EQ(b.add(n, v), FieldOutcome::kOk) << n;
  std::string out;
  EXPECT_EQ(b.build(end_stream, out), expect);
  return out;
}

TEST(RequestHeadBuilder, AuthorityBecomesHostAndNoFramingWithoutBody) {
  EXPECT_EQ(build({{":method", "GET"},
                   {":scheme", "https"},
                   {":authority", "a.test"},
                   {":path", "/x?y"},
                   {"accept", "*/*"}},
                  true),
            "GET /x?y HTTP/1.1\r\nhost: a.test\r\naccept: */*\r\n\r\n");
}

TEST(RequestHeadBuilder, BodyWithoutLengthIsChunked) {
  RequestHeadBuilder b(4096);
  b.add(":method", "POST");
  b.add(":path", "/");
  b.add(":authority", "a.test");
  std::string out;
  ASSERT_EQ(b.build(false, out), FieldOutcome::kOk);
  EXPECT_TRUE(b.chunked());
  EXPECT_EQ(out, "POST / HTTP/1.1\r\nhost: a.test\r\ntransfer-encoding: chunked\r\n\r\n");
}

TEST(RequestHeadBuilder, ContentLengthIsKept) {
  EXPECT_EQ(
      build({{":method", "PUT"}, {":authority", "a.test"}, {":path", "/"}, {"content-length", "3"}},
            false),
      "PUT / HTTP/1.1\r\nhost: a.test\r\ncontent-length: 3\r\n\r\n");
}

TEST(RequestHeadBuilder, HostThatDiffersFromAuthorityIsMalformed) {
  build({{":method", "GET"}, {":authority", "a.test"}, {":path", "/"}, {"host", "b.test"}}, true,
        FieldOutcome::kMalformed);
  // The same authority (any case) is fine and gives one Host line.
  EXPECT_EQ(
      build({{":method", "GET"}, {":authority", "a.test"}, {":path", "/"}, {"host", "A.test"}},
            true),
      "GET / HTTP/1.1\r\nhost: a.test\r\n\r\n");
}

TEST(RequestHeadBuilder, HostIsUsedWithoutAuthority) {
  EXPECT_EQ(build({{":method", "GET"}, {":path", "/"}, {"host", "b.test"}}, true),
            "GET / HTTP/1.1\r\nhost: b.test\r\n\r\n");
}

TEST(RequestHeadBuilder, CookiesAreJoined) {
  EXPECT_EQ(build({{":method", "GET"},
                   {":authority", "a"},
                   {":path", "/"},
                   {"cookie", "a=1"},
                   {"cookie", "b=2"}},
                  true),
            "GET / HTTP/1.1\r\nhost: a\r\ncookie: a=1; b=2\r\n\r\n");
}

TEST(RequestHeadBuilder, FieldBytesAreCapped) {
  RequestHeadBuilder b(64);
  EXPECT_EQ(b.add("x-a", std::string(40, 'a')), FieldOutcome::kOk);
  EXPECT_EQ(b.add("x-b", std::string(40, 'b')), FieldOutcome::kTooLarge);
}

TEST(RequestHeadBuilder, TrailersAreChunkedTrailerLines) {
  RequestHeadBuilder b(4096);
  EXPECT_EQ(b.add_trailer("x-sum", "9"), FieldOutcome::kOk);
  EXPECT_EQ(b.add_trailer(":path", "/"), FieldOutcome::kMalformed);
  EXPECT_EQ(b.trailers(), "x-sum: 9\r\n");
}

TEST(Preface, MatchesOnlyThePreface) {
  EXPECT_EQ(match_preface(""), Preface::kMaybe);
  EXPECT_EQ(match_preface("PRI * HTTP/2.0\r\n"), Preface::kMaybe);
  EXPECT_EQ(match_preface("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\nxyz"), Preface::kYes);
  EXPECT_EQ(match_preface("POST / HTTP/1.1\r\n"), Preface::kNo);
  EXPECT_EQ(match_preface("GET /"), Preface::kNo);
}

using FieldList = std::vector<std::pair<std::string, std::string>>;

FieldList field_list(const Fields& f) {
  FieldList got;
  for (const nghttp2_nv& nv : f.nv)
    got.emplace_back(std::string(reinterpret_cast<char*>(nv.name), nv.namelen),
                     std::string(reinterpret_cast<char*>(nv.value), nv.valuelen));
  return got;
}

TEST(ResponseFields, DropsConnectionSpecificFieldsAndLowercases) {
  ResponseHeadParser parser;
  const std::string_view head =
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n"
      "Keep-Alive: timeout=5\r\nContent-Length: 2\r\n\r\n";
  ASSERT_TRUE(parser.parse(head, Method::kGet).complete());
  Fields f;
  convert_response_head(parser.head(), f);
  const FieldList want = {
      {":status", "200"}, {"content-type", "text/plain"}, {"content-length", "2"}};
  EXPECT_EQ(field_list(f), want);
}

// The upstream's head as the stages checked it: the rewrite's field rule, h2's own rule, a
// repeated Content-Length once, the stages' extra lines after.
TEST(ResponseFields, FinalHeadFromTheParsedUpstreamHead) {
  struct Case {
    const char* name;
    std::string head;
    std::string extra;
    FieldList want;
    Method method = Method::kGet;
  };
  const std::vector<Case> cases = {
      {"plain",
       "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nX-A: 1\r\n\r\n",
       "",
       {{":status", "200"}, {"content-length", "3"}, {"x-a", "1"}}},
      {"hop-by-hop and connection-listed fields dropped",
       "HTTP/1.1 404 Not Found\r\nConnection: keep-alive, X-Secret\r\nX-Secret: s\r\n"
       "Keep-Alive: timeout=5\r\nProxy-Connection: x\r\nTrailer: X\r\nETag: \"e\"\r\n"
       "Transfer-Encoding: chunked\r\n\r\n",
       "",
       {{":status", "404"}, {"etag", "\"e\""}}},
      {"repeated content-length written once",
       "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 005\r\nServer: o\r\n\r\n",
       "",
       {{":status", "200"}, {"server", "o"}, {"content-length", "5"}}},
      {"a HEAD response's repeated content-length once",
       "HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\nContent-Length: 5\r\n\r\n",
       "",
       {{":status", "200"}, {"content-length", "5"}},
       Method::kHead},
      {"extra lines after the head's fields",
       "HTTP/1.1 204 No Content\r\nDate: d\r\n\r\n",
       "RateLimit-Policy: 10;w=1\r\nRateLimit: limit=10, remaining=9, reset=1\r\n",
       {{":status", "204"},
        {"date", "d"},
        {"ratelimit-policy", "10;w=1"},
        {"ratelimit", "limit=10, remaining=9, reset=1"}}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ResponseHeadParser parser;
    ASSERT_TRUE(parser.parse(c.head, c.method).complete());
    Fields f;
    convert_final_head(parser.head(), response_fields_kept(parser.head(), {}), c.extra, f);
    EXPECT_EQ(field_list(f), c.want);
  }
}

TEST(ResponseFields, TrailerSection) {
  Fields f;
  parse_trailer_section("\r\n0\r\nX-Sum: 7\r\nGrpc-Status: 0\r\n\r\n", f);
  ASSERT_EQ(f.nv.size(), 2u);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(f.nv[0].name), f.nv[0].namelen), "x-sum");
  EXPECT_EQ(std::string(reinterpret_cast<char*>(f.nv[1].value), f.nv[1].valuelen), "0");
  parse_trailer_section("0\r\n\r\n", f);
  EXPECT_TRUE(f.nv.empty());
}

}  // namespace
}  // namespace doorman::h2
