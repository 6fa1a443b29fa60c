// Zigbee2MQTT, as Zigbee2MQTT 2.x presents its devices (docs/device-protocols.md §1): the
// bridge's retained state, per device a retained availability, commands on <name>/set (JSON),
// <name>/set/<attribute> (a raw value) and <name>/<endpoint>/set, and the device's whole state
// as one JSON object on <name> after every command.
#include "sim/lock_mechanism.hpp"
#include "sim/node.hpp"
#include "sim/payload.hpp"

#include "core/text.hpp"

#include <asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include <cmath>
#include <functional>

namespace hearth::sim {
namespace {

constexpr int max_brightness = 254;
constexpr int min_mired = 150;
constexpr int max_mired = 500;
constexpr auto move_tick = std::chrono::milliseconds(200);

std::string online_payload(bool online) { return dump(json{{"state", online ? "online" : "offline"}}); }

class Zigbee2MqttBridge final : public SimNode {
public:
    explicit Zigbee2MqttBridge(SimContext& context)
        : SimNode(context, {}), topic_(context.config.protocols.zigbee2mqtt_base_topic + "/bridge/state") {}

    void subscribe() override {}
    void announce() override { context_.publish(topic_, online_payload(true), true); }
    std::vector<MqttMessage> offline_messages() const override {
        return {MqttMessage{topic_, online_payload(false), 0, true}};
    }

private:
    std::string topic_;
};

class Zigbee2MqttNode final : public SimNode {
public:
    Zigbee2MqttNode(SimContext& context, std::vector<const Device*> devices)
        : SimNode(context, std::move(devices)), move_timer_(context.io) {
        name_ = devices_.front()->topic;
        topic_ = context.config.protocols.zigbee2mqtt_base_topic + "/" + name_;
        for (const Device* d : devices_) {
            Endpoint e;
            e.device = d;
            if (!d->channel.empty()) e.suffix = "_" + d->channel;
            if (d->type == DeviceType::lock) e.lock = std::make_unique<LockMechanism>(context.io, context.options.lock_travel);
            endpoints_.push_back(std::move(e));
        }
        // A stable, plausible link quality per device (0-255), so reports are not all alike.
        linkquality_ = 60 + static_cast<int>(std::hash<std::string>{}(name_) % 150);
    }

    void subscribe() override {
        if (!literal_topic(topic_)) {
            spdlog::warn("zigbee2mqtt: '{}' holds an MQTT wildcard; {} is not simulated", name_, devices_.front()->id);
            return;
        }
        context_.subscribe(topic_ + "/set", [this](const MqttMessage& m) { handle_set(m.payload, nullptr, ""); });
        context_.subscribe(topic_ + "/set/+", [this](const MqttMessage& m) {
            handle_set(m.payload, nullptr, m.topic.substr(topic_.size() + 5));
        });
        context_.subscribe(topic_ + "/get", [this](const MqttMessage&) { publish_state(); });
        for (Endpoint& e : endpoints_) {
            if (e.suffix.empty() || !literal_topic(e.device->channel)) continue;
            const std::string base = topic_ + "/" + e.device->channel;
            context_.subscribe(base + "/set", [this, &e](const MqttMessage& m) { handle_set(m.payload, &e, ""); });
            context_.subscribe(base + "/set/+", [this, &e, base](const MqttMessage& m) {
                handle_set(m.payload, &e, m.topic.substr(base.size() + 5));
            });
            context_.subscribe(base + "/get", [this](const MqttMessage&) { publish_state(); });
        }
    }

    void announce() override {
        context_.publish(topic_ + "/availability", online_payload(true), true);
        for (Endpoint& e : endpoints_) regulate(e);
        publish_state();
    }

    void report() override {
        for (const Endpoint& e : endpoints_) {
            if (e.device->type == DeviceType::sensor || e.device->type == DeviceType::thermostat) {
                publish_state();
                return;
            }
        }
    }

