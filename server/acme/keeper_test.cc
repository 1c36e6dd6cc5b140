// Keeper's renewal decision for a held certificate: the renewal time, or at once when the held
// key is not of the configured key_type.
#include "acme/keeper.h"

#include <gtest/gtest.h>

#include "acme/renewal.h"

namespace doorman::acme {
namespace {

using std::chrono::days;

const Clock::time_point kIssued = Clock::from_time_t(1'800'000'000);

Keeper keeper_with(config::AcmeKeyType type) {
  config::AcmeSection settings;
  settings.enabled = true;
  settings.key_type = type;
  settings.state_dir = "/nonexistent/doorman-keeper-test";  // never touched by these calls
  return Keeper(
      settings, [](const std::string&) {}, [](std::chrono::milliseconds) { return false; });
}

CertificateSummary held(std::string key_type) {
  CertificateSummary s;
  s.name = "a.example.com";
  s.not_before = kIssued;
  s.not_after = kIssued + days(90);
  s.key_type = std::move(key_type);
  return s;
}

TEST(KeeperRenewalDue, MatchingKeyRenewsAtTheRenewalTime) {
  const Keeper ec = keeper_with(config::AcmeKeyType::kEcdsaP256);
  EXPECT_EQ(ec.key_type(), "ecdsa-p256");
  EXPECT_FALSE(ec.key_type_changed(held("ecdsa-p256")));
  EXPECT_EQ(ec.renewal_due(held("ecdsa-p256"), 0.0), kIssued + days(60));
  EXPECT_EQ(ec.renewal_due(held("ecdsa-p256"), 0.5),
            renewal_time(kIssued, kIssued + days(90), 0.5));
  const Keeper rsa = keeper_with(config::AcmeKeyType::kRsa2048);
  EXPECT_EQ(rsa.key_type(), "rsa2048");
  EXPECT_FALSE(rsa.key_type_changed(held("rsa2048")));
  EXPECT_EQ(rsa.renewal_due(held("rsa2048"), 0.0), kIssued + days(60));
}

TEST(KeeperRenewalDue, ChangedKeyTypeIsDueAtOnce) {
  struct Case {
    config::AcmeKeyType configured;
    const char* held_key;
  };
  const Case cases[] = {
      {config::AcmeKeyType::kEcdsaP256, "rsa2048"},
      {config::AcmeKeyType::kRsa2048, "ecdsa-p256"},
      {config::AcmeKeyType::kRsa2048, "rsa4096"},  // by hand, or another client
      {config::AcmeKeyType::kEcdsaP256, "ecdsa-p384"},
      {config::AcmeKeyType::kEcdsaP256, "other"},
      {config::AcmeKeyType::kEcdsaP256, ""},
  };
  for (const Case& c : cases) {
    const Keeper k = keeper_with(c.configured);
    EXPECT_TRUE(k.key_type_changed(held(c.held_key))) << c.held_key;
    // Due since the certificate began: whatever the clock says now, it is past.
    EXPECT_EQ(k.renewal_due(held(c.held_key), 0.3), kIssued) << c.held_key;
  }
}

}  // namespace
}  // namespace doorman::acme
