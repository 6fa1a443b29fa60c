// Generic devices (ESPHome, home-made boards): exactly the topics and payloads of the device's
// `generic` settings. State goes to state_topic, as a JSON object of the configured *_field
// keys, or as the bare value when no field is named; commands come in on command_topic as
// the configured payloads (or a JSON object of the same fields); availability_topic carries
// payload_online / payload_offline.
//
// State is published retained, as ESPHome does by default; button actions never are.
#include "sim/lock_mechanism.hpp"
#include "sim/node.hpp"
#include "sim/payload.hpp"

#include "core/text.hpp"

#include <spdlog/spdlog.h>

namespace hearth::sim {
namespace {

class GenericNode final : public SimNode {
public:
    GenericNode(SimContext& context, std::vector<const Device*> devices)
        : SimNode(context, std::move(devices)), device_(*devices_.front()), settings_(device_.generic),
          brightness_(settings_.brightness_max) {
        if (device_.type == DeviceType::lock) lock_ = std::make_unique<LockMechanism>(context.io, context.options.lock_travel);
    }

    void subscribe() override {
        if (settings_.command_topic.empty()) return;
        if (!literal_topic(settings_.command_topic)) {
            spdlog::warn("{}: command_topic holds an MQTT wildcard; commands are not simulated", device_.id);
            return;
        }
        context_.subscribe(settings_.command_topic, [this](const MqttMessage& m) { handle_command(m.payload); });
    }

    void announce() override {
        if (!settings_.availability_topic.empty())
            context_.publish(settings_.availability_topic, settings_.payload_online, true);
        regulate();
        if (device_.type != DeviceType::button) publish_state();
    }

    void report() override {
        if (device_.type == DeviceType::sensor || device_.type == DeviceType::thermostat) publish_state();
    }

    void thermal_step() override {
        if (device_.type != DeviceType::thermostat) return;
        const bool changed = regulate();
        if (changed || round_to(room(), 0.1) != reported_temperature_) publish_state();
    }

    std::vector<MqttMessage> offline_messages() const override {
        if (settings_.availability_topic.empty()) return {};
        return {MqttMessage{settings_.availability_topic, settings_.payload_offline, 0, true}};
    }

    bool press(const Device& device, const std::string& action, std::string& error) override {
        if (device.type != DeviceType::button) return SimNode::press(device, action, error);
        if (settings_.state_topic.empty()) {
            error = device.id + " has no state_topic to report a press on";
            return false;
        }
        const std::string value = normalise_action(action);
        const std::string payload =
            settings_.state_field.empty() ? value : dump(json{{settings_.state_field, value}});
        context_.publish(settings_.state_topic, payload, false);
        spdlog::info("{}: pressed ({})", device.id, value);
        return true;
    }

    bool jam(const Device& device, bool jammed, std::string& error) override {
        if (!lock_) return SimNode::jam(device, jammed, error);
        lock_->set_jammed(jammed);
        spdlog::info("{}: {}", device.id, jammed ? "jammed" : "free again");
        return true;
    }

    bool toggle(const Device& device, std::string& error) override {
        if (device.type != DeviceType::light && device.type != DeviceType::switch_) return SimNode::toggle(device, error);
        on_ = !on_;
        spdlog::info("{}: switched {} locally", device.id, on_ ? "on" : "off");
        publish_state();
        return true;
    }

private:
    double room() const { return context_.thermal.temperature(device_.area); }

    bool regulate() {
        if (device_.type != DeviceType::thermostat) return false;
        const bool changed = regulator_.regulate(room());
        context_.thermal.set_heating(device_.id, device_.area, regulator_.heating);
        return changed;
    }

    // The value of `field` in a JSON command, when the command is an object holding it.
    static const json* field(const std::optional<json>& object, const std::string& name) {
        if (!object || name.empty()) return nullptr;
        const auto it = object->find(name);
        return it == object->end() ? nullptr : &*it;
    }