    void thermal_step() override {
        bool changed = false;
        for (Endpoint& e : endpoints_) {
            if (e.device->type != DeviceType::thermostat) continue;
            changed = regulate(e) || changed;
            // TRVs report their measured temperature when it changes by a tenth of a degree.
            if (round_to(room(e), 0.1) != e.reported_temperature) changed = true;
        }
        if (changed) publish_state();
    }

    std::vector<MqttMessage> offline_messages() const override {
        return {MqttMessage{topic_ + "/availability", online_payload(false), 0, true}};
    }

    bool press(const Device& device, const std::string& action, std::string& error) override {
        if (device.type != DeviceType::button) return SimNode::press(device, action, error);
        std::string value = normalise_action(action);
        // Multi-button remotes name the button in the action (single_left, hold_right).
        if (!device.channel.empty()) value += "_" + device.channel;
        // Never cached by Zigbee2MQTT and never retained: the action appears in this message only.
        json message{{"action", value}, {"battery", battery_}, {"linkquality", linkquality_}};
        context_.publish(topic_, dump(message), false);
        spdlog::info("{}: pressed ({})", device.id, value);
        return true;
    }

    bool jam(const Device& device, bool jammed, std::string& error) override {
        Endpoint* e = find(device);
        if (!e || !e->lock) return SimNode::jam(device, jammed, error);
        e->lock->set_jammed(jammed);
        spdlog::info("{}: {}", device.id, jammed ? "jammed" : "free again");
        publish_state();
        return true;
    }

    bool toggle(const Device& device, std::string& error) override {
        Endpoint* e = find(device);
        if (!e || (device.type != DeviceType::light && device.type != DeviceType::switch_))
            return SimNode::toggle(device, error);
        e->on = !e->on;
        spdlog::info("{}: switched {} locally", device.id, e->on ? "on" : "off");
        publish_state();
        return true;
    }

private:
    struct Endpoint {
        const Device* device = nullptr;
        std::string suffix;  // "_<endpoint>" on every state key of a multi-endpoint device
        // light, switch
        bool on = false;
        int brightness = max_brightness;
        int color_temp = 370;
        std::string color_mode = "color_temp";
        Color color;
        double move_rate = 0;  // brightness per second while a brightness_move runs
        double level = 0;      // brightness during a move, unrounded
        // thermostat
        Regulator regulator;
        double reported_temperature = -1000;
        // lock
        std::unique_ptr<LockMechanism> lock;
    };

    Endpoint* find(const Device& device) {
        for (Endpoint& e : endpoints_)
            if (e.device == &device) return &e;
        return nullptr;
    }

    // The endpoint a key without an endpoint suffix addresses: the one without a channel, or
    // the only one.
    Endpoint* default_endpoint() {
        for (Endpoint& e : endpoints_)
            if (e.suffix.empty()) return &e;
        return endpoints_.size() == 1 ? &endpoints_.front() : nullptr;
    }

    double room(const Endpoint& e) const { return context_.thermal.temperature(e.device->area); }

    bool regulate(Endpoint& e) {
        if (e.device->type != DeviceType::thermostat) return false;
        const bool changed = e.regulator.regulate(room(e));
        context_.thermal.set_heating(e.device->id, e.device->area, e.regulator.heating);
        return changed;
    }

