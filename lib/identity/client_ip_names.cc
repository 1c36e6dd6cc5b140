// The stable names of the client-IP enums (config values, log fields, JSON) and TrustedHops.
#include <algorithm>

#include "doorman/client_ip.h"

namespace doorman {
namespace {

template <typename Enum, std::size_t N>
std::optional<Enum> find_by_name(const std::pair<Enum, std::string_view> (&table)[N],
                                 std::string_view name) {
  for (const auto& [value, text] : table)
    if (text == name) return value;
  return std::nullopt;
}

template <typename Enum, std::size_t N>
std::string_view name_of(const std::pair<Enum, std::string_view> (&table)[N], Enum value) {
  for (const auto& [v, text] : table)
    if (v == value) return text;
  return "unknown";
}

constexpr std::pair<SourceIpMode, std::string_view> kModes[] = {
    {SourceIpMode::kAuto, "auto"},
    {SourceIpMode::kDirect, "direct"},
    {SourceIpMode::kCloudflareProxy, "cloudflare-proxy"},
    {SourceIpMode::kTrustedProxy, "trusted-proxy"},
    {SourceIpMode::kCloudflareTunnel, "cloudflare-tunnel"},
    {SourceIpMode::kFastlyProxy, "fastly-proxy"},
};

constexpr std::pair<ForwardedHeaderChoice, std::string_view> kChoices[] = {
    {ForwardedHeaderChoice::kAny, "any"},
    {ForwardedHeaderChoice::kXForwardedFor, "x-forwarded-for"},
    {ForwardedHeaderChoice::kForwarded, "forwarded"},
};

constexpr std::pair<ClientIpSource, std::string_view> kSources[] = {
    {ClientIpSource::kPeer, "peer"},
    {ClientIpSource::kCfConnectingIp, "cf-connecting-ip"},
    {ClientIpSource::kXForwardedFor, "x-forwarded-for"},
    {ClientIpSource::kForwarded, "forwarded"},
    {ClientIpSource::kProxyProtocol, "proxy-protocol"},
    {ClientIpSource::kFastlyClientIp, "fastly-client-ip"},
};

constexpr std::pair<ClientIpReason, std::string_view> kReasons[] = {
    {ClientIpReason::kOk, "ok"},
    {ClientIpReason::kNotCloudflare, "not-cloudflare"},
    {ClientIpReason::kMissingCfConnectingIp, "missing-cf-connecting-ip"},
    {ClientIpReason::kInvalidCfConnectingIp, "invalid-cf-connecting-ip"},
    {ClientIpReason::kUntrustedPeer, "untrusted-peer"},
    {ClientIpReason::kMissingForwardingHeader, "missing-forwarding-header"},
    {ClientIpReason::kConflictingForwardingHeaders, "conflicting-forwarding-headers"},
    {ClientIpReason::kTrustedHopsMismatch, "trusted-hops-mismatch"},
    {ClientIpReason::kUnparsableForwardingElement, "unparsable-forwarding-element"},
    {ClientIpReason::kNotFastly, "not-fastly"},
    {ClientIpReason::kMissingFastlyClientIp, "missing-fastly-client-ip"},
    {ClientIpReason::kInvalidFastlyClientIp, "invalid-fastly-client-ip"},
    {ClientIpReason::kNoOriginPullCertificate, "no-origin-pull-certificate"},
    {ClientIpReason::kBadOriginPullCertificate, "bad-origin-pull-certificate"},
};

constexpr std::pair<ProtoSource, std::string_view> kProtoSources[] = {
    {ProtoSource::kDefault, "default"},
    {ProtoSource::kTls, "tls"},
    {ProtoSource::kXForwardedProto, "x-forwarded-proto"},
    {ProtoSource::kForwarded, "forwarded"},
    {ProtoSource::kCfVisitor, "cf-visitor"},
};

}  // namespace

std::string_view source_ip_mode_name(SourceIpMode mode) {
  return name_of(kModes, mode);
}
std::optional<SourceIpMode> parse_source_ip_mode(std::string_view name) {
  return find_by_name(kModes, name);
}

std::string_view forwarded_header_choice_name(ForwardedHeaderChoice choice) {
  return name_of(kChoices, choice);
}
std::optional<ForwardedHeaderChoice> parse_forwarded_header_choice(std::string_view name) {
  return find_by_name(kChoices, name);
}

std::string_view client_ip_source_name(ClientIpSource source) {
  return name_of(kSources, source);
}
std::string_view client_ip_reason_name(ClientIpReason reason) {
  return name_of(kReasons, reason);
}
std::string_view proto_source_name(ProtoSource source) {
  return name_of(kProtoSources, source);
}

TrustedHops& TrustedHops::operator=(const TrustedHops& other) {
  size_ = other.size_;
  std::copy(other.hops_, other.hops_ + other.size_, hops_);
  return *this;
}

}  // namespace doorman
