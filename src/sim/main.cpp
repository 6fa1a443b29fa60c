// hearth-sim: the device simulator. Plays every device of a configuration on the broker, or,
// given a control command, sends that one command to a running simulator and exits.
#include "core/log.hpp"
#include "hearth/config_loader.hpp"
#include "hearth/mqtt_client.hpp"
#include "sim/payload.hpp"
#include "sim/simulator.hpp"

#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>

#include <unistd.h>

#include <csignal>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr const char* usage = R"(usage: hearth-sim [OPTIONS]                          play every configured device
       hearth-sim [OPTIONS] press DEVICE_ID [ACTION]    press a button (single, double, triple, hold, release)
       hearth-sim [OPTIONS] jam DEVICE_ID [on|off]      jam a lock (on, the default) or free it (off)
       hearth-sim [OPTIONS] toggle DEVICE_ID            flip a light or switch as its wall switch would
       hearth-sim [OPTIONS] outside CELSIUS             set the outside temperature

The control commands publish one message to the running simulator (hearth-sim/<command>/...)
and exit 0, or exit 1 when the device is unknown, cannot do that, or the broker is unreachable.

  --config FILE            the Hearth configuration to play (default /etc/hearth/hearth.yaml)
  --host HOST              the broker's address; overrides mqtt.host
  --port PORT              the broker's port; overrides mqtt.port
  --log-level LEVEL        trace, debug, info, warn, error or off; overrides logging.level
  --report-interval SECS   how often sensors and telemetry report (default 30)
  --speed FACTOR           simulated seconds per real second for the thermal model (default 1)
  --outside CELSIUS        the outside temperature (default 5)
  --lock-seconds SECS      how long a lock takes to lock or unlock (default 1)
  --help                   this text
  --version                the version

SIGTERM or SIGINT marks every device offline and stops cleanly.
)";

struct Arguments {
    std::string config_path = "/etc/hearth/hearth.yaml";
    std::optional<std::string> host;
    std::optional<int> port;
    std::optional<hearth::LogLevel> log_level;
    hearth::sim::SimOptions options;
    std::vector<std::string> command;  // press DEVICE [ACTION], jam DEVICE [on|off], ...
};

std::optional<double> number_in(const std::string& text, double low, double high) {
    const auto n = hearth::sim::parse_number(text);
    if (!n || *n < low || *n > high) return std::nullopt;
    return n;
}

// Nothing when the arguments are usable, else the exit status (0 for --help, 2 for a mistake).
std::optional<int> parse_arguments(int argc, char** argv, Arguments& a) {
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        auto value = [&]() -> std::optional<std::string> {
            if (i + 1 >= argc) {
                std::cerr << "hearth-sim: " << arg << " needs a value\n";
                return std::nullopt;
            }
            return std::string(argv[++i]);
        };
        auto bad = [&](const std::string& v, const char* expected) {
            std::cerr << "hearth-sim: " << arg << " takes " << expected << ", not '" << v << "'\n";
            return 2;
        };
        if (arg == "--help" || arg == "-h") {
            std::cout << usage;
            return 0;
        }
        if (arg == "--version") {
            std::cout << "hearth-sim " << HEARTH_VERSION << '\n';
            return 0;
        }
        if (arg.size() > 2 && arg.substr(0, 2) == "--") {
            const auto v = value();
            if (!v) return 2;
            if (arg == "--config") {
                a.config_path = *v;
            } else if (arg == "--host") {
                if (v->empty()) return bad(*v, "a host name or address");
                a.host = *v;
            } else if (arg == "--port") {
                const auto n = number_in(*v, 1, 65535);
                if (!n || *n != static_cast<int>(*n)) return bad(*v, "a port number (1-65535)");
                a.port = static_cast<int>(*n);
            } else if (arg == "--log-level") {
                a.log_level = hearth::log::parse_level(*v);
                if (!a.log_level) return bad(*v, "trace, debug, info, warn, error or off");
            } else if (arg == "--report-interval") {
                const auto n = number_in(*v, 0.05, 86400);
                if (!n) return bad(*v, "seconds (0.05-86400)");
                a.options.report_interval = std::chrono::milliseconds(static_cast<long>(*n * 1000));
            } else if (arg == "--speed") {
                const auto n = number_in(*v, 0.001, 1e6);
                if (!n) return bad(*v, "a factor (0.001-1000000)");
                a.options.speed = *n;
            } else if (arg == "--outside") {
                const auto n = number_in(*v, -60, 60);
                if (!n) return bad(*v, "degrees Celsius (-60 to 60)");
                a.options.outside_celsius = *n;
            } else if (arg == "--lock-seconds") {
                const auto n = number_in(*v, 0, 600);
                if (!n) return bad(*v, "seconds (0-600)");
                a.options.lock_travel = std::chrono::milliseconds(static_cast<long>(*n * 1000));
            } else {
                std::cerr << "hearth-sim: unknown option '" << arg << "'\n" << usage;
                return 2;
            }
            continue;
        }
        a.command.emplace_back(arg);
    }
    return std::nullopt;
}

