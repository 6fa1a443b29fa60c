// fallback: direct. For a binding between Zigbee devices, asks Zigbee2MQTT to bind the button
// to each light inside the Zigbee network (bridge/request/device/bind), so the button drives
// the lights with the hub, Zigbee2MQTT or the broker down. The request is repeated after every
// connect (it is idempotent in Zigbee2MQTT) and each answer is recorded and logged.
#pragma once

#include "hearth/config.hpp"
#include "hearth/mqtt_client.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

namespace hearth::zigbee2mqtt {

class DirectBinder {
public:
    explicit DirectBinder(MqttClient& mqtt);
    ~DirectBinder();

    void configure(const Config& config);
    // Sends every bind request; call once connected.
    void request_all();
    // One entry per button -> device pair: {"button","device","status":"pending|ok|failed","error"}.
    nlohmann::json status() const;

    // The request Zigbee2MQTT expects for binding `from` to `to` (friendly names).
    static nlohmann::json request_payload(const std::string& from, const std::string& to, const std::string& transaction);

private:
    struct Pair {
        std::string button_id, device_id, from, to, transaction;
        std::string status = "pending";
        std::string error;
    };
    void handle_response(const MqttMessage& message);

    MqttClient& mqtt_;
    std::string base_topic_;
    std::vector<Pair> pairs_;
    std::optional<MqttClient::SubscriptionId> subscription_;
};

}  // namespace hearth::zigbee2mqtt
