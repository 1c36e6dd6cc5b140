#include "acme/challenges.h"

namespace doorman::acme {

Challenges& Challenges::shared() {
  static Challenges* instance = new Challenges();  // never destroyed: workers may still look
  return *instance;
}

void Challenges::add_http01(std::string token, std::string key_authorization) {
  std::lock_guard lock(mutex_);
  http01_[std::move(token)] = std::move(key_authorization);
}

void Challenges::remove_http01(std::string_view token) {
  std::lock_guard lock(mutex_);
  if (auto it = http01_.find(token); it != http01_.end()) http01_.erase(it);
}

std::optional<std::string> Challenges::http01(std::string_view token) const {
  std::lock_guard lock(mutex_);
  if (auto it = http01_.find(token); it != http01_.end()) return it->second;
  return std::nullopt;
}

void Challenges::add_alpn(std::string name, std::shared_ptr<SSL_CTX> ctx) {
  std::lock_guard lock(mutex_);
  alpn_[std::move(name)] = std::move(ctx);
}

void Challenges::remove_alpn(std::string_view name) {
  std::lock_guard lock(mutex_);
  if (auto it = alpn_.find(name); it != alpn_.end()) alpn_.erase(it);
}

std::shared_ptr<SSL_CTX> Challenges::alpn(std::string_view name) const {
  std::lock_guard lock(mutex_);
  if (auto it = alpn_.find(name); it != alpn_.end()) return it->second;
  return nullptr;
}

}  // namespace doorman::acme
