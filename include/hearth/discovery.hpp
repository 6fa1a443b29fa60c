// Devices that announce themselves on the broker (docs/discovery.md).
//
// Three announcement formats are read: Zigbee2MQTT's device list (<base>/bridge/devices),
// Tasmota's own discovery (tasmota/discovery/<mac>/config and .../sensors) and Home Assistant
// MQTT discovery configs. Each becomes an ordinary Device of the hub's model, spoken to by the
// adapter of its protocol (Home Assistant entities through the generic adapter), so nothing
// downstream can tell a discovered device from a configured one.
//
// The translation functions are pure and tested on real payloads; DiscoveryService subscribes,
// keeps what was announced, and tells its owner when the set of devices changed.
#pragma once

#include "hearth/config.hpp"
#include "hearth/mqtt_client.hpp"

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace hearth::discovery {

// One device as its ecosystem announced it. `device.id` is empty until merge() names it.
struct Announced {
    Device device;
    std::string hardware_id;  // IEEE address, MAC or unique_id: what stays when the name changes
};

// An announcement that was read but gave no device, and why (shown by hearthctl status).
struct Skipped {
    std::string topic;
    std::string reason;
};

struct Translation {
    std::vector<Announced> devices;
    std::vector<Skipped> skipped;
    std::string error;  // the whole message was unreadable; nothing in it was used
};

// Zigbee2MQTT's retained <base>/bridge/devices: the whole list, every time.
Translation from_zigbee2mqtt(const std::string& topic, const std::string& payload);

// Tasmota's tasmota/discovery/<mac>/config, with the same device's .../sensors if known ("" if not).
Translation from_tasmota(const std::string& topic, const std::string& config_payload,
                         const std::string& sensors_payload);

// One Home Assistant discovery config (single-component or device-based).
// `skip_under` lists topic prefixes whose devices come from elsewhere (Zigbee2MQTT's base topic
// when its own list is read), so one device does not appear twice.
Translation from_homeassistant(const std::string& prefix, const std::string& topic, const std::string& payload,
                               const std::vector<std::string>& skip_under = {});

// The configured devices followed by the announced ones that no configured device already
// covers, each given a stable id from its name and the overrides of the configuration applied.
std::vector<Device> merge(const Config& config, const std::vector<Announced>& announced);

// The id merge() derives from a name: lower case ASCII, words joined by '_'.
std::string id_from_name(std::string_view name);

class DiscoveryService {
public:
    using ChangeHandler = std::function<void()>;

    DiscoveryService(asio::io_context& io, MqttClient& mqtt);

    // (Re)subscribes per the configuration's discovery section; nothing when it is off.
    // `changed` runs (on the loop, shortly after a burst of announcements settles) whenever the
    // announced devices changed.
    void configure(const Config& config, ChangeHandler changed);

    // Every device currently announced, in a stable order.
    std::vector<Announced> announced() const;

    nlohmann::json status() const;

    // Announcements arrive in bursts (every retained config at subscribe); one merge per burst.
    static constexpr std::chrono::milliseconds settle_time{200};

private:
    void receive(const MqttMessage& message);
    void store(const std::string& key, Translation translation, const std::string& topic);
    void schedule();

    MqttClient& mqtt_;
    asio::steady_timer settle_;
    SubscriptionGroup subscriptions_;
    DiscoverySettings settings_;
    std::string zigbee2mqtt_devices_topic_;
    std::vector<std::string> skip_under_;
    ChangeHandler changed_;
    std::map<std::string, std::vector<Announced>> by_source_;  // announcing topic -> its devices
    std::map<std::string, Skipped> skipped_;                  // announcing topic -> why not used
    std::map<std::string, std::string> tasmota_configs_;       // mac -> config payload
    std::map<std::string, std::string> tasmota_sensors_;       // mac -> sensors payload
    std::uint64_t messages_ = 0;
    std::uint64_t rejected_ = 0;
};

}  // namespace hearth::discovery
