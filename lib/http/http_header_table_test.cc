// The header-name table: case-insensitive lookup, flags, and alias detection.
#include "doorman/http_header_table.h"

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

namespace doorman {
namespace {

TEST(HeaderTable, LookupIsCaseInsensitive) {
  struct Case {
    std::string_view name;
    HeaderId id;
  };
  const std::vector<Case> cases = {
      {"host", HeaderId::kHost},
      {"HOST", HeaderId::kHost},
      {"content-length", HeaderId::kContentLength},
      {"Transfer-encoding", HeaderId::kTransferEncoding},
      {"te", HeaderId::kTe},
      {"x-forwarded-for", HeaderId::kXForwardedFor},
      {"cf-connecting-ipv6", HeaderId::kCfConnectingIpv6},
      {"cloudfront-viewer-address", HeaderId::kCloudFrontViewerAddress},
      {"X-Request-Id", HeaderId::kXRequestId},
      {"Accept", HeaderId::kOther},
      {"Hostx", HeaderId::kOther},
      {"X_Forwarded_For", HeaderId::kOther},
      {"", HeaderId::kOther},
      {"a-very-long-header-name-that-is-not-in-the-table", HeaderId::kOther},
  };
  for (const Case& c : cases) EXPECT_EQ(lookup_header(c.name), c.id) << c.name;
  for (std::size_t i = 1; i < static_cast<std::size_t>(HeaderId::kCount); ++i) {
    const HeaderId id = static_cast<HeaderId>(i);
    EXPECT_EQ(lookup_header(header_info(id).name), id) << header_info(id).name;
  }
}

TEST(HeaderTable, Flags) {
  for (HeaderId id : {HeaderId::kConnection, HeaderId::kKeepAlive, HeaderId::kProxyConnection,
                      HeaderId::kTe, HeaderId::kTrailer, HeaderId::kTransferEncoding,
                      HeaderId::kUpgrade, HeaderId::kProxyAuthorization, HeaderId::kHttp2Settings})
    EXPECT_TRUE(has_flag(id, kHopByHop)) << header_info(id).name;
  EXPECT_FALSE(has_flag(HeaderId::kHost, kHopByHop));
  EXPECT_TRUE(has_flag(HeaderId::kTransferEncoding, kFraming));
  EXPECT_TRUE(has_flag(HeaderId::kContentLength, kFraming));
  for (HeaderId id :
       {HeaderId::kCfConnectingIp, HeaderId::kCfConnectingIpv6, HeaderId::kTrueClientIp,
        HeaderId::kXRealIp, HeaderId::kFastlyClientIp, HeaderId::kXClientIp,
        HeaderId::kXClusterClientIp, HeaderId::kCloudFrontViewerAddress, HeaderId::kCfVisitor,
        HeaderId::kXForwardedHost})
    EXPECT_TRUE(has_flag(id, kIdentity)) << header_info(id).name;
  for (HeaderId id : {HeaderId::kXForwardedFor, HeaderId::kForwarded, HeaderId::kXForwardedProto,
                      HeaderId::kXRequestId})
    EXPECT_TRUE(has_flag(id, kDoormanSet)) << header_info(id).name;
  EXPECT_FALSE(has_flag(HeaderId::kOther, kHopByHop));
}

TEST(HeaderTable, IdentityAliases) {
  for (std::string_view alias :
       {"X_Forwarded_For", "x.forwarded.for", "X-Forwarded_For", "CF_Connecting_IP",
        "cf.connecting.ipv6", "True_Client_IP", "X_REAL_IP", "X.Request.ID", "x_forwarded_proto",
        "Fastly_Client_IP", "CloudFront_Viewer_Address", "CF_Visitor",
        // framing names: an app that folds them would frame the body differently
        "Content_Length", "content.length", "Transfer_Encoding", "transfer.encoding"})
    EXPECT_TRUE(is_identity_alias(alias)) << alias;
  for (std::string_view other :
       {"X_Custom", "X-Forwarded-For", "X__Forwarded_For", "X_Forwarded_Fo", "Accept_Language",
        "Host", "Content-Length", "Transfer_Encodings"})
    EXPECT_FALSE(is_identity_alias(other)) << other;
  EXPECT_TRUE(is_alias_of("X_Client_Address", "X-Client-Address"));
  EXPECT_TRUE(is_alias_of("x.client.address", "X-Client-Address"));
  EXPECT_FALSE(is_alias_of("x-client-address", "X-Client-Address"));
  EXPECT_FALSE(is_alias_of("X_Client_Addr", "X-Client-Address"));
  EXPECT_FALSE(is_alias_of("X_Client_Address", ""));
}

TEST(HeaderTable, Tokens) {
  EXPECT_TRUE(is_valid_header_name("X-A_b.c!#$%&'*+^`|~"));
  for (std::string_view bad : {"", "a b", "a:b", "a\"", "(a)", "a/b", "a@b", "a\tb"})
    EXPECT_FALSE(is_valid_header_name(bad)) << bad;
}

}  // namespace
}  // namespace doorman
