#include "sim/simulator.hpp"

#include "sim/payload.hpp"

#include "core/text.hpp"

#include <asio/post.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>

namespace hearth::sim {
namespace {

// The simulator must not share the hub's client id: two clients with one id throw each other
// off the broker.
MqttSettings sim_settings(const Config& config) {
    MqttSettings settings = config.mqtt;
    settings.client_id = settings.client_id + "-sim";
    return settings;
}

// One connection plays every device, so only one Last Will is possible. Zigbee2MQTT's is the
// one that exists in real life (bridge/state offline, retained), and it covers most devices;
// Tasmota and Shelly availability is set offline by a clean stop only.
std::optional<MqttWill> sim_will(const Config& config) {
    for (const Device& d : config.devices) {
        if (d.protocol == Protocol::zigbee2mqtt)
            return MqttWill{config.protocols.zigbee2mqtt_base_topic + "/bridge/state", R"({"state":"offline"})", 1, true};
    }
    return std::nullopt;
}

std::optional<bool> parse_switch_word(const std::string& text) {
    const std::string t = lower(text::trim(text));
    if (t.empty() || t == "true" || t == "on" || t == "1" || t == "yes") return true;
    if (t == "false" || t == "off" || t == "0" || t == "no") return false;
    return std::nullopt;
}

}  // namespace

std::optional<ControlMessage> make_control(const Config& config, const std::string& verb, const std::string& target,
                                           const std::string& argument, std::string& error) {
    const std::string root = control_root;
    if (verb == "outside") {
        const auto celsius = parse_number(target);
        if (!celsius || *celsius < -60 || *celsius > 60) {
            error = "outside needs a temperature in degrees Celsius (-60 to 60), not " + text::quote(target);
            return std::nullopt;
        }
        return ControlMessage{root + "/outside", target};
    }
    if (verb != "press" && verb != "jam" && verb != "toggle") {
        error = "unknown control " + text::quote(verb) + " (press, jam, toggle, outside)";
        return std::nullopt;
    }
    const Device* device = config.find_device(target);
    if (!device) {
        error = "no device " + text::quote(target) + " in " + config.path;
        return std::nullopt;
    }
    const std::string type(to_string(device->type));
    if (verb == "press") {
        if (device->type != DeviceType::button) {
            error = device->id + " is a " + type + ", not a button: only buttons can be pressed";
            return std::nullopt;
        }
        if (argument.size() > 64 || argument.find_first_of(" \t\r\n\"") != std::string::npos) {
            error = "a button action is one short word (single, double, triple, hold, release), not " +
                    text::quote(argument);
            return std::nullopt;
        }
        return ControlMessage{root + "/press/" + device->id, argument};
    }
    if (verb == "jam") {
        if (device->type != DeviceType::lock) {
            error = device->id + " is a " + type + ", not a lock: only locks can jam";
            return std::nullopt;
        }
        const auto jammed = parse_switch_word(argument);
        if (!jammed) {
            error = "jam takes on or off, not " + text::quote(argument);
            return std::nullopt;
        }
        return ControlMessage{root + "/jam/" + device->id, *jammed ? "true" : "false"};
    }
    if (device->type != DeviceType::light && device->type != DeviceType::switch_) {
        error = device->id + " is a " + type + ": only lights and switches can be toggled";
        return std::nullopt;
    }
    return ControlMessage{root + "/toggle/" + device->id, ""};
}

Simulator::Simulator(asio::io_context& io, Config config, SimOptions options)
    : io_(io), config_(std::move(config)), options_(options),
      thermal_([&] {
          ThermalModel::Parameters p;
          p.outside = options.outside_celsius;
          return p;
      }()),
      mqtt_(io, sim_settings(config_), sim_will(config_)), context_(io, mqtt_, config_, options_, thermal_),
      tick_timer_(io), report_timer_(io) {
    build_zones();
    build_nodes();
}

Simulator::~Simulator() = default;

void Simulator::build_zones() {
    // An area is indoors when it is on a floor or has a radiator; the rest (a garden) simply
    // has the outside temperature. Devices without an area share one indoor zone.
    thermal_.add_zone("", true);
    for (const Area& area : config_.areas) {
        const bool heated = std::any_of(config_.devices.begin(), config_.devices.end(), [&](const Device& d) {
            return d.area == area.id && d.type == DeviceType::thermostat;
        });
        thermal_.add_zone(area.id, !area.floor.empty() || heated);
    }
}

void Simulator::build_nodes() {
    // Devices that are one physical device (same protocol, generation and topic) become one
    // node, in the order of the file.
    std::vector<std::pair<std::string, std::vector<const Device*>>> groups;
    bool zigbee = false;
    for (const Device& d : config_.devices) {
        std::string key;
        switch (d.protocol) {
            case Protocol::zigbee2mqtt: key = "z\n" + d.topic; zigbee = true; break;
            case Protocol::tasmota: key = "t\n" + d.topic; break;
            case Protocol::shelly: key = "s" + std::to_string(d.shelly_generation) + "\n" + d.topic; break;
            case Protocol::generic: key = "g\n" + d.id; break;
        }
        auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == key; });
        if (it == groups.end()) groups.emplace_back(key, std::vector<const Device*>{&d});
        else it->second.push_back(&d);
    }
    if (zigbee) nodes_.push_back(make_zigbee2mqtt_bridge(context_));
    for (auto& [key, devices] : groups) {
        const Device& first = *devices.front();
        std::unique_ptr<SimNode> node;
        switch (first.protocol) {
            case Protocol::zigbee2mqtt: node = make_zigbee2mqtt_node(context_, devices); break;
            case Protocol::tasmota: node = make_tasmota_node(context_, devices); break;
            case Protocol::shelly:
                node = first.shelly_generation == 1 ? make_shelly_gen1_node(context_, devices)
                                                    : make_shelly_gen2_node(context_, devices);
                break;
            case Protocol::generic: node = make_generic_node(context_, devices); break;
        }
        for (const Device* d : devices) by_device_[d->id] = node.get();
        nodes_.push_back(std::move(node));
    }
}

