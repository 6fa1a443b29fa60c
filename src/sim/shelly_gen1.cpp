// Shelly Gen1 (docs/device-protocols.md §3.1): under <gen1_prefix>/<id>/, relays commanded on
// relay/<ch>/command (on/off/toggle) and reported on relay/<ch>, dimmers on light/<ch>/set
// (JSON) with light/<ch>/status, button events on input_event/<ch>, H&T readings on
// sensor/temperature and sensor/humidity, and online true/false.
//
// Locks and thermostats on Shelly are played as the relay that drives them.
#include "sim/node.hpp"
#include "sim/payload.hpp"

#include "core/text.hpp"

#include <spdlog/spdlog.h>

#include <map>

namespace hearth::sim {
namespace {

int shelly_channel(const Device& d) {
    if (d.channel.empty()) return 0;
    const auto n = parse_number(d.channel);
    return n ? clamp_to_int(*n, 0, 3) : 0;
}

class ShellyGen1Node final : public SimNode {
public:
    ShellyGen1Node(SimContext& context, std::vector<const Device*> devices) : SimNode(context, std::move(devices)) {
        prefix_ = context.config.protocols.shelly_gen1_prefix;
        base_ = prefix_ + "/" + devices_.front()->topic + "/";
        for (const Device* d : devices_) {
            const int ch = shelly_channel(*d);
            if (d->type == DeviceType::button) inputs_[d] = Input{ch, 0};
            else if (d->type == DeviceType::sensor) sensors_.push_back(d);
            else relays_[ch] = Relay{d, false, 100};
        }
    }

    void subscribe() override {
        if (!literal_topic(base_)) {
            spdlog::warn("shelly: id '{}' holds an MQTT wildcard; not simulated", devices_.front()->topic);
            return;
        }
        for (auto& [ch, relay] : relays_) {
            const int channel = ch;
            context_.subscribe(base_ + "relay/" + std::to_string(ch) + "/command",
                               [this, channel](const MqttMessage& m) { relay_command(channel, m.payload); });
            if (relay.device->type == DeviceType::light)
                context_.subscribe(base_ + "light/" + std::to_string(ch) + "/set",
                                   [this, channel](const MqttMessage& m) { light_set(channel, m.payload); });
        }
        // "announce" asks every device (or this one) to say who it is; "update" to report its state.
        auto on_command = [this](const MqttMessage& m) {
            const std::string what = lower(text::trim(m.payload));
            if (what == "announce") publish_announce();
            else if (what == "update") publish_states();
            else spdlog::debug("shelly {}: ignoring command {}", devices_.front()->topic, text::quote(m.payload));
        };
        context_.subscribe(base_ + "command", on_command);
        context_.subscribe(prefix_ + "/command", on_command);
    }

    void announce() override {
        context_.publish(base_ + "online", "true", true);
        publish_announce();
        publish_states();
        report();
    }

    void report() override {
        if (sensors_.empty()) return;
        const std::string& area = sensors_.front()->area;
        context_.publish(base_ + "sensor/temperature", fmt::format("{:.1f}", context_.thermal.temperature(area)));
        context_.publish(base_ + "sensor/humidity", fmt::format("{:.1f}", context_.thermal.humidity(area)));
    }

    std::vector<MqttMessage> offline_messages() const override {
        return {MqttMessage{base_ + "online", "false", 0, true}};
    }

    bool press(const Device& device, const std::string& action, std::string& error) override {
        const auto it = inputs_.find(&device);
        if (it == inputs_.end()) return SimNode::press(device, action, error);
        const std::string a = normalise_action(action);
        std::string event;
        if (a == "single") event = "S";
        else if (a == "double") event = "SS";
        else if (a == "triple") event = "SSS";
        else if (a == "hold") event = "L";
        else if (a == "release") {
            error = "Shelly Gen1 inputs report no release; use single, double, triple or hold";
            return false;
        } else {
            event = upper(action);  // Shelly's own words: SL, LS, ...
        }
        Input& input = it->second;
        ++input.count;
        json message{{"event", event}, {"event_cnt", input.count}};
        context_.publish(base_ + "input_event/" + std::to_string(input.channel), dump(message));
        spdlog::info("{}: pressed ({})", device.id, event);
        return true;
    }

    bool toggle(const Device& device, std::string& error) override {
        for (auto& [ch, relay] : relays_) {
            if (relay.device != &device) continue;
            relay.on = !relay.on;
            spdlog::info("{}: switched {} locally", device.id, relay.on ? "on" : "off");
            publish_relay(ch);
            return true;
        }
        return SimNode::toggle(device, error);
    }

private:
    struct Relay {
        const Device* device = nullptr;
        bool on = false;
        int brightness = 100;  // dimmers only, percent
    };
    struct Input {
        int channel = 0;
        int count = 0;  // event_cnt: how many events this input has reported
    };

    void relay_command(int ch, const std::string& payload) {
        Relay& relay = relays_[ch];
        const std::string p = lower(text::trim(payload));
        if (p == "on") relay.on = true;
        else if (p == "off") relay.on = false;
        else if (p == "toggle") relay.on = !relay.on;
        else {
            spdlog::debug("shelly {}: ignoring relay command {}", devices_.front()->topic, text::quote(payload));
            return;
        }
        publish_relay(ch);
    }

    void light_set(int ch, const std::string& payload) {
        const auto command = parse_json_object(payload);
        if (!command) {
            spdlog::debug("shelly {}: ignoring light set {}", devices_.front()->topic, text::quote(payload));
            return;
        }
        Relay& relay = relays_[ch];
        if (const auto it = command->find("turn"); it != command->end()) {
            const std::string turn = lower(to_string(*it).value_or(""));
            if (turn == "on") relay.on = true;
            else if (turn == "off") relay.on = false;
            else if (turn == "toggle") relay.on = !relay.on;
        }
        if (const auto it = command->find("brightness"); it != command->end()) {
            if (const auto n = to_number(*it)) relay.brightness = clamp_to_int(*n, 1, 100);
        }
        publish_relay(ch);
    }

    void publish_relay(int ch) {
        const Relay& relay = relays_[ch];
        const std::string c = std::to_string(ch);
        context_.publish(base_ + "relay/" + c, relay.on ? "on" : "off");
        if (relay.device->type == DeviceType::light) {
            context_.publish(base_ + "light/" + c, relay.on ? "on" : "off");
            json status{{"ison", relay.on}, {"mode", "white"}, {"brightness", relay.brightness}};
            context_.publish(base_ + "light/" + c + "/status", dump(status));
        }
    }

    void publish_states() {
        for (const auto& [ch, relay] : relays_) publish_relay(ch);
    }

    void publish_announce() {
        const std::string& id = devices_.front()->topic;
        json info{{"id", id},     {"model", relays_.size() > 1 ? "SHSW-25" : "SHSW-1"},
                  {"mac", "000000000000"}, {"ip", "127.0.0.1"},
                  {"new_fw", false}, {"fw_ver", "20230913-112003/v1.14.0-gcb84623"},
                  {"mode", "relay"}};
        context_.publish(base_ + "announce", dump(info));
        context_.publish(prefix_ + "/announce", dump(info));
    }

    std::string prefix_;
    std::string base_;  // <prefix>/<id>/
    std::map<int, Relay> relays_;
    std::map<const Device*, Input> inputs_;
    std::vector<const Device*> sensors_;
};

}  // namespace

std::unique_ptr<SimNode> make_shelly_gen1_node(SimContext& context, std::vector<const Device*> devices) {
    return std::make_unique<ShellyGen1Node>(context, std::move(devices));
}

}  // namespace hearth::sim
