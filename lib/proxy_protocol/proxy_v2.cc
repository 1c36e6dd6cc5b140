// PROXY protocol v2: the binary header (spec §2.2) and its TLVs (§2.2.1-2.2.8).
#include <algorithm>
#include <cstring>
#include <optional>

#include "doorman/crc32c.h"
#include "proxy_header_builder.h"

namespace doorman {
namespace {

constexpr std::size_t kUnixPathSize = 108;
constexpr std::size_t kMaxUniqueId = 128;  // spec §2.2.5: "up to 128 bytes"
constexpr std::size_t kSslFixedSize = 5;   // client (1) + verify (4), spec §2.2.6

uint16_t load_be16(const uint8_t* p) {
  return static_cast<uint16_t>((p[0] << 8) | p[1]);
}
uint32_t load_be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

// The address block size for a family/transport pair (spec §2.2: \x11 \x12 -> 12, \x21 \x22 ->
// 36, \x31 \x32 -> 216), or 0 when the pair carries no addresses (UNSPEC family or transport).
std::size_t address_block_size(uint8_t family_transport) {
  const uint8_t family = family_transport >> 4;
  const uint8_t transport = family_transport & 0x0F;
  if (transport == 0) return 0;
  switch (family) {
    case 1:
      return 12;
    case 2:
      return 36;
    case 3:
      return 2 * kUnixPathSize;
    default:
      return 0;
  }
}

}  // namespace

Result<std::size_t> ProxyHeaderBuilder::check_v2_fixed(std::span<const uint8_t> prefix) {
  if (prefix.size() > 12) {
    // The version nibble must be 2 and the command LOCAL or PROXY; "receivers must drop
    // connections presenting unexpected values here" (spec §2.2).
    const uint8_t ver_cmd = prefix[12];
    if ((ver_cmd >> 4) != 2 || (ver_cmd & 0x0F) > 1) return fail(ErrorCode::kProxyInvalid, 12);
  }
  if (prefix.size() > 13) {
    // Other families and transports "must be rejected as invalid by receivers" (spec §2.2).
    const uint8_t fam = prefix[13];
    if ((fam >> 4) > 3 || (fam & 0x0F) > 2) return fail(ErrorCode::kProxyInvalid, 13);
  }
  if (prefix.size() < kV2FixedSize) return std::size_t{0};
  const std::size_t length = load_be16(&prefix[14]);
  if (length > ProxyHeader::kMaxV2Length) return fail(ErrorCode::kProxyTooLarge, 14);
  // A PROXY command must carry its address block; extra bytes are TLVs. LOCAL discards the
  // block "including the family which is ignored", so it may be shorter (spec §2.2).
  const bool proxy = (prefix[12] & 0x0F) == 1;
  if (proxy && length < address_block_size(prefix[13])) {
    return fail(ErrorCode::kProxyInvalid, 14);
  }
  return kV2FixedSize + length;
}

Result<void> ProxyHeaderBuilder::parse_v2(ProxyHeader& h) {
  const uint8_t* b = h.bytes_.data();
  const std::size_t total = h.size_;
  h.version_ = ProxyVersion::kV2;
  h.command_ = static_cast<ProxyCommand>(b[12] & 0x0F);
  h.family_ = static_cast<ProxyFamily>(b[13] >> 4);
  h.transport_ = static_cast<ProxyTransport>(b[13] & 0x0F);
  const std::size_t block = address_block_size(b[13]);
  const uint8_t* a = b + kV2FixedSize;
  h.has_addresses_ = h.command_ == ProxyCommand::kProxy && block > 0;
  if (h.has_addresses_) {
    switch (h.family_) {
      case ProxyFamily::kInet:
        h.source_ = Endpoint{IpAddress::from_v4(load_be32(a)), load_be16(a + 8)};
        h.destination_ = Endpoint{IpAddress::from_v4(load_be32(a + 4)), load_be16(a + 10)};
        break;
      case ProxyFamily::kInet6:
        h.source_ =
            Endpoint{IpAddress::from_v6(std::span<const uint8_t, 16>(a, 16)), load_be16(a + 32)};
        h.destination_ = Endpoint{IpAddress::from_v6(std::span<const uint8_t, 16>(a + 16, 16)),
                                  load_be16(a + 34)};
        break;
      default: {  // kUnix: NUL-padded sun_path values
        auto path = [&](std::size_t off) {
          std::size_t len = kUnixPathSize;
          while (len > 0 && a[off + len - 1] == 0) --len;
          return ProxyHeader::Slice{static_cast<uint16_t>(kV2FixedSize + off),
                                    static_cast<uint16_t>(len), true};
        };
        h.src_unix_ = path(0);
        h.dst_unix_ = path(kUnixPathSize);
        break;
      }
    }
  }
  if (h.command_ == ProxyCommand::kLocal) return parse_local_tlvs(h);
  // TLVs follow the address block, which a PROXY header always has (check_v2_fixed).
  const std::size_t tlv_begin = kV2FixedSize + block;
  if (tlv_begin > total) return {};
  if (auto tlvs = parse_tlvs(h, tlv_begin, total); !tlvs) return tlvs;
  return verify_crc(h);
}

Result<void> ProxyHeaderBuilder::verify_crc(ProxyHeader& h) {
  if (h.crc_ == CrcStatus::kAbsent) return {};
  // Spec §2.2.3: the CRC32C of the whole header with the checksum field set to zero.
  static constexpr uint8_t kZeros[4] = {0, 0, 0, 0};
  const uint8_t* b = h.bytes_.data();
  const std::size_t total = h.size_;
  const std::size_t at = h.crc_offset_;
  uint32_t crc = crc32c(std::span(b, at));
  crc = crc32c(kZeros, crc);
  crc = crc32c(std::span(b + at + 4, total - at - 4), crc);
  const bool ok = crc == load_be32(b + at);
  h.crc_ = ok ? CrcStatus::kVerified : CrcStatus::kMismatch;
  if (!ok) return fail(ErrorCode::kProxyCrcMismatch, at);
  return {};
}

// LOCAL: the receiver skips the address block "including the family which is ignored" (spec
// §2.2), so where the TLVs start depends on the sender. AWS NLB health checks say TCP4 and put
// the TLVs straight after the 16-byte header; others send the family's (often zeroed) block
// first; HAProxy says UNSPEC (no block). Both readings are tried on copies. A single reading
// that parses as whole TLVs to the end is taken (its CRC32C, if any, must verify). When both
// parse: an all-zero block is a block (read as TLVs it is four empty TLVs of type 0, which
// nobody sends), else the one reading whose CRC32C verifies; two that nothing tells apart, or
// none, report no TLVs rather than address bytes as TLVs. The connection is accepted either way:
// LOCAL names no client (the socket peer stays).
Result<void> ProxyHeaderBuilder::parse_local_tlvs(ProxyHeader& h) {
  const std::size_t total = h.size_;
  const std::size_t block = address_block_size(h.bytes_[13]);
  if (total == kV2FixedSize) return {};
  const std::size_t begins[2] = {kV2FixedSize, kV2FixedSize + block};
  const std::size_t count = block > 0 && begins[1] <= total ? 2 : 1;
  std::optional<ProxyHeader> readings[2];
  for (std::size_t i = 0; i < count; ++i) {
    ProxyHeader reading = h;  // no TLV slot filled yet
    if (!parse_tlvs(reading, begins[i], total)) continue;
    (void)verify_crc(reading);  // settles reading.crc_
    readings[i] = reading;
  }
  const ProxyHeader* pick = readings[0] ? &*readings[0] : readings[1] ? &*readings[1] : nullptr;
  if (readings[0] && readings[1]) {
    const uint8_t* a = h.bytes_.data() + kV2FixedSize;
    const bool verified[2] = {readings[0]->crc_ == CrcStatus::kVerified,
                              readings[1]->crc_ == CrcStatus::kVerified};
    if (std::all_of(a, a + block, [](uint8_t x) { return x == 0; }))
      pick = &*readings[1];
    else if (verified[0] != verified[1])
      pick = verified[0] ? &*readings[0] : &*readings[1];
    else
      pick = nullptr;
  }
  if (pick == nullptr) return {};
  h = *pick;
  if (h.crc_ == CrcStatus::kMismatch) return fail(ErrorCode::kProxyCrcMismatch, h.crc_offset_);
  return {};
}

Result<void> ProxyHeaderBuilder::parse_tlvs(ProxyHeader& h, std::size_t begin, std::size_t end) {
  const uint8_t* b = h.bytes_.data();
  h.tlv_area_ = {static_cast<uint16_t>(begin), static_cast<uint16_t>(end - begin), true};
  // Sets a typed slot once; a second TLV of the same registered type makes the header ambiguous
  // (which authority, which CRC?), so it is invalid rather than first- or last-wins.
  auto take = [](ProxyHeader::Slice& slot, std::size_t off, std::size_t len) {
    if (slot.present) return false;
    slot = {static_cast<uint16_t>(off), static_cast<uint16_t>(len), true};
    return true;
  };
  std::size_t pos = begin;
  while (pos < end) {
    // Every TLV has a 3-byte type + length; a TLV that overruns the header is invalid.
    if (end - pos < 3) return fail(ErrorCode::kProxyInvalid, pos);
    const uint8_t type = b[pos];
    const std::size_t len = load_be16(b + pos + 1);
    const std::size_t value = pos + 3;
    if (len > end - value) return fail(ErrorCode::kProxyInvalid, pos);
    bool ok = true;
    switch (type) {
      case pp2::kTypeAlpn:
        ok = take(h.alpn_, value, len);
        break;
      case pp2::kTypeAuthority:
        ok = take(h.authority_, value, len);
        break;
      case pp2::kTypeUniqueId:
        ok = len <= kMaxUniqueId && take(h.unique_id_, value, len);
        break;
      case pp2::kTypeNetns:
        ok = take(h.netns_, value, len);
        break;
      case pp2::kTypeCrc32c:
        ok = len == 4 && h.crc_ == CrcStatus::kAbsent;
        h.crc_ = CrcStatus::kMismatch;  // settled by parse_v2 once every TLV is known good
        h.crc_offset_ = static_cast<uint16_t>(value);
        break;
      case pp2::kTypeSsl:
        ok = len >= kSslFixedSize && take(h.ssl_, value, len);
        if (ok) {
          if (auto ssl = parse_ssl(h, value + kSslFixedSize, value + len); !ssl) return ssl;
        }
        break;
      // Vendor TLVs (custom range, spec §2.2.8): typed when well formed, raw otherwise, since
      // other applications may use the same numbers differently. The first one wins.
      case pp2::kTypeAws:
        if (len >= 1 && b[value] == pp2::kSubtypeAwsVpceId && !h.aws_vpce_id_.present) {
          take(h.aws_vpce_id_, value + 1, len - 1);
        }
        break;
      case pp2::kTypeAzure:
        if (len == 5 && b[value] == pp2::kSubtypeAzureLinkId && !h.azure_link_id_) {
          // Azure documents the LINKID as a little-endian 32-bit number.
          const uint8_t* v = b + value + 1;
          h.azure_link_id_ = uint32_t{v[0]} | (uint32_t{v[1]} << 8) | (uint32_t{v[2]} << 16) |
                             (uint32_t{v[3]} << 24);
        }
        break;
      case pp2::kTypeGcp:
        if (len == 8 && !h.gcp_psc_connection_id_) {
          h.gcp_psc_connection_id_ =
              (uint64_t{load_be32(b + value)} << 32) | load_be32(b + value + 4);
        }
        break;
      default:  // NOOP (spec §2.2.4) and unknown types: raw list only
        break;
    }
    if (!ok) return fail(ErrorCode::kProxyInvalid, pos);
    pos = value + len;
  }
  return {};
}

Result<void> ProxyHeaderBuilder::parse_ssl(ProxyHeader& h, std::size_t begin, std::size_t end) {
  const uint8_t* b = h.bytes_.data();
  std::size_t pos = begin;
  while (pos < end) {
    if (end - pos < 3) return fail(ErrorCode::kProxyInvalid, pos);
    const uint8_t type = b[pos];
    const std::size_t len = load_be16(b + pos + 1);
    const std::size_t value = pos + 3;
    if (len > end - value) return fail(ErrorCode::kProxyInvalid, pos);
    ProxyHeader::Slice* slot = nullptr;
    switch (type) {
      case pp2::kSubtypeSslVersion:
        slot = &h.ssl_version_;
        break;
      case pp2::kSubtypeSslCn:
        slot = &h.ssl_cn_;
        break;
      case pp2::kSubtypeSslCipher:
        slot = &h.ssl_cipher_;
        break;
      case pp2::kSubtypeSslSigAlg:
        slot = &h.ssl_sig_alg_;
        break;
      case pp2::kSubtypeSslKeyAlg:
        slot = &h.ssl_key_alg_;
        break;
      case pp2::kSubtypeSslGroup:
        slot = &h.ssl_group_;
        break;
      case pp2::kSubtypeSslSigScheme:
        slot = &h.ssl_sig_scheme_;
        break;
      case pp2::kSubtypeSslClientCert:
        slot = &h.ssl_client_cert_;
        break;
      default:
        break;
    }
    if (slot != nullptr) {
      if (slot->present) return fail(ErrorCode::kProxyInvalid, pos);
      *slot = {static_cast<uint16_t>(value), static_cast<uint16_t>(len), true};
    }
    pos = value + len;
  }
  return {};
}

}  // namespace doorman
