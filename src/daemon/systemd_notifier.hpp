// Tells systemd about the daemon's life (Type=notify): ready, reloading, stopping, and the
// watchdog heartbeat. The heartbeat is a timer on the event loop itself, so a loop that hangs
// stops the heartbeat and systemd restarts the daemon. Outside systemd every call is a no-op.
#pragma once

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include <chrono>
#include <string>

namespace hearth {

class SystemdNotifier {
public:
    explicit SystemdNotifier(asio::io_context& io);

    void ready(const std::string& status);
    void reloading();
    void stopping();
    void status(const std::string& text);

    // Starts the heartbeat when systemd asked for one (WatchdogSec=); returns its period.
    std::chrono::microseconds start_watchdog();
    void stop_watchdog();

private:
    void beat();

    asio::steady_timer timer_;
    std::chrono::microseconds period_{0};
};

}  // namespace hearth
