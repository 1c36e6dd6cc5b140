// AcmeService: the server's ACME thread. It keeps a certificate for every host name of the
// configuration's routes (config::acme_host_names) on the listeners with certificates = "acme".
//
// Contract:
// - start() publishes every certificate the state directory holds (so a restart serves them
//   from the first handshake, with no order) and returns; the thread then obtains what is
//   missing and renews
//   what is due (acme/renewal.h: two thirds of the lifetime with jitter, or the server's ARI
//   window, asked after an issuance, at start and when its Retry-After says), one host at a
//   time. A host without a certificate is refused at the handshake
//   (tls/tls_context.h) until its certificate arrives; nothing else waits for it.
// - A failure is logged with the ACME problem document and retried after
//   retry_delay(failures, [acme] retry_after, 6 h); other hosts are not held up.
// - Only the process holding the state lock (state_dir.h) talks to the ACME server; another
//   process sharing the directory serves the certificates the holder writes (re-read when the
//   files change) and takes over the lock if the holder goes away.
// - `doorman certs renew NAME` leaves NAME.renew in the certificates directory; the holder
//   renews that host within a second or two and removes the file.
// - update() (a reload) hands over new settings and names; certificates already held stay
//   published. The destructor stops the thread (an order in progress is abandoned at its next
//   poll) and joins it.
// Lines go to stderr as "doorman: acme: ...".
// Thread safety: start/update/destructor from the main thread only.
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "config/acme_config.h"

namespace doorman::acme {

class AcmeService {
 public:
  AcmeService(config::AcmeSection settings, std::vector<std::string> names);
  ~AcmeService();
  AcmeService(const AcmeService&) = delete;
  AcmeService& operator=(const AcmeService&) = delete;

  void start();
  void update(config::AcmeSection settings, std::vector<std::string> names);

 private:
  void run();
  void serve_generation(const config::AcmeSection& settings, const std::vector<std::string>& names);
  // Sleeps up to `d`; false when stopping (or, with `or_changed`, when update() was called).
  bool wait(std::chrono::milliseconds d, bool or_changed = false);

  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool changed_ = false;
  config::AcmeSection settings_;
  std::vector<std::string> names_;
  std::thread thread_;
};

}  // namespace doorman::acme
