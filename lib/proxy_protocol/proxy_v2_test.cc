// PROXY v2 (spec §2.2): fixed part, address blocks, TLVs (§2.2.1-2.2.8) and the CRC32C TLV.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "doorman/crc32c.h"
#include "doorman/proxy_protocol.h"
#include "proxy_test_util.h"

namespace doorman {
namespace {

using testing::Bytes;
using testing::cat;
using testing::decode_all;
using testing::from_hex;
using testing::inet6_block;
using testing::inet_block;
using testing::tlv;
using testing::v2;

std::string endpoint_text(const Endpoint& e) {
  const std::string ip = e.address.to_string();
  return (e.address.is_v4() ? ip : "[" + ip + "]") + ":" + std::to_string(e.port);
}

Bytes unix_block(std::string_view src, std::string_view dst) {
  Bytes out(216, 0);
  std::copy(src.begin(), src.end(), out.begin());
  std::copy(dst.begin(), dst.end(), out.begin() + 108);
  return out;
}

// Sets the CRC32C value of a header whose last TLV is a zeroed CRC32C (spec §2.2.3).
Bytes with_crc(Bytes h) {
  const uint32_t crc = crc32c_portable(h);
  const std::size_t at = h.size() - 4;
  for (int i = 0; i < 4; ++i) h[at + i] = static_cast<uint8_t>(crc >> (24 - 8 * i));
  return h;
}

const Bytes kZeroCrc = tlv(0x03, from_hex("00000000"));

struct V2Case {
  const char* name;
  Bytes input;
  ErrorCode error;  // kEmpty: must decode
  ProxyCommand command = ProxyCommand::kProxy;
  ProxyFamily family = ProxyFamily::kUnspec;
  ProxyTransport transport = ProxyTransport::kUnspec;
  std::string src = "", dst = "";  // empty: no addresses
};
void PrintTo(const V2Case& c, std::ostream* os) {
  *os << c.name;
}

constexpr ErrorCode kOk = ErrorCode::kEmpty;
constexpr auto kInet = ProxyFamily::kInet;
constexpr auto kInet6 = ProxyFamily::kInet6;
constexpr auto kStream = ProxyTransport::kStream;
constexpr auto kLocal = ProxyCommand::kLocal;
constexpr auto kProxy = ProxyCommand::kProxy;
constexpr auto kInvalid = ErrorCode::kProxyInvalid;

std::vector<V2Case> v2_cases() {
  const Bytes mapped =
      from_hex("00000000000000000000FFFFC0000201 00000000000000000000FFFFC633640B 0050 01BB");
  Bytes truncated = v2(0x21, 0x11, inet_block());
  truncated.pop_back();
  return {
      {"TcpOverIpv4", v2(0x21, 0x11, inet_block()), kOk, kProxy, kInet, kStream, "192.0.2.1:56324",
       "198.51.100.11:443"},
      {"UdpOverIpv4", v2(0x21, 0x12, inet_block()), kOk, kProxy, kInet, ProxyTransport::kDgram,
       "192.0.2.1:56324", "198.51.100.11:443"},
      {"TcpOverIpv6", v2(0x21, 0x21, inet6_block()), kOk, kProxy, kInet6, kStream,
       "[2001:db8::1]:56324", "[2001:db8::11]:443"},
      // The family field is reported as sent, the addresses normalised (DESIGN.md).
      {"Ipv6FamilyWithMappedIpv4", v2(0x21, 0x21, mapped), kOk, kProxy, kInet6, kStream,
       "192.0.2.1:80", "198.51.100.11:443"},
      // A length beyond the address block is allowed: TLVs follow (here, a NOOP).
      {"AddressBlockThenNoop", v2(0x21, 0x11, cat({inet_block(), tlv(0x04, "pad")})), kOk, kProxy,
       kInet, kStream, "192.0.2.1:56324", "198.51.100.11:443"},
      // LOCAL: "the receiver must use the real connection endpoints" (§2.2).
      {"LocalUnspecEmpty", v2(0x20, 0x00, {}), kOk, kLocal, ProxyFamily::kUnspec},
      {"LocalWithIgnoredInetBlock", v2(0x20, 0x11, inet_block()), kOk, kLocal, kInet, kStream},
      {"LocalInetFamilyButNoBlock", v2(0x20, 0x11, {}), kOk, kLocal, kInet, kStream},
      {"LocalWithTlvs", v2(0x20, 0x00, tlv(0x05, "id-1")), kOk, kLocal},
      {"ProxyUnspecIgnoresAddresses", v2(0x21, 0x00, {}), kOk, kProxy},
      {"ProxyInetUnspecTransport", v2(0x21, 0x10, {}), kOk, kProxy, kInet},
      {"LengthAtTheCap", v2(0x21, 0x11, cat({inet_block(), tlv(0x04, Bytes(536 - 12 - 3, 0))})),
       kOk, kProxy, kInet, kStream, "192.0.2.1:56324", "198.51.100.11:443"},

      {"VersionOne", v2(0x11, 0x11, inet_block()), kInvalid},
      {"VersionThree", v2(0x31, 0x11, inet_block()), kInvalid},
      {"CommandTwo", v2(0x22, 0x11, inet_block()), kInvalid},
      {"CommandFifteen", v2(0x2F, 0x11, inet_block()), kInvalid},
      {"FamilyFour", v2(0x21, 0x41, inet_block()), kInvalid},
      {"TransportThree", v2(0x21, 0x13, inet_block()), kInvalid},
      {"Ipv4BlockShort", v2(0x21, 0x11, Bytes(11, 0)), kInvalid},
      {"Ipv6BlockShort", v2(0x21, 0x21, Bytes(35, 0)), kInvalid},
      {"UnixBlockShort", v2(0x21, 0x31, Bytes(215, 0)), kInvalid},
      {"TlvOverrunsHeader", v2(0x21, 0x11, cat({inet_block(), from_hex("01 000A 6832")})),
       kInvalid},
      {"OneStrayByteAfterBlock", v2(0x21, 0x11, cat({inet_block(), from_hex("04")})), kInvalid},
      {"TwoStrayBytesAfterTlv",
       v2(0x21, 0x11, cat({inet_block(), tlv(0x01, "h2"), from_hex("0400")})), kInvalid},
      {"Crc32cWrongLength", v2(0x21, 0x11, cat({inet_block(), tlv(0x03, from_hex("000000"))})),
       kInvalid},
      {"Crc32cTwice", with_crc(v2(0x21, 0x11, cat({inet_block(), kZeroCrc, kZeroCrc}))), kInvalid},
      {"AuthorityTwice",
       v2(0x21, 0x11, cat({inet_block(), tlv(0x02, "a.example"), tlv(0x02, "b.example")})),
       kInvalid},
      {"UniqueIdOver128Bytes", v2(0x21, 0x11, cat({inet_block(), tlv(0x05, Bytes(129, 'u'))})),
       kInvalid},
      {"SslShorterThanClientAndVerify",
       v2(0x21, 0x11, cat({inet_block(), tlv(0x20, from_hex("01000000"))})), kInvalid},
      {"SslSubTlvOverruns",
       v2(0x21, 0x11, cat({inet_block(), tlv(0x20, from_hex("0100000000 21 0009 544C5376"))})),
       kInvalid},
      {"SslCnTwice",
       v2(0x21, 0x11,
          cat({inet_block(),
               tlv(0x20, cat({from_hex("0700000000"), tlv(0x22, "a"), tlv(0x22, "b")}))})),
       kInvalid},
      {"LengthOverTheCap", v2(0x21, 0x11, cat({inet_block(), tlv(0x04, Bytes(536 - 12 - 2, 0))})),
       ErrorCode::kProxyTooLarge},
      {"SignatureMismatch", from_hex("0D0A0D0A000D0A515549540B 2111000C"), ErrorCode::kNotProxy},
      {"TruncatedAddressBlock", truncated, ErrorCode::kProxyIncomplete},
  };
}

class ProxyV2Test : public ::testing::TestWithParam<V2Case> {};

TEST_P(ProxyV2Test, DecodesAsTheSpecSays) {
  const V2Case& c = GetParam();
  ProxyDecoder decoder;
  const DecodeStep step = decode_all(decoder, c.input);
  if (c.error != kOk) {
    EXPECT_EQ(step.status, DecodeStatus::kInvalid);
    EXPECT_EQ(error_code_name(step.error.code), error_code_name(c.error));
    return;
  }
  ASSERT_EQ(step.status, DecodeStatus::kComplete)
      << error_code_name(step.error.code) << " at " << step.error.offset;
  EXPECT_EQ(step.consumed, c.input.size());
  const ProxyHeader& h = decoder.header();
  EXPECT_EQ(h.version(), ProxyVersion::kV2);
  EXPECT_EQ(h.command(), c.command);
  EXPECT_EQ(h.family(), c.family);
  EXPECT_EQ(h.transport(), c.transport);
  EXPECT_EQ(h.has_addresses(), !c.src.empty());
  if (!c.src.empty()) {
    EXPECT_EQ(endpoint_text(h.source()), c.src);
    EXPECT_EQ(endpoint_text(h.destination()), c.dst);
  }
}

INSTANTIATE_TEST_SUITE_P(Spec, ProxyV2Test, ::testing::ValuesIn(v2_cases()),
                         [](const auto& info) { return std::string(info.param.name); });

// LOCAL headers as real senders write them (spec §2.2: the receiver skips the address block,
// "including the family which is ignored"): where the TLVs are is found, never guessed.
struct LocalCase {
  const char* name;
  Bytes input;
  ErrorCode error;                               // kOk: accepted
  std::vector<int> types = {};                   // the TLVs reported, in order
  std::optional<std::string> id = std::nullopt;  // unique id or AWS VPCE id reported
  CrcStatus crc = CrcStatus::kAbsent;
};

std::vector<LocalCase> local_cases() {
  const Bytes vpce = tlv(0xEA, cat({from_hex("01"), testing::from_text("vpce-0123456789abcdef0")}));
  const Bytes bad_crc = tlv(0x03, from_hex("DEADBEEF"));
  return {
      // AWS NLB health check: family TCP4, no address block, the TLVs straight after the header.
      {"NlbTlvsRightAfterTheHeader",
       with_crc(v2(0x20, 0x11, cat({vpce, kZeroCrc}))),
       kOk,
       {0xEA, 0x03},
       "vpce-0123456789abcdef0",
       CrcStatus::kVerified},
      {"NlbWithoutCrc", v2(0x20, 0x11, vpce), kOk, {0xEA}, "vpce-0123456789abcdef0"},
      {"NlbCrcMismatch", v2(0x20, 0x11, cat({vpce, bad_crc})), ErrorCode::kProxyCrcMismatch},
      // Shorter than the block a TCP4 family would have.
      {"ShortTlvsAfterTheHeader", v2(0x20, 0x11, tlv(0x05, "id-1")), kOk, {0x05}, "id-1"},
      {"Ipv6FamilyTlvsAfterTheHeader", v2(0x20, 0x21, tlv(0x05, "id-6")), kOk, {0x05}, "id-6"},
      // The family's block first, zeroed or not: the TLVs after it.
      {"ZeroedBlockThenTlvs",
       v2(0x20, 0x11, cat({Bytes(12, 0), tlv(0x05, "id-2")})),
       kOk,
       {0x05},
       "id-2"},
      {"ZeroedBlockThenTlvsWithCrc",
       with_crc(v2(0x20, 0x11, cat({Bytes(12, 0), tlv(0x05, "id-2"), kZeroCrc}))),
       kOk,
       {0x05, 0x03},
       "id-2",
       CrcStatus::kVerified},
      {"ZeroedIpv6BlockThenTlvs",
       v2(0x20, 0x21, cat({Bytes(36, 0), tlv(0x05, "id-7")})),
       kOk,
       {0x05},
       "id-7"},
      {"AddressBlockThenTlvs",
       v2(0x20, 0x11, cat({inet_block(), tlv(0x05, "id-3")})),
       kOk,
       {0x05},
       "id-3"},
      {"UnspecWithTlvs", v2(0x20, 0x00, tlv(0x05, "id-4")), kOk, {0x05}, "id-4"},
      // Bytes that are no TLVs in any reading: accepted, nothing reported.
      {"BytesThatAreNoTlvs", v2(0x20, 0x11, from_hex("01 00FF 6832")), kOk, {}},
      {"UnspecBytesThatAreNoTlvs", v2(0x20, 0x00, from_hex("04")), kOk, {}},
      // A block of non-zero bytes that also reads as TLVs, followed by TLVs: ambiguous.
      {"AmbiguousBlock",
       v2(0x20, 0x11, cat({tlv(0x04, Bytes(9, 0x11)), tlv(0x05, "id-5")})),
       kOk,
       {}},
  };
}

class ProxyV2LocalTest : public ::testing::TestWithParam<LocalCase> {};

TEST_P(ProxyV2LocalTest, TlvsAreFoundOrNoneReported) {
  const LocalCase& c = GetParam();
  ProxyDecoder decoder;
  const DecodeStep step = decode_all(decoder, c.input);
  if (c.error != kOk) {
    EXPECT_EQ(step.status, DecodeStatus::kInvalid);
    EXPECT_EQ(error_code_name(step.error.code), error_code_name(c.error));
    return;
  }
  ASSERT_EQ(step.status, DecodeStatus::kComplete)
      << error_code_name(step.error.code) << " at " << step.error.offset;
  const ProxyHeader& h = decoder.header();
  EXPECT_EQ(h.command(), kLocal);
  EXPECT_FALSE(h.has_addresses());
  std::vector<int> types;
  for (const Tlv& x : h.tlvs()) types.push_back(x.type);
  EXPECT_EQ(types, c.types);
  const TypedTlvs t = h.typed();
  const auto id = t.unique_id ? t.unique_id : t.aws_vpce_id;
  EXPECT_EQ(id ? std::optional<std::string>(*id) : std::nullopt, c.id);
  EXPECT_EQ(h.crc32c(), c.crc);
}

INSTANTIATE_TEST_SUITE_P(RealSenders, ProxyV2LocalTest, ::testing::ValuesIn(local_cases()),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(ProxyV2, UnixPathsDropTheirNulPadding) {
  ProxyDecoder d;
  ASSERT_EQ(decode_all(d, v2(0x21, 0x31, unix_block("/run/lb.sock", "/run/app.sock"))).status,
            DecodeStatus::kComplete);
  EXPECT_EQ(d.header().family(), ProxyFamily::kUnix);
  EXPECT_EQ(d.header().source_unix(), "/run/lb.sock");
  EXPECT_EQ(d.header().destination_unix(), "/run/app.sock");
}

TEST(ProxyV2, TypedTlvsAndFaithfulRawList) {
  const Bytes ssl =
      cat({from_hex("07 00000000"), tlv(0x21, "TLSv1.3"), tlv(0x22, "client.example"),
           tlv(0x23, "TLS_AES_128_GCM_SHA256"), tlv(0x24, "RSA-SHA256"), tlv(0x25, "RSA2048"),
           tlv(0x26, "X25519"), tlv(0x27, "rsa_pss_rsae_sha256"), tlv(0x28, from_hex("3003020101")),
           tlv(0x29, "future")});
  const Bytes input =
      v2(0x21, 0x21,
         cat({inet6_block(), tlv(0x01, "h2"), tlv(0x04, ""), tlv(0x02, "www.example.com"),
              tlv(0x05, Bytes(128, 0xAB)), tlv(0x20, ssl), tlv(0x30, "blue"),
              tlv(0xEA, cat({from_hex("01"), testing::from_text("vpce-08d2bf15fac5001c9")})),
              tlv(0xEE, from_hex("01 78563412")), tlv(0xE0, from_hex("0102030405060708")),
              tlv(0xF0, "experiment")}));
  ProxyDecoder d;
  ASSERT_EQ(decode_all(d, input).status, DecodeStatus::kComplete);
  const TypedTlvs t = d.header().typed();
  EXPECT_EQ(t.alpn, "h2");
  EXPECT_EQ(t.authority, "www.example.com");
  EXPECT_EQ(t.unique_id, std::string(128, '\xAB'));
  EXPECT_EQ(t.netns, "blue");
  EXPECT_EQ(t.aws_vpce_id, "vpce-08d2bf15fac5001c9");
  EXPECT_EQ(t.azure_link_id, 0x12345678u);
  EXPECT_EQ(t.gcp_psc_connection_id, 0x0102030405060708u);
  ASSERT_TRUE(t.ssl.has_value());
  EXPECT_EQ(t.ssl->client, pp2::kClientSsl | pp2::kClientCertConn | pp2::kClientCertSess);
  EXPECT_EQ(t.ssl->verify, 0u);
  EXPECT_EQ(t.ssl->version, "TLSv1.3");
  EXPECT_EQ(t.ssl->cn, "client.example");
  EXPECT_EQ(t.ssl->cipher, "TLS_AES_128_GCM_SHA256");
  EXPECT_EQ(t.ssl->sig_alg, "RSA-SHA256");
  EXPECT_EQ(t.ssl->key_alg, "RSA2048");
  EXPECT_EQ(t.ssl->group, "X25519");
  EXPECT_EQ(t.ssl->sig_scheme, "rsa_pss_rsae_sha256");
  EXPECT_EQ(t.ssl->client_cert, std::string("\x30\x03\x02\x01\x01", 5));
  // The raw list keeps every TLV in order, NOOP and unknown types included.
  std::vector<int> types;
  for (const Tlv& x : d.header().tlvs()) types.push_back(x.type);
  EXPECT_EQ(types, (std::vector<int>{0x01, 0x04, 0x02, 0x05, 0x20, 0x30, 0xEA, 0xEE, 0xE0, 0xF0}));
  EXPECT_EQ(d.header().crc32c(), CrcStatus::kAbsent);
}

TEST(ProxyV2, VerifyZeroWithoutCertificateBitsIsNotAVerifiedCertificate) {
  ProxyDecoder d;
  const Bytes ssl = cat({from_hex("01 00000000"), tlv(0x21, "TLSv1.2")});
  ASSERT_EQ(decode_all(d, v2(0x21, 0x11, cat({inet_block(), tlv(0x20, ssl)}))).status,
            DecodeStatus::kComplete);
  const auto s = d.header().typed().ssl;
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->verify, 0u);
  EXPECT_EQ(s->client & (pp2::kClientCertConn | pp2::kClientCertSess), 0);
  EXPECT_FALSE(s->cn.has_value());
}

TEST(ProxyV2, MalformedVendorTlvsStayRawOnly) {
  ProxyDecoder d;
  const Bytes input = v2(0x21, 0x11,
                         cat({inet_block(), tlv(0xEA, from_hex("02 6162")),
                              tlv(0xEE, from_hex("01 7856")), tlv(0xE0, from_hex("0102"))}));
  ASSERT_EQ(decode_all(d, input).status, DecodeStatus::kComplete);
  const TypedTlvs t = d.header().typed();
  EXPECT_FALSE(t.aws_vpce_id || t.azure_link_id || t.gcp_psc_connection_id);
  EXPECT_EQ(std::distance(d.header().tlvs().begin(), d.header().tlvs().end()), 3);
}

TEST(ProxyV2, Crc32cVerified) {
  const Bytes input = with_crc(v2(0x21, 0x11, cat({inet_block(), tlv(0x05, "abc"), kZeroCrc})));
  ProxyDecoder d;
  ASSERT_EQ(decode_all(d, input).status, DecodeStatus::kComplete);
  EXPECT_EQ(d.header().crc32c(), CrcStatus::kVerified);
}

TEST(ProxyV2, Crc32cVerifiedWhenNotTheLastTlv) {
  Bytes input = v2(0x21, 0x11, cat({inet_block(), kZeroCrc, tlv(0x05, "abc")}));
  const uint32_t crc = crc32c_portable(input);
  for (int i = 0; i < 4; ++i) input[16 + 12 + 3 + i] = static_cast<uint8_t>(crc >> (24 - 8 * i));
  ProxyDecoder d;
  ASSERT_EQ(decode_all(d, input).status, DecodeStatus::kComplete);
  EXPECT_EQ(d.header().crc32c(), CrcStatus::kVerified);
}

TEST(ProxyV2, Crc32cMismatchIsInvalidButStillExposesTheFields) {
  Bytes input = with_crc(v2(0x21, 0x11, cat({inet_block(), tlv(0x02, "a.example"), kZeroCrc})));
  input[16] ^= 0x01;  // 192.0.2.1 -> 193.0.2.1 after the checksum was taken
  ProxyDecoder d;
  const DecodeStep step = d.feed(cat({input, testing::from_text("payload")}));
  EXPECT_EQ(step.status, DecodeStatus::kInvalid);
  EXPECT_EQ(step.error.code, ErrorCode::kProxyCrcMismatch);
  EXPECT_EQ(step.consumed, input.size());
  ASSERT_TRUE(d.has_header());
  EXPECT_EQ(d.header().crc32c(), CrcStatus::kMismatch);
  EXPECT_EQ(endpoint_text(d.header().source()), "193.0.2.1:56324");
  EXPECT_EQ(d.header().typed().authority, "a.example");
}

TEST(ProxyV2, UniqueIdOf128BytesIsAccepted) {
  ProxyDecoder d;
  ASSERT_EQ(decode_all(d, v2(0x21, 0x11, cat({inet_block(), tlv(0x05, Bytes(128, 'u'))}))).status,
            DecodeStatus::kComplete);
  EXPECT_EQ(d.header().typed().unique_id->size(), 128u);
}

TEST(ProxyV2, PayloadAfterHeaderIsNotConsumed) {
  const Bytes header = v2(0x21, 0x21, cat({inet6_block(), tlv(0x01, "http/1.1")}));
  ProxyDecoder d;
  const DecodeStep step = d.feed(cat({header, testing::from_text("GET / HTTP/1.1\r\n\r\n")}));
  ASSERT_EQ(step.status, DecodeStatus::kComplete);
  EXPECT_EQ(step.consumed, header.size());
  EXPECT_EQ(d.header().size(), header.size());
}

}  // namespace
}  // namespace doorman
