#include "daemon/systemd_notifier.hpp"

#include <systemd/sd-daemon.h>
#include <time.h>

#include <string>

namespace hearth {

SystemdNotifier::SystemdNotifier(asio::io_context& io) : timer_(io) {}

void SystemdNotifier::ready(const std::string& status_text) {
    sd_notify(0, ("READY=1\nSTATUS=" + status_text).c_str());
}

void SystemdNotifier::reloading() {
    // systemd 253+ wants MONOTONIC_USEC with RELOADING=1; older versions ignore it.
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    const auto usec = static_cast<unsigned long long>(now.tv_sec) * 1000000ULL +
                      static_cast<unsigned long long>(now.tv_nsec) / 1000ULL;
    sd_notify(0, ("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec)).c_str());
}

void SystemdNotifier::stopping() { sd_notify(0, "STOPPING=1"); }

void SystemdNotifier::status(const std::string& text) { sd_notify(0, ("STATUS=" + text).c_str()); }

std::chrono::microseconds SystemdNotifier::start_watchdog() {
    uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::chrono::microseconds(0);
    // Twice per period, as sd_watchdog_enabled(3) recommends.
    period_ = std::chrono::microseconds(usec / 2);
    beat();
    return period_;
}

void SystemdNotifier::stop_watchdog() {
    timer_.cancel();
    period_ = std::chrono::microseconds(0);
}

void SystemdNotifier::beat() {
    sd_notify(0, "WATCHDOG=1");
    timer_.expires_after(period_);
    timer_.async_wait([this](const asio::error_code& ec) {
        if (!ec && period_.count() > 0) beat();
    });
}

}  // namespace hearth
