// The hub's one store of device state. Adapters report into it; it publishes each device's
// state, retained, on <prefix>/state/<device id> (CONTRACT.md), and hands state changes and
// button events to whoever subscribed (bindings first, then rules and the rest), in order.
#pragma once

#include "hearth/config.hpp"
#include "hearth/device.hpp"
#include "hearth/mqtt_client.hpp"
#include "hearth/protocol.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hearth {

struct DeviceRecord {
    Device device;
    DeviceState state;
    Availability availability = Availability::unknown;
    std::optional<std::chrono::system_clock::time_point> last_seen;
};

class DeviceRegistry final : public AdapterSink {
public:
    using StateListener = std::function<void(const DeviceRecord& record)>;
    using EventListener = std::function<void(const ButtonEvent& event)>;

    explicit DeviceRegistry(MqttClient& mqtt);
    ~DeviceRegistry() override;

    // Takes the devices of `config`, keeping what is known about devices that stay, and
    // (re)starts the protocol adapters. Call again after a reload.
    void configure(const Config& config);

    void on_state_change(StateListener listener) { state_listeners_.push_back(std::move(listener)); }
    void on_button(EventListener listener) { event_listeners_.push_back(std::move(listener)); }

    // Sends `command` to the device. False, with `error` saying why, when the device is unknown,
    // known to be offline, cannot do it, or the broker is not connected. Lock commands carry a
    // short MQTT 5 expiry, so a command stuck in the broker is dropped, never delivered late.
    bool send(const std::string& device_id, const DeviceCommand& command, std::string& error);

    const DeviceRecord* find(const std::string& device_id) const;
    const std::map<std::string, DeviceRecord>& devices() const { return records_; }

    // The JSON published on <prefix>/state/<id> and shown by hearthctl devices.
    static nlohmann::json to_json(const DeviceRecord& record);

    // Publishes every device's state again (after a reconnect, the broker may have lost them).
    void publish_all();
    // Asks devices to report their state (ProtocolAdapter::state_requests): every device after a
    // connect, or only those the hub knows nothing about yet (new or discovered devices).
    void request_states(bool only_unknown);

    // AdapterSink
    void on_state(const std::string& device_id, const DeviceState& update) override;
    void on_availability(const std::string& device_id, Availability availability) override;
    void on_event(const ButtonEvent& event) override;

    static constexpr std::uint32_t lock_command_expiry_seconds = 10;

private:
    void publish(const DeviceRecord& record);
    void changed(DeviceRecord& record);

    MqttClient& mqtt_;
    std::string state_prefix_;
    std::map<std::string, DeviceRecord> records_;
    std::vector<std::unique_ptr<ProtocolAdapter>> adapters_;
    std::map<Protocol, ProtocolAdapter*> adapter_by_protocol_;
    std::vector<StateListener> state_listeners_;
    std::vector<EventListener> event_listeners_;
};

}  // namespace hearth
