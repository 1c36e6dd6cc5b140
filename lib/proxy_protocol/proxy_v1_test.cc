// PROXY v1 (spec §2.1): the spec's own example and one case per rule of the line grammar.
#include <gtest/gtest.h>

#include <string>

#include "doorman/proxy_protocol.h"
#include "proxy_test_util.h"

namespace doorman {
namespace {

using testing::decode_all;
using testing::from_text;

std::string endpoint_text(const Endpoint& e) {
  const std::string ip = e.address.to_string();
  return (e.address.is_v4() ? ip : "[" + ip + "]") + ":" + std::to_string(e.port);
}

struct V1Case {
  const char* name;
  std::string input;
  ErrorCode error;  // kEmpty: the header must decode
  ProxyFamily family = ProxyFamily::kUnspec;
  std::string src = "", dst = "";
  std::size_t consumed = 0;  // 0: the whole input
};

void PrintTo(const V1Case& c, std::ostream* os) {
  *os << c.name;
}

constexpr ErrorCode kOk = ErrorCode::kEmpty;
const std::string k39 = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";

std::vector<V1Case> v1_cases() {
  return {
      // Spec §2.1 example: the payload after the CRLF is untouched.
      {"SpecExampleBeforeHttpRequest",
       "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\nGET / HTTP/1.1\r\nHost: "
       "192.168.0.11\r\n\r\n",
       kOk, ProxyFamily::kInet, "192.168.0.1:56324", "192.168.0.11:443", 47},
      {"LongestTcp4Line", "PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n", kOk,
       ProxyFamily::kInet, "255.255.255.255:65535", "255.255.255.255:65535"},
      {"LongestTcp6Line", "PROXY TCP6 " + k39 + " " + k39 + " 65535 65535\r\n", kOk,
       ProxyFamily::kInet6, "[" + k39 + "]:65535", "[" + k39 + "]:65535"},
      {"Tcp6Compressed", "PROXY TCP6 2001:db8::1 2001:db8::11 56324 443\r\n", kOk,
       ProxyFamily::kInet6, "[2001:db8::1]:56324", "[2001:db8::11]:443"},
      {"Tcp6UpperCaseHex", "PROXY TCP6 2001:DB8::A ::1 1 2\r\n", kOk, ProxyFamily::kInet6,
       "[2001:db8::a]:1", "[::1]:2"},
      // The family is reported as sent; the address is normalised to IPv4 (DESIGN.md).
      {"Tcp6MappedIpv4IsNormalised", "PROXY TCP6 ::ffff:192.0.2.1 ::1 80 443\r\n", kOk,
       ProxyFamily::kInet6, "192.0.2.1:80", "[::1]:443"},
      {"PortZeroIsInRange", "PROXY TCP4 192.0.2.1 192.0.2.2 0 0\r\n", kOk, ProxyFamily::kInet,
       "192.0.2.1:0", "192.0.2.2:0"},
      {"UnknownShortForm", "PROXY UNKNOWN\r\n", kOk},
      {"UnknownRestOfLineIgnored", "PROXY UNKNOWN whatever the sender put here\r\n", kOk},
      {"UnknownWorstCase107Bytes", "PROXY UNKNOWN " + k39 + " " + k39 + " 65535 65535\r\n", kOk},

      {"LfWithoutCr", "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\n", ErrorCode::kProxyInvalid},
      {"CrWithoutLf", "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\rX\n",
       ErrorCode::kProxyInvalid},
      {"LoneCrInUnknownRest", "PROXY UNKNOWN a\rb\r\n", ErrorCode::kProxyInvalid},
      {"DoubleSpaceAfterProxy", "PROXY  TCP4 192.0.2.1 192.0.2.2 1 2\r\n",
       ErrorCode::kProxyInvalid},
      {"DoubleSpaceBetweenAddresses", "PROXY TCP4 192.0.2.1  192.0.2.2 1 2\r\n",
       ErrorCode::kProxyInvalid},
      {"TabSeparator", "PROXY TCP4\t192.0.2.1 192.0.2.2 1 2\r\n", ErrorCode::kProxyInvalid},
      {"TrailingSpace", "PROXY TCP4 192.0.2.1 192.0.2.2 1 2 \r\n", ErrorCode::kProxyInvalid},
      {"MissingPort", "PROXY TCP4 192.0.2.1 192.0.2.2 1\r\n", ErrorCode::kProxyInvalid},
      {"ExtraField", "PROXY TCP4 192.0.2.1 192.0.2.2 1 2 3\r\n", ErrorCode::kProxyInvalid},
      {"NoFields", "PROXY TCP4\r\n", ErrorCode::kProxyInvalid},
      {"NoProtocol", "PROXY\r\n", ErrorCode::kProxyInvalid},
      {"EmptyProtocol", "PROXY \r\n", ErrorCode::kProxyInvalid},
      {"UnknownProtocol", "PROXY TCP5 192.0.2.1 192.0.2.2 1 2\r\n", ErrorCode::kProxyInvalid},
      {"LowerCaseProtocol", "PROXY tcp4 192.0.2.1 192.0.2.2 1 2\r\n", ErrorCode::kProxyInvalid},
      {"UnknownGlued", "PROXY UNKNOWNX\r\n", ErrorCode::kProxyInvalid},
      {"LeadingZeroOctet", "PROXY TCP4 192.168.0.01 192.0.2.2 1 2\r\n", ErrorCode::kProxyInvalid},
      {"LeadingZeroPort", "PROXY TCP4 192.0.2.1 192.0.2.2 056324 443\r\n",
       ErrorCode::kProxyInvalid},
      {"DoubleZeroPort", "PROXY TCP4 192.0.2.1 192.0.2.2 00 443\r\n", ErrorCode::kProxyInvalid},
      {"PortAboveRange", "PROXY TCP4 192.0.2.1 192.0.2.2 65536 443\r\n", ErrorCode::kProxyInvalid},
      {"SignedPort", "PROXY TCP4 192.0.2.1 192.0.2.2 +1 443\r\n", ErrorCode::kProxyInvalid},
      {"OctetAboveRange", "PROXY TCP4 256.0.2.1 192.0.2.2 1 2\r\n", ErrorCode::kProxyInvalid},
      {"ThreeOctets", "PROXY TCP4 192.0.2 192.0.2.2 1 2\r\n", ErrorCode::kProxyInvalid},
      {"Ipv6InTcp4", "PROXY TCP4 ::1 ::1 1 2\r\n", ErrorCode::kProxyInvalid},
      {"Ipv4InTcp6", "PROXY TCP6 192.0.2.1 ::1 1 2\r\n", ErrorCode::kProxyInvalid},
      {"MixedFamilies", "PROXY TCP4 192.0.2.1 2001:db8::1 1 2\r\n", ErrorCode::kProxyInvalid},
      {"Ipv6TooManyGroups", "PROXY TCP6 1:2:3:4:5:6:7:8:9 ::1 1 2\r\n", ErrorCode::kProxyInvalid},
      {"Ipv6ZoneId", "PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n", ErrorCode::kProxyInvalid},
      {"Ipv6Bracketed", "PROXY TCP6 [::1] ::1 1 2\r\n", ErrorCode::kProxyInvalid},
      {"HostName", "PROXY TCP4 localhost 192.0.2.2 1 2\r\n", ErrorCode::kProxyInvalid},

      // 108 bytes with the CRLF: one over the spec's maximum.
      {"UnknownLine108Bytes", "PROXY UNKNOWN " + k39 + " " + k39 + " 65535 655355\r\n",
       ErrorCode::kProxyTooLong},
      {"NoCrlfAtAll", "PROXY UNKNOWN " + std::string(200, 'x'), ErrorCode::kProxyTooLong},

      {"HttpRequest", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", ErrorCode::kNotProxy},
      {"LowerCaseSignature", "proxy TCP4 192.0.2.1 192.0.2.2 1 2\r\n", ErrorCode::kNotProxy},
      {"SignatureTypo", "PROXZ TCP4 192.0.2.1 192.0.2.2 1 2\r\n", ErrorCode::kNotProxy},
      {"TlsClientHello", "\x16\x03\x01\x02\x00\x01", ErrorCode::kNotProxy},
      {"ShortLineEndsStream", "PROXY TCP4 192.0.2.1", ErrorCode::kProxyIncomplete},
  };
}

class ProxyV1Test : public ::testing::TestWithParam<V1Case> {};

TEST_P(ProxyV1Test, DecodesAsTheSpecSays) {
  const V1Case& c = GetParam();
  ProxyDecoder decoder;
  const DecodeStep step = decode_all(decoder, from_text(c.input));
  if (c.error != kOk) {
    EXPECT_EQ(step.status, DecodeStatus::kInvalid);
    EXPECT_EQ(error_code_name(step.error.code), error_code_name(c.error));
    EXPECT_FALSE(decoder.has_header());
    return;
  }
  ASSERT_EQ(step.status, DecodeStatus::kComplete)
      << error_code_name(step.error.code) << " at " << step.error.offset;
  EXPECT_EQ(step.consumed, c.consumed ? c.consumed : c.input.size());
  const ProxyHeader& h = decoder.header();
  EXPECT_EQ(h.version(), ProxyVersion::kV1);
  EXPECT_EQ(h.command(), ProxyCommand::kProxy);
  EXPECT_EQ(h.family(), c.family);
  EXPECT_EQ(h.size(), step.consumed);
  EXPECT_TRUE(h.tlvs().empty());
  EXPECT_EQ(h.crc32c(), CrcStatus::kAbsent);
  if (c.family == ProxyFamily::kUnspec) {
    EXPECT_FALSE(h.has_addresses());
    EXPECT_EQ(h.transport(), ProxyTransport::kUnspec);
    EXPECT_EQ(proxy_family_name(h.version(), h.family()), "UNKNOWN");
  } else {
    ASSERT_TRUE(h.has_addresses());
    EXPECT_EQ(h.transport(), ProxyTransport::kStream);
    EXPECT_EQ(endpoint_text(h.source()), c.src);
    EXPECT_EQ(endpoint_text(h.destination()), c.dst);
  }
}

INSTANTIATE_TEST_SUITE_P(Spec, ProxyV1Test, ::testing::ValuesIn(v1_cases()),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace doorman
