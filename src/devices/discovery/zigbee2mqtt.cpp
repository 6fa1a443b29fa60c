// Zigbee2MQTT's device list: <base>/bridge/devices, an array of every paired device with its
// capabilities ("exposes"), republished whenever a device joins, leaves or is renamed.
#include "hearth/discovery.hpp"

#include "devices/common.hpp"

#include <set>

namespace hearth::discovery {
namespace {

using nlohmann::json;

std::string text_of(const json& object, std::string_view key) {
    return devices::text(object, key).value_or("");
}

// The capability types Zigbee2MQTT groups features under, and what each is to the hub.
std::optional<DeviceType> specific_type(const std::string& type) {
    if (type == "light") return DeviceType::light;
    if (type == "switch") return DeviceType::switch_;
    if (type == "lock") return DeviceType::lock;
    if (type == "climate") return DeviceType::thermostat;
    return std::nullopt;
}

struct Capabilities {
    std::vector<std::pair<DeviceType, std::string>> outputs;  // type, endpoint ("" for the device)
    bool action = false;
    bool measures = false;  // temperature, humidity, contact or occupancy
};

Capabilities capabilities(const json& exposes) {
    Capabilities c;
    if (!exposes.is_array()) return c;
    std::set<std::pair<int, std::string>> seen;
    for (const json& e : exposes) {
        if (!e.is_object()) continue;
        const std::string type = text_of(e, "type");
        if (auto t = specific_type(type)) {
            const std::string endpoint = text_of(e, "endpoint");
            if (seen.emplace(static_cast<int>(*t), endpoint).second) c.outputs.emplace_back(*t, endpoint);
            continue;
        }
        const std::string property = text_of(e, "property");
        if (type == "enum" && property == "action") c.action = true;
        if (property == "temperature" || property == "humidity" || property == "contact" || property == "occupancy")
            c.measures = true;
    }
    return c;
}

}  // namespace

Translation from_zigbee2mqtt(const std::string& topic, const std::string& payload) {
    Translation out;
    const json list = json::parse(payload, nullptr, false);
    if (list.is_discarded() || !list.is_array()) {
        out.error = "expected a JSON array of devices";
        return out;
    }
    for (const json& entry : list) {
        if (!entry.is_object()) continue;
        const std::string name = text_of(entry, "friendly_name");
        const std::string ieee = text_of(entry, "ieee_address");
        const std::string where = topic + " [" + (name.empty() ? ieee : name) + "]";
        if (text_of(entry, "type") == "Coordinator") continue;  // the USB stick itself
        if (name.empty() || ieee.empty()) {
            out.skipped.push_back({where, "no friendly_name or ieee_address"});
            continue;
        }
        if (devices::boolean(entry, "disabled").value_or(false)) {
            out.skipped.push_back({where, "disabled in Zigbee2MQTT"});
            continue;
        }
        const auto definition = entry.find("definition");
        if (definition == entry.end() || !definition->is_object()) {
            out.skipped.push_back({where, "not interviewed or not supported by Zigbee2MQTT (no definition)"});
            continue;
        }
        const auto exposes = definition->find("exposes");
        const Capabilities caps = capabilities(exposes == definition->end() ? json() : *exposes);

        auto announce = [&](DeviceType type, const std::string& endpoint) {
            Announced a;
            a.device.protocol = Protocol::zigbee2mqtt;
            a.device.type = type;
            a.device.topic = name;
            a.device.channel = endpoint;
            a.device.name = endpoint.empty() ? name : name + " " + endpoint;
            a.device.discovered_by = "zigbee2mqtt";
            a.hardware_id = endpoint.empty() ? ieee : ieee + "/" + endpoint;
            out.devices.push_back(std::move(a));
        };
        if (!caps.outputs.empty()) {
            // One device per output. An output with an endpoint has its properties suffixed with it
            // (state_l1), which is what a device's channel means to the adapter.
            for (const auto& [type, endpoint] : caps.outputs) announce(type, endpoint);
        } else if (caps.action) {
            announce(DeviceType::button, "");
        } else if (caps.measures) {
            announce(DeviceType::sensor, "");
        } else {
            out.skipped.push_back({where, "exposes nothing the hub models (no light, switch, lock, climate, "
                                          "action or measurement)"});
        }
    }
    return out;
}

}  // namespace hearth::discovery
