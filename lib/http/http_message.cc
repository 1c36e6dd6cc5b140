#include "doorman/http_message.h"

namespace doorman {

std::string_view http_version_text(HttpVersion version) {
  return version == HttpVersion::k10 ? "HTTP/1.0" : "HTTP/1.1";
}

int http_status_for(ErrorCode code) {
  switch (code) {
    case ErrorCode::kHttpUriTooLong:
      return 414;
    case ErrorCode::kHttpHeadersTooLarge:
      return 431;
    case ErrorCode::kHttpNotImplemented:
      return 501;
    case ErrorCode::kHttpBadVersion:
      return 505;
    case ErrorCode::kHttpBadResponse:
      return 502;
    default:
      return 400;
  }
}

}  // namespace doorman
