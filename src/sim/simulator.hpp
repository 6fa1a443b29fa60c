// hearth-sim: plays every device of a Hearth configuration on the MQTT broker, each in its
// own protocol, so the hub can run and be tested without hardware (docs/simulator.md).
//
// Like the hub, the simulator is one asio::io_context owning all state: one MQTT connection
// for all devices, timers for the thermal model and periodic reports, no threads, no locks.
#pragma once

#include "hearth/config.hpp"
#include "hearth/mqtt_client.hpp"
#include "sim/node.hpp"
#include "sim/thermal_model.hpp"

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hearth::sim {

// The simulator's own topics: hearth-sim/press/<device id>, hearth-sim/jam/<device id>,
// hearth-sim/toggle/<device id> and hearth-sim/outside.
inline constexpr const char* control_root = "hearth-sim";

struct ControlMessage {
    std::string topic;
    std::string payload;
};

// The control message for `verb` (press, jam, toggle, outside) on `target` (a device id, or
// for outside a temperature), checked against `config`: nothing, with `error` set, for an
// unknown device, a device that cannot do it, or a bad argument. The command line and the
// running simulator apply the same checks.
std::optional<ControlMessage> make_control(const Config& config, const std::string& verb, const std::string& target,
                                           const std::string& argument, std::string& error);

class Simulator {
public:
    Simulator(asio::io_context& io, Config config, SimOptions options);
    ~Simulator();
    Simulator(const Simulator&) = delete;
    Simulator& operator=(const Simulator&) = delete;

    // Connects (retrying while the broker is away) and plays until stop().
    void start();
    // Publishes every device's offline availability, disconnects cleanly, then calls `done`.
    void stop(std::function<void()> done);

    std::size_t node_count() const { return nodes_.size(); }

private:
    void build_nodes();
    void build_zones();
    void on_control(const MqttMessage& message);
    void apply_control(const std::string& verb, const std::string& target, const std::string& payload);
    void arm_tick();
    void arm_report();
    std::chrono::milliseconds tick_period() const;

    asio::io_context& io_;
    Config config_;
    SimOptions options_;
    ThermalModel thermal_;
    MqttClient mqtt_;
    SimContext context_;
    std::vector<std::unique_ptr<SimNode>> nodes_;
    std::map<std::string, SimNode*> by_device_;  // device id -> the node playing it
    asio::steady_timer tick_timer_;
    asio::steady_timer report_timer_;
    bool stopping_ = false;
};

}  // namespace hearth::sim
