// Tasmota (docs/device-protocols.md §2): topics from the FullTopic pattern, commands on
// cmnd/<topic>/<Command> (POWER, POWER<n>, Dimmer, CT, State), answers on stat/<topic>/RESULT
// plus stat/<topic>/POWER<n>, telemetry on tele/<topic>/STATE and SENSOR, tele/<topic>/LWT.
//
// A node is one Tasmota device: every configured device with the same topic is one of its
// relays (channel n = POWER<n>), buttons (Button<n>) or sensors. Locks and thermostats on
// Tasmota are played as the relay that drives them.
#include "sim/node.hpp"
#include "sim/payload.hpp"

#include "core/text.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <map>

namespace hearth::sim {
namespace {

std::string replace_all(std::string text, std::string_view token, std::string_view value) {
    for (std::size_t at = text.find(token); at != std::string::npos; at = text.find(token, at + value.size()))
        text.replace(at, token.size(), value);
    return text;
}

// The topic stem for one prefix, e.g. "cmnd/kitchen_plug/" from "%prefix%/%topic%/".
std::string tasmota_stem(const std::string& full_topic, std::string_view prefix, const std::string& topic) {
    std::string stem = replace_all(replace_all(full_topic, "%prefix%", prefix), "%topic%", topic);
    if (stem.empty() || stem.back() != '/') stem += '/';
    return stem;
}

int channel_number(const Device& d) {
    if (d.channel.empty()) return 1;
    const auto n = parse_number(d.channel);
    return n ? clamp_to_int(*n, 1, 8) : 1;
}

class TasmotaNode final : public SimNode {
public:
    TasmotaNode(SimContext& context, std::vector<const Device*> devices)
        : SimNode(context, std::move(devices)), started_(std::chrono::steady_clock::now()) {
        const std::string& topic = devices_.front()->topic;
        const std::string& full = context.config.protocols.tasmota_full_topic;
        cmnd_ = tasmota_stem(full, "cmnd", topic);
        stat_ = tasmota_stem(full, "stat", topic);
        tele_ = tasmota_stem(full, "tele", topic);
        for (const Device* d : devices_) {
            if (!d->channel.empty()) indexed_ = true;
            switch (d->type) {
                case DeviceType::button: buttons_[d] = channel_number(*d); break;
                case DeviceType::sensor: sensors_.push_back(d); break;
                default:
                    relays_[channel_number(*d)] = Relay{d, false};
                    // A light on a device of its own (no relay number) is taken to be a dimmable bulb.
                    if (d->type == DeviceType::light && d->channel.empty()) dimmable_ = true;
            }
        }
        if (relays_.size() > 1) indexed_ = true;
    }

    void subscribe() override {
        if (!literal_topic(cmnd_)) {
            spdlog::warn("tasmota: topic '{}' holds an MQTT wildcard; not simulated", devices_.front()->topic);
            return;
        }
        context_.subscribe(cmnd_ + "+", [this](const MqttMessage& m) {
            handle_command(upper(m.topic.substr(cmnd_.size())), std::string(text::trim(m.payload)));
        });
    }

    void announce() override {
        context_.publish(tele_ + "LWT", "Online", true);
        for (const auto& [index, relay] : relays_) context_.publish(stat_ + power_key(index), on_off(relay.on));
        report();
    }

    void report() override {
        if (!relays_.empty()) context_.publish(tele_ + "STATE", dump(state_json()));
        if (!sensors_.empty()) {
            const std::string& area = sensors_.front()->area;
            json sensor{{"Time", tasmota_time()},
                        {"AM2301",
                         {{"Temperature", round_to(context_.thermal.temperature(area), 0.1)},
                          {"Humidity", round_to(context_.thermal.humidity(area), 0.1)}}},
                        {"TempUnit", "C"}};
            context_.publish(tele_ + "SENSOR", dump(sensor));
        }
    }

    std::vector<MqttMessage> offline_messages() const override {
        return {MqttMessage{tele_ + "LWT", "Offline", 0, true}};
    }

    bool press(const Device& device, const std::string& action, std::string& error) override {
        const auto it = buttons_.find(&device);
        if (it == buttons_.end()) return SimNode::press(device, action, error);
        const std::string a = normalise_action(action);
        std::string name = "Button";
        std::string word = upper(a);
        if (a == "hold") word = "HOLD";
        else if (a == "release") word = "CLEAR";  // Tasmota's word for letting go after a hold
        // A detached switch (SetOption114) reports its position rather than a press.
        if (a == "on" || a == "off" || a == "toggle") name = "Switch";
        json event{{name + std::to_string(it->second), {{"Action", word}}}};
        context_.publish(stat_ + "RESULT", dump(event));
        spdlog::info("{}: pressed ({})", device.id, word);
        return true;
    }

    bool toggle(const Device& device, std::string& error) override {
        for (auto& [index, relay] : relays_) {
            if (relay.device != &device) continue;
            relay.on = !relay.on;
            spdlog::info("{}: switched {} locally", device.id, relay.on ? "on" : "off");
            json result;
            result[power_key(index)] = on_off(relay.on);
            context_.publish(stat_ + "RESULT", dump(result));
            context_.publish(stat_ + power_key(index), on_off(relay.on));
            return true;
        }
        return SimNode::toggle(device, error);
    }

private:
    struct Relay {
        const Device* device = nullptr;
        bool on = false;
    };

    static std::string on_off(bool on) { return on ? "ON" : "OFF"; }

    // Single-relay devices answer POWER; multi-relay ones (or ones configured by number) POWER<n>.
    std::string power_key(int index) const { return indexed_ ? "POWER" + std::to_string(index) : "POWER"; }

