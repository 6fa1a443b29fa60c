// hearthd's core: one asio::io_context owns the configuration, the broker connection and the
// control socket. Nothing here is shared between threads.
#pragma once

#include "hearth/config.hpp"

#include <memory>
#include <optional>
#include <string>

namespace hearth {

struct DaemonOptions {
    std::string config_path;
    std::optional<LogLevel> log_level_override;  // --log-level beats logging.level
    std::optional<std::string> control_socket_override;  // --control-socket beats control.socket
};

// Loads the configuration, runs until SIGTERM or SIGINT, and returns the process exit code:
// 0 after a clean stop, 2 when the configuration is invalid, 1 when the hub cannot start.
int run_daemon(const DaemonOptions& options);

}  // namespace hearth
