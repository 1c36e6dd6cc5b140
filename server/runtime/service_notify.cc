#include "runtime/service_notify.h"

#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include <string>

namespace doorman::runtime {
namespace {

void send(const std::string& message) {
  // unset_environment = 0: a reload later notifies through the same socket.
  sd_notify(0, message.c_str());
}

}  // namespace

void notify_ready(std::string_view status) {
  send("READY=1\nSTATUS=" + std::string(status) + "\nMAINPID=" + std::to_string(::getpid()));
}

void notify_reloading() {
  // systemd.service(5), Type=notify-reload: RELOADING=1 with the CLOCK_MONOTONIC time in
  // microseconds, then READY=1 when the new configuration is in force.
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  const long long usec = static_cast<long long>(ts.tv_sec) * 1'000'000 + ts.tv_nsec / 1000;
  send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec));
}

void notify_stopping() {
  send("STOPPING=1\nSTATUS=draining");
}

void notify_status(std::string_view status) {
  send("STATUS=" + std::string(status));
}

}  // namespace doorman::runtime
