#include "support/hub.hpp"

#include "hearth/control.hpp"

#include <stdexcept>

namespace hearth::test {

std::string small_house_yaml(int port, const std::string& socket_path, const std::string& prefix,
                             const std::string& extra_devices, const std::string& mqtt_options) {
    return "language: en\n"
           "mqtt:\n"
           "  host: 127.0.0.1\n"
           "  port: " + std::to_string(port) + "\n"
           "  prefix: " + prefix + "\n"
           "  client_id: hearth-test\n"
           "  keepalive: 5\n" +
           mqtt_options +
           "control:\n"
           "  socket: " + socket_path + "\n"
           "floors:\n"
           "  - id: ground_floor\n"
           "  - id: first_floor\n"
           "areas:\n"
           "  - id: kitchen\n"
           "    floor: ground_floor\n"
           "  - id: hallway\n"
           "    floor: ground_floor\n"
           "  - id: bedroom\n"
           "    floor: first_floor\n"
           "devices:\n"
           "  - id: kitchen_ceiling\n"
           "    type: light\n"
           "    area: kitchen\n"
           "    protocol: zigbee2mqtt\n"
           "    topic: Kitchen ceiling\n"
           "  - id: hallway_switch\n"
           "    type: switch\n"
           "    area: hallway\n"
           "    protocol: tasmota\n"
           "    topic: hallway_relay\n"
           "  - id: bedroom_trv\n"
           "    type: thermostat\n"
           "    area: bedroom\n"
           "    protocol: zigbee2mqtt\n"
           "    topic: Bedroom radiator\n"
           "  - id: front_door\n"
           "    type: lock\n"
           "    area: hallway\n"
           "    protocol: zigbee2mqtt\n"
           "    topic: Front door\n" +
           extra_devices;
}

Hub::Hub(const Broker& broker, std::string prefix, std::map<std::string, std::string> environment,
         const std::string& mqtt_options)
    : port_(broker.port()), prefix_(std::move(prefix)), environment_(std::move(environment)) {
    socket_path_ = dir_.file("hearth.sock");
    config_path_ = dir_.write("hearth.yaml", small_house_yaml(port_, socket_path_, prefix_, "", mqtt_options));
}

Hub::~Hub() = default;

void Hub::write_config(const std::string& yaml) { dir_.write("hearth.yaml", yaml); }

void Hub::start() {
    process_ = std::make_unique<Process>(
        std::vector<std::string>{build_path("hearthd"), "--config", config_path_, "--log-level", log_level_},
        dir_.file("hearthd.log"), environment_);
    if (!wait_socket(std::chrono::seconds(10)))
        throw std::runtime_error("hearthd did not open its control socket:\n" + output());
}

bool Hub::wait_socket(std::chrono::milliseconds timeout) const {
    return eventually(
        [&] {
            std::string error;
            return control_request(socket_path_, {{"command", "status"}}, std::chrono::milliseconds(500), error)
                .has_value();
        },
        timeout);
}

nlohmann::json Hub::request(const nlohmann::json& request) const {
    std::string error;
    auto reply = control_request(socket_path_, request, std::chrono::seconds(5), error);
    if (!reply) throw std::runtime_error("control request failed: " + error);
    return *reply;
}

}  // namespace hearth::test
