// header_line_value(): a raw header line's value by case-insensitive name, without the line end
// and OWS; every other line (another name, a status line, a blank line, a name that only looks
// alike) is nullopt.
#include "doorman/header_field.h"

#include <gtest/gtest.h>

#include <optional>
#include <string_view>

namespace doorman {
namespace {

struct LineCase {
  std::string_view line;
  std::string_view name;
  std::optional<std::string_view> value;
};

class HeaderLineValue : public ::testing::TestWithParam<LineCase> {};

TEST_P(HeaderLineValue, Table) {
  const LineCase& c = GetParam();
  EXPECT_EQ(header_line_value(c.line, c.name), c.value) << c.line;
}

INSTANTIATE_TEST_SUITE_P(
    Lines, HeaderLineValue,
    ::testing::Values(LineCase{"ETag: \"abc\"\r\n", "etag", "\"abc\""},
                      LineCase{"etag:\"abc\"\n", "etag", "\"abc\""},           // no OWS, LF only
                      LineCase{"ETAG: \t W/\"x\" \t\r\n", "etag", "W/\"x\""},  // OWS both sides
                      LineCase{"CF-Ray: 8c1d-AMS\r\n", "cf-ray", "8c1d-AMS"},
                      LineCase{"Server: cloudflare", "server", "cloudflare"},  // no line end at all
                      LineCase{"ETag:\r\n", "etag", ""},                       // empty value
                      LineCase{"ETag: a b\r\n", "etag", "a b"},                // inner spaces kept
                      LineCase{"ETags: x\r\n", "etag", std::nullopt},          // a longer name
                      LineCase{"ETa: x\r\n", "etag", std::nullopt},            // a shorter one
                      LineCase{"ETag : x\r\n", "etag", std::nullopt},      // space before the colon
                      LineCase{"cf\rray: x\r\n", "cf-ray", std::nullopt},  // '\r' | 0x20 is '-'
                      LineCase{"cf_ray: x\r\n", "cf-ray", std::nullopt},   // no alias folding
                      LineCase{"HTTP/1.1 200 OK\r\n", "etag", std::nullopt},  // a status line
                      LineCase{"\r\n", "etag", std::nullopt},                 // the blank line
                      LineCase{"etag", "etag", std::nullopt}));               // no colon

TEST(HeaderLineValue, WorksAtCompileTime) {
  static_assert(header_line_value("ETag: x\r\n", "etag") == std::optional<std::string_view>("x"));
  static_assert(!header_line_value("Etag2: x", "etag"));
}

}  // namespace
}  // namespace doorman
