// Zigbee2MQTT: devices by friendly name under one base topic (../shared device-protocols §1).
// Accepts both 1.x (plain "online") and 2.x ({"state":"online"}) availability payloads.
#pragma once

#include "hearth/protocol.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hearth::zigbee2mqtt {

struct Parsed {
    std::optional<DeviceState> state;
    std::optional<Availability> availability;
    std::optional<std::string> action;  // a button event carried by this message
    std::optional<std::string> setpoint_key;  // which set-point property the device uses
};

// What `payload` on `topic` says about `device`; nothing when the topic is not the device's.
std::optional<Parsed> parse(const Device& device, const ProtocolSettings& settings, const std::string& topic,
                            const std::string& payload);

// The state topic and the availability topic of a device.
std::vector<std::string> subscriptions(const Device& device, const ProtocolSettings& settings);

// `setpoint_key`: "occupied_heating_setpoint" or "current_heating_setpoint", as the device reports.
std::optional<std::vector<OutgoingMessage>> translate(const Device& device, const ProtocolSettings& settings,
                                                      const DeviceCommand& command, std::string& error,
                                                      const std::string& setpoint_key = "occupied_heating_setpoint");

// `<base>/<name>/get` asking for the properties of the device's kind; nothing for sensors and
// buttons, which sleep and would not answer.
std::vector<OutgoingMessage> state_requests(const Device& device, const ProtocolSettings& settings);

std::unique_ptr<ProtocolAdapter> make_adapter(const ProtocolSettings& settings);

}  // namespace hearth::zigbee2mqtt
