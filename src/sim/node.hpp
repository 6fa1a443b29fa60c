// What the simulator is made of: one SimNode per physical device on the broker.
//
// Several configured devices may be one physical device (the two relays of a Shelly Plus 2PM
// share a topic, each with its own `channel`), and the real thing answers for all of its
// channels at once (a Tasmota tele/STATE lists POWER1 and POWER2), so devices are grouped by
// protocol and topic into one node. Nodes live on the simulator's io_context like everything
// else; none of them blocks.
#pragma once

#include "hearth/config.hpp"
#include "hearth/mqtt_client.hpp"
#include "sim/thermal_model.hpp"

#include <asio/io_context.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace hearth::sim {

struct SimOptions {
    std::chrono::milliseconds report_interval{30'000};  // periodic sensor and telemetry reports
    double speed = 1.0;                                  // simulated seconds per wall-clock second
    double outside_celsius = 5.0;
    std::chrono::milliseconds lock_travel{1'000};
};

// What a node may use: the loop, the broker, the configuration and the shared thermal model.
class SimContext {
public:
    SimContext(asio::io_context& io_context, MqttClient& client, const Config& configuration,
               const SimOptions& sim_options, ThermalModel& model)
        : io(io_context), mqtt(client), config(configuration), options(sim_options), thermal(model) {}

    asio::io_context& io;
    MqttClient& mqtt;
    const Config& config;
    const SimOptions& options;
    ThermalModel& thermal;

    // QoS 0, as Zigbee2MQTT and Tasmota publish by default; libmosquitto holds QoS 1 messages
    // back beyond 20 in flight, so a burst (the announcements after a connect) would trickle.
    //
    // The message is handed to MqttClient from a handler of its own, posted to the loop:
    // MqttClient runs its handlers inside libmosquitto's callbacks, with libmosquitto's
    // callback mutex held, and a QoS 0 publish written from there calls the on-publish
    // callback, which takes that mutex again and deadlocks. Posting keeps the order.
    //
    // While the broker is away the message is dropped (a real device's would be too); every
    // node republishes its full state after each reconnect.
    void publish(const std::string& topic, const std::string& payload, bool retain = false);
    // Remembered by MqttClient across reconnects.
    void subscribe(const std::string& filter, std::function<void(const MqttMessage&)> handler);
};

// A topic built from a device name can only be subscribed to if the name holds no MQTT
// wildcard; such a device is reported and left out rather than made to hear other devices.
bool literal_topic(const std::string& topic);

class SimNode {
public:
    SimNode(SimContext& context, std::vector<const Device*> devices)
        : context_(context), devices_(std::move(devices)) {}
    virtual ~SimNode() = default;
    SimNode(const SimNode&) = delete;
    SimNode& operator=(const SimNode&) = delete;

    // Subscribes to the node's command topics; called once (MqttClient restores them).
    virtual void subscribe() = 0;
    // After every (re)connect: availability (retained) and the current state.
    virtual void announce() = 0;
    // Every --report-interval: what the device sends periodically (telemetry, sensor readings).
    virtual void report() {}
    // After each step of the thermal model: thermostats regulate and report changes.
    virtual void thermal_step() {}
    // What a clean shutdown publishes: offline availability, retained.
    virtual std::vector<MqttMessage> offline_messages() const = 0;

    // Simulated physical actions. Each returns false, with `error` set, when this device
    // cannot do it in this protocol.
    virtual bool press(const Device& device, const std::string& action, std::string& error);
    virtual bool jam(const Device& device, bool jammed, std::string& error);
    // Flips a light or switch locally, as its wall switch would.
    virtual bool toggle(const Device& device, std::string& error);

    const std::vector<const Device*>& devices() const { return devices_; }

protected:
    SimContext& context_;
    std::vector<const Device*> devices_;
};

// A button action in the simulator's own words (single, double, triple, hold, release, or
// anything else a remote says, such as brightness_move_up) mapped to each protocol.
std::string normalise_action(const std::string& action);

std::unique_ptr<SimNode> make_zigbee2mqtt_bridge(SimContext& context);
std::unique_ptr<SimNode> make_zigbee2mqtt_node(SimContext& context, std::vector<const Device*> devices);
std::unique_ptr<SimNode> make_tasmota_node(SimContext& context, std::vector<const Device*> devices);
std::unique_ptr<SimNode> make_shelly_gen1_node(SimContext& context, std::vector<const Device*> devices);
std::unique_ptr<SimNode> make_shelly_gen2_node(SimContext& context, std::vector<const Device*> devices);
std::unique_ptr<SimNode> make_generic_node(SimContext& context, std::vector<const Device*> devices);

}  // namespace hearth::sim