void Simulator::start() {
    for (auto& node : nodes_) node->subscribe();
    context_.subscribe(std::string(control_root) + "/#", [this](const MqttMessage& m) { on_control(m); });
    // After every (re)connect each device says it is online and what state it is in, as real
    // devices do when they reach the broker again.
    mqtt_.on_connected([this] {
        spdlog::info("connected to {}:{}; playing {} devices", config_.mqtt.host, config_.mqtt.port,
                     config_.devices.size());
        for (auto& node : nodes_) node->announce();
    });
    mqtt_.start();
    arm_tick();
    arm_report();
}

void Simulator::stop(std::function<void()> done) {
    if (stopping_) return;
    stopping_ = true;
    tick_timer_.cancel();
    report_timer_.cancel();
    std::vector<MqttMessage> offline;
    for (const auto& node : nodes_)
        for (MqttMessage& m : node->offline_messages()) offline.push_back(std::move(m));
    std::optional<MqttMessage> last;
    if (!offline.empty()) {
        last = std::move(offline.back());
        offline.pop_back();
    }
    // Posted, like every publish (SimContext::publish): it runs after the state messages
    // already queued and outside libmosquitto's callbacks. All but the last go out at once;
    // stop() sends the last and then DISCONNECT on the same stream, so the broker has them
    // all before it sees us go.
    asio::post(io_, [this, offline = std::move(offline), last = std::move(last), done = std::move(done)]() mutable {
        for (const MqttMessage& m : offline) mqtt_.publish(m.topic, m.payload, PublishOptions{m.qos, m.retain, std::nullopt});
        spdlog::info("stopping: {} devices marked offline", offline.size() + (last ? 1 : 0));
        mqtt_.stop(std::move(last), std::chrono::seconds(2), std::move(done));
    });
}

std::chrono::milliseconds Simulator::tick_period() const {
    // One step a second of wall time, shorter when the simulation runs fast, so that a
    // thermostat still switches within a simulated minute of crossing its band.
    const double ms = std::clamp(60'000.0 / options_.speed, 100.0, 1'000.0);
    return std::chrono::milliseconds(static_cast<long>(ms));
}

void Simulator::arm_tick() {
    const auto period = tick_period();
    tick_timer_.expires_after(period);
    tick_timer_.async_wait([this, period](const asio::error_code& ec) {
        if (ec || stopping_) return;
        thermal_.advance(std::chrono::duration<double>(period) * options_.speed);
        for (auto& node : nodes_) node->thermal_step();
        arm_tick();
    });
}

void Simulator::arm_report() {
    report_timer_.expires_after(options_.report_interval);
    report_timer_.async_wait([this](const asio::error_code& ec) {
        if (ec || stopping_) return;
        if (mqtt_.connected())
            for (auto& node : nodes_) node->report();
        arm_report();
    });
}

void Simulator::on_control(const MqttMessage& message) {
    // A retained control message would replay at every start: a press nobody made.
    if (message.retain) {
        spdlog::debug("ignoring retained control message on {}", message.topic);
        return;
    }
    const std::string root = std::string(control_root) + "/";
    if (message.topic.size() <= root.size()) return;  // "hearth-sim" itself also matches hearth-sim/#
    const std::string rest = message.topic.substr(root.size());
    const auto slash = rest.find('/');
    const std::string verb = rest.substr(0, slash);
    if (verb == "outside" && slash == std::string::npos) return apply_control(verb, message.payload, "");
    if (slash == std::string::npos || verb == "status") {
        spdlog::debug("ignoring control message on {}", message.topic);
        return;
    }
    apply_control(verb, rest.substr(slash + 1), message.payload);
}

void Simulator::apply_control(const std::string& verb, const std::string& target, const std::string& payload) {
    std::string error;
    if (!make_control(config_, verb, target, payload, error)) {
        spdlog::warn("control {}: {}", verb, error);
        return;
    }
    if (verb == "outside") {
        thermal_.set_outside(*parse_number(target));
        spdlog::info("outside temperature now {:.1f} °C", thermal_.outside());
        return;
    }
    const Device& device = *config_.find_device(target);
    SimNode* node = by_device_.at(device.id);
    bool ok = false;
    if (verb == "press") ok = node->press(device, payload, error);
    else if (verb == "jam") ok = node->jam(device, *parse_switch_word(payload), error);
    else ok = node->toggle(device, error);
    if (!ok) spdlog::warn("control {}: {}", verb, error);
}

}  // namespace hearth::sim
