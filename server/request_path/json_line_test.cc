// JsonLine: every line parses as JSON with the values it was given; every byte value is escaped
// or copied as the contract says (whole words and single bytes alike); the string budget keeps
// the line valid and every field present; numbers and milliseconds are exact.
#include "request_path/json_line.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace doorman::request_path {
namespace {

using namespace std::chrono_literals;

nlohmann::json parse(std::string_view line) {
  EXPECT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  return nlohmann::json::parse(line.substr(0, line.size() - 1));
}

// What a JSON reader gets back for bytes written by string(): ASCII as is, every byte >= 0x7f
// as the code point U+00XX (UTF-8 encoded by the reader).
std::string decoded(std::string_view raw) {
  std::string out;
  for (unsigned char c : raw) {
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else {
      out += static_cast<char>(0xc0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3f));
    }
  }
  return out;
}

TEST(JsonLine, FieldsInOrderWithTheirTypes) {
  JsonLine l;
  l.plain(JsonKey{"time"}, "2026-12-06T04:00:00.123Z");
  l.string(JsonKey{"path"}, "/a?b=c");
  l.null(JsonKey{"route"});
  l.number(JsonKey{"status"}, 200);
  l.number(JsonKey{"big"}, UINT64_MAX);
  l.boolean(JsonKey{"yes"}, true);
  l.boolean(JsonKey{"no"}, false);
  const std::string_view line = l.finish();
  EXPECT_EQ(line,
            "{\"time\":\"2026-12-06T04:00:00.123Z\",\"path\":\"/a?b=c\",\"route\":null,"
            "\"status\":200,\"big\":18446744073709551615,\"yes\":true,\"no\":false}\n");
  const auto j = parse(line);
  EXPECT_EQ(j["big"].get<uint64_t>(), UINT64_MAX);
}

TEST(JsonLine, MillisecondsRoundToTheMicrosecond) {
  struct Case {
    std::chrono::nanoseconds d;
    const char* text;
  } cases[] = {
      {0ns, "0.000"},           {499ns, "0.000"},        {500ns, "0.001"},
      {1ms, "1.000"},           {12345678ns, "12.346"},  {1s + 5us, "1000.005"},
      {-3ms, "0.000"},  // a clock that went backwards is not a negative duration
      {3600s, "3600000.000"},
  };
  for (const auto& c : cases) {
    JsonLine l;
    l.millis(JsonKey{"ms"}, c.d);
    EXPECT_EQ(l.finish(), std::string("{\"ms\":") + c.text + "}\n") << c.d.count();
  }
}

TEST(JsonLine, EveryByteValueAtEveryPositionInAWord) {
  // Each byte value, alone and inside runs of plain bytes of every length around an 8-byte
  // word, so both the word path and the byte path see it.
  for (int b = 0; b < 256; ++b) {
    for (std::size_t before = 0; before < 10; ++before) {
      std::string raw(before, 'a');
      raw += static_cast<char>(b);
      raw += "bcdefghij";
      JsonLine l;
      l.string(JsonKey{"v"}, raw);
      const std::string_view line = l.finish();
      for (unsigned char c : line.substr(0, line.size() - 1))
        ASSERT_TRUE(c >= 0x20 && c < 0x7f) << "byte " << b << " left unescaped";
      ASSERT_EQ(parse(line)["v"].get<std::string>(), decoded(raw)) << "byte " << b;
    }
  }
}

TEST(JsonLine, EscapesAsDocumented) {
  JsonLine l;
  l.string(JsonKey{"v"}, std::string_view("q\"b\\n\n\x7f\xff", 8));
  EXPECT_EQ(l.finish(), "{\"v\":\"q\\\"b\\\\n\\u000a\\u007f\\u00ff\"}\n");
}

TEST(JsonLine, StringBudgetKeepsTheLineValidAndEveryField) {
  const std::string huge(5000, 'x');
  const std::string quotes(3000, '"');
  JsonLine l;
  l.string(JsonKey{"a"}, huge);
  l.string(JsonKey{"b"}, quotes);
  l.number(JsonKey{"status"}, 431);
  l.string(JsonKey{"c"}, "late");
  const std::string_view line = l.finish();
  const auto j = parse(line);
  const auto a = j["a"].get<std::string>();
  EXPECT_GE(a.size(), JsonLine::kStringBudget - 16);
  EXPECT_LE(a.size(), JsonLine::kStringBudget + 8);
  EXPECT_EQ(a, huge.substr(0, a.size()));
  EXPECT_EQ(j["b"].get<std::string>(), "");
  EXPECT_EQ(j["status"].get<int>(), 431);
  EXPECT_EQ(j["c"].get<std::string>(), "");
  EXPECT_LT(line.size(), JsonLine::kStringBudget + 200);
}

TEST(JsonLine, PlainValuesAreBounded) {
  JsonLine l;
  l.plain(JsonKey{"v"}, std::string(500, 'z'));
  const auto j = parse(l.finish());
  EXPECT_EQ(j["v"].get<std::string>(), std::string(64, 'z'));
}

}  // namespace
}  // namespace doorman::request_path
