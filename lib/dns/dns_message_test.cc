#include "doorman/dns_message.h"

#include <gtest/gtest.h>

#include <initializer_list>

namespace doorman::dns {
namespace {

using Bytes = std::vector<uint8_t>;
constexpr uint16_t kId = 0xBEEF;
constexpr std::string_view kName = "_acme-challenge.example.com";

Bytes operator+(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

Bytes wire_name(std::string_view name) {
  Bytes out;
  std::size_t start = 0;
  while (start < name.size()) {
    std::size_t dot = name.find('.', start);
    if (dot == std::string_view::npos) dot = name.size();
    out.push_back(static_cast<uint8_t>(dot - start));
    out.insert(out.end(), name.begin() + start, name.begin() + dot);
    start = dot + 1;
  }
  out.push_back(0);
  return out;
}

Bytes u16(uint16_t v) {
  return {static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)};
}

// Header: ID, flags (QR, RD, RA + rcode), one question, `answers` answers.
Bytes header(uint16_t answers, uint16_t flags = 0x8180, uint16_t id = kId) {
  return u16(id) + u16(flags) + u16(1) + u16(answers) + u16(0) + u16(0);
}

Bytes question(std::string_view name = kName, uint16_t type = kTypeTxt) {
  return wire_name(name) + u16(type) + u16(kClassIn);
}

Bytes strings(std::initializer_list<std::string_view> parts) {
  Bytes out;
  for (std::string_view p : parts) {
    out.push_back(static_cast<uint8_t>(p.size()));
    out.insert(out.end(), p.begin(), p.end());
  }
  return out;
}

// An answer record: owner (wire form), type, class IN, TTL 60, RDATA.
Bytes record(const Bytes& owner, uint16_t type, const Bytes& rdata) {
  return owner + u16(type) + u16(kClassIn) + u16(0) + u16(60) +
         u16(static_cast<uint16_t>(rdata.size())) + rdata;
}

const Bytes kPointerToQuestion = {0xC0, 12};

TEST(DnsQuery, EncodesOneTxtQuestionWithRecursionDesired) {
  auto q = encode_txt_query("_acme-challenge.Example.com.", 0x1234);
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(*q, u16(0x1234) + u16(0x0100) + u16(1) + u16(0) + u16(0) + u16(0) +
                    wire_name("_acme-challenge.Example.com") + u16(16) + u16(1));
}

TEST(DnsQuery, RejectsNamesThatCannotBeAsked) {
  const std::string long_label(64, 'a');
  std::string long_name;
  for (int i = 0; i < 5; ++i) long_name += std::string(60, 'b') + ".";
  for (std::string_view bad :
       {std::string_view(""), std::string_view("."), std::string_view("a..b"),
        std::string_view(".a"), std::string_view("a b.com"), std::string_view("a.b.."),
        std::string_view(long_label), std::string_view(long_name)}) {
    auto q = encode_txt_query(bad, 1);
    ASSERT_FALSE(q.has_value()) << bad;
    EXPECT_EQ(q.error().code, ErrorCode::kDnsBadName) << bad;
  }
  EXPECT_TRUE(encode_txt_query(std::string(63, 'a') + ".com", 1).has_value());
}

struct Case {
  const char* what;
  Bytes message;
  std::vector<std::string> texts;  // when it decodes
  uint8_t rcode = 0;
  std::optional<ErrorCode> error = std::nullopt;
};

TEST(DnsAnswer, Table) {
  const Bytes txt = record(kPointerToQuestion, kTypeTxt, strings({"token-value"}));
  const Case cases[] = {
      {"one TXT record", header(1) + question() + txt, {"token-value"}},
      {"the owner written out, in other case",
       header(1) + question() +
           record(wire_name("_ACME-Challenge.EXAMPLE.com"), kTypeTxt, strings({"v"})),
       {"v"}},
      {"character-strings are joined",
       header(1) + question() + record(kPointerToQuestion, kTypeTxt, strings({"abc", "", "def"})),
       {"abcdef"}},
      {"two records",
       header(2) + question() + txt + record(kPointerToQuestion, kTypeTxt, strings({"other"})),
       {"token-value", "other"}},
      {"NXDOMAIN is an answer", header(0, 0x8183) + question(), {}, kRcodeNxDomain},
      {"SERVFAIL is an answer", header(0, 0x8182) + question(), {}, 2},
      {"no records", header(0) + question(), {}},
      {"a TXT of another owner is not ours",
       header(1) + question() + record(wire_name("example.com"), kTypeTxt, strings({"x"})),
       {}},
      {"a CNAME is followed to its target's TXT",
       header(2) + question() +
           record(kPointerToQuestion, kTypeCname, wire_name("x.validation.example.net")) +
           record(wire_name("x.validation.example.net"), kTypeTxt, strings({"delegated"})),
       {"delegated"}},
      {"a CNAME loop ends",
       header(2) + question() + record(kPointerToQuestion, kTypeCname, wire_name("b.example")) +
           record(wire_name("b.example"), kTypeCname, wire_name(kName)),
       {}},
      {"records of other types are skipped",
       header(2) + question() + record(kPointerToQuestion, 1, {127, 0, 0, 1}) + txt,
       {"token-value"}},
      {"a query, not an answer",
       header(0, 0x0100) + question(),
       {},
       0,
       ErrorCode::kDnsNotTheAnswer},
      {"another ID",
       header(1, 0x8180, kId + 1) + question() + txt,
       {},
       0,
       ErrorCode::kDnsNotTheAnswer},
      {"another question", header(0) + question("example.com"), {}, 0, ErrorCode::kDnsNotTheAnswer},
      {"another type", header(0) + question(kName, 1), {}, 0, ErrorCode::kDnsNotTheAnswer},
      {"truncated", header(0, 0x8380) + question(), {}, 0, ErrorCode::kDnsTruncated},
      {"short header", Bytes{0xBE, 0xEF, 0x81}, {}, 0, ErrorCode::kDnsMalformed},
      {"the answer count overstates",
       header(2) + question() + txt,
       {},
       0,
       ErrorCode::kDnsMalformed},
      {"RDLENGTH past the end",
       header(1) + question() + kPointerToQuestion + u16(kTypeTxt) + u16(1) + u16(0) + u16(0) +
           u16(50) + strings({"x"}),
       {},
       0,
       ErrorCode::kDnsMalformed},
      {"a character-string past its RDATA",
       header(1) + question() + kPointerToQuestion + u16(kTypeTxt) + u16(1) + u16(0) + u16(0) +
           u16(2) + Bytes{5, 'a'},
       {},
       0,
       ErrorCode::kDnsMalformed},
      {"empty TXT RDATA",
       header(1) + question() + record(kPointerToQuestion, kTypeTxt, {}),
       {},
       0,
       ErrorCode::kDnsMalformed},
      {"a pointer to itself",
       header(1) + question() + record({0xC0, 45}, kTypeTxt, strings({"x"})),
       {},
       0,
       ErrorCode::kDnsMalformed},
      {"a pointer forward",
       header(1) + question() + record({0xC0, 60}, kTypeTxt, strings({"x"})),
       {},
       0,
       ErrorCode::kDnsMalformed},
      {"a reserved label type",
       header(0) + Bytes{0x40} + u16(16) + u16(1),
       {},
       0,
       ErrorCode::kDnsMalformed},
      {"a label past the end", header(0) + Bytes{20, 'a', 'b'}, {}, 0, ErrorCode::kDnsMalformed},
      {"a CNAME whose name overruns its RDATA",
       header(1) + question() + kPointerToQuestion + u16(kTypeCname) + u16(1) + u16(0) + u16(0) +
           u16(2) + wire_name("a.example"),
       {},
       0,
       ErrorCode::kDnsMalformed},
  };
  for (const Case& c : cases) {
    auto a = decode_txt_answer(c.message, kName, kId);
    if (c.error) {
      ASSERT_FALSE(a.has_value()) << c.what;
      EXPECT_EQ(a.error().code, *c.error) << c.what << ": " << error_code_name(a.error().code);
      continue;
    }
    ASSERT_TRUE(a.has_value()) << c.what << ": " << error_code_name(a.error().code) << " at "
                               << a.error().offset;
    EXPECT_EQ(a->texts, c.texts) << c.what;
    EXPECT_EQ(a->rcode, c.rcode) << c.what;
  }
}

TEST(DnsAnswer, ATrailingDotAndCaseInTheAskedNameDoNotMatter) {
  const Bytes m = header(1) + question() + record(kPointerToQuestion, kTypeTxt, strings({"v"}));
  auto a = decode_txt_answer(m, "_ACME-challenge.example.COM.", kId);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->texts, (std::vector<std::string>{"v"}));
}

TEST(DnsAnswer, OnlyTheFirstRecordsAreRead) {
  Bytes m = header(kMaxRecords + 10) + question();
  for (std::size_t i = 0; i < kMaxRecords + 10; ++i)
    m = m + record(kPointerToQuestion, kTypeTxt, strings({"v"}));
  auto a = decode_txt_answer(m, kName, kId);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->texts.size(), kMaxRecords);
}

TEST(DnsAnswer, OurOwnQueryWithQrSetReadsAsAnEmptyAnswer) {
  auto q = encode_txt_query(kName, kId);
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(decode_txt_answer(*q, kName, kId).error().code, ErrorCode::kDnsNotTheAnswer);
  (*q)[2] |= 0x80;
  auto a = decode_txt_answer(*q, kName, kId);
  ASSERT_TRUE(a.has_value());
  EXPECT_TRUE(a->texts.empty());
}

}  // namespace
}  // namespace doorman::dns