    void handle_set(const std::string& payload, Endpoint* addressed, const std::string& attribute) {
        json command;
        if (attribute.empty()) {
            auto parsed = parse_json_object(payload);
            if (!parsed) {
                spdlog::debug("zigbee2mqtt {}: ignoring a /set that is not a JSON object: {}", name_, text::quote(payload));
                return;
            }
            command = std::move(*parsed);
        } else {
            if (payload.size() > max_payload_bytes) return;
            // Like Zigbee2MQTT: a raw value that parses as JSON is taken as such ("21.5" is a
            // number), anything else as text ("ON").
            auto value = parse_json(payload);
            command[attribute] = value ? std::move(*value) : json(payload);
        }

        // Sort the keys out by endpoint first, so each endpoint applies its whole command at once.
        std::vector<std::pair<Endpoint*, json>> work;
        auto slot = [&](Endpoint* e) -> json& {
            for (auto& [endpoint, keys] : work)
                if (endpoint == e) return keys;
            work.emplace_back(e, json::object());
            return work.back().second;
        };
        for (auto it = command.begin(); it != command.end(); ++it) {
            const std::string& key = it.key();
            Endpoint* target = addressed;
            std::string base = key;
            if (!target) {
                for (Endpoint& e : endpoints_) {
                    if (!e.suffix.empty() && key.size() > e.suffix.size() &&
                        key.compare(key.size() - e.suffix.size(), e.suffix.size(), e.suffix) == 0) {
                        target = &e;
                        base = key.substr(0, key.size() - e.suffix.size());
                        break;
                    }
                }
            }
            if (!target) target = default_endpoint();
            if (!target) {
                spdlog::debug("zigbee2mqtt {}: no endpoint for '{}'", name_, text::quote(key));
                continue;
            }
            slot(target)[base] = it.value();
        }

        bool publish = false;
        for (auto& [endpoint, keys] : work) publish = apply(*endpoint, keys) || publish;
        if (publish) publish_state();
    }

    // Applies one endpoint's part of a command; true when the new state should be published now.
    bool apply(Endpoint& e, const json& keys) {
        switch (e.device->type) {
            case DeviceType::light:
            case DeviceType::switch_: return apply_light(e, keys);
            case DeviceType::thermostat: return apply_thermostat(e, keys);
            case DeviceType::lock: return apply_lock(e, keys);
            case DeviceType::button:
            case DeviceType::sensor: break;
        }
        spdlog::debug("zigbee2mqtt {}: {} has nothing to set", name_, e.device->id);
        return true;
    }

    bool apply_light(Endpoint& e, const json& keys) {
        const bool dimmable = e.device->type == DeviceType::light;
        bool explicit_off = false;
        if (const auto it = keys.find("state"); it != keys.end()) {
            const std::string state = upper(to_string(*it).value_or(""));
            if (state == "ON") {
                e.on = true;
            } else if (state == "OFF") {
                e.on = false;
                explicit_off = true;
            } else if (state == "TOGGLE") {
                e.on = !e.on;
            } else {
                spdlog::debug("zigbee2mqtt {}: bad state {}", name_, text::quote(dump(*it)));
            }
        }
        for (auto it = keys.begin(); it != keys.end(); ++it) {
            const std::string& key = it.key();
            const json& value = it.value();
            if (key == "state") continue;
            if (!dimmable) {
                spdlog::debug("zigbee2mqtt {}: a switch has no '{}'", name_, text::quote(key));
                continue;
            }
            if (key == "brightness" || key == "brightness_percent") {
                const auto n = to_number(value);
                if (!n) {
                    spdlog::debug("zigbee2mqtt {}: bad {} {}", name_, key, text::quote(dump(value)));
                    continue;
                }
                const double raw = key == "brightness" ? *n : *n * max_brightness / 100.0;
                const int level = clamp_to_int(raw, 0, max_brightness);
                e.move_rate = 0;
                if (level == 0) e.on = false;  // as Zigbee lamps do: moving to level 0 switches off
                else {
                    e.brightness = level;
                    if (!explicit_off) e.on = true;
                }
            } else if (key == "color_temp") {
                std::optional<double> mired = to_number(value);
                if (!mired && value.is_string()) {
                    const std::string preset = lower(value.get<std::string>());
                    if (preset == "coolest") mired = 153;
                    else if (preset == "cool") mired = 250;
                    else if (preset == "neutral") mired = 370;
                    else if (preset == "warm") mired = 454;
                    else if (preset == "warmest") mired = 500;
                }
                if (!mired) {
                    spdlog::debug("zigbee2mqtt {}: bad color_temp {}", name_, text::quote(dump(value)));
                    continue;
                }
                e.color_temp = clamp_to_int(*mired, min_mired, max_mired);
                e.color_mode = "color_temp";
            } else if (key == "color_temp_step") {
                if (const auto n = to_number(value)) {
                    e.color_temp = clamp_to_int(e.color_temp + *n, min_mired, max_mired);
                    e.color_mode = "color_temp";
                }
            } else if (key == "color") {
                const auto color = parse_color(value);
                if (!color) {
                    spdlog::debug("zigbee2mqtt {}: bad color {}", name_, text::quote(dump(value)));
                    continue;
                }
                e.color = *color;
                e.color_mode = value.is_object() && (value.contains("hue") || value.contains("saturation")) ? "hs" : "xy";
            } else if (key == "brightness_step" || key == "brightness_step_onoff") {
                const auto n = to_number(value);
                if (!n) continue;
                const bool onoff = key == "brightness_step_onoff";
                if (!e.on && !onoff) continue;  // a plain step never switches a lamp on
                const double from = e.on ? e.brightness : 0;
                const double to = from + *n;
                if (to < 1) {
                    if (onoff) e.on = false;
                    else e.brightness = 1;
                } else {
                    e.brightness = clamp_to_int(to, 1, max_brightness);
                    e.on = true;
                }
            } else if (key == "brightness_move" || key == "brightness_move_onoff") {
                const auto n = to_number(value);
                const bool stop = (!n && lower(to_string(value).value_or("")) == "stop") || (n && *n == 0);
                if (!n && !stop) continue;
                if (stop) {
                    e.move_rate = 0;
                    continue;
                }
                if (!e.on) {
                    if (key != "brightness_move_onoff" || *n < 0) continue;
                    e.on = true;
                    e.brightness = 1;
                }
                e.move_rate = *n;
                e.level = e.brightness;
                start_moving();
            } else if (key == "transition" || key == "on_time" || key == "off_wait_time" || key == "effect" ||
                       key == "color_temp_move") {
                // Accepted as the lamp accepts them; the simulator changes state at once.
            } else {
                spdlog::debug("zigbee2mqtt {}: no converter for '{}'", name_, text::quote(key));
            }
        }
        return true;
    }

