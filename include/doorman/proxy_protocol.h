// PROXY protocol v1/v2 decoding (HAProxy's doc/proxy-protocol.txt, cited below as "spec §n").
//
// ProxyDecoder is an incremental decoder: feed() it the first bytes of a connection as they
// arrive; each step is complete (the header is available and the step says how many of the
// bytes just fed belonged to it, so the payload starts right after), need more (every byte fed
// so far belongs to the header), or invalid (a named ErrorCode). A header split across any
// number of feeds decodes exactly as in one feed. The decoder decides as early as the bytes
// allow: a first byte that is neither 'P' nor '\r' is kNotProxy at once, a partial signature
// mismatch too, and a v2 length above kMaxV2Length is kProxyTooLarge as soon as the 16-byte
// fixed part is in.
//
// Ownership: ProxyHeader holds its own copy of the header bytes (at most kMaxHeaderSize), so it
// can be copied and kept for the connection's lifetime; the string_views it returns point into
// that copy and live as long as the ProxyHeader object they came from.
//
// What the caller must do with the result (DESIGN.md "PROXY protocol"):
// - command() == kProxy and has_addresses(): source() is the client, destination() the address
//   the client connected to. Addresses are normalised (an IPv4-mapped IPv6 address is IPv4),
//   while family() reports the family field as sent.
// - command() == kLocal, or no address information (v1 UNKNOWN, v2 UNSPEC family or transport):
//   the connection's own socket addresses stay in force (spec §2.1, §2.2).
// - error kProxyCrcMismatch: the header parsed, but its CRC32C TLV is wrong. The spec (§2.2.3)
//   says the receiver MUST treat the connection as invalid: a listener drops it. header() still
//   shows what was parsed, for the log line.
// Thread safety: ProxyDecoder is a single-connection state machine (no sharing); ProxyHeader
// is a plain value.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "doorman/ip_address.h"
#include "doorman/result.h"

namespace doorman {

enum class ProxyVersion : uint8_t { kV1 = 1, kV2 = 2 };
// v1 has no command: a v1 header is always kProxy (UNKNOWN carries no addresses instead).
enum class ProxyCommand : uint8_t { kLocal = 0, kProxy = 1 };
// The v2 address family nibble (spec §2.2). A v1 UNKNOWN line reports kUnspec.
enum class ProxyFamily : uint8_t { kUnspec = 0, kInet = 1, kInet6 = 2, kUnix = 3 };
enum class ProxyTransport : uint8_t { kUnspec = 0, kStream = 1, kDgram = 2 };
enum class CrcStatus : uint8_t { kAbsent, kVerified, kMismatch };

// TLV types registered by the spec (§2.2) and the vendor types of the custom range (0xE0-0xEF).
namespace pp2 {
inline constexpr uint8_t kTypeAlpn = 0x01;
inline constexpr uint8_t kTypeAuthority = 0x02;
inline constexpr uint8_t kTypeCrc32c = 0x03;
inline constexpr uint8_t kTypeNoop = 0x04;
inline constexpr uint8_t kTypeUniqueId = 0x05;
inline constexpr uint8_t kTypeSsl = 0x20;
inline constexpr uint8_t kSubtypeSslVersion = 0x21;
inline constexpr uint8_t kSubtypeSslCn = 0x22;
inline constexpr uint8_t kSubtypeSslCipher = 0x23;
inline constexpr uint8_t kSubtypeSslSigAlg = 0x24;
inline constexpr uint8_t kSubtypeSslKeyAlg = 0x25;
// Added by later revisions of the spec (HAProxy 3.x).
inline constexpr uint8_t kSubtypeSslGroup = 0x26;
inline constexpr uint8_t kSubtypeSslSigScheme = 0x27;
inline constexpr uint8_t kSubtypeSslClientCert = 0x28;
inline constexpr uint8_t kTypeNetns = 0x30;
inline constexpr uint8_t kTypeGcp = 0xE0;    // Google PSC: 8-byte big-endian connection id
inline constexpr uint8_t kTypeAws = 0xEA;    // AWS: subtype 0x01 = VPC endpoint id
inline constexpr uint8_t kTypeAzure = 0xEE;  // Azure: subtype 0x01 = private endpoint LINKID
inline constexpr uint8_t kSubtypeAwsVpceId = 0x01;
inline constexpr uint8_t kSubtypeAzureLinkId = 0x01;
// PP2_TYPE_SSL <client> bits (spec §2.2.6).
inline constexpr uint8_t kClientSsl = 0x01;
inline constexpr uint8_t kClientCertConn = 0x02;
inline constexpr uint8_t kClientCertSess = 0x04;
}  // namespace pp2

// One type-length-value entry; value points into the bytes the range walks.
struct Tlv {
  uint8_t type = 0;
  std::span<const uint8_t> value;
};

// Walks TLVs in bytes that are known to be well formed (a decoded header's TLV area, or the
// sub-TLVs of its SSL TLV). Order and NOOPs are kept: this is the faithful raw list.
class TlvRange {
 public:
  class Iterator {
   public:
    using value_type = Tlv;
    using difference_type = std::ptrdiff_t;
    Iterator() = default;
    Iterator(std::span<const uint8_t> rest) : rest_(rest) {}
    Tlv operator*() const;
    Iterator& operator++();
    Iterator operator++(int) {
      Iterator old = *this;
      ++*this;
      return old;
    }
    bool operator==(const Iterator& o) const { return rest_.size() == o.rest_.size(); }

