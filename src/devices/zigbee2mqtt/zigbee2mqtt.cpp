#include "devices/zigbee2mqtt/zigbee2mqtt.hpp"

#include "devices/common.hpp"

#include <spdlog/spdlog.h>

#include <cmath>

namespace hearth::zigbee2mqtt {
namespace {

using nlohmann::json;
using devices::number;
using devices::text;

std::string state_topic(const Device& d, const ProtocolSettings& s) { return s.zigbee2mqtt_base_topic + "/" + d.topic; }

// Multi-endpoint devices suffix their properties with the endpoint: state_l1, brightness_l1.
std::string key(const Device& d, const std::string& property) {
    return d.channel.empty() ? property : property + "_" + d.channel;
}

std::optional<Availability> parse_availability(const std::string& payload) {
    std::string word = payload;
    if (auto object = devices::parse_object(payload)) {
        auto state = text(*object, "state");
        if (!state) return std::nullopt;
        word = *state;
    }
    if (word == "online") return Availability::online;
    if (word == "offline") return Availability::offline;
    return std::nullopt;
}

DeviceState parse_state(const Device& d, const json& j) {
    DeviceState s;
    if (auto state = text(j, key(d, "state"))) {
        if (d.type == DeviceType::lock) {
            if (*state == "LOCK") s.lock = LockState::locked;
            else if (*state == "UNLOCK") s.lock = LockState::unlocked;
        } else {
            s.on = devices::on_off_word(*state);
        }
    }
    if (d.type == DeviceType::lock) {
        // lock_state is the lock's own report and beats the commanded "state".
        if (auto ls = text(j, "lock_state")) {
            if (*ls == "locked") s.lock = LockState::locked;
            else if (*ls == "unlocked") s.lock = LockState::unlocked;
            else if (*ls == "not_fully_locked") s.lock = LockState::jammed;
        }
    }
    if (auto b = devices::in_range(number(j, key(d, "brightness")), 0, 254)) s.brightness = devices::to_percent(*b, 254);
    if (auto ct = devices::in_range(number(j, key(d, "color_temp")), 50, 1000)) s.color_temp_kelvin = devices::mired_to_kelvin(*ct);
    if (auto c = j.find("color"); c != j.end() && c->is_object()) {
        auto x = number(*c, "x"), y = number(*c, "y");
        if (x && y && *x >= 0 && *x <= 1 && *y > 0 && *y <= 1) s.color = devices::xy_to_rgb(*x, *y);
    }
    if (auto t = devices::in_range(number(j, "local_temperature"), -50, 100)) s.temperature = *t;
    if (auto t = devices::in_range(number(j, "temperature"), -50, 100)) s.temperature = *t;
    for (const char* setpoint : {"occupied_heating_setpoint", "current_heating_setpoint"})
        if (auto t = devices::in_range(number(j, setpoint), 0, 50)) s.target_temperature = *t;
    if (auto mode = text(j, "system_mode")) {
        if (*mode == "off") s.mode = ThermostatMode::off;
        else if (*mode == "heat") s.mode = ThermostatMode::heat;
        else if (*mode == "auto") s.mode = ThermostatMode::auto_;
    }
    if (auto running = text(j, "running_state")) s.heating = *running == "heat";
    if (auto h = devices::in_range(number(j, "humidity"), 0, 100)) s.humidity = *h;
    if (auto c = devices::boolean(j, "contact")) s.contact = *c;
    if (auto m = devices::boolean(j, "occupancy")) s.motion = *m;
    if (auto b = devices::in_range(number(j, "battery"), 0, 100)) s.battery = static_cast<int>(std::lround(*b));
    return s;
}

}  // namespace

std::optional<Parsed> parse(const Device& device, const ProtocolSettings& settings, const std::string& topic,
                            const std::string& payload) {
    const std::string base = state_topic(device, settings);
    Parsed parsed;
    if (topic == base) {
        auto j = devices::parse_object(payload);
        if (!j) return Parsed{};  // the device's topic, but not a state object: nothing learned
        parsed.state = parse_state(device, *j);
        if (auto action = text(*j, "action"); action && !action->empty()) parsed.action = devices::normalise_action(*action);
        if (j->contains("current_heating_setpoint")) parsed.setpoint_key = "current_heating_setpoint";
        else if (j->contains("occupied_heating_setpoint")) parsed.setpoint_key = "occupied_heating_setpoint";
        return parsed;
    }
    if (topic == base + "/availability") {
        parsed.availability = parse_availability(payload);
        return parsed;
    }
    return std::nullopt;
}

std::vector<std::string> subscriptions(const Device& device, const ProtocolSettings& settings) {
    const std::string base = state_topic(device, settings);
    return {base, base + "/availability"};
}

std::vector<OutgoingMessage> state_requests(const Device& d, const ProtocolSettings& settings) {
    json body = json::object();
    switch (d.type) {
        case DeviceType::light:
            body[key(d, "state")] = "";
            body[key(d, "brightness")] = "";
            break;
        case DeviceType::switch_:
        case DeviceType::lock: body[key(d, "state")] = ""; break;
        case DeviceType::thermostat:
            body[key(d, "local_temperature")] = "";
            body[key(d, "system_mode")] = "";
            break;
        case DeviceType::sensor:
        case DeviceType::button: return {};
    }
    return {{state_topic(d, settings) + "/get", body.dump()}};
}

std::optional<std::vector<OutgoingMessage>> translate(const Device& d, const ProtocolSettings& settings,
                                                      const DeviceCommand& c, std::string& error,
                                                      const std::string& setpoint_key) {
    using Kind = DeviceCommand::Kind;
    json body;
    const bool switchable = d.type == DeviceType::light || d.type == DeviceType::switch_;
    switch (c.kind) {
        case Kind::turn_on:
        case Kind::turn_off:
            if (!switchable) break;
            body[key(d, "state")] = c.kind == Kind::turn_on ? "ON" : "OFF";
            if (c.kind == Kind::turn_on && c.brightness && d.type == DeviceType::light)
                body[key(d, "brightness")] = devices::from_percent(*c.brightness, 254);
            break;
        case Kind::set_brightness:
            if (d.type != DeviceType::light || !c.brightness) break;
            if (*c.brightness <= 0) {
                body[key(d, "state")] = "OFF";
            } else {
                body[key(d, "state")] = "ON";
                body[key(d, "brightness")] = std::max(1, devices::from_percent(*c.brightness, 254));
            }
            break;
        case Kind::set_color:
            if (d.type != DeviceType::light || !c.color) break;
            body[key(d, "state")] = "ON";
            body["color"] = {{"r", c.color->r}, {"g", c.color->g}, {"b", c.color->b}};
            break;
        case Kind::set_color_temp:
            if (d.type != DeviceType::light || !c.color_temp_kelvin) break;
            body[key(d, "state")] = "ON";
            body["color_temp"] = devices::kelvin_to_mired(*c.color_temp_kelvin);
            break;
        case Kind::set_temperature:
            if (d.type != DeviceType::thermostat || !c.temperature) break;
            body[setpoint_key] = std::round(*c.temperature * 2.0) / 2.0;  // TRVs take half degrees
            break;
        case Kind::set_mode:
            if (d.type != DeviceType::thermostat || !c.mode) break;
            body["system_mode"] = std::string(to_string(*c.mode));
            break;
        case Kind::lock:
        case Kind::unlock:
            if (d.type != DeviceType::lock) break;
            body["state"] = c.kind == Kind::lock ? "LOCK" : "UNLOCK";
            break;
    }
    if (body.empty()) {
        error = "a " + std::string(to_string(d.type)) + " cannot " + std::string(to_string(c.kind));
        return std::nullopt;
    }
    return std::vector<OutgoingMessage>{{state_topic(d, settings) + "/set", body.dump()}};
}

namespace {

class Adapter final : public ProtocolAdapter {
public:
    explicit Adapter(ProtocolSettings settings) : settings_(std::move(settings)) {}