    bool apply_thermostat(Endpoint& e, const json& keys) {
        for (auto it = keys.begin(); it != keys.end(); ++it) {
            const std::string& key = it.key();
            if (key == "occupied_heating_setpoint" || key == "current_heating_setpoint") {
                const auto n = to_number(it.value());
                if (!n) {
                    spdlog::debug("zigbee2mqtt {}: bad set point {}", name_, text::quote(dump(it.value())));
                    continue;
                }
                // The valve's own range and step (7-30 in 0.5 on most TRVs; 5 here for frost protection).
                e.regulator.target = std::clamp(round_to(*n, 0.5), Regulator::min_target, Regulator::max_target);
            } else if (key == "system_mode") {
                const std::string mode = lower(to_string(it.value()).value_or(""));
                if (mode == "off") e.regulator.mode = Regulator::Mode::off;
                else if (mode == "heat") e.regulator.mode = Regulator::Mode::heat;
                else if (mode == "auto") e.regulator.mode = Regulator::Mode::auto_;
                else spdlog::debug("zigbee2mqtt {}: unsupported system_mode {}", name_, text::quote(dump(it.value())));
            } else {
                spdlog::debug("zigbee2mqtt {}: no converter for '{}'", name_, text::quote(key));
            }
        }
        regulate(e);
        return true;
    }

    bool apply_lock(Endpoint& e, const json& keys) {
        const auto it = keys.find("state");
        const std::string state = it == keys.end() ? "" : upper(to_string(*it).value_or(""));
        if (state != "LOCK" && state != "UNLOCK") {
            spdlog::debug("zigbee2mqtt {}: a lock takes state LOCK or UNLOCK", name_);
            return false;
        }
        const bool lock = state == "LOCK";
        if (!e.lock->command(lock, [this] { publish_state(); })) {
            spdlog::info("{}: jammed; {} ignored", e.device->id, state);
            return false;
        }
        spdlog::info("{}: {}ing", e.device->id, lock ? "lock" : "unlock");
        // Nothing to report until the bolt has moved.
        return false;
    }

