#include "builtin/echo.h"

#include <nlohmann/json.hpp>
#include <string>

#include "builtin/proxy_json.h"
#include "runtime/reply.h"
#include "upstream/request_body.h"

namespace doorman::builtin {

using runtime::kNoThrow;

namespace {

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

// The JSON body for what the app received (`wire`, parsed as `head`).
std::string describe(const runtime::Session& s, const request_path::Exchange& x,
                     const RequestHead& head) {
  nlohmann::ordered_json j;
  j["method"] = head.method;
  j["path"] = head.target;
  j["version"] = http_version_text(head.version);
  nlohmann::ordered_json headers = nlohmann::ordered_json::object();
  nlohmann::ordered_json lines = nlohmann::ordered_json::array();
  for (const HeaderField& f : head.headers()) {
    const std::string key = lowercase(f.name);
    if (headers.contains(key))
      headers[key] = headers[key].get<std::string>() + ", " + std::string(f.value);
    else
      headers[key] = f.value;
    lines.push_back({f.name, f.value});
  }
  j["headers"] = std::move(headers);
  j["header_lines"] = std::move(lines);
  const ClientIpDecision& id = x.identity;
  j["client_ip"] = id.client_ip ? id.client_ip->to_string() : std::string();
  j["client_ip_source"] = client_ip_source_name(id.source);
  j["client_ip_reason"] = client_ip_reason_name(id.reason);
  j["peer"] = s.unix_listener ? std::string("unix") : s.peer.to_string();
  j["route"] = x.route->name;
  j["request_id"] = std::string_view(x.request_id.data(), x.request_id.size());
  j["body_bytes"] = x.bytes_in;
  j["proxy_protocol"] = proxy_header_json(s);  // null without a PROXY header
  // Replace invalid UTF-8 (header bytes are opaque obs-text) instead of throwing.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace

asio::awaitable<void> serve_echo(runtime::Session& s, request_path::Exchange& x) {
  // What goes on the wire to an app, byte for byte.
  std::string wire;
  wire.reserve(s.ws->request_pieces.size());
  for (std::string_view piece : s.ws->request_pieces.pieces()) wire += piece;
  RequestHeadParser parser(
      RequestParseOptions{.max_head_size = wire.size() + 1, .max_target_length = wire.size() + 1});
  const HeadProgress parsed = parser.parse(wire);
  if (!parsed.complete()) {
    x.reason = Reason::kInternal;  // doorman wrote a head its own parser rejects: a bug
    x.reason_detail = error_code_name(parsed.error.code);
    co_return;
  }
  const upstream::SendStatus body = co_await upstream::send_request(s, x, nullptr);
  if (body != upstream::SendStatus::kOk) {
    x.keep_alive = false;
    if (body == upstream::SendStatus::kBodyInvalid) x.reason = Reason::kBadRequestBody;
    if (body == upstream::SendStatus::kBodyTooLarge) x.reason = Reason::kBodyTooLarge;
    co_return;
  }
  const std::string json = describe(s, x, parser.head());
  if (s.closing) x.keep_alive = false;
  std::string response = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ";
  response += std::to_string(json.size());
  response += "\r\nCache-Control: no-store\r\n";
  if (!x.keep_alive) response += "Connection: close\r\n";
  if (x.keep_alive && x.version == HttpVersion::k10) response += "Connection: keep-alive\r\n";
  response += x.rate_limit.fields_view();  // RateLimit-Policy / RateLimit on a limited route
  response += "\r\n";
  if (!x.head_request) response += json;
  x.status = 200;
  auto [ec, n] = co_await asio::async_write(s.client, asio::buffer(response), kNoThrow);
  if (ec) x.keep_alive = false;
  x.bytes_out = x.head_request ? 0 : json.size();
}

}  // namespace doorman::builtin
