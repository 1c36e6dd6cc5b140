// The decoder's framing: a header split across any reads decodes exactly as in one read, and
// the decoder decides as early as the bytes allow.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "doorman/crc32c.h"
#include "doorman/proxy_protocol.h"
#include "proxy_test_util.h"

namespace doorman {
namespace {

using testing::Bytes;
using testing::cat;
using testing::from_hex;
using testing::from_text;
using testing::inet6_block;
using testing::inet_block;
using testing::tlv;
using testing::v2;

struct Outcome {
  DecodeStatus status;
  ErrorCode code;
  std::size_t consumed;  // summed over every feed
  bool has_header;
  friend bool operator==(const Outcome&, const Outcome&) = default;
};

// Feeds `input` in pieces ending at the given cut points, then finish() if still incomplete.
Outcome run(const Bytes& input, const std::vector<std::size_t>& cuts, ProxyHeader* header) {
  ProxyDecoder d;
  DecodeStep step;
  std::size_t consumed = 0, from = 0;
  std::vector<std::size_t> ends = cuts;
  ends.push_back(input.size());
  for (std::size_t end : ends) {
    step = d.feed(std::span(input).subspan(from, end - from));
    consumed += step.consumed;
    from = end;
    if (step.status != DecodeStatus::kNeedMore) break;
  }
  if (step.status == DecodeStatus::kNeedMore) step = d.finish();
  if (d.has_header() && header != nullptr) *header = d.header();
  // Bytes fed before a rejection were taken as a header prefix; only the total of a decoded
  // header (complete, or parsed with a CRC mismatch) has to match the one-read answer.
  if (!d.has_header()) consumed = 0;
  return {step.status, step.error.code, consumed, d.has_header()};
}

Bytes crc_header() {
  Bytes h = v2(0x21, 0x11,
               cat({inet_block(), tlv(0x02, "example.com"), tlv(0x05, "uid"),
                    tlv(0x03, from_hex("00000000"))}));
  const uint32_t crc = crc32c_portable(h);
  for (int i = 0; i < 4; ++i) h[h.size() - 4 + i] = static_cast<uint8_t>(crc >> (24 - 8 * i));
  return h;
}

struct SplitCase {
  const char* name;
  Bytes input;  // a header and usually some payload
};
void PrintTo(const SplitCase& c, std::ostream* os) {
  *os << c.name;
}

std::vector<SplitCase> split_cases() {
  Bytes bad_crc = crc_header();
  bad_crc[20] ^= 0xFF;
  Bytes unix_body(216, 0);
  unix_body[0] = '/';
  unix_body[108] = '/';
  return {
      {"V1Tcp4", from_text("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\nGET / HTTP/1.1\r\n")},
      {"V1Tcp6", from_text("PROXY TCP6 2001:db8::1 2001:db8::11 56324 443\r\nhello")},
      {"V1Unknown", from_text("PROXY UNKNOWN ignored\r\nhello")},
      {"V2Tcp6Tlvs", cat({v2(0x21, 0x21, cat({inet6_block(), tlv(0x01, "h2"), tlv(0x04, "")})),
                          from_text("payload")})},
      {"V2Crc", cat({crc_header(), from_text("x")})},
      {"V2CrcMismatch", cat({bad_crc, from_text("x")})},
      {"V2Unix", v2(0x21, 0x31, unix_body)},
      {"V2Local", cat({v2(0x20, 0x00, {}), from_text("health")})},
      {"V1Invalid", from_text("PROXY TCP4 192.168.0.1 192.168.0.11 056324 443\r\n")},
      {"V1TooLong", from_text("PROXY UNKNOWN " + std::string(120, 'z') + "\r\n")},
      // Found by the fuzzer: a lone LF as byte 107 (too long either way), and a bad prefix
      // before a lone LF.
      {"V1LoneLfAtByte107", from_text("PROXY UNKNOWN " + std::string(92, 'z') + "\nrest")},
      {"V1BadPrefixThenLoneLf", from_text("PROXY TCP5 " + std::string(95, 'z') + "\n")},
      {"V2TooLarge", from_hex("0D0A0D0A000D0A515549540A 2111 0219 000000000000")},
      {"V2TlvOverrun", v2(0x21, 0x11, cat({inet_block(), from_hex("02 0005 41")}))},
      {"NotProxy", from_text("GET / HTTP/1.1\r\n\r\n")},
      {"V1Truncated", from_text("PROXY TCP4 192.168.0.1 192.168")},
      {"V2Truncated", from_hex("0D0A0D0A000D0A515549540A 2111000C C0000201")},
  };
}

class ProxySplitTest : public ::testing::TestWithParam<SplitCase> {};

TEST_P(ProxySplitTest, EverySingleSplitDecodesAsOneRead) {
  const Bytes& input = GetParam().input;
  ProxyHeader whole_header, split_header;
  const Outcome whole = run(input, {}, &whole_header);
  for (std::size_t cut = 0; cut <= input.size(); ++cut) {
    const Outcome split = run(input, {cut}, &split_header);
    ASSERT_EQ(split, whole) << "cut at " << cut;
    if (whole.has_header) {
      ASSERT_TRUE(split_header == whole_header) << "cut at " << cut;
    }
  }
}

TEST_P(ProxySplitTest, EveryTwoSplitsDecodeAsOneRead) {
  const Bytes& input = GetParam().input;
  const Outcome whole = run(input, {}, nullptr);
  const std::size_t n = std::min<std::size_t>(input.size(), 130);
  for (std::size_t a = 0; a <= n; ++a) {
    for (std::size_t b = a; b <= n; b += 3) {
      ASSERT_EQ(run(input, {a, b}, nullptr), whole) << a << " " << b;
    }
  }
}

TEST_P(ProxySplitTest, ByteAtATimeDecodesAsOneRead) {
  const Bytes& input = GetParam().input;
  std::vector<std::size_t> cuts;
  for (std::size_t i = 1; i < input.size(); ++i) cuts.push_back(i);
  ProxyHeader whole_header, split_header;
  const Outcome whole = run(input, {}, &whole_header);
  EXPECT_EQ(run(input, cuts, &split_header), whole);
  if (whole.has_header) {
    EXPECT_TRUE(split_header == whole_header);
  }
}

INSTANTIATE_TEST_SUITE_P(Headers, ProxySplitTest, ::testing::ValuesIn(split_cases()),
                         [](const auto& info) { return std::string(info.param.name); });

// The smallest prefix on which the decoder gives up, and with which code.
struct EarlyCase {
  const char* name;
  Bytes input;
  std::size_t decided_at;  // bytes fed when the step turns invalid
  ErrorCode code;
  AcceptedVersions accepted = AcceptedVersions::kAny;
};
void PrintTo(const EarlyCase& c, std::ostream* os) {
  *os << c.name;
}

std::vector<EarlyCase> early_cases() {
  const std::string k39 = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
  return {
      {"HttpOnFirstByte", from_text("GET / HTTP/1.1\r\n"), 1, ErrorCode::kNotProxy},
      {"TlsOnFirstByte", from_hex("160301"), 1, ErrorCode::kNotProxy},
      {"V1SignatureMismatch", from_text("PRX"), 3, ErrorCode::kNotProxy},
      {"V2SignatureMismatch", from_hex("0D0A0D0B"), 4, ErrorCode::kNotProxy},
      {"V2SignatureLastByte", from_hex("0D0A0D0A000D0A515549540B"), 12, ErrorCode::kNotProxy},
      {"V2BadVersion", from_hex("0D0A0D0A000D0A515549540A 11"), 13, ErrorCode::kProxyInvalid},
      {"V2BadFamily", from_hex("0D0A0D0A000D0A515549540A 21 51"), 14, ErrorCode::kProxyInvalid},
      // The length is over the cap: rejected with the fixed part, before any body byte.
      {"V2LengthOverCap", from_hex("0D0A0D0A000D0A515549540A 21 11 0219"), 16,
       ErrorCode::kProxyTooLarge},
      {"V2LengthMax", from_hex("0D0A0D0A000D0A515549540A 21 11 FFFF"), 16,
       ErrorCode::kProxyTooLarge},
      {"V2LengthBelowBlock", from_hex("0D0A0D0A000D0A515549540A 21 21 0023"), 16,
       ErrorCode::kProxyInvalid},
      {"V1BadProtocol", from_text("PROXY TCP5"), 10, ErrorCode::kProxyInvalid},
      {"V1DoubleSpace", from_text("PROXY TCP4 192.0.2.1  "), 22, ErrorCode::kProxyInvalid},
      {"V1LetterInPort", from_text("PROXY TCP4 192.0.2.1 192.0.2.2 8x"), 33,
       ErrorCode::kProxyInvalid},
      {"V1LeadingZeroPort", from_text("PROXY TCP4 192.0.2.1 192.0.2.2 08"), 33,
       ErrorCode::kProxyInvalid},
      {"V1LoneCr", from_text("PROXY UNKNOWN\rx"), 15, ErrorCode::kProxyInvalid},
      // 106 bytes and the last one is not CR: the CRLF cannot end within 107 bytes.
      {"V1CannotEndIn107", from_text("PROXY UNKNOWN " + k39 + " " + k39 + " 65535 65535x"), 106,
       ErrorCode::kProxyTooLong},
      {"V2OnV1OnlyListener", from_hex("0D0A0D0A"), 1, ErrorCode::kNotProxy,
       AcceptedVersions::kV1Only},
      {"V1OnV2OnlyListener", from_text("PROXY"), 1, ErrorCode::kNotProxy,
       AcceptedVersions::kV2Only},
  };
}

class ProxyEarlyTest : public ::testing::TestWithParam<EarlyCase> {};

TEST_P(ProxyEarlyTest, RejectsAsSoonAsTheBytesAllow) {
  const EarlyCase& c = GetParam();
  ProxyDecoder d(c.accepted);
  for (std::size_t i = 0; i < c.input.size(); ++i) {
    const DecodeStep step = d.feed(std::span(c.input).subspan(i, 1));
    if (i + 1 < c.decided_at) {
      ASSERT_EQ(step.status, DecodeStatus::kNeedMore) << "after " << i + 1 << " bytes";
      continue;
    }
    EXPECT_EQ(step.status, DecodeStatus::kInvalid) << "after " << i + 1 << " bytes";
    EXPECT_EQ(error_code_name(step.error.code), error_code_name(c.code));
    EXPECT_EQ(step.consumed, 0u);
    return;
  }
  FAIL() << "not decided after " << c.input.size() << " bytes";
}

INSTANTIATE_TEST_SUITE_P(Prefixes, ProxyEarlyTest, ::testing::ValuesIn(early_cases()),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(ProxyDecoder, FinishWithoutAnyByteIsIncomplete) {
  ProxyDecoder d;
  EXPECT_EQ(d.finish().error.code, ErrorCode::kProxyIncomplete);
}

TEST(ProxyDecoder, FeedAfterCompleteRepeatsTheStepWithoutConsuming) {
  ProxyDecoder d;
  const Bytes h = from_text("PROXY UNKNOWN\r\n");
  ASSERT_EQ(d.feed(h).status, DecodeStatus::kComplete);
  const DecodeStep again = d.feed(from_text("more"));
  EXPECT_EQ(again.status, DecodeStatus::kComplete);
  EXPECT_EQ(again.consumed, 0u);
  EXPECT_EQ(d.finish().status, DecodeStatus::kComplete);
}

TEST(ProxyDecoder, EmptyFeedNeedsMore) {
  ProxyDecoder d;
  EXPECT_EQ(d.feed(Bytes{}).status, DecodeStatus::kNeedMore);
}

TEST(ProxyDecoder, AcceptedVersionStillDecodes) {
  ProxyDecoder v1(AcceptedVersions::kV1Only), v2only(AcceptedVersions::kV2Only);
  EXPECT_EQ(v1.feed(from_text("PROXY UNKNOWN\r\n")).status, DecodeStatus::kComplete);
  EXPECT_EQ(v2only.feed(v2(0x20, 0x00, {})).status, DecodeStatus::kComplete);
}

TEST(ProxyDecoder, CopiedHeaderKeepsItsViews) {
  ProxyHeader copy;
  {
    ProxyDecoder d;
    ASSERT_EQ(d.feed(v2(0x21, 0x11, cat({inet_block(), tlv(0x02, "example.com")}))).status,
              DecodeStatus::kComplete);
    copy = d.header();
  }
  EXPECT_EQ(copy.typed().authority, "example.com");
}

}  // namespace
}  // namespace doorman