    Protocol protocol() const override { return Protocol::zigbee2mqtt; }

    void start(MqttClient& mqtt, const std::vector<const Device*>& devices, AdapterSink& sink) override {
        for (const Device* d : devices) {
            for (const std::string& topic : subscriptions(*d, settings_)) {
                subscriptions_.add(mqtt, topic, 1, [this, d, &sink](const MqttMessage& m) { handle(*d, m, sink); });
            }
        }
        // The bridge going offline takes every Zigbee device with it.
        subscriptions_.add(mqtt, settings_.zigbee2mqtt_base_topic + "/bridge/state", 1,
                           [devices, &sink](const MqttMessage& m) {
                               if (parse_availability(m.payload) == Availability::offline)
                                   for (const Device* d : devices) sink.on_availability(d->id, Availability::offline);
                           });
    }

    std::optional<std::vector<OutgoingMessage>> translate(const Device& device, const DeviceCommand& command,
                                                          std::string& error) const override {
        auto it = setpoint_keys_.find(device.id);
        return zigbee2mqtt::translate(device, settings_, command, error,
                                      it == setpoint_keys_.end() ? "occupied_heating_setpoint" : it->second);
    }

    std::vector<OutgoingMessage> state_requests(const Device& device) const override {
        return zigbee2mqtt::state_requests(device, settings_);
    }

private:
    void handle(const Device& d, const MqttMessage& m, AdapterSink& sink) {
        auto parsed = parse(d, settings_, m.topic, m.payload);
        if (!parsed) return;
        // The press first: bindings act before anything else is done with the message. A
        // retained message is the broker replaying the past: never a button press now.
        if (parsed->action && !m.retain) sink.on_event(ButtonEvent{d.id, *parsed->action});
        if (parsed->setpoint_key) setpoint_keys_[d.id] = *parsed->setpoint_key;
        if (parsed->availability) sink.on_availability(d.id, *parsed->availability);
        if (parsed->state && !parsed->state->empty()) sink.on_state(d.id, *parsed->state);
    }

    ProtocolSettings settings_;
    SubscriptionGroup subscriptions_;
    std::map<std::string, std::string> setpoint_keys_;
};

}  // namespace

std::unique_ptr<ProtocolAdapter> make_adapter(const ProtocolSettings& settings) {
    return std::make_unique<Adapter>(settings);
}

}  // namespace hearth::zigbee2mqtt
