// The systemd notify protocol (sd_notify(3), via libsystemd): doorman runs as Type=notify and
// tells the service manager when it is ready (listeners open), reloading (a new configuration
// being applied, with MONOTONIC_USEC as Type=notify-reload on systemd >= 253 wants) and
// stopping (draining). Outside systemd ($NOTIFY_SOCKET unset) every call does nothing.
// Thread safety: any thread (libsystemd opens a datagram socket per call).
#pragma once

#include <string_view>

namespace doorman::runtime {

void notify_ready(std::string_view status);
void notify_reloading();
void notify_stopping();
void notify_status(std::string_view status);

}  // namespace doorman::runtime
