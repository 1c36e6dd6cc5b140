// Properties of the response head parser and plan_response_rewrite on arbitrary bytes:
// no crash; views inside the input; split invariance; the client-facing head parses again
// with the same status and framing and carries no hop-by-hop header except Transfer-Encoding
// (and Connection/Upgrade on a 101). header_line_value() on each raw line agrees with a slow
// oracle (the form libcurl's header callback hands the doctor's probe and the ranges fetch).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "doorman/header_field.h"
#include "doorman/http_response.h"
#include "doorman/http_rewrite.h"

using namespace doorman;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

bool inside(std::string_view view, std::string_view buffer) {
  return view.empty() || (view.data() >= buffer.data() &&
                          view.data() + view.size() <= buffer.data() + buffer.size());
}

// header_line_value() against a plain restatement of its contract.
void check_line_value(std::string_view line, std::string_view name) {
  std::optional<std::string_view> expected;
  bool same_name = line.size() > name.size() && line[name.size()] == ':';
  for (std::size_t i = 0; same_name && i < name.size(); ++i)
    same_name = ascii_lower(line[i]) == ascii_lower(name[i]);
  if (same_name) {
    std::size_t begin = name.size() + 1, end = line.size();
    while (end > begin && (line[end - 1] == '\r' || line[end - 1] == '\n')) --end;
    while (begin < end && (line[begin] == ' ' || line[begin] == '\t')) ++begin;
    while (end > begin && (line[end - 1] == ' ' || line[end - 1] == '\t')) --end;
    expected = line.substr(begin, end - begin);
  }
  const std::optional<std::string_view> got = header_line_value(line, name);
  check(got == expected);
  if (got) check(inside(*got, line));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const Method method = (data[0] & 1) ? Method::kHead : Method::kGet;
  const std::size_t split = data[1] * (size - 2) / 255;
  const std::string input(reinterpret_cast<const char*>(data) + 2, size - 2);
  for (std::string_view rest = input; !rest.empty();) {
    const std::size_t end = std::min(rest.find('\n'), rest.size() - 1) + 1;
    for (std::string_view name : {"etag", "cf-ray", "server"})
      check_line_value(rest.substr(0, end), name);
    rest.remove_prefix(end);
  }
  ResponseParseOptions options;
  options.max_head_size = 4096;

  static ResponseHeadParser whole;
  whole = ResponseHeadParser(options);
  const HeadProgress w = whole.parse(input, method);
  static ResponseHeadParser parts;
  parts = ResponseHeadParser(options);
  const HeadProgress first = parts.parse(std::string_view(input).substr(0, split), method);
  const HeadProgress second = first.need_more() ? parts.parse(input, method) : first;
  check(second.state == w.state);
  if (!w.complete()) return 0;
  check(second.consumed == w.consumed);

  const ResponseHead& h = whole.head();
  check(w.consumed <= input.size());
  check(h.status >= 100 && h.status <= 599);
  check(inside(h.reason, input));
  for (std::size_t i = 0; i < h.header_count; ++i)
    check(inside(h.fields[i].name, input) && inside(h.fields[i].value, input));
  if (method == Method::kHead || h.status < 200 || h.status == 204 || h.status == 304)
    check(h.framing.kind == BodyKind::kNone);
  if (h.framing.kind == BodyKind::kUntilClose) check(!h.keep_alive);

  char scratch[64];
  static HeadPieces pieces;
  check(static_cast<bool>(plan_response_rewrite(h, {}, scratch, pieces)));
  std::string out;
  for (std::string_view p : pieces.pieces()) out.append(p);
  static ResponseHeadParser again;
  again = ResponseHeadParser(options);
  const HeadProgress p = again.parse(out, method);
  if (p.invalid()) check(out.size() > options.max_head_size);  // only a bigger head may fail
  if (!p.complete()) return 0;
  check(again.head().status == h.status);
  check(again.head().framing == h.framing);
  for (std::size_t i = 0; i < again.head().header_count; ++i) {
    const HeaderId id = again.head().ids[i];
    if (has_flag(id, kHopByHop))
      check(id == HeaderId::kTransferEncoding ||
            (h.switching_protocols && (id == HeaderId::kConnection || id == HeaderId::kUpgrade)));
  }
  return 0;
}
