// Generic devices: the topics and payloads come from the device's `generic` settings (ESPHome,
// home-made boards, ...). See docs/configuration.md, devices[].generic.
//
// Reading the state topic: a payload that is a JSON object is read through the *_field keys
// that are set. A payload that is not (a bare "ON", "LOCKED", "21.5") is the device's main value
// when the field for that value is left empty: on/off for lights and switches, the lock state for
// locks, the measured temperature for sensors and thermostats, the action word for buttons.
#pragma once

#include "hearth/protocol.hpp"

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hearth::generic {

struct Parsed {
    std::optional<DeviceState> state;
    std::optional<Availability> availability;
    std::optional<std::string> action;  // a button's event (button devices only)
};

// What `payload` on `topic` says about `device`. Nothing when the topic is neither its state nor
// its availability topic, or the payload carries nothing usable; it never throws on a bad payload.
std::optional<Parsed> parse(const Device& device, const ProtocolSettings& settings, const std::string& topic,
                            const std::string& payload);

// The device's state and availability topics (those that are set).
std::vector<std::string> subscriptions(const Device& device, const ProtocolSettings& settings);

// The message for `command` on the command topic, or nothing with `error` set (no command topic,
// or nothing in the settings that expresses the command).
std::optional<std::vector<OutgoingMessage>> translate(const Device& device, const ProtocolSettings& settings,
                                                      const DeviceCommand& command, std::string& error);

// Subscribes each topic once (QoS 1) and routes what arrives to every device using it; never
// reports an event from a retained message. The MqttClient given to start() must outlive the
// adapter: it unsubscribes when destroyed.
class GenericAdapter final : public ProtocolAdapter {
public:
    explicit GenericAdapter(ProtocolSettings settings);
    ~GenericAdapter() override;
    GenericAdapter(const GenericAdapter&) = delete;
    GenericAdapter& operator=(const GenericAdapter&) = delete;

    Protocol protocol() const override { return Protocol::generic; }
    // May be called again (after a reload): the previous subscriptions are dropped first.
    void start(MqttClient& mqtt, const std::vector<const Device*>& devices, AdapterSink& sink) override;
    std::optional<std::vector<OutgoingMessage>> translate(const Device& device, const DeviceCommand& command,
                                                          std::string& error) const override;

private:
    void stop();
    void deliver(const std::vector<std::size_t>& devices, const MqttMessage& message);

    ProtocolSettings settings_;
    AdapterSink* sink_ = nullptr;
    SubscriptionGroup subscriptions_;
    std::vector<Device> devices_;  // copies: the adapter does not depend on the caller's list
};

std::unique_ptr<ProtocolAdapter> make_generic_adapter(const ProtocolSettings& settings);

}  // namespace hearth::generic
