// The encoder: exact bytes for the common headers, its refusals, and decode(encode(h)) == h.
#include "doorman/proxy_protocol_encoder.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "proxy_test_util.h"

namespace doorman {
namespace {

using testing::from_hex;
using testing::to_hex;

Endpoint ep(std::string_view ip, uint16_t port) {
  return {*IpAddress::parse(ip), port};
}

std::string encoded_text(const ProxyHeaderFields& f) {
  auto bytes = encode_proxy_header(f);
  if (!bytes) return std::string("error:") + std::string(error_code_name(bytes.error().code));
  return std::string(bytes->begin(), bytes->end());
}

std::string encoded_hex(const ProxyHeaderFields& f) {
  auto bytes = encode_proxy_header(f);
  if (!bytes) return std::string("error:") + std::string(error_code_name(bytes.error().code));
  return to_hex(*bytes);
}

TEST(ProxyEncoder, V1Tcp4IsTheSpecExample) {
  ProxyHeaderFields f{.version = ProxyVersion::kV1,
                      .source = ep("192.168.0.1", 56324),
                      .destination = ep("192.168.0.11", 443)};
  EXPECT_EQ(encoded_text(f), "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n");
}

TEST(ProxyEncoder, V1Tcp6UsesRfc5952Text) {
  ProxyHeaderFields f{.version = ProxyVersion::kV1,
                      .source = ep("2001:DB8:0:0:0:0:0:1", 1),
                      .destination = ep("::1", 65535)};
  EXPECT_EQ(encoded_text(f), "PROXY TCP6 2001:db8::1 ::1 1 65535\r\n");
}

TEST(ProxyEncoder, V1MixedFamiliesGoOutAsTcp6WithMappedIpv4) {
  ProxyHeaderFields f{.version = ProxyVersion::kV1,
                      .source = ep("192.0.2.1", 80),
                      .destination = ep("2001:db8::1", 443)};
  EXPECT_EQ(encoded_text(f), "PROXY TCP6 ::ffff:192.0.2.1 2001:db8::1 80 443\r\n");
}

TEST(ProxyEncoder, V2Tcp4) {
  ProxyHeaderFields f{.source = ep("192.0.2.1", 56324), .destination = ep("198.51.100.11", 443)};
  EXPECT_EQ(encoded_hex(f),
            "0d0a0d0a000d0a515549540a"
            "2111000c"
            "c0000201c633640bdc0401bb");
}

TEST(ProxyEncoder, V2Tcp6WithAlpn) {
  ProxyHeaderFields f{
      .source = ep("2001:db8::1", 56324), .destination = ep("2001:db8::11", 443), .alpn = "h2"};
  EXPECT_EQ(encoded_hex(f),
            "0d0a0d0a000d0a515549540a"
            "21210029"
            "20010db8000000000000000000000001"
            "20010db8000000000000000000000011"
            "dc0401bb"
            "0100026832");
}

TEST(ProxyEncoder, V2LocalHasNoAddressBlock) {
  ProxyHeaderFields f{.command = ProxyCommand::kLocal};
  EXPECT_EQ(encoded_hex(f),
            "0d0a0d0a000d0a515549540a"
            "20000000");
}

TEST(ProxyEncoder, V2SslNestsItsSubTlvs) {
  ProxyHeaderFields f{.source = ep("192.0.2.1", 1),
                      .destination = ep("192.0.2.2", 2),
                      .ssl = SslTlv{.client = pp2::kClientSsl, .verify = 0, .version = "TLSv1.3"}};
  EXPECT_EQ(encoded_hex(f),
            "0d0a0d0a000d0a515549540a"
            "2111001e"
            "c0000201c000020200010002"
            "20000f"
            "0100000000"
            "21000754"
            "4c5376312e33");
}

TEST(ProxyEncoder, Crc32cIsLastAndVerifies) {
  ProxyHeaderFields f{.source = ep("192.0.2.1", 1),
                      .destination = ep("192.0.2.2", 2),
                      .authority = "example.com",
                      .crc32c = true};
  auto bytes = encode_proxy_header(f);
  ASSERT_TRUE(bytes.has_value());
  EXPECT_EQ(to_hex(std::span(*bytes).subspan(bytes->size() - 7, 3)), "030004");
  ProxyDecoder d;
  ASSERT_EQ(d.feed(*bytes).status, DecodeStatus::kComplete);
  EXPECT_EQ(d.header().crc32c(), CrcStatus::kVerified);
}

TEST(ProxyEncoder, Refusals) {
  const Endpoint a = ep("192.0.2.1", 1), b = ep("192.0.2.2", 2);
  struct Case {
    const char* name;
    ProxyHeaderFields fields;
    ErrorCode code;
  };
  const std::string big(600, 'a');
  const std::string id129(129, 'u');
  const Case cases[] = {
      {"V1Local",
       {.version = ProxyVersion::kV1, .command = ProxyCommand::kLocal},
       ErrorCode::kInvalidValue},
      {"V1WithAlpn",
       {.version = ProxyVersion::kV1, .source = a, .destination = b, .alpn = "h2"},
       ErrorCode::kInvalidValue},
      {"V1WithCrc",
       {.version = ProxyVersion::kV1, .source = a, .destination = b, .crc32c = true},
       ErrorCode::kInvalidValue},
      {"UniqueIdOver128",
       {.source = a, .destination = b, .unique_id = id129},
       ErrorCode::kInvalidValue},
      {"OverTheCap", {.source = a, .destination = b, .authority = big}, ErrorCode::kProxyTooLarge},
  };
  for (const Case& c : cases) {
    auto r = encode_proxy_header(c.fields);
    ASSERT_FALSE(r.has_value()) << c.name;
    EXPECT_EQ(r.error().code, c.code) << c.name;
  }
}

TEST(ProxyEncoder, ExactlyAtTheCap) {
  // 12 address bytes + 3 TLV header bytes + 521 value bytes = 536.
  const std::string authority(521, 'a');
  ProxyHeaderFields f{
      .source = ep("192.0.2.1", 1), .destination = ep("192.0.2.2", 2), .authority = authority};
  auto bytes = encode_proxy_header(f);
  ASSERT_TRUE(bytes.has_value());
  EXPECT_EQ(bytes->size(), ProxyHeader::kMaxHeaderSize);
  ProxyDecoder d;
  EXPECT_EQ(d.feed(*bytes).status, DecodeStatus::kComplete);
}

// decode(encode(h)) == h over random headers (the seed is fixed: deterministic).
class RandomFields {
 public:
  explicit RandomFields(uint32_t seed) : rng_(seed) {}

