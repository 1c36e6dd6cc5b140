#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "doorman/forwarded_headers.h"

namespace doorman {
namespace {

// --- One element -----------------------------------------------------------------------------

struct ElementCase {
  std::string name;
  std::string element;
  std::string address;  // empty: unparsable
  uint16_t port = 0;
  ErrorCode error = ErrorCode::kUnparsableElement;
  std::string proto = "";  // "", "http", "https"
};

class ForwardedElement : public ::testing::TestWithParam<ElementCase> {};

TEST_P(ForwardedElement, ForValueIsTheAddress) {
  const ElementCase& c = GetParam();
  const ForwardingElement e = parse_forwarded_element(c.element);
  EXPECT_EQ(e.text, c.element);
  if (c.address.empty()) {
    ASSERT_FALSE(e.node.has_value()) << c.element << " gave " << e.node->address.to_string();
    EXPECT_EQ(error_code_name(e.node.error().code), error_code_name(c.error));
  } else {
    ASSERT_TRUE(e.node.has_value()) << c.element << ": " << error_code_name(e.node.error().code);
    EXPECT_EQ(e.node->address.to_string(), c.address);
    EXPECT_EQ(e.node->port, c.port);
  }
  EXPECT_EQ(e.proto ? std::string(scheme_name(*e.proto)) : "", c.proto);
}

const ElementCase kElementCases[] = {
    {"V4Token", "for=192.0.2.60", "192.0.2.60"},
    {"V4Quoted", "for=\"192.0.2.60\"", "192.0.2.60"},
    {"V4QuotedWithPort", "for=\"192.0.2.60:8080\"", "192.0.2.60", 8080},
    {"V4QuotedBadPort", "for=\"192.0.2.60:0\"", "", 0, ErrorCode::kInvalidPort},
    // RFC 7239 §6.3: an obfuscated port hides the port, not the address.
    {"V4ObfuscatedPort", "for=\"192.0.2.60:_abc\"", "192.0.2.60"},
    {"V4ObfuscatedPortEveryCharacter", "for=\"192.0.2.60:_A.b_c-9\"", "192.0.2.60"},
    {"V6ObfuscatedPort", "for=\"[2001:db8:cafe::17]:_p1\"", "2001:db8:cafe::17"},
    {"V6MappedObfuscatedPort", "for=\"[::ffff:192.0.2.1]:_x\"", "192.0.2.1"},
    {"ObfuscatedPortBadCharacter", "for=\"192.0.2.60:_a/b\"", "", 0, ErrorCode::kInvalidPort},
    {"ObfuscatedPortUnderscoreOnly", "for=\"192.0.2.60:_\"", "", 0, ErrorCode::kInvalidPort},
    {"ObfuscatedPortOnUnbracketedV6", "for=\"2001:db8::1:_p\"", ""},
    {"ObfuscatedPortOnV4InBrackets", "for=\"[192.0.2.1]:_p\"", ""},
    {"ObfuscatedPortOnHiddenNode", "for=\"_hidden:_p1\"", ""},
    {"ObfuscatedPortOnUnknown", "for=\"unknown:_p1\"", ""},
    {"ObfuscatedPortWithZone", "for=\"[fe80::1%25eth0]:_p\"", "", 0, ErrorCode::kZoneNotAllowed},
    {"ObfuscatedPortOnUnspecified", "for=\"0.0.0.0:_p\"", "", 0, ErrorCode::kUnspecifiedAddress},
    {"V4LeadingZero", "for=192.0.2.060", "", 0, ErrorCode::kLeadingZero},
    {"V4Unspecified", "for=0.0.0.0", "", 0, ErrorCode::kUnspecifiedAddress},
    {"V6QuotedBracketed", "for=\"[2001:db8:cafe::17]\"", "2001:db8:cafe::17"},
    {"V6QuotedBracketedPort", "for=\"[2001:db8:cafe::17]:4711\"", "2001:db8:cafe::17", 4711},
    {"V6QuotedUnbracketed", "for=\"2001:db8:cafe::17\"", ""},
    {"V6Unspecified", "for=\"[::]\"", "", 0, ErrorCode::kUnspecifiedAddress},
    {"V6Zone", "for=\"[fe80::1%25eth0]\"", "", 0, ErrorCode::kZoneNotAllowed},
    {"V6MappedIsV4", "for=\"[::ffff:192.0.2.1]\"", "192.0.2.1"},
    {"V4InBrackets", "for=\"[192.0.2.1]\"", ""},
    {"Unknown", "for=unknown", ""},
    {"UnknownQuoted", "for=\"unknown\"", ""},
    // Obfuscated node names and "unknown" are valid nodes (RFC 7239 §6.2, §6.3) naming no address.
    {"ObfuscatedIdentifier", "for=_hidden", ""},
    {"ObfuscatedIdentifierWithProto", "for=_hidden;proto=https", "", 0,
     ErrorCode::kUnparsableElement, "https"},
    {"ObfuscatedQuoted", "for=\"_SEVKISEK\"", ""},
    {"Hostname", "for=client.example", ""},
    {"NameUppercase", "FOR=192.0.2.1", "192.0.2.1"},
    {"NameMixedCase", "For=192.0.2.1;PROTO=https", "192.0.2.1", 0, ErrorCode::kUnparsableElement,
     "https"},
    {"EscapedCharacters", "for=\"\\192.0.2.\\1\"", "192.0.2.1"},
    {"EscapedBracketV6", "for=\"\\[2001:db8::1\\]\"", "2001:db8::1"},
    {"EscapedQuoteIsNotAddress", "for=\"192.0.2.1\\\"\"", ""},
    {"DuplicateFor", "for=192.0.2.1;for=198.51.100.1", "", 0, ErrorCode::kDuplicateParameter},
    {"DuplicateForDifferentCase", "for=192.0.2.1;FOR=192.0.2.1", "", 0,
     ErrorCode::kDuplicateParameter},
    {"DuplicateProto", "for=192.0.2.1;proto=http;proto=https", "", 0,
     ErrorCode::kDuplicateParameter},
    {"NoFor", "proto=https;by=192.0.2.9", ""},
    {"EmptyPairsAllowed", ";for=192.0.2.1;;", "192.0.2.1"},
    {"AllParameters", "for=192.0.2.1;by=203.0.113.43;host=example.com;proto=http", "192.0.2.1", 0,
     ErrorCode::kUnparsableElement, "http"},
    {"ExtensionParameterIgnored", "for=192.0.2.1;secret=abc;secret=def", "192.0.2.1"},
    {"QuotedProto", "for=192.0.2.1;proto=\"HTTPS\"", "192.0.2.1", 0, ErrorCode::kUnparsableElement,
     "https"},
    {"OtherProtoIgnored", "for=192.0.2.1;proto=ws", "192.0.2.1"},
    {"SpacesAroundSemicolon", "for=192.0.2.1 ; proto=https", "192.0.2.1", 0,
     ErrorCode::kUnparsableElement, "https"},
    {"UnquotedV6DoesNotTokenize", "for=2001:db8::1", "", 0, ErrorCode::kForwardedSyntax},
    {"UnquotedPortDoesNotTokenize", "for=192.0.2.1:80", "", 0, ErrorCode::kForwardedSyntax},
    {"SpaceAroundEquals", "for = 192.0.2.1", "", 0, ErrorCode::kForwardedSyntax},
    {"EmptyValue", "for=", "", 0, ErrorCode::kForwardedSyntax},
    {"LongQuotedValue", "for=\"" + std::string(80, '1') + "\"", ""},
};

INSTANTIATE_TEST_SUITE_P(Cases, ForwardedElement, ::testing::ValuesIn(kElementCases),
                         [](const auto& info) { return info.param.name; });

// --- Lines and the reader ----------------------------------------------------------------------

struct LineCase {
  std::string name;
  std::vector<std::string> lines;
  std::vector<std::string> right_to_left;  // addresses; "!code" for an unparsable element
};

class ForwardedLines : public ::testing::TestWithParam<LineCase> {};

TEST_P(ForwardedLines, EachLineTokenizedOnItsOwn) {
  const LineCase& c = GetParam();
  std::vector<HeaderField> fields;
  for (const std::string& line : c.lines) fields.push_back({"forwarded", line});
  ForwardedReverseReader reader(HeaderLines(fields, kForwardedHeader));
  std::vector<std::string> got;
  while (auto e = reader.next()) {
    got.push_back(e->node ? e->node->address.to_string()
                          : "!" + std::string(error_code_name(e->node.error().code)));
  }
  EXPECT_EQ(got, c.right_to_left);
}

const LineCase kLineCases[] = {
    {"Rfc7239Example",
     {"for=192.0.2.43, for=198.51.100.17;by=203.0.113.60;proto=http"},
     {"198.51.100.17", "192.0.2.43"}},
    {"TwoLinesInOrder", {"for=192.0.2.1", "for=\"[2001:db8::1]\""}, {"2001:db8::1", "192.0.2.1"}},
    {"CommaInsideQuotesIsNotASeparator",
     {"for=\"192.0.2.1,198.51.100.1\""},
     {"!unparsable_element"}},
    {"EmptyElementsSkipped", {" , for=192.0.2.1 ,, for=192.0.2.2 ,"}, {"192.0.2.2", "192.0.2.1"}},
    {"UnterminatedQuoteMakesLineOneElement",
     {"for=192.0.2.1, for=\"192.0.2.2"},
     {"!forwarded_syntax"}},
    // A reflected value closing a quote early: a lenient comma split would see for=203.0.113.9.
    {"ReflectedInjectionDoesNotTokenize",
     {"for=198.51.100.7;host=\"a\"b\", for=203.0.113.9"},
     {"!forwarded_syntax"}},
    {"ObfuscatedPortsInAList",
     {"for=\"192.0.2.43:_a1\", for=\"[2001:db8::17]:_b2\";proto=https, for=_hidden"},
     {"!unparsable_element", "2001:db8::17", "192.0.2.43"}},
    {"BadLineDoesNotSpoilOtherLines",
     {"for=192.0.2.1", "for=[2001:db8::1]", "for=192.0.2.3"},
     {"192.0.2.3", "!forwarded_syntax", "192.0.2.1"}},
    {"UnquotedV6LineIsUnparsable", {"for=2001:db8::1, for=192.0.2.1"}, {"!forwarded_syntax"}},
    {"ControlCharacterInQuotes", {std::string("for=\"192.0.2.1\x01\"")}, {"!forwarded_syntax"}},
    {"TrailingBackslashInQuotes", {"for=\"192.0.2.1\\"}, {"!forwarded_syntax"}},
    {"GarbageBetweenElements", {"for=192.0.2.1 x, for=192.0.2.2"}, {"!forwarded_syntax"}},
    {"ObfuscatedInList",
     {"for=192.0.2.1, for=_hidden, for=192.0.2.3"},
     {"192.0.2.3", "!unparsable_element", "192.0.2.1"}},
    {"BareSemicolonElement", {"for=192.0.2.1, ;"}, {"!unparsable_element", "192.0.2.1"}},
};

INSTANTIATE_TEST_SUITE_P(Cases, ForwardedLines, ::testing::ValuesIn(kLineCases),
                         [](const auto& info) { return info.param.name; });

TEST(ForwardedLines, LongLineYieldsTheCapThenTooManyElements) {
  std::string line;
  for (int i = 0; i < 100; ++i)
    line += (i ? ", for=192.0.2." : "for=192.0.2.") + std::to_string(i + 1);
  const std::string_view values[] = {line};
  ForwardedReverseReader reader{HeaderLines(std::span<const std::string_view>(values))};
  for (std::size_t i = 0; i < kMaxForwardingElements; ++i) {
    auto e = reader.next();
    ASSERT_TRUE(e && e->node);
    EXPECT_EQ(e->node->address.to_string(), "192.0.2." + std::to_string(100 - i));
  }
  auto rest = reader.next();
  ASSERT_TRUE(rest.has_value());
  ASSERT_FALSE(rest->node.has_value());
  EXPECT_EQ(rest->node.error().code, ErrorCode::kTooManyElements);
  EXPECT_FALSE(reader.next().has_value());
}

TEST(ForwardedLines, CountElements) {
  EXPECT_EQ(count_forwarded_elements("for=192.0.2.1, for=192.0.2.2;proto=https").value(), 2u);
  EXPECT_EQ(count_forwarded_elements("").value(), 0u);
  EXPECT_EQ(count_forwarded_elements("for=\"x").error().code, ErrorCode::kForwardedSyntax);
  EXPECT_EQ(count_forwarded_elements("for=a b").error().offset, 6u);
}

}  // namespace
}  // namespace doorman
