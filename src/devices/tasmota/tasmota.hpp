// Tasmota: cmnd/stat/tele topics built from the FullTopic pattern (../shared device-protocols §2).
#pragma once

#include "hearth/protocol.hpp"

#include <optional>
#include <string>
#include <vector>

namespace hearth::tasmota {

struct Parsed {
    std::optional<DeviceState> state;
    std::optional<Availability> availability;
    std::optional<std::string> action;
};

// "<prefix>/<topic>" per FullTopic, without the trailing slash: ("stat", "kitchen_plug") ->
// "stat/kitchen_plug" with the default pattern.
std::string topic_base(const ProtocolSettings& settings, const std::string& prefix, const std::string& topic);

std::optional<Parsed> parse(const Device& device, const ProtocolSettings& settings, const std::string& topic,
                            const std::string& payload);
std::vector<std::string> subscriptions(const Device& device, const ProtocolSettings& settings);
// `cmnd/<topic>/STATE` (empty): the device answers with its whole state on stat/<topic>/RESULT.
std::vector<OutgoingMessage> state_requests(const Device& device, const ProtocolSettings& settings);
std::optional<std::vector<OutgoingMessage>> translate(const Device& device, const ProtocolSettings& settings,
                                                      const DeviceCommand& command, std::string& error);

std::unique_ptr<ProtocolAdapter> make_adapter(const ProtocolSettings& settings);

}  // namespace hearth::tasmota
