// hearthd: the Hearth smart-home hub daemon.
#include "core/log.hpp"
#include "hearth/config_loader.hpp"
#include "hearth/daemon.hpp"

#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <string_view>

namespace {

constexpr const char* usage = R"(usage: hearthd [--config FILE] [--log-level LEVEL] [--control-socket PATH]
       hearthd --check-config FILE
       hearthd --version

  --config FILE        the configuration to run with (default /etc/hearth/hearth.yaml)
  --check-config FILE  validate FILE, print every problem as FILE:LINE:COLUMN: error: MESSAGE,
                       and exit 0 when it is valid or 2 when it is not
  --log-level LEVEL    trace, debug, info, warn, error or off; overrides logging.level
  --control-socket PATH  where to create the control socket; overrides control.socket
  --version            print the version

Signals: SIGHUP reloads the configuration (an invalid file is reported and the running
configuration kept); SIGTERM or SIGINT stops the hub cleanly.
)";

int check_config(const std::string& path) {
    const hearth::LoadResult result = hearth::load_config(path);
    for (const auto& d : result.diagnostics) std::cerr << d.format() << '\n';
    if (!result.ok()) {
        std::cerr << path << ": " << result.error_count() << " error(s)\n";
        return 2;
    }
    const auto& c = *result.config;
    std::cout << path << ": OK (" << c.floors.size() << " floors, " << c.areas.size() << " areas, "
              << c.devices.size() << " devices)\n";
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    hearth::DaemonOptions options;
    options.config_path = "/etc/hearth/hearth.yaml";
    std::optional<std::string> check_path;

    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        auto value = [&](std::string_view name) -> std::optional<std::string> {
            if (i + 1 >= argc) {
                std::cerr << "hearthd: " << name << " needs a value\n" << usage;
                return std::nullopt;
            }
            return std::string(argv[++i]);
        };
        if (arg == "--help" || arg == "-h") {
            std::cout << usage;
            return 0;
        } else if (arg == "--version") {
            std::cout << "hearthd " << HEARTH_VERSION << '\n';
            return 0;
        } else if (arg == "--config" || arg == "-c") {
            auto v = value(arg);
            if (!v) return 2;
            options.config_path = *v;
        } else if (arg == "--check-config") {
            auto v = value(arg);
            if (!v) return 2;
            check_path = *v;
        } else if (arg == "--control-socket") {
            auto v = value(arg);
            if (!v) return 2;
            options.control_socket_override = *v;
        } else if (arg == "--log-level") {
            auto v = value(arg);
            if (!v) return 2;
            options.log_level_override = hearth::log::parse_level(*v);
            if (!options.log_level_override) {
                std::cerr << "hearthd: unknown log level '" << *v << "' (trace, debug, info, warn, error, off)\n";
                return 2;
            }
        } else {
            std::cerr << "hearthd: unknown argument '" << arg << "'\n" << usage;
            return 2;
        }
    }

    if (check_path) return check_config(*check_path);
    hearth::log::setup(options.log_level_override.value_or(hearth::LogLevel::info));
    return hearth::run_daemon(options);
}
