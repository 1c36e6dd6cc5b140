// PROXY protocol encoder (v1 line, v2 binary with TLVs and CRC32C).
#include "doorman/proxy_protocol_encoder.h"

#include <array>
#include <charconv>
#include <cstring>

#include "doorman/crc32c.h"

namespace doorman {
namespace {

constexpr uint8_t kV2Signature[12] = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
                                      0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
constexpr std::size_t kMaxUniqueId = 128;

// Appends to a fixed buffer; overflowing it means the header is over the cap.
class Writer {
 public:
  explicit Writer(std::span<uint8_t> out) : out_(out) {}
  bool ok() const { return ok_; }
  std::size_t size() const { return size_; }
  uint8_t* at(std::size_t offset) { return out_.data() + offset; }

  void bytes(const void* p, std::size_t n) {
    if (!ok_ || n > out_.size() - size_) {
      ok_ = false;
      return;
    }
    if (n > 0) std::memcpy(out_.data() + size_, p, n);
    size_ += n;
  }
  void u8(uint8_t v) { bytes(&v, 1); }
  void be16(uint16_t v) {
    const uint8_t b[2] = {static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)};
    bytes(b, 2);
  }
  void be32(uint32_t v) {
    const uint8_t b[4] = {static_cast<uint8_t>(v >> 24), static_cast<uint8_t>(v >> 16),
                          static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)};
    bytes(b, 4);
  }
  void text(std::string_view s) { bytes(s.data(), s.size()); }
  void tlv(uint8_t type, std::string_view value) {
    if (value.size() > 0xFFFF) {
      ok_ = false;
      return;
    }
    u8(type);
    be16(static_cast<uint16_t>(value.size()));
    text(value);
  }

 private:
  std::span<uint8_t> out_;
  std::size_t size_ = 0;
  bool ok_ = true;
};

void write_v1_endpoint_text(Writer& w, const Endpoint& e) {
  char buf[IpAddress::kMaxTextLength];
  w.bytes(buf, e.address.format_to(buf));
}

Result<std::size_t> encode_v1(const ProxyHeaderFields& f, std::span<uint8_t> out) {
  if (f.command != ProxyCommand::kProxy || f.alpn || f.authority || f.unique_id || f.ssl ||
      f.crc32c) {
    return fail(ErrorCode::kInvalidValue);
  }
  // v1 needs one family for both addresses; a mixed pair goes out as TCP6 with the IPv4
  // address IPv4-mapped, as HAProxy writes it.
  const bool v4 = f.source.address.is_v4() && f.destination.address.is_v4();
  Writer w(out);
  w.text(v4 ? "PROXY TCP4 " : "PROXY TCP6 ");
  for (const Endpoint* e : {&f.source, &f.destination}) {
    if (!v4 && e->address.is_v4()) w.text("::ffff:");
    write_v1_endpoint_text(w, *e);
    w.u8(' ');
  }
  char port[8];
  auto end = std::to_chars(port, port + sizeof port, f.source.port).ptr;
  w.bytes(port, end - port);
  w.u8(' ');
  end = std::to_chars(port, port + sizeof port, f.destination.port).ptr;
  w.bytes(port, end - port);
  w.text("\r\n");
  if (!w.ok()) return fail(ErrorCode::kProxyTooLarge);
  return w.size();
}

void write_ssl(Writer& w, const SslTlv& ssl) {
  // The SSL value nests sub-TLVs, so its length is patched in once they are written.
  w.u8(pp2::kTypeSsl);
  const std::size_t length_at = w.size();
  w.be16(0);
  w.u8(ssl.client);
  w.be32(ssl.verify);
  const std::pair<uint8_t, const std::optional<std::string_view>*> subs[] = {
      {pp2::kSubtypeSslVersion, &ssl.version},      {pp2::kSubtypeSslCn, &ssl.cn},
      {pp2::kSubtypeSslCipher, &ssl.cipher},        {pp2::kSubtypeSslSigAlg, &ssl.sig_alg},
      {pp2::kSubtypeSslKeyAlg, &ssl.key_alg},       {pp2::kSubtypeSslGroup, &ssl.group},
      {pp2::kSubtypeSslSigScheme, &ssl.sig_scheme}, {pp2::kSubtypeSslClientCert, &ssl.client_cert},
  };
  for (const auto& [type, value] : subs) {
    if (*value) w.tlv(type, **value);
  }
  if (!w.ok()) return;
  const std::size_t length = w.size() - length_at - 2;
  if (length > 0xFFFF) return;  // caught by the cap check below
  w.at(length_at)[0] = static_cast<uint8_t>(length >> 8);
  w.at(length_at)[1] = static_cast<uint8_t>(length);
}