  ProxyHeaderFields next() {
    strings_.clear();
    strings_.reserve(16);  // views below point into these
    ProxyHeaderFields f;
    f.version = coin() ? ProxyVersion::kV1 : ProxyVersion::kV2;
    const bool v2 = f.version == ProxyVersion::kV2;
    f.command = v2 && pick(4) == 0 ? ProxyCommand::kLocal : ProxyCommand::kProxy;
    if (f.command == ProxyCommand::kProxy) {
      f.source = {address(), static_cast<uint16_t>(pick(65536))};
      f.destination = {address(), static_cast<uint16_t>(pick(65536))};
    }
    if (!v2) return f;
    if (coin()) f.alpn = text(20);
    if (coin()) f.authority = text(100);
    if (coin()) f.unique_id = text(128);
    if (coin()) {
      SslTlv s{.client = static_cast<uint8_t>(pick(8)), .verify = static_cast<uint32_t>(rng_())};
      for (auto* field : {&s.version, &s.cn, &s.cipher, &s.sig_alg, &s.key_alg, &s.group,
                          &s.sig_scheme, &s.client_cert}) {
        if (coin()) *field = text(40);
      }
      f.ssl = s;
    }
    f.crc32c = coin();
    return f;
  }

 private:
  bool coin() { return rng_() & 1; }
  uint32_t pick(uint32_t n) { return rng_() % n; }
  IpAddress address() {
    std::array<uint8_t, 16> b{};
    for (auto& x : b) x = static_cast<uint8_t>(rng_());
    if (coin()) return IpAddress::from_v4(rng_());
    return IpAddress::from_v6(b);
  }
  std::string_view text(uint32_t max) {
    std::string s(pick(max + 1), '\0');
    for (char& c : s) c = static_cast<char>(rng_());  // any bytes, NUL included
    strings_.push_back(std::move(s));
    return strings_.back();
  }

  std::mt19937 rng_;
  std::vector<std::string> strings_;
};

TEST(ProxyEncoder, DecodeOfEncodeIsIdentityOnRandomHeaders) {
  RandomFields gen(20261123);
  int encoded = 0;
  for (int i = 0; i < 5000; ++i) {
    const ProxyHeaderFields f = gen.next();
    auto bytes = encode_proxy_header(f);
    if (!bytes) {
      // The only refusal random fields can hit is the size cap.
      ASSERT_EQ(bytes.error().code, ErrorCode::kProxyTooLarge);
      continue;
    }
    ++encoded;
    ProxyDecoder d;
    const DecodeStep step = d.feed(*bytes);
    ASSERT_EQ(step.status, DecodeStatus::kComplete) << to_hex(*bytes);
    ASSERT_EQ(step.consumed, bytes->size());
    ASSERT_TRUE(proxy_header_matches(d.header(), f)) << to_hex(*bytes);
  }
  EXPECT_GT(encoded, 4000);
}

}  // namespace
}  // namespace doorman
