// Shelly, both generations (../shared device-protocols §3):
//  - Gen1 publishes plain values under "<gen1_prefix>/<id>/" (relay/<ch> "on", online "true",
//    input_event/<ch> {"event":"S","event_cnt":3}) and takes relay/<ch>/command and light/<ch>/set.
//  - Gen2 and later speak JSON-RPC: notifications on "<id>/events/rpc" (NotifyStatus, NotifyEvent,
//    NotifyFullStatus), optional full component status on "<id>/status/<component>:<n>",
//    availability on "<id>/online", and requests to "<id>/rpc".
// The channel (device.channel, "0" when empty) picks the relay, light, input or sensor number.
#pragma once

#include "hearth/protocol.hpp"

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hearth::shelly {

// What drives a device's output. A light may be a bulb on a relay (Shelly 1, Plus 1: a "relay"
// or "switch" component) or a dimmer (Dimmer, Plus Dimmer, Duo: a "light" component), and the
// configuration does not say which; the device's own reports do, so the adapter learns it.
enum class Output { unknown, relay, dimmer };

struct Parsed {
    std::optional<DeviceState> state;
    std::optional<Availability> availability;
    std::optional<std::string> action;  // a button event carried by this message
    // Identifies one button event (Gen1 event_cnt, Gen2 event time stamp), so a second delivery
    // of the same event (QoS 1 allows duplicates) is not taken for a second press.
    std::optional<std::string> event_key;
    std::optional<Output> output;  // what kind of component reported, when the message shows it
};

// What `payload` on `topic` says about `device`. Nothing when the topic is not one of the
// device's or the payload carries nothing usable (garbage, wrong types, values out of range,
// another channel's data); it never throws on a bad payload.
std::optional<Parsed> parse(const Device& device, const ProtocolSettings& settings, const std::string& topic,
                            const std::string& payload);

// The exact topics (no wildcards) the device reports on, for its generation and type.
std::vector<std::string> subscriptions(const Device& device, const ProtocolSettings& settings);

// The messages that carry out `command`, or nothing with `error` set. `output` is what the
// adapter has learned about a light's component; while unknown, on/off is sent to both the relay
// and the dimmer form (a device ignores the topic or method it does not have) and brightness to
// the dimmer form only.
std::optional<std::vector<OutgoingMessage>> translate(const Device& device, const ProtocolSettings& settings,
                                                      const DeviceCommand& command, std::string& error,
                                                      Output output = Output::unknown);

// Subscribes each topic once (QoS 1) and routes what arrives to the devices it concerns (the
// channels of one Shelly share its topics). Remembers what each light's output is, drops
// duplicate deliveries of a button event and never reports an event from a retained message.
// The MqttClient given to start() must outlive the adapter: it unsubscribes when destroyed.
class ShellyAdapter final : public ProtocolAdapter {
public:
    explicit ShellyAdapter(ProtocolSettings settings);
    ~ShellyAdapter() override;
    ShellyAdapter(const ShellyAdapter&) = delete;
    ShellyAdapter& operator=(const ShellyAdapter&) = delete;

    Protocol protocol() const override { return Protocol::shelly; }
    // May be called again (after a reload): the previous subscriptions are dropped first.
    void start(MqttClient& mqtt, const std::vector<const Device*>& devices, AdapterSink& sink) override;
    std::optional<std::vector<OutgoingMessage>> translate(const Device& device, const DeviceCommand& command,
                                                          std::string& error) const override;

    // What the device's reports have shown about its output so far.
    Output output(const std::string& device_id) const;

private:
    struct Entry {
        Device device;  // a copy: the adapter does not depend on the lifetime of the caller's list
        Output output = Output::unknown;
        std::optional<std::string> last_event_key;
    };

    void stop();
    void deliver(const std::vector<std::size_t>& entries, const MqttMessage& message);
    void deliver_to(Entry& entry, const MqttMessage& message);

    ProtocolSettings settings_;
    AdapterSink* sink_ = nullptr;
    SubscriptionGroup subscriptions_;
    std::vector<Entry> entries_;
};

std::unique_ptr<ProtocolAdapter> make_shelly_adapter(const ProtocolSettings& settings);

}  // namespace hearth::shelly
