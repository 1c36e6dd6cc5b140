// The incremental PROXY decoder: framing (which signature, how many bytes, when to give up) and
// the ProxyHeader accessors. The line and binary formats are parsed in proxy_v1.cc/proxy_v2.cc.
#include <algorithm>
#include <cstring>

#include "proxy_header_builder.h"

namespace doorman {
namespace {

constexpr char kV1Signature[5] = {'P', 'R', 'O', 'X', 'Y'};

DecodeStep invalid(Error error) {
  return {DecodeStatus::kInvalid, 0, error};
}

}  // namespace

DecodeStep ProxyDecoder::settle(DecodeStep step) {
  if (step.status != DecodeStatus::kNeedMore) final_ = step;
  return step;
}

DecodeStep ProxyDecoder::feed(std::span<const uint8_t> bytes) {
  if (final_) {
    DecodeStep again = *final_;
    again.consumed = 0;
    return again;
  }
  if (bytes.empty()) return {DecodeStatus::kNeedMore, 0, {}};
  if (header_.size_ == 0) {
    // Spec §2.2: anything that starts with neither signature is not covered by the spec and the
    // connection must be dropped; one byte is enough to tell.
    const uint8_t first = bytes[0];
    if (first == kV1Signature[0] && accepted_ != AcceptedVersions::kV2Only) {
      header_.version_ = ProxyVersion::kV1;
    } else if (first == ProxyHeaderBuilder::kV2Signature[0] &&
               accepted_ != AcceptedVersions::kV1Only) {
      header_.version_ = ProxyVersion::kV2;
    } else {
      return settle(invalid({ErrorCode::kNotProxy, 0}));
    }
  }
  return header_.version_ == ProxyVersion::kV1 ? feed_v1(bytes) : feed_v2(bytes);
}

DecodeStep ProxyDecoder::feed_v1(std::span<const uint8_t> bytes) {
  uint8_t* data = ProxyHeaderBuilder::data(header_);
  const std::size_t have = header_.size_;
  const std::size_t take = std::min(bytes.size(), ProxyHeader::kMaxV1Size - have);
  std::memcpy(data + have, bytes.data(), take);
  for (std::size_t i = have; i < std::min(have + take, sizeof kV1Signature); ++i) {
    if (data[i] != kV1Signature[i]) return settle(invalid({ErrorCode::kNotProxy, i}));
  }
  // The line ends at the first LF, which must follow a CR (spec §2.1: no lone CR or LF).
  if (const void* lf = std::memchr(data + have, '\n', take)) {
    const std::size_t line = static_cast<const uint8_t*>(lf) - data + 1;
    ProxyHeaderBuilder::set_size(header_, line);
    if (line < 2 || data[line - 2] != '\r') {
      // A lone LF. Judge the bytes before it as a split read would have (found by the fuzzer):
      // a bad prefix first, then a line that could no longer end within 107 bytes.
      const std::size_t before = line - 1;
      if (auto prefix = ProxyHeaderBuilder::check_v1_prefix(std::span(data, before)); !prefix) {
        return settle(invalid(prefix.error()));
      }
      const ErrorCode code = before >= ProxyHeader::kMaxV1Size - 1 ? ErrorCode::kProxyTooLong
                                                                   : ErrorCode::kProxyInvalid;
      return settle(invalid({code, before}));
    }
    if (auto parsed = ProxyHeaderBuilder::parse_v1(header_); !parsed) {
      return settle(invalid(parsed.error()));
    }
    has_header_ = true;
    return settle({DecodeStatus::kComplete, line - have, {}});
  }
  const std::size_t size = have + take;
  ProxyHeaderBuilder::set_size(header_, size);
  if (auto prefix = ProxyHeaderBuilder::check_v1_prefix(std::span(data, size)); !prefix) {
    return settle(invalid(prefix.error()));
  }
  // "If the CRLF sequence is not found in the first 107 characters, the receiver should declare
  // the line invalid" (spec §2.1). With 106 bytes, only a final CR can still make it.
  constexpr std::size_t kMax = ProxyHeader::kMaxV1Size;
  if (size >= kMax || (size == kMax - 1 && data[size - 1] != '\r')) {
    return settle(invalid({ErrorCode::kProxyTooLong, size}));
  }
  return {DecodeStatus::kNeedMore, bytes.size(), {}};
}

DecodeStep ProxyDecoder::feed_v2(std::span<const uint8_t> bytes) {
  uint8_t* data = ProxyHeaderBuilder::data(header_);
  std::size_t have = header_.size_;
  std::size_t pos = 0;
  if (have < ProxyHeaderBuilder::kV2FixedSize) {
    const std::size_t take = std::min(bytes.size(), ProxyHeaderBuilder::kV2FixedSize - have);
    std::memcpy(data + have, bytes.data(), take);
    for (std::size_t i = have; i < std::min<std::size_t>(have + take, 12); ++i) {
      if (data[i] != ProxyHeaderBuilder::kV2Signature[i]) {
        return settle(invalid({ErrorCode::kNotProxy, i}));
      }
    }
    have += take;
    pos = take;
    ProxyHeaderBuilder::set_size(header_, have);
    auto total = ProxyHeaderBuilder::check_v2_fixed(std::span(data, have));
    if (!total) return settle(invalid(total.error()));
    if (*total == 0) return {DecodeStatus::kNeedMore, bytes.size(), {}};
    v2_total_ = *total;
  }
  const std::size_t take = std::min(bytes.size() - pos, v2_total_ - have);
  std::memcpy(data + have, bytes.data() + pos, take);
  have += take;
  pos += take;
  ProxyHeaderBuilder::set_size(header_, have);
  if (have < v2_total_) return {DecodeStatus::kNeedMore, bytes.size(), {}};
  if (auto parsed = ProxyHeaderBuilder::parse_v2(header_); !parsed) {
    if (parsed.error().code != ErrorCode::kProxyCrcMismatch) return settle(invalid(parsed.error()));
    has_header_ = true;  // parsed, for diagnostics; the caller must still drop the connection
    return settle({DecodeStatus::kInvalid, pos, parsed.error()});
  }
  has_header_ = true;
  return settle({DecodeStatus::kComplete, pos, {}});
}

DecodeStep ProxyDecoder::finish() {
  if (final_) {
    DecodeStep again = *final_;
    again.consumed = 0;
    return again;
  }
  return settle(invalid({ErrorCode::kProxyIncomplete, header_.size_}));
}

TlvRange ProxyHeader::tlvs() const {
  if (!tlv_area_.present) return TlvRange();
  return TlvRange(std::span(bytes_.data() + tlv_area_.offset, tlv_area_.length));
}

TypedTlvs ProxyHeader::typed() const {
  TypedTlvs t;
  t.alpn = optional_view(alpn_);
  t.authority = optional_view(authority_);
  t.unique_id = optional_view(unique_id_);
  t.netns = optional_view(netns_);
  t.aws_vpce_id = optional_view(aws_vpce_id_);
  t.azure_link_id = azure_link_id_;
  t.gcp_psc_connection_id = gcp_psc_connection_id_;
  if (ssl_.present) {
    const uint8_t* v = bytes_.data() + ssl_.offset;
    SslTlv s;
    s.client = v[0];
    s.verify = (uint32_t{v[1]} << 24) | (uint32_t{v[2]} << 16) | (uint32_t{v[3]} << 8) | v[4];
    s.version = optional_view(ssl_version_);
    s.cn = optional_view(ssl_cn_);
    s.cipher = optional_view(ssl_cipher_);
    s.sig_alg = optional_view(ssl_sig_alg_);
    s.key_alg = optional_view(ssl_key_alg_);
    s.group = optional_view(ssl_group_);
    s.sig_scheme = optional_view(ssl_sig_scheme_);
    s.client_cert = optional_view(ssl_client_cert_);
    t.ssl = s;
  }
  return t;
}

bool operator==(const ProxyHeader& a, const ProxyHeader& b) {
  const auto tlv_bytes = [](const ProxyHeader& h) {
    return h.tlv_area_.present ? h.view(h.tlv_area_) : std::string_view();
  };
  return a.version_ == b.version_ && a.command_ == b.command_ && a.family_ == b.family_ &&
         a.transport_ == b.transport_ && a.has_addresses_ == b.has_addresses_ &&
         a.source_ == b.source_ && a.destination_ == b.destination_ &&
         a.source_unix() == b.source_unix() && a.destination_unix() == b.destination_unix() &&
         a.crc_ == b.crc_ && tlv_bytes(a) == tlv_bytes(b) && a.typed() == b.typed();
}

Tlv TlvRange::Iterator::operator*() const {
  const std::size_t len = (std::size_t{rest_[1]} << 8) | rest_[2];
  return Tlv{rest_[0], rest_.subspan(3, len)};
}

TlvRange::Iterator& TlvRange::Iterator::operator++() {
  const std::size_t len = (std::size_t{rest_[1]} << 8) | rest_[2];
  rest_ = rest_.subspan(3 + len);
  return *this;
}

std::string_view proxy_command_name(ProxyCommand command) {
  return command == ProxyCommand::kLocal ? "LOCAL" : "PROXY";
}

std::string_view proxy_family_name(ProxyVersion version, ProxyFamily family) {
  switch (family) {
    case ProxyFamily::kInet:
      return "TCP4";
    case ProxyFamily::kInet6:
      return "TCP6";
    case ProxyFamily::kUnix:
      return "UNIX";
    case ProxyFamily::kUnspec:
      break;
  }
  return version == ProxyVersion::kV1 ? "UNKNOWN" : "UNSPEC";
}

std::string_view proxy_transport_name(ProxyTransport transport) {
  switch (transport) {
    case ProxyTransport::kStream:
      return "STREAM";
    case ProxyTransport::kDgram:
      return "DGRAM";
    case ProxyTransport::kUnspec:
      break;
  }
  return "UNSPEC";
}

std::string_view crc_status_name(CrcStatus status) {
  switch (status) {
    case CrcStatus::kVerified:
      return "verified";
    case CrcStatus::kMismatch:
      return "mismatch";
    case CrcStatus::kAbsent:
      break;
  }
  return "absent";
}

}  // namespace doorman