    void handle_command(const std::string& raw) {
        const std::string payload(text::trim(raw));
        const auto object = parse_json_object(payload);
        switch (device_.type) {
            case DeviceType::light:
            case DeviceType::switch_: {
                bool understood = false;
                std::optional<std::string> state = payload;
                if (object) state = field(object, settings_.state_field) ? to_string(*field(object, settings_.state_field))
                                                                         : std::nullopt;
                if (state && (*state == settings_.payload_on || *state == settings_.payload_off ||
                              upper(*state) == "TOGGLE")) {
                    on_ = *state == settings_.payload_on || (*state != settings_.payload_off && !on_);
                    understood = true;
                }
                std::optional<double> level;
                if (const json* b = field(object, settings_.brightness_field)) level = to_number(*b);
                else if (!object && !understood && device_.type == DeviceType::light) level = parse_number(payload);
                if (level && device_.type == DeviceType::light) {
                    brightness_ = clamp_to_int(*level, 0, settings_.brightness_max);
                    on_ = brightness_ > 0;
                    understood = true;
                }
                if (!understood) return ignore(payload);
                publish_state();
                return;
            }
            case DeviceType::lock: {
                std::optional<std::string> state = payload;
                if (object) state = field(object, settings_.state_field) ? to_string(*field(object, settings_.state_field))
                                                                         : std::nullopt;
                if (!state || (*state != settings_.payload_lock && *state != settings_.payload_unlock))
                    return ignore(payload);
                const bool lock = *state == settings_.payload_lock;
                if (!lock_->command(lock, [this] { publish_state(); }))
                    spdlog::info("{}: jammed; {} ignored", device_.id, *state);
                return;
            }
            case DeviceType::thermostat: {
                std::optional<double> target;
                if (const json* t = field(object, settings_.target_field)) target = to_number(*t);
                else if (!object) target = parse_number(payload);
                if (const json* s = field(object, settings_.state_field)) {
                    const auto mode = to_string(*s);
                    if (mode == settings_.payload_off) regulator_.mode = Regulator::Mode::off;
                    else if (mode == settings_.payload_on) regulator_.mode = Regulator::Mode::heat;
                }
                if (target) regulator_.target = std::clamp(round_to(*target, 0.5), Regulator::min_target, Regulator::max_target);
                else if (!field(object, settings_.state_field)) return ignore(payload);
                regulate();
                publish_state();
                return;
            }
            case DeviceType::button:
            case DeviceType::sensor: return ignore(payload);
        }
    }

    void ignore(const std::string& payload) const {
        spdlog::debug("{}: ignoring command {}", device_.id, text::quote(payload));
    }

    void publish_state() {
        if (settings_.state_topic.empty()) return;
        json object = json::object();
        std::string bare;
        switch (device_.type) {
            case DeviceType::light:
            case DeviceType::switch_:
                bare = on_ ? settings_.payload_on : settings_.payload_off;
                if (!settings_.state_field.empty()) object[settings_.state_field] = bare;
                if (!settings_.brightness_field.empty() && device_.type == DeviceType::light)
                    object[settings_.brightness_field] = on_ ? brightness_ : 0;
                break;
            case DeviceType::lock:
                bare = lock_->locked() ? settings_.payload_locked : settings_.payload_unlocked;
                if (!settings_.state_field.empty()) object[settings_.state_field] = bare;
                break;
            case DeviceType::thermostat: {
                reported_temperature_ = round_to(room(), 0.1);
                bare = fmt::format("{:.1f}", reported_temperature_);
                if (!settings_.temperature_field.empty()) object[settings_.temperature_field] = reported_temperature_;
                if (!settings_.target_field.empty()) object[settings_.target_field] = regulator_.target;
                if (!settings_.state_field.empty())
                    object[settings_.state_field] = regulator_.heating ? settings_.payload_on : settings_.payload_off;
                break;
            }
            case DeviceType::sensor: {
                const double t = round_to(room(), 0.1);
                bare = fmt::format("{:.1f}", t);
                if (!settings_.temperature_field.empty()) object[settings_.temperature_field] = t;
                break;
            }
            case DeviceType::button: return;
        }
        context_.publish(settings_.state_topic, object.empty() ? bare : dump(object), true);
    }

    const Device& device_;
    const GenericDeviceSettings& settings_;
    bool on_ = false;
    int brightness_;
    Regulator regulator_;
    double reported_temperature_ = -1000;
    std::unique_ptr<LockMechanism> lock_;
};

}  // namespace

std::unique_ptr<SimNode> make_generic_node(SimContext& context, std::vector<const Device*> devices) {
    return std::make_unique<GenericNode>(context, std::move(devices));
}

}  // namespace hearth::sim
