#include "doorman/ranges_body.h"

#include <nlohmann/json.hpp>
#include <vector>

namespace doorman {
namespace {

using nlohmann::json;

// Appends every string of `object[key]` to `out`; the key must be an array of strings (or absent
// when `required` is false).
std::expected<void, std::string> collect(const json& object, const char* key, bool required,
                                         std::vector<Cidr>& out) {
  auto it = object.find(key);
  if (it == object.end()) {
    if (required) return std::unexpected(std::string("missing \"") + key + "\"");
    return {};
  }
  if (!it->is_array()) return std::unexpected(std::string("\"") + key + "\" is not an array");
  std::size_t index = 0;
  for (const json& item : *it) {
    const std::string where = std::string(key) + "[" + std::to_string(index++) + "]";
    if (!item.is_string()) return std::unexpected(where + ": not a string");
    const std::string& text = item.get_ref<const std::string&>();
    auto cidr = parse_cidr(text);
    if (!cidr)
      return std::unexpected(where + ": '" + text +
                             "': " + std::string(error_code_name(cidr.error().code)));
    out.push_back(*cidr);
  }
  return {};
}

std::expected<RangesBody, std::string> parse_json(std::string_view body) {
  const json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return std::unexpected(std::string("invalid JSON"));
  if (!doc.is_object()) return std::unexpected(std::string("JSON body is not an object"));
  RangesBody out;
  std::vector<Cidr> cidrs;
  if (auto result = doc.find("result"); result != doc.end()) {
    out.format = "cloudflare-json";
    auto success = doc.find("success");
    if (success == doc.end() || !success->is_boolean() || !success->get<bool>()) {
      std::string why = "Cloudflare API answered success != true";
      auto errors = doc.find("errors");
      if (errors != doc.end() && errors->is_array() && !errors->empty() &&
          errors->front().is_object()) {
        auto message = errors->front().find("message");
        if (message != errors->front().end() && message->is_string())
          why += ": " + message->get<std::string>();
      }
      return std::unexpected(why);
    }
    if (!result->is_object()) return std::unexpected(std::string("\"result\" is not an object"));
    if (auto r = collect(*result, "ipv4_cidrs", true, cidrs); !r) return std::unexpected(r.error());
    if (auto r = collect(*result, "ipv6_cidrs", true, cidrs); !r) return std::unexpected(r.error());
    if (auto etag = result->find("etag"); etag != result->end() && etag->is_string())
      out.body_etag = etag->get<std::string>();
  } else if (doc.contains("addresses")) {
    out.format = "fastly-json";
    if (auto r = collect(doc, "addresses", true, cidrs); !r) return std::unexpected(r.error());
    if (auto r = collect(doc, "ipv6_addresses", false, cidrs); !r)
      return std::unexpected(r.error());
  } else {
    return std::unexpected(
        std::string("JSON body has neither \"result\" (Cloudflare) nor \"addresses\" (Fastly)"));
  }
  out.set = CidrSet(cidrs);
  return out;
}

}  // namespace

std::expected<RangesBody, std::string> parse_ranges_body(std::string_view body) {
  const std::size_t first = body.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && body[first] == '{') return parse_json(body);
  // Anything else (an HTML error page, binary junk) fails here with the line and column.
  auto parsed = parse_cidr_list(body);
  if (!parsed) return std::unexpected("text list: " + parsed.error().to_string());
  return RangesBody{std::move(*parsed), "text", ""};
}

}  // namespace doorman