Result<std::size_t> encode_v2(const ProxyHeaderFields& f, std::span<uint8_t> out) {
  if (f.unique_id && f.unique_id->size() > kMaxUniqueId) return fail(ErrorCode::kInvalidValue);
  Writer w(out);
  w.bytes(kV2Signature, sizeof kV2Signature);
  const bool proxy = f.command == ProxyCommand::kProxy;
  w.u8(proxy ? 0x21 : 0x20);  // version 2, command PROXY / LOCAL
  const bool v4 = f.source.address.is_v4() && f.destination.address.is_v4();
  w.u8(!proxy ? 0x00 : v4 ? 0x11 : 0x21);  // UNSPEC for LOCAL; TCP over IPv4 / IPv6
  w.be16(0);                               // patched below
  if (proxy && v4) {
    w.be32(f.source.address.v4());
    w.be32(f.destination.address.v4());
  } else if (proxy) {
    w.bytes(f.source.address.bytes().data(), 16);
    w.bytes(f.destination.address.bytes().data(), 16);
  }
  if (proxy) {
    w.be16(f.source.port);
    w.be16(f.destination.port);
  }
  if (f.alpn) w.tlv(pp2::kTypeAlpn, *f.alpn);
  if (f.authority) w.tlv(pp2::kTypeAuthority, *f.authority);
  if (f.unique_id) w.tlv(pp2::kTypeUniqueId, *f.unique_id);
  if (f.ssl) write_ssl(w, *f.ssl);
  std::size_t crc_at = 0;
  if (f.crc32c) {
    w.u8(pp2::kTypeCrc32c);
    w.be16(4);
    crc_at = w.size();
    w.be32(0);  // zero while the checksum is computed (spec §2.2.3)
  }
  if (!w.ok() || w.size() - 16 > ProxyHeader::kMaxV2Length) return fail(ErrorCode::kProxyTooLarge);
  const std::size_t length = w.size() - 16;
  w.at(14)[0] = static_cast<uint8_t>(length >> 8);
  w.at(14)[1] = static_cast<uint8_t>(length);
  if (f.crc32c) {
    const uint32_t crc = crc32c(std::span<const uint8_t>(w.at(0), w.size()));
    uint8_t* p = w.at(crc_at);
    p[0] = static_cast<uint8_t>(crc >> 24);
    p[1] = static_cast<uint8_t>(crc >> 16);
    p[2] = static_cast<uint8_t>(crc >> 8);
    p[3] = static_cast<uint8_t>(crc);
  }
  return w.size();
}

}  // namespace

Result<std::size_t> encode_proxy_header(const ProxyHeaderFields& fields, std::span<uint8_t> out) {
  return fields.version == ProxyVersion::kV1 ? encode_v1(fields, out) : encode_v2(fields, out);
}

Result<std::vector<uint8_t>> encode_proxy_header(const ProxyHeaderFields& fields) {
  std::array<uint8_t, ProxyHeader::kMaxHeaderSize> buf;
  auto size = encode_proxy_header(fields, buf);
  if (!size) return std::unexpected(size.error());
  return std::vector<uint8_t>(buf.begin(), buf.begin() + *size);
}

bool proxy_header_matches(const ProxyHeader& h, const ProxyHeaderFields& f) {
  if (h.version() != f.version || h.command() != f.command) return false;
  if (f.command == ProxyCommand::kProxy) {
    const bool v4 = f.source.address.is_v4() && f.destination.address.is_v4();
    if (!h.has_addresses() || h.family() != (v4 ? ProxyFamily::kInet : ProxyFamily::kInet6) ||
        h.transport() != ProxyTransport::kStream || h.source() != f.source ||
        h.destination() != f.destination) {
      return false;
    }
  } else if (h.has_addresses() || h.family() != ProxyFamily::kUnspec) {
    return false;
  }
  TypedTlvs want;
  want.alpn = f.alpn;
  want.authority = f.authority;
  want.unique_id = f.unique_id;
  want.ssl = f.ssl;
  const CrcStatus crc = f.crc32c ? CrcStatus::kVerified : CrcStatus::kAbsent;
  return h.typed() == want && h.crc32c() == crc;
}

}  // namespace doorman