    void unknown() { context_.publish(stat_ + "RESULT", R"({"Command":"Unknown"})"); }

    void handle_command(const std::string& command, const std::string& payload) {
        if (command.rfind("POWER", 0) == 0) power(command.substr(5), payload);
        else if (command == "DIMMER" && dimmable_) dimmer(payload);
        else if (command == "CT" && dimmable_) color_temperature(payload);
        else if (command == "STATE") context_.publish(stat_ + "RESULT", dump(state_json()));
        else {
            spdlog::debug("tasmota {}: unknown command {}", devices_.front()->topic, text::quote(command));
            unknown();
        }
    }

    void power(const std::string& suffix, const std::string& payload) {
        std::vector<int> targets;
        if (suffix.empty()) {
            if (!relays_.empty()) targets.push_back(relays_.begin()->first);
        } else {
            const auto n = parse_number(suffix);
            if (!n || suffix.find_first_not_of("0123456789") != std::string::npos) return unknown();
            const int index = clamp_to_int(*n, 0, 99);
            if (index == 0) {  // POWER0: every relay
                for (const auto& [i, relay] : relays_) targets.push_back(i);
            } else if (relays_.count(index)) {
                targets.push_back(index);
            }
        }
        if (targets.empty()) return unknown();

        const std::string p = lower(payload);
        for (int index : targets) {
            Relay& relay = relays_[index];
            if (p.empty() || p == "?") {
                // a query: answer with the current state
            } else if (p == "on" || p == "1" || p == "true") {
                relay.on = true;
            } else if (p == "off" || p == "0" || p == "false") {
                relay.on = false;
            } else if (p == "toggle" || p == "2") {
                relay.on = !relay.on;
            } else {
                spdlog::debug("tasmota {}: ignoring POWER {}", devices_.front()->topic, text::quote(payload));
                return;
            }
        }
        json result = json::object();
        for (int index : targets) result[power_key(index)] = on_off(relays_[index].on);
        context_.publish(stat_ + "RESULT", dump(result));
        for (int index : targets) context_.publish(stat_ + power_key(index), on_off(relays_[index].on));
    }

    Relay* light_relay() {
        for (auto& [index, relay] : relays_)
            if (relay.device->type == DeviceType::light && relay.device->channel.empty()) return &relay;
        return nullptr;
    }

    int light_index() const {
        for (const auto& [index, relay] : relays_)
            if (relay.device->type == DeviceType::light && relay.device->channel.empty()) return index;
        return 1;
    }

    void dimmer(const std::string& payload) {
        Relay* relay = light_relay();
        if (!relay) return unknown();
        if (payload == "+") {
            dimmer_ = std::min(100, dimmer_ + 10);
            relay->on = true;
        } else if (payload == "-") {
            dimmer_ = std::max(1, dimmer_ - 10);
        } else if (!payload.empty() && payload != "?") {
            const auto n = parse_number(payload);
            if (!n) {
                spdlog::debug("tasmota {}: ignoring Dimmer {}", devices_.front()->topic, text::quote(payload));
                return;
            }
            const int level = clamp_to_int(*n, 0, 100);
            // Dimmer 0 switches the light off and keeps the last level, as Tasmota does.
            if (level == 0) {
                relay->on = false;
            } else {
                dimmer_ = level;
                relay->on = true;
            }
        }
        const std::string key = power_key(light_index());
        json result{{key, on_off(relay->on)}, {"Dimmer", dimmer_}};
        context_.publish(stat_ + "RESULT", dump(result));
        context_.publish(stat_ + key, on_off(relay->on));
    }

    void color_temperature(const std::string& payload) {
        Relay* relay = light_relay();
        if (!relay) return unknown();
        if (!payload.empty() && payload != "?") {
            const auto n = parse_number(payload);
            if (!n) {
                spdlog::debug("tasmota {}: ignoring CT {}", devices_.front()->topic, text::quote(payload));
                return;
            }
            ct_ = clamp_to_int(*n, 153, 500);
        }
        json result{{power_key(light_index()), on_off(relay->on)}, {"CT", ct_}};
        context_.publish(stat_ + "RESULT", dump(result));
    }

    json state_json() const {
        const auto uptime = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_);
        const long long s = uptime.count();
        const std::string text = fmt::format("{}T{:02}:{:02}:{:02}", s / 86400, s / 3600 % 24, s / 60 % 60, s % 60);
        json state{{"Time", tasmota_time()}, {"Uptime", text}, {"UptimeSec", s}, {"Heap", 25}, {"SleepMode", "Dynamic"},
                   {"Sleep", 50}, {"LoadAvg", 19}, {"MqttCount", context_.mqtt.status().connects}};
        for (const auto& [index, relay] : relays_) state[power_key(index)] = on_off(relay.on);
        if (dimmable_) {
            state["Dimmer"] = dimmer_;
            state["CT"] = ct_;
        }
        state["Wifi"] = {{"AP", 1}, {"SSId", "hearth-sim"}, {"RSSI", 76}, {"Signal", -62}, {"LinkCount", 1}};
        return state;
    }

    std::string cmnd_, stat_, tele_;
    bool indexed_ = false;
    bool dimmable_ = false;
    int dimmer_ = 100;
    int ct_ = 370;
    std::map<int, Relay> relays_;
    std::map<const Device*, int> buttons_;
    std::vector<const Device*> sensors_;
    std::chrono::steady_clock::time_point started_;
};

}  // namespace

std::unique_ptr<SimNode> make_tasmota_node(SimContext& context, std::vector<const Device*> devices) {
    return std::make_unique<TasmotaNode>(context, std::move(devices));
}

}  // namespace hearth::sim
