// TXT queries and answers (doorman/dns_message.h).
#include "doorman/dns_message.h"

#include <algorithm>
#include <optional>

namespace doorman::dns {
namespace {

constexpr std::size_t kHeaderSize = 12;
constexpr std::size_t kMaxNameSize = 255;  // the encoded name (RFC 1035 §2.3.4)
constexpr uint16_t kFlagQr = 0x8000;
constexpr uint16_t kFlagTc = 0x0200;
constexpr uint16_t kFlagRd = 0x0100;

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}

// `name` lowercase, without its trailing dot: the form names are compared in.
std::string canonical(std::string_view name) {
  if (name.ends_with('.')) name.remove_suffix(1);
  std::string out(name);
  for (char& c : out) c = lower(c);
  return out;
}

class Reader {
 public:
  explicit Reader(std::span<const uint8_t> message) : m_(message) {}

  bool has(std::size_t at, std::size_t n) const { return at <= m_.size() && n <= m_.size() - at; }
  uint16_t u16(std::size_t at) const { return static_cast<uint16_t>((m_[at] << 8) | m_[at + 1]); }

  // The name at `at` (§4.1.4: labels, ending in a zero length or a pointer) as canonical text,
  // and the offset just after it where it sits. A pointer must point before itself: every jump
  // goes backwards, so reading ends.
  Result<std::pair<std::string, std::size_t>> name(std::size_t at) const {
    std::string text;
    std::size_t encoded = 0;
    std::optional<std::size_t> after;
    for (;;) {
      if (!has(at, 1)) return fail(ErrorCode::kDnsMalformed, at);
      const uint8_t length = m_[at];
      if ((length & 0xC0) == 0xC0) {
        if (!has(at, 2)) return fail(ErrorCode::kDnsMalformed, at);
        const std::size_t target = u16(at) & 0x3FFF;
        if (target >= at) return fail(ErrorCode::kDnsMalformed, at);
        if (!after) after = at + 2;
        at = target;
        continue;
      }
      if ((length & 0xC0) != 0) return fail(ErrorCode::kDnsMalformed, at);  // 01, 10: reserved
      encoded += 1 + length;
      if (encoded > kMaxNameSize) return fail(ErrorCode::kDnsMalformed, at);
      if (length == 0) return std::pair(std::move(text), after.value_or(at + 1));
      if (!has(at + 1, length)) return fail(ErrorCode::kDnsMalformed, at);
      if (!text.empty()) text += '.';
      for (std::size_t i = 0; i < length; ++i) {
        const char c = static_cast<char>(m_[at + 1 + i]);
        // A dot inside a label would make two different names read the same.
        if (c == '.') return fail(ErrorCode::kDnsMalformed, at + 1 + i);
        text += lower(c);
      }
      at += 1 + length;
    }
  }

  // TXT RDATA (§3.3.14): one or more <character-string>s filling it exactly, joined.
  Result<std::string> txt(std::size_t at, std::size_t length) const {
    if (length == 0) return fail(ErrorCode::kDnsMalformed, at);
    std::string text;
    const std::size_t end = at + length;
    while (at < end) {
      const std::size_t n = m_[at];
      if (n + 1 > end - at) return fail(ErrorCode::kDnsMalformed, at);
      text.append(reinterpret_cast<const char*>(m_.data() + at + 1), n);
      at += 1 + n;
    }
    return text;
  }

 private:
  std::span<const uint8_t> m_;
};

struct Record {
  std::string owner;
  uint16_t type;
  std::string value;  // TXT: the joined text; CNAME: the canonical target
};

}  // namespace