    void start_moving() {
        if (moving_) return;
        moving_ = true;
        move_timer_.expires_after(move_tick);
        move_timer_.async_wait([this](const asio::error_code& ec) {
            moving_ = false;
            if (!ec) move_step();
        });
    }

    void move_step() {
        bool still_moving = false;
        bool stopped = false;
        for (Endpoint& e : endpoints_) {
            if (e.move_rate == 0) continue;
            if (!e.on) {
                e.move_rate = 0;
                continue;
            }
            e.level = std::clamp(e.level + e.move_rate * std::chrono::duration<double>(move_tick).count(), 1.0,
                                 static_cast<double>(max_brightness));
            e.brightness = clamp_to_int(e.level, 1, max_brightness);
            if (e.level <= 1.0 || e.level >= max_brightness) {
                e.move_rate = 0;
                stopped = true;
            } else {
                still_moving = true;
            }
        }
        if (stopped) publish_state();
        if (still_moving) start_moving();
    }

    void publish_state() {
        json state = json::object();
        bool battery = false;
        for (Endpoint& e : endpoints_) {
            auto key = [&](const char* k) { return std::string(k) + e.suffix; };
            switch (e.device->type) {
                case DeviceType::light:
                    state[key("state")] = e.on ? "ON" : "OFF";
                    state[key("brightness")] = e.brightness;
                    state[key("color_temp")] = e.color_temp;
                    state[key("color_mode")] = e.color_mode;
                    state[key("color")] = json{{"x", e.color.x}, {"y", e.color.y}, {"hue", e.color.hue},
                                               {"saturation", e.color.saturation}};
                    break;
                case DeviceType::switch_: state[key("state")] = e.on ? "ON" : "OFF"; break;
                case DeviceType::thermostat: {
                    const double t = round_to(room(e), 0.1);
                    e.reported_temperature = t;
                    state[key("local_temperature")] = t;
                    state[key("occupied_heating_setpoint")] = e.regulator.target;
                    state[key("system_mode")] = e.regulator.mode == Regulator::Mode::off    ? "off"
                                                : e.regulator.mode == Regulator::Mode::heat ? "heat"
                                                                                            : "auto";
                    state[key("running_state")] = e.regulator.heating ? "heat" : "idle";
                    battery = true;
                    break;
                }
                case DeviceType::lock:
                    state[key("state")] = e.lock->locked() ? "LOCK" : "UNLOCK";
                    state[key("lock_state")] = e.lock->jammed()   ? "not_fully_locked"
                                               : e.lock->locked() ? "locked"
                                                                  : "unlocked";
                    battery = true;
                    break;
                case DeviceType::sensor:
                    state[key("temperature")] = round_to(context_.thermal.temperature(e.device->area), 0.1);
                    state[key("humidity")] = round_to(context_.thermal.humidity(e.device->area), 0.1);
                    battery = true;
                    break;
                case DeviceType::button: battery = true; break;
            }
        }
        if (battery) state["battery"] = battery_;
        state["linkquality"] = linkquality_;
        context_.publish(topic_, dump(state), false);
    }

    std::string name_;
    std::string topic_;
    std::vector<Endpoint> endpoints_;  // never resized after construction: handlers keep pointers
    asio::steady_timer move_timer_;
    bool moving_ = false;
    int battery_ = 100;
    int linkquality_ = 0;
};

}  // namespace

std::unique_ptr<SimNode> make_zigbee2mqtt_bridge(SimContext& context) {
    return std::make_unique<Zigbee2MqttBridge>(context);
}

std::unique_ptr<SimNode> make_zigbee2mqtt_node(SimContext& context, std::vector<const Device*> devices) {
    return std::make_unique<Zigbee2MqttNode>(context, std::move(devices));
}

}  // namespace hearth::sim
