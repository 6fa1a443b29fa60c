// Tasmota's own discovery (SetOption19 0, the default): a retained JSON config per device on
// tasmota/discovery/<MAC>/config, naming its topic and the kind of each relay, and its sensor
// readings on .../sensors.
#include "hearth/discovery.hpp"

#include "devices/common.hpp"

namespace hearth::discovery {
namespace {

using nlohmann::json;

// Relay kinds in "rl": 0 none, 1 relay, 2 light, 3 shutter (two relays per shutter).
constexpr int relay_plain = 1;
constexpr int relay_light = 2;

bool has_temperature(const json& j, int depth = 0) {
    if (depth > 4 || !j.is_object()) return false;
    for (const auto& [key, value] : j.items()) {
        if (key == "Temperature" && value.is_number()) return true;
        if (value.is_object() && has_temperature(value, depth + 1)) return true;
    }
    return false;
}

}  // namespace

Translation from_tasmota(const std::string& topic, const std::string& config_payload,
                         const std::string& sensors_payload) {
    Translation out;
    const auto config = devices::parse_object(config_payload);
    if (!config) {
        out.error = "expected a JSON object";
        return out;
    }
    const std::string device_topic = devices::text(*config, "t").value_or("");
    const std::string mac = devices::text(*config, "mac").value_or("");
    const std::string device_name = devices::text(*config, "dn").value_or(device_topic);
    if (device_topic.empty() || mac.empty()) {
        out.error = "no topic (\"t\") or MAC (\"mac\")";
        return out;
    }
    if (device_topic.find_first_of("/+#") != std::string::npos) {
        out.error = "the topic \"" + device_topic + "\" is not one topic level";
        return out;
    }

    // SetOption30 1 announces every relay as a light.
    bool relays_are_lights = false;
    if (auto so = config->find("so"); so != config->end() && so->is_object())
        relays_are_lights = devices::number(*so, "30").value_or(0) == 1;

    std::vector<std::pair<std::size_t, int>> relays;  // index, kind
    if (auto rl = config->find("rl"); rl != config->end() && rl->is_array()) {
        for (std::size_t i = 0; i < rl->size() && i < 32; ++i) {
            const json& kind = (*rl)[i];
            if (!kind.is_number_integer()) continue;
            const int k = kind.get<int>();
            if (k == relay_plain || k == relay_light) relays.emplace_back(i, k);
        }
    }
    const json* names = nullptr;
    if (auto fn = config->find("fn"); fn != config->end() && fn->is_array()) names = &*fn;

    for (const auto& [index, kind] : relays) {
        Announced a;
        a.device.protocol = Protocol::tasmota;
        a.device.type = kind == relay_light || relays_are_lights ? DeviceType::light : DeviceType::switch_;
        a.device.topic = device_topic;
        // POWER<n> is 1-based; a device with one relay answers on plain POWER.
        a.device.channel = relays.size() == 1 && index == 0 ? "" : std::to_string(index + 1);
        std::string name;
        if (names && index < names->size() && (*names)[index].is_string()) name = (*names)[index].get<std::string>();
        if (name.empty()) name = relays.size() == 1 ? device_name : device_name + " " + std::to_string(index + 1);
        a.device.name = name;
        a.device.discovered_by = "tasmota";
        a.hardware_id = mac + "/" + std::to_string(index + 1);
        out.devices.push_back(std::move(a));
    }

    if (!sensors_payload.empty()) {
        if (auto sensors = devices::parse_object(sensors_payload)) {
            auto sn = sensors->find("sn");
            if (sn != sensors->end() && has_temperature(*sn)) {
                Announced a;
                a.device.protocol = Protocol::tasmota;
                a.device.type = DeviceType::sensor;
                a.device.topic = device_topic;
                a.device.name = device_name + " temperature";
                a.device.discovered_by = "tasmota";
                a.hardware_id = mac + "/sensor";
                out.devices.push_back(std::move(a));
            }
        }
    }
    if (out.devices.empty())
        out.skipped.push_back({topic, "no relay, light or temperature sensor announced"});
    return out;
}

}  // namespace hearth::discovery