Result<std::vector<uint8_t>> encode_txt_query(std::string_view name, uint16_t id) {
  if (name.ends_with('.')) name.remove_suffix(1);
  if (name.empty()) return fail(ErrorCode::kDnsBadName);
  std::vector<uint8_t> q = {static_cast<uint8_t>(id >> 8),
                            static_cast<uint8_t>(id),
                            static_cast<uint8_t>(kFlagRd >> 8),
                            0,
                            0,
                            1,
                            0,
                            0,
                            0,
                            0,
                            0,
                            0};  // QDCOUNT 1
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t dot = name.find('.', start);
    if (dot == std::string_view::npos) dot = name.size();
    const std::string_view label = name.substr(start, dot - start);
    if (label.empty() || label.size() > 63) return fail(ErrorCode::kDnsBadName, start);
    for (std::size_t i = 0; i < label.size(); ++i)
      if (label[i] < '!' || label[i] > '~') return fail(ErrorCode::kDnsBadName, start + i);
    q.push_back(static_cast<uint8_t>(label.size()));
    q.insert(q.end(), label.begin(), label.end());
    start = dot + 1;
  }
  q.push_back(0);
  if (q.size() - kHeaderSize > kMaxNameSize) return fail(ErrorCode::kDnsBadName);
  q.insert(q.end(), {0, kTypeTxt, 0, kClassIn});
  return q;
}

Result<TxtAnswer> decode_txt_answer(std::span<const uint8_t> message, std::string_view name,
                                    uint16_t id) {
  const Reader r(message);
  if (!r.has(0, kHeaderSize)) return fail(ErrorCode::kDnsMalformed, message.size());
  const uint16_t flags = r.u16(2);
  // §4.1.1: an answer (QR) to our ID, a standard query (opcode 0), one question.
  if (r.u16(0) != id || (flags & kFlagQr) == 0 || ((flags >> 11) & 0xF) != 0 || r.u16(4) != 1)
    return fail(ErrorCode::kDnsNotTheAnswer);
  if ((flags & kFlagTc) != 0) return fail(ErrorCode::kDnsTruncated);
  const std::string wanted = canonical(name);
  auto question = r.name(kHeaderSize);
  if (!question) return std::unexpected(question.error());
  std::size_t at = question->second;
  if (!r.has(at, 4)) return fail(ErrorCode::kDnsMalformed, at);
  if (question->first != wanted || r.u16(at) != kTypeTxt || r.u16(at + 2) != kClassIn)
    return fail(ErrorCode::kDnsNotTheAnswer, kHeaderSize);
  at += 4;
  std::vector<Record> records;
  const std::size_t count = std::min<std::size_t>(r.u16(6), kMaxRecords);
  for (std::size_t i = 0; i < count; ++i) {
    auto owner = r.name(at);
    if (!owner) return std::unexpected(owner.error());
    at = owner->second;
    // TYPE, CLASS, TTL, RDLENGTH (§4.1.3), then RDATA.
    if (!r.has(at, 10)) return fail(ErrorCode::kDnsMalformed, at);
    const uint16_t type = r.u16(at), klass = r.u16(at + 2), length = r.u16(at + 8);
    at += 10;
    if (!r.has(at, length)) return fail(ErrorCode::kDnsMalformed, at);
    if (klass == kClassIn && type == kTypeTxt) {
      auto text = r.txt(at, length);
      if (!text) return std::unexpected(text.error());
      records.push_back({std::move(owner->first), type, std::move(*text)});
    } else if (klass == kClassIn && type == kTypeCname) {
      auto target = r.name(at);
      if (!target) return std::unexpected(target.error());
      if (target->second != at + length) return fail(ErrorCode::kDnsMalformed, at);
      records.push_back({std::move(owner->first), type, std::move(target->first)});
    }
    at += length;
  }
  TxtAnswer answer;
  answer.rcode = static_cast<uint8_t>(flags & 0xF);
  // The name and its aliases: each CNAME hop found in the answer section (§3.6.2).
  std::vector<std::string> owners = {wanted};
  for (int hop = 0; hop < kMaxAliases; ++hop) {
    const Record* alias = nullptr;
    for (const Record& rec : records)
      if (rec.type == kTypeCname && rec.owner == owners.back()) alias = &rec;
    if (alias == nullptr || std::find(owners.begin(), owners.end(), alias->value) != owners.end())
      break;
    owners.push_back(alias->value);
  }
  for (Record& rec : records)
    if (rec.type == kTypeTxt && std::find(owners.begin(), owners.end(), rec.owner) != owners.end())
      answer.texts.push_back(std::move(rec.value));
  return answer;
}

}  // namespace doorman::dns
