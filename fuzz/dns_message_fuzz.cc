// DNS TXT answers (doorman/dns_message.h): decoding any bytes never crashes and reads no more
// than it was given (at most kMaxRecords texts, no more text than input); an answer decoded for
// one ID is refused for any other; and a query we encode for a name taken from the input, once
// marked as an answer (QR), decodes as an empty answer to itself.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string_view>

#include "doorman/dns_message.h"

namespace dns = doorman::dns;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> message(data, size);
  const uint16_t id = size >= 2 ? static_cast<uint16_t>((data[0] << 8) | data[1]) : 0;
  for (std::string_view name : {"_acme-challenge.example.com", "a"}) {
    auto answer = dns::decode_txt_answer(message, name, id);
    if (!answer) continue;
    std::size_t total = 0;
    for (const auto& text : answer->texts) total += text.size();
    if (answer->texts.size() > dns::kMaxRecords || total > size) std::abort();
    auto other = dns::decode_txt_answer(message, name, static_cast<uint16_t>(id + 1));
    if (other || other.error().code != doorman::ErrorCode::kDnsNotTheAnswer) std::abort();
  }
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string_view name = text.substr(0, text.find('\n'));
  auto query = dns::encode_txt_query(name, id);
  if (!query) return 0;
  if (query->size() > 12 + 255 + 4) std::abort();
  if (dns::decode_txt_answer(*query, name, id).error().code != doorman::ErrorCode::kDnsNotTheAnswer)
    std::abort();
  (*query)[2] |= 0x80;  // QR: now an (empty) answer
  auto echoed = dns::decode_txt_answer(*query, name, id);
  if (!echoed || !echoed->texts.empty() || echoed->rcode != 0) std::abort();
  return 0;
}
