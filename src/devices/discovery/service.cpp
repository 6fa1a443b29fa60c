#include "hearth/discovery.hpp"

#include "core/log.hpp"

#include <algorithm>

namespace hearth::discovery {
namespace {

log::RateLimiter& limiter() {
    static log::RateLimiter instance;
    return instance;
}

// A house has dozens of devices, a large one hundreds. An announcement bigger than this, or a
// broker holding more configs than this, is a fault or an attack, not a house.
constexpr std::size_t max_payload_bytes = 4 * 1024 * 1024;
constexpr std::size_t max_sources = 5000;
constexpr std::size_t max_skipped_shown = 50;

// The level of `topic` just below `prefix`/: the MAC in tasmota/discovery/<MAC>/config.
std::string level_after(const std::string& prefix, const std::string& topic) {
    const std::string rest = topic.substr(prefix.size() + 1);
    return rest.substr(0, rest.find('/'));
}

}  // namespace

DiscoveryService::DiscoveryService(asio::io_context& io, MqttClient& mqtt) : mqtt_(mqtt), settle_(io) {}

void DiscoveryService::configure(const Config& config, ChangeHandler changed) {
    subscriptions_.clear();
    settle_.cancel();
    const bool had_devices = !by_source_.empty();
    by_source_.clear();
    skipped_.clear();
    tasmota_configs_.clear();
    tasmota_sensors_.clear();
    settings_ = config.discovery;
    changed_ = std::move(changed);
    zigbee2mqtt_devices_topic_ = config.protocols.zigbee2mqtt_base_topic + "/bridge/devices";
    skip_under_.clear();
    if (had_devices) schedule();  // devices from the old settings go until announced again
    if (!settings_.enabled) return;

    auto handler = [this](const MqttMessage& m) { receive(m); };
    if (settings_.zigbee2mqtt) {
        subscriptions_.add(mqtt_, zigbee2mqtt_devices_topic_, 1, handler);
        // Zigbee2MQTT's own list is exact; its Home Assistant configs would announce the same devices.
        skip_under_.push_back(config.protocols.zigbee2mqtt_base_topic);
    }
    if (settings_.tasmota) {
        subscriptions_.add(mqtt_, settings_.tasmota_prefix + "/+/config", 1, handler);
        subscriptions_.add(mqtt_, settings_.tasmota_prefix + "/+/sensors", 1, handler);
    }
    if (settings_.homeassistant) {
        subscriptions_.add(mqtt_, settings_.homeassistant_prefix + "/+/+/config", 1, handler);
        subscriptions_.add(mqtt_, settings_.homeassistant_prefix + "/+/+/+/config", 1, handler);
    }
}

void DiscoveryService::receive(const MqttMessage& m) {
    ++messages_;
    const bool removal = m.payload.empty();  // an empty retained message deletes an announcement
    if (m.payload.size() > max_payload_bytes) {
        ++rejected_;
        log::limited(limiter(), spdlog::level::warn, "discovery-size", "discovery: ignored {} ({} bytes is too big)",
                     m.topic, m.payload.size());
        return;
    }
    try {
        if (settings_.zigbee2mqtt && m.topic == zigbee2mqtt_devices_topic_) {
            if (removal) {
                store(m.topic, Translation{}, m.topic);
                return;
            }
            store(m.topic, from_zigbee2mqtt(m.topic, m.payload), m.topic);
            return;
        }
        if (settings_.tasmota && m.topic.starts_with(settings_.tasmota_prefix + "/")) {
            const std::string mac = level_after(settings_.tasmota_prefix, m.topic);
            const bool sensors = m.topic.ends_with("/sensors");
            auto& slot = sensors ? tasmota_sensors_ : tasmota_configs_;
            if (removal) slot.erase(mac);
            else slot[mac] = m.payload;
            const std::string key = settings_.tasmota_prefix + "/" + mac + "/config";
            auto config = tasmota_configs_.find(mac);
            if (config == tasmota_configs_.end()) {
                store(key, Translation{}, key);
                return;
            }
            auto sensor = tasmota_sensors_.find(mac);
            store(key, from_tasmota(key, config->second, sensor == tasmota_sensors_.end() ? "" : sensor->second), key);
            return;
        }
        if (settings_.homeassistant && m.topic.starts_with(settings_.homeassistant_prefix + "/")) {
            if (removal) {
                store(m.topic, Translation{}, m.topic);
                return;
            }
            store(m.topic, from_homeassistant(settings_.homeassistant_prefix, m.topic, m.payload, skip_under_), m.topic);
        }
    } catch (const std::exception& e) {
        ++rejected_;
        log::limited(limiter(), spdlog::level::warn, "discovery-error", "discovery: could not read {}: {}", m.topic,
                     e.what());
    }
}

void DiscoveryService::store(const std::string& key, Translation translation, const std::string& topic) {
    if (!translation.error.empty()) {
        // An unreadable announcement changes nothing: the devices it announced before stay.
        ++rejected_;
        skipped_[key] = Skipped{topic, translation.error};
        log::limited(limiter(), spdlog::level::warn, "discovery:" + key, "discovery: ignored {}: {}", topic,
                     translation.error);
        return;
    }
    skipped_.erase(key);
    for (std::size_t i = 0; i < translation.skipped.size(); ++i)
        skipped_[key + "#" + std::to_string(i)] = translation.skipped[i];
    // Old per-entry notes of this key go with the new translation.
    for (auto it = skipped_.lower_bound(key + "#"); it != skipped_.end() && it->first.starts_with(key + "#");) {
        const std::string index = it->first.substr(key.size() + 1);
        if (std::stoul(index) >= translation.skipped.size()) it = skipped_.erase(it);
        else ++it;
    }

    auto existing = by_source_.find(key);
    if (translation.devices.empty()) {
        if (existing == by_source_.end()) return;
        by_source_.erase(existing);
    } else {
        if (existing == by_source_.end() && by_source_.size() >= max_sources) {
            ++rejected_;
            log::limited(limiter(), spdlog::level::warn, "discovery-count",
                         "discovery: more than {} announcements; ignoring {}", max_sources, topic);
            return;
        }
        if (existing != by_source_.end()) {
            const auto same = [](const std::vector<Announced>& a, const std::vector<Announced>& b) {
                return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const Announced& x, const Announced& y) {
                    return x.hardware_id == y.hardware_id && x.device.name == y.device.name &&
                           x.device.type == y.device.type && x.device.topic == y.device.topic &&
                           x.device.channel == y.device.channel && x.device.generic == y.device.generic;
                });
            };
            if (same(existing->second, translation.devices)) return;  // a republished, unchanged list
        }
        by_source_[key] = std::move(translation.devices);
    }
    schedule();
}

void DiscoveryService::schedule() {
    settle_.expires_after(settle_time);
    settle_.async_wait([this](const std::error_code& ec) {
        if (ec) return;
        if (changed_) changed_();
    });
}

std::vector<Announced> DiscoveryService::announced() const {
    std::vector<Announced> all;
    for (const auto& [key, list] : by_source_) all.insert(all.end(), list.begin(), list.end());
    return all;
}

nlohmann::json DiscoveryService::status() const {
    using nlohmann::json;
    std::size_t count = 0;
    for (const auto& [key, list] : by_source_) count += list.size();
    json skipped = json::array();
    for (const auto& [key, s] : skipped_) {
        if (skipped.size() >= max_skipped_shown) break;
        skipped.push_back({{"topic", s.topic}, {"reason", s.reason}});
    }
    return json{{"enabled", settings_.enabled},
                {"announced", count},
                {"messages", messages_},
                {"rejected", rejected_},
                {"skipped", skipped}};
}

}  // namespace hearth::discovery
