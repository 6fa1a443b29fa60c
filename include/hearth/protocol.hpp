// What a protocol adapter is: the translation between one device ecosystem's MQTT conventions
// and the device model of hearth/device.hpp.
//
// Each protocol (src/devices/<protocol>/) provides pure translation functions, tested on real
// payload examples, and a ProtocolAdapter that subscribes to its devices' topics and routes
// what arrives through those functions into an AdapterSink. Nothing protocol-specific leaves
// the adapter.
#pragma once

#include "hearth/config.hpp"
#include "hearth/device.hpp"
#include "hearth/mqtt_client.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hearth {

// Where adapters report what they learn. The device registry implements it.
class AdapterSink {
public:
    virtual ~AdapterSink() = default;
    virtual void on_state(const std::string& device_id, const DeviceState& update) = 0;
    virtual void on_availability(const std::string& device_id, Availability availability) = 0;
    // Only live events: an adapter never reports an event from a retained (replayed) message.
    virtual void on_event(const ButtonEvent& event) = 0;
};

// One MQTT message an adapter wants sent for a command.
struct OutgoingMessage {
    std::string topic;
    std::string payload;
};

class ProtocolAdapter {
public:
    virtual ~ProtocolAdapter() = default;
    virtual Protocol protocol() const = 0;

    // Subscribes to the topics of `devices` (all of this adapter's protocol).
    virtual void start(MqttClient& mqtt, const std::vector<const Device*>& devices, AdapterSink& sink) = 0;

    // The messages that carry out `command` on `device`, or nothing (with `error` set) when the
    // device cannot do it (a relay asked for a colour, say).
    virtual std::optional<std::vector<OutgoingMessage>> translate(const Device& device, const DeviceCommand& command,
                                                                  std::string& error) const = 0;

    // Messages that ask `device` to report its current state, sent after every connect: many
    // devices do not retain their state on the broker, and a question ("is the front door
    // locked?") deserves an answer before the device's next report. Empty where the protocol
    // has no such request or the device sleeps (battery sensors).
    virtual std::vector<OutgoingMessage> state_requests(const Device&) const { return {}; }
};

std::unique_ptr<ProtocolAdapter> make_adapter(Protocol protocol, const ProtocolSettings& settings);

}  // namespace hearth
