// DNS messages for one question: the TXT records of a name, asked of a resolver over UDP and
// read from its answer (RFC 1035 §4). The ACME DNS-01 solver uses it to see its
// `_acme-challenge` record before it lets the CA look (server/acme/dns_lookup.h).
//
// Contract:
// - encode_txt_query(name, id): a standard query (opcode 0, RD = 1) with one question: `name`,
//   type TXT (16), class IN (1). `name` is dot-separated ASCII, one trailing dot allowed; each
//   label 1..63 bytes of printable ASCII other than '.', the encoded name at most 255 bytes
//   (§2.3.4). Errors: kDnsBadName.
// - decode_txt_answer(message, name, id): the answer to exactly that query: the ID, QR = 1,
//   opcode 0, not truncated, and one question echoing `name`, TXT, IN (names compare
//   case-insensitively, §2.3.3). It returns the response code and the TXT records of `name`, or
//   of a name `name` is an alias of through CNAMEs in the answer section (a delegated
//   `_acme-challenge` CNAME is common), each record's character-strings joined. A negative
//   answer (NXDOMAIN, or no TXT) is a value: an empty list with its rcode.
//   Errors: kDnsMalformed (offset: where reading stopped), kDnsNotTheAnswer (a well-formed
//   message that answers something else: ignore it and keep waiting), kDnsTruncated (TC set:
//   the answer did not fit in a datagram).
// - The message is untrusted: every read is bounds-checked, a compression pointer must point
//   before itself (so a name cannot loop), at most kMaxRecords answer records are read and
//   kMaxAliases CNAMEs followed. Records after the answer section are not read.
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "doorman/result.h"

namespace doorman::dns {

inline constexpr uint16_t kTypeCname = 5;
inline constexpr uint16_t kTypeTxt = 16;
inline constexpr uint16_t kClassIn = 1;
inline constexpr uint8_t kRcodeNxDomain = 3;
// A TXT answer for an ACME name holds a few records; 64 is far beyond any honest answer and
// bounds the work a hostile one can cause.
inline constexpr std::size_t kMaxRecords = 64;
inline constexpr int kMaxAliases = 8;

struct TxtAnswer {
  uint8_t rcode = 0;               // 0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN, ... (§4.1.1)
  std::vector<std::string> texts;  // one per TXT record, its character-strings joined
};

Result<std::vector<uint8_t>> encode_txt_query(std::string_view name, uint16_t id);
Result<TxtAnswer> decode_txt_answer(std::span<const uint8_t> message, std::string_view name,
                                    uint16_t id);

}  // namespace doorman::dns
