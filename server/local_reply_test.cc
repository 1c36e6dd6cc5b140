// Local replies: the status, reason code and fault of every Reason, and the rendered bytes.
#include "local_reply.h"

#include <gtest/gtest.h>

#include <array>
#include <string>

namespace doorman {
namespace {

TEST(LocalReply, EveryReasonHasAStatusCodeAndFault) {
  struct Case {
    Reason reason;
    int status;
    std::string_view code;
    Fault fault;
  };
  const Case cases[] = {
      {Reason::kNoRoute, 404, "no-route", Fault::kPolicy},
      {Reason::kForbidden, 403, "forbidden", Fault::kPolicy},
      {Reason::kBadRequest, 400, "bad-request", Fault::kClient},
      {Reason::kBadRequestBody, 400, "bad-request-body", Fault::kClient},
      {Reason::kBodyTooLarge, 413, "body-too-large", Fault::kClient},
      {Reason::kUriTooLong, 414, "uri-too-long", Fault::kClient},
      {Reason::kHeadersTooLarge, 431, "headers-too-large", Fault::kClient},
      {Reason::kNotImplemented, 501, "not-implemented", Fault::kClient},
      {Reason::kVersionNotSupported, 505, "version-not-supported", Fault::kClient},
      {Reason::kUpstreamConnectFailed, 502, "upstream-connect-failed", Fault::kUpstream},
      {Reason::kUpstreamClosed, 502, "upstream-closed", Fault::kUpstream},
      {Reason::kUpstreamBadResponse, 502, "upstream-bad-response", Fault::kUpstream},
      {Reason::kUpstreamConnectTimeout, 504, "upstream-connect-timeout", Fault::kUpstream},
      {Reason::kUpstreamTimeout, 504, "upstream-timeout", Fault::kUpstream},
      {Reason::kUpstreamTruncated, 502, "upstream-truncated", Fault::kUpstream},
      {Reason::kOverCapacity, 503, "over-capacity", Fault::kDoorman},
      {Reason::kInternal, 500, "internal", Fault::kDoorman},
      {Reason::kHttpsRedirect, 301, "https-redirect", Fault::kPolicy},
      {Reason::kAcmeChallenge, 200, "acme-challenge", Fault::kNone},
  };
  for (const Case& c : cases) {
    const LocalReply& r = local_reply_for(c.reason);
    EXPECT_EQ(r.status, c.status) << c.code;
    EXPECT_EQ(r.code, c.code);
    EXPECT_EQ(r.fault, c.fault) << c.code;
  }
}

TEST(LocalReply, ParseErrorsMapToStatuses) {
  EXPECT_EQ(reason_for_parse_error(ErrorCode::kHttpBadRequest), Reason::kBadRequest);
  EXPECT_EQ(reason_for_parse_error(ErrorCode::kHttpBadContentLength), Reason::kBadRequest);
  EXPECT_EQ(reason_for_parse_error(ErrorCode::kHttpAmbiguousLength), Reason::kBadRequest);
  EXPECT_EQ(reason_for_parse_error(ErrorCode::kHttpUriTooLong), Reason::kUriTooLong);
  EXPECT_EQ(reason_for_parse_error(ErrorCode::kHttpHeadersTooLarge), Reason::kHeadersTooLarge);
  EXPECT_EQ(reason_for_parse_error(ErrorCode::kHttpNotImplemented), Reason::kNotImplemented);
  EXPECT_EQ(reason_for_parse_error(ErrorCode::kHttpBadVersion), Reason::kVersionNotSupported);
  EXPECT_EQ(reason_for_parse_error(ErrorCode::kHttpBadChunk), Reason::kBadRequestBody);
}

TEST(LocalReply, RendersHeadAndShortBody) {
  std::array<char, kLocalReplyBufferSize> buffer;
  EXPECT_EQ(render_local_reply(Reason::kForbidden, "untrusted-peer", false, false, false, buffer),
            "HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "Cache-Control: no-store\r\nContent-Length: 26\r\n\r\nforbidden: untrusted-peer\n");
  EXPECT_EQ(render_local_reply(Reason::kNoRoute, "", true, true, false, buffer),
            "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "Cache-Control: no-store\r\nContent-Length: 9\r\nConnection: close\r\n\r\n");
  const std::string_view kept =
      render_local_reply(Reason::kNoRoute, "", false, false, true, buffer);
  EXPECT_NE(kept.find("Connection: keep-alive\r\n"), std::string_view::npos);
  // An upstream fault's detail is for the logs, not the client.
  EXPECT_TRUE(render_local_reply(Reason::kUpstreamConnectFailed, "refused", false, false, false,
                                 buffer)
                  .ends_with("\r\n\r\nupstream-connect-failed\n"));
  // A long detail is cut, never overflowing the buffer.
  const std::string detail(1000, 'd');
  const std::string_view cut =
      render_local_reply(Reason::kBadRequest, detail, false, true, false, buffer);
  EXPECT_LE(cut.size(), kLocalReplyBufferSize);
  EXPECT_TRUE(cut.ends_with(std::string(64, 'd') + "\n"));
}

}  // namespace
}  // namespace doorman
