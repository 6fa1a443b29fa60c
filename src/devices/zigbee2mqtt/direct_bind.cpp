#include "devices/zigbee2mqtt/direct_bind.hpp"

#include "devices/common.hpp"

#include <spdlog/spdlog.h>

namespace hearth::zigbee2mqtt {

DirectBinder::DirectBinder(MqttClient& mqtt) : mqtt_(mqtt) {}

DirectBinder::~DirectBinder() {
    if (subscription_) mqtt_.unsubscribe(*subscription_);
}

nlohmann::json DirectBinder::request_payload(const std::string& from, const std::string& to,
                                             const std::string& transaction) {
    // On/off and level control: what a button needs to switch and dim a light by itself.
    return {{"from", from}, {"to", to}, {"clusters", {"genOnOff", "genLevelCtrl"}}, {"transaction", transaction}};
}

void DirectBinder::configure(const Config& config) {
    if (subscription_) mqtt_.unsubscribe(*subscription_);
    subscription_.reset();
    pairs_.clear();
    base_topic_ = config.protocols.zigbee2mqtt_base_topic;
    for (const Binding& b : config.bindings) {
        if (!b.fallback_direct) continue;
        const Device* button = config.find_device(b.button);
        for (const std::string& id : b.devices) {
            const Device* device = config.find_device(id);
            if (!button || !device) continue;
            Pair p;
            p.button_id = b.button;
            p.device_id = id;
            p.from = button->topic;
            p.to = device->topic;
            p.transaction = "hearth-bind-" + std::to_string(pairs_.size() + 1);
            pairs_.push_back(std::move(p));
        }
    }
    if (pairs_.empty()) return;
    subscription_ = mqtt_.subscribe(base_topic_ + "/bridge/response/device/bind", 1,
                                    [this](const MqttMessage& m) { handle_response(m); });
    if (mqtt_.connected()) request_all();
}

void DirectBinder::request_all() {
    for (Pair& p : pairs_) {
        std::string error;
        if (mqtt_.publish(base_topic_ + "/bridge/request/device/bind", request_payload(p.from, p.to, p.transaction).dump(),
                          {1, false, std::nullopt}, &error)) {
            p.status = "pending";
        } else {
            p.status = "failed";
            p.error = error;
        }
    }
}

void DirectBinder::handle_response(const MqttMessage& message) {
    if (message.retain) return;  // an answer to someone else's old request
    auto j = devices::parse_object(message.payload);
    if (!j) return;
    const auto transaction = devices::text(*j, "transaction");
    for (Pair& p : pairs_) {
        if (!transaction || *transaction != p.transaction) continue;
        const auto status = devices::text(*j, "status");
        if (status == "ok") {
            p.status = "ok";
            p.error.clear();
            spdlog::info("direct binding: {} now drives {} inside the Zigbee network", p.button_id, p.device_id);
        } else {
            p.status = "failed";
            p.error = devices::text(*j, "error").value_or("Zigbee2MQTT answered without saying why");
            spdlog::warn("direct binding of {} to {} failed: {}", p.button_id, p.device_id, p.error);
        }
    }
}

nlohmann::json DirectBinder::status() const {
    nlohmann::json list = nlohmann::json::array();
    for (const Pair& p : pairs_)
        list.push_back({{"button", p.button_id}, {"device", p.device_id}, {"status", p.status},
                        {"error", p.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(p.error)}});
    return list;
}

}  // namespace hearth::zigbee2mqtt