   private:
    std::span<const uint8_t> rest_;
  };
  TlvRange() = default;
  explicit TlvRange(std::span<const uint8_t> bytes) : bytes_(bytes) {}
  Iterator begin() const { return Iterator(bytes_); }
  Iterator end() const { return Iterator(bytes_.subspan(bytes_.size())); }
  bool empty() const { return bytes_.empty(); }

 private:
  std::span<const uint8_t> bytes_;
};

// PP2_TYPE_SSL (spec §2.2.6). verify == 0 alone does not mean a certificate was presented and
// verified: check the client bits (kClientCertConn / kClientCertSess) too.
struct SslTlv {
  uint8_t client = 0;   // pp2::kClient* bits
  uint32_t verify = 0;  // 0: a presented certificate verified; non-zero otherwise
  std::optional<std::string_view> version{}, cn{}, cipher{}, sig_alg{}, key_alg{}, group{},
      sig_scheme{};
  std::optional<std::string_view> client_cert{};  // DER bytes (PP2_SUBTYPE_SSL_CLIENT_CERT)
  friend bool operator==(const SslTlv&, const SslTlv&) = default;
};

// The TLVs doorman understands, decoded. Byte strings are views (see the ownership note above).
// Vendor TLVs of the custom range are typed only when well formed; they always stay in the raw
// list.
struct TypedTlvs {
  std::optional<std::string_view> alpn{}, authority{}, unique_id{}, netns{};
  std::optional<SslTlv> ssl{};
  std::optional<std::string_view> aws_vpce_id{};
  std::optional<uint32_t> azure_link_id{};
  std::optional<uint64_t> gcp_psc_connection_id{};
  friend bool operator==(const TypedTlvs&, const TypedTlvs&) = default;
};

class ProxyHeader {
 public:
  // Spec §2.1: the longest v1 line, CRLF included.
  static constexpr std::size_t kMaxV1Size = 107;
  // The cap on the v2 length field. Spec §2: both formats are designed to fit in 536 bytes (the
  // smallest TCP segment a host must accept); we cap the length field itself at 536, so a
  // header is at most 16 + 536 bytes, and anything larger is kProxyTooLarge.
  static constexpr std::size_t kMaxV2Length = 536;
  static constexpr std::size_t kMaxHeaderSize = 16 + kMaxV2Length;

  ProxyVersion version() const { return version_; }
  ProxyCommand command() const { return command_; }
  ProxyFamily family() const { return family_; }
  ProxyTransport transport() const { return transport_; }
  // True when source()/destination() (INET/INET6) or the unix paths (UNIX) carry the original
  // connection's endpoints: a PROXY command with a family and transport that have addresses.
  bool has_addresses() const { return has_addresses_; }
  // REQUIRES: has_addresses() and family() is kInet or kInet6.
  const Endpoint& source() const { return source_; }
  const Endpoint& destination() const { return destination_; }
  // The 108-byte AF_UNIX paths with trailing NULs removed (an abstract name keeps its leading
  // NUL). Empty unless has_addresses() and family() == kUnix.
  std::string_view source_unix() const { return view(src_unix_); }
  std::string_view destination_unix() const { return view(dst_unix_); }

  // Every TLV in order (v2 only; empty for v1).
  TlvRange tlvs() const;
  TypedTlvs typed() const;
  CrcStatus crc32c() const { return crc_; }

  // The header exactly as received.
  std::span<const uint8_t> bytes() const { return {bytes_.data(), size_}; }
  std::size_t size() const { return size_; }