// Sends one control message on a connection of its own and waits until it is handed to the
// broker. Its QoS 1 PUBLISH precedes the DISCONNECT on the same stream, so the running
// simulator gets it even though this process leaves at once.
int send_control(const hearth::Config& config, const hearth::sim::ControlMessage& message) {
    asio::io_context io(1);
    hearth::MqttSettings settings = config.mqtt;
    settings.client_id = config.mqtt.client_id + "-simctl-" + std::to_string(::getpid());
    hearth::MqttClient client(io, settings, std::nullopt);
    asio::steady_timer deadline(io);
    bool sent = false;
    bool finishing = false;
    client.on_connected([&] {
        // Out of libmosquitto's callback first: stop() tears the connection down.
        asio::post(io, [&] {
            if (finishing) return;
            finishing = true;
            client.stop(hearth::MqttMessage{message.topic, message.payload, 1, false}, std::chrono::seconds(2), [&] {
                sent = true;
                deadline.cancel();
                io.stop();
            });
        });
    });
    deadline.expires_after(std::chrono::seconds(5));
    deadline.async_wait([&](const asio::error_code& ec) {
        if (ec || finishing) return;
        finishing = true;
        const std::string why = client.status().last_error;
        std::cerr << "hearth-sim: cannot reach the broker at " << settings.host << ':' << settings.port
                  << (why.empty() ? "" : " (" + why + ")") << '\n';
        client.stop(std::nullopt, std::chrono::milliseconds(100), [&] { io.stop(); });
    });
    client.start();
    io.run();
    if (sent) std::cout << "sent " << message.topic << (message.payload.empty() ? "" : " " + message.payload) << '\n';
    return sent ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    Arguments args;
    if (const auto status = parse_arguments(argc, argv, args)) return *status;

    const bool control = !args.command.empty();
    hearth::log::setup(args.log_level.value_or(control ? hearth::LogLevel::warn : hearth::LogLevel::info));

    hearth::LoadResult result = hearth::load_config(args.config_path);
    for (const auto& d : result.diagnostics) std::cerr << d.format() << '\n';
    if (!result.ok()) {
        std::cerr << "hearth-sim: " << args.config_path << " has " << result.error_count() << " error(s)\n";
        return 2;
    }
    hearth::Config config = std::move(*result.config);
    if (args.host) config.mqtt.host = *args.host;
    if (args.port) config.mqtt.port = *args.port;
    if (!args.log_level && !control) hearth::log::set_level(config.logging.level);

    if (control) {
        const std::string& verb = args.command[0];
        const bool known = verb == "press" || verb == "jam" || verb == "toggle" || verb == "outside";
        if (!known || args.command.size() < 2 || args.command.size() > 3 || (verb != "press" && verb != "jam" && args.command.size() > 2)) {
            std::cerr << "hearth-sim: expected press DEVICE_ID [ACTION], jam DEVICE_ID [on|off], toggle DEVICE_ID "
                         "or outside CELSIUS\n";
            return 2;
        }
        const std::string argument = args.command.size() > 2 ? args.command[2] : "";
        std::string error;
        const auto message = hearth::sim::make_control(config, verb, args.command[1], argument, error);
        if (!message) {
            std::cerr << "hearth-sim: " << error << '\n';
            return 1;
        }
        return send_control(config, *message);
    }

    asio::io_context io(1);
    hearth::sim::Simulator simulator(io, std::move(config), args.options);
    asio::signal_set signals(io, SIGTERM, SIGINT);
    signals.async_wait([&](const asio::error_code& ec, int signal) {
        if (ec) return;
        spdlog::info("{}: stopping", signal == SIGTERM ? "SIGTERM" : "SIGINT");
        simulator.stop([&] { io.stop(); });
    });
    simulator.start();
    io.run();
    return 0;
}
