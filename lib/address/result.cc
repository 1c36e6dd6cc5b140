#include "doorman/result.h"

namespace doorman {

std::string_view error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kEmpty:
      return "empty";
    case ErrorCode::kInvalidAddress:
      return "invalid_address";
    case ErrorCode::kLeadingZero:
      return "leading_zero";
    case ErrorCode::kZoneNotAllowed:
      return "zone_not_allowed";
    case ErrorCode::kInvalidPrefix:
      return "invalid_prefix";
    case ErrorCode::kHostBitsSet:
      return "host_bits_set";
    case ErrorCode::kInvalidPort:
      return "invalid_port";
    case ErrorCode::kUnspecifiedAddress:
      return "unspecified_address";
    case ErrorCode::kTooManyElements:
      return "too_many_elements";
    case ErrorCode::kMultipleHeaderLines:
      return "multiple_header_lines";
    case ErrorCode::kNotASingleAddress:
      return "not_a_single_address";
    case ErrorCode::kUnparsableElement:
      return "unparsable_element";
    case ErrorCode::kForwardedSyntax:
      return "forwarded_syntax";
    case ErrorCode::kDuplicateParameter:
      return "duplicate_parameter";
    case ErrorCode::kNotProxy:
      return "not_proxy";
    case ErrorCode::kProxyInvalid:
      return "invalid";
    case ErrorCode::kProxyTooLong:
      return "too_long";
    case ErrorCode::kProxyTooLarge:
      return "too_large";
    case ErrorCode::kProxyIncomplete:
      return "incomplete";
    case ErrorCode::kProxyCrcMismatch:
      return "crc_mismatch";
    case ErrorCode::kProxyTimeout:
      return "timeout";
    case ErrorCode::kHttpBadRequest:
      return "bad_request";
    case ErrorCode::kHttpUriTooLong:
      return "uri_too_long";
    case ErrorCode::kHttpHeadersTooLarge:
      return "headers_too_large";
    case ErrorCode::kHttpNotImplemented:
      return "not_implemented";
    case ErrorCode::kHttpBadContentLength:
      return "bad_content_length";
    case ErrorCode::kHttpAmbiguousLength:
      return "ambiguous_length";
    case ErrorCode::kHttpBadChunk:
      return "bad_chunk";
    case ErrorCode::kHttpBadVersion:
      return "bad_version";
    case ErrorCode::kHttpBadResponse:
      return "bad_response";
    case ErrorCode::kInvalidValue:
      return "invalid_value";
    case ErrorCode::kDnsBadName:
      return "dns_bad_name";
    case ErrorCode::kDnsMalformed:
      return "dns_malformed";
    case ErrorCode::kDnsNotTheAnswer:
      return "dns_not_the_answer";
    case ErrorCode::kDnsTruncated:
      return "dns_truncated";
  }
  return "unknown";
}

}  // namespace doorman