  // Equal when every decoded field and the raw TLV bytes are equal (so "TCP6 ::1" and
  // "TCP6 0::1" lines decode to equal headers although their bytes differ).
  friend bool operator==(const ProxyHeader& a, const ProxyHeader& b);

 private:
  friend class ProxyDecoder;
  friend struct ProxyHeaderBuilder;  // the parsers in lib/proxy_protocol/
  struct Slice {
    uint16_t offset = 0;
    uint16_t length = 0;
    bool present = false;
  };
  std::string_view view(Slice s) const {
    return {reinterpret_cast<const char*>(bytes_.data()) + s.offset, s.length};
  }
  std::optional<std::string_view> optional_view(Slice s) const {
    if (!s.present) return std::nullopt;
    return view(s);
  }

  std::array<uint8_t, kMaxHeaderSize> bytes_;
  uint16_t size_ = 0;
  ProxyVersion version_ = ProxyVersion::kV1;
  ProxyCommand command_ = ProxyCommand::kProxy;
  ProxyFamily family_ = ProxyFamily::kUnspec;
  ProxyTransport transport_ = ProxyTransport::kUnspec;
  bool has_addresses_ = false;
  CrcStatus crc_ = CrcStatus::kAbsent;
  uint16_t crc_offset_ = 0;  // of the CRC32C value, when crc_ != kAbsent
  Endpoint source_, destination_;
  Slice src_unix_, dst_unix_;
  Slice tlv_area_;
  Slice alpn_, authority_, unique_id_, netns_, aws_vpce_id_;
  Slice ssl_;  // the whole SSL value; client/verify are its first 5 bytes
  Slice ssl_version_, ssl_cn_, ssl_cipher_, ssl_sig_alg_, ssl_key_alg_, ssl_group_, ssl_sig_scheme_,
      ssl_client_cert_;
  std::optional<uint32_t> azure_link_id_;
  std::optional<uint64_t> gcp_psc_connection_id_;
};

enum class DecodeStatus : uint8_t { kComplete, kNeedMore, kInvalid };

struct DecodeStep {
  DecodeStatus status = DecodeStatus::kNeedMore;
  // Bytes of this feed that belong to the header. kComplete: the payload starts at
  // bytes[consumed]. kNeedMore: all of them. kInvalid: 0, except for kProxyCrcMismatch, where
  // it is as for kComplete.
  std::size_t consumed = 0;
  Error error{};  // meaningful when status == kInvalid; offset counts from the stream start
};

// Which signatures a listener accepts (`proxy_protocol = "v1" | "v2" | "any"`); the other one is
// kNotProxy, decided on the first byte.
enum class AcceptedVersions : uint8_t { kAny, kV1Only, kV2Only };

class ProxyDecoder {
 public:
  explicit ProxyDecoder(AcceptedVersions accepted = AcceptedVersions::kAny) : accepted_(accepted) {}

  // Feeds the next bytes of the stream. After a complete or invalid step, further feeds return
  // that step again with consumed = 0.
  DecodeStep feed(std::span<const uint8_t> bytes);
  DecodeStep feed(std::string_view bytes) {
    return feed(std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  }
  // The stream ended: kProxyIncomplete unless the header was already complete or invalid.
  DecodeStep finish();

  // REQUIRES: the last step was kComplete, or kInvalid with kProxyCrcMismatch (has_header()).
  const ProxyHeader& header() const { return header_; }
  bool has_header() const { return has_header_; }

 private:
  DecodeStep feed_v1(std::span<const uint8_t> bytes);
  DecodeStep feed_v2(std::span<const uint8_t> bytes);
  DecodeStep settle(DecodeStep step);

  ProxyHeader header_;
  AcceptedVersions accepted_;
  std::size_t v2_total_ = 0;  // 16 + length field, once the fixed part is in
  bool has_header_ = false;
  std::optional<DecodeStep> final_;
};

// Names used by logs and the CLI JSON: "PROXY"/"LOCAL"; "TCP4"/"TCP6"/"UNIX"/"UNSPEC", and
// "UNKNOWN" for a v1 UNKNOWN line; "STREAM"/"DGRAM"/"UNSPEC"; "verified"/"mismatch"/"absent".
std::string_view proxy_command_name(ProxyCommand command);
std::string_view proxy_family_name(ProxyVersion version, ProxyFamily family);
std::string_view proxy_transport_name(ProxyTransport transport);
std::string_view crc_status_name(CrcStatus status);

}  // namespace doorman
