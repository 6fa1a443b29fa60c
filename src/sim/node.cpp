#include "sim/node.hpp"

#include "sim/payload.hpp"

#include <asio/post.hpp>
#include <spdlog/spdlog.h>

namespace hearth::sim {

void SimContext::publish(const std::string& topic, const std::string& payload, bool retain) {
    asio::post(io, [this, topic, payload, retain] {
        std::string error;
        if (!mqtt.publish(topic, payload, PublishOptions{0, retain, std::nullopt}, &error))
            spdlog::debug("not published on {}: {}", topic, error);
        else
            spdlog::trace("published {} {}", topic, payload);
    });
}

void SimContext::subscribe(const std::string& filter, std::function<void(const MqttMessage&)> handler) {
    mqtt.subscribe(filter, 1, std::move(handler));
}

bool literal_topic(const std::string& topic) {
    return !topic.empty() && topic.find_first_of("+#") == std::string::npos;
}

bool SimNode::press(const Device& device, const std::string&, std::string& error) {
    error = device.id + " has no button to press";
    return false;
}

bool SimNode::jam(const Device& device, bool, std::string& error) {
    error = device.id + " cannot jam: only Zigbee2MQTT and generic locks are played with a bolt";
    return false;
}

bool SimNode::toggle(const Device& device, std::string& error) {
    error = device.id + " has no output to toggle";
    return false;
}

std::string normalise_action(const std::string& action) {
    std::string a = lower(action);
    if (a.empty() || a == "press" || a == "click") return "single";
    if (a == "long") return "hold";
    return a;
}

}  // namespace hearth::sim
