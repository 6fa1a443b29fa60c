#include "hearth/device_registry.hpp"

#include "core/log.hpp"
#include "core/time.hpp"

#include <ctime>
#include <set>

namespace hearth {
namespace {

log::RateLimiter& limiter() {
    static log::RateLimiter instance;
    return instance;
}

}  // namespace

DeviceRegistry::DeviceRegistry(MqttClient& mqtt) : mqtt_(mqtt) {}
DeviceRegistry::~DeviceRegistry() = default;

void DeviceRegistry::configure(const Config& config) {
    adapters_.clear();  // unsubscribes the old adapters' topics
    adapter_by_protocol_.clear();
    state_prefix_ = config.mqtt.prefix + "/state/";
    std::map<std::string, DeviceRecord> next;
    for (const Device& d : config.devices) {
        DeviceRecord record;
        if (auto it = records_.find(d.id); it != records_.end() && it->second.device.type == d.type &&
                                           it->second.device.protocol == d.protocol && it->second.device.topic == d.topic &&
                                           it->second.device.channel == d.channel) {
            record = std::move(it->second);  // same physical device: what we knew still holds
        }
        record.device = d;
        next.emplace(d.id, std::move(record));
    }
    records_ = std::move(next);

    std::map<Protocol, std::vector<const Device*>> by_protocol;
    for (const auto& [id, record] : records_) by_protocol[record.device.protocol].push_back(&record.device);
    for (auto& [protocol, devices] : by_protocol) {
        auto adapter = make_adapter(protocol, config.protocols);
        if (!adapter) continue;
        adapter->start(mqtt_, devices, *this);
        adapter_by_protocol_[protocol] = adapter.get();
        adapters_.push_back(std::move(adapter));
    }
}

const DeviceRecord* DeviceRegistry::find(const std::string& device_id) const {
    auto it = records_.find(device_id);
    return it == records_.end() ? nullptr : &it->second;
}

bool DeviceRegistry::send(const std::string& device_id, const DeviceCommand& command, std::string& error) {
    auto it = records_.find(device_id);
    if (it == records_.end()) {
        error = "no device has the id '" + device_id + "'";
        return false;
    }
    const DeviceRecord& record = it->second;
    if (record.availability == Availability::offline) {
        error = record.device.name + " is offline; the command was not sent";
        return false;
    }
    auto adapter = adapter_by_protocol_.find(record.device.protocol);
    if (adapter == adapter_by_protocol_.end()) {
        error = "no adapter for " + std::string(to_string(record.device.protocol));
        return false;
    }
    auto messages = adapter->second->translate(record.device, command, error);
    if (!messages) return false;
    const bool lock_command = command.kind == DeviceCommand::Kind::lock || command.kind == DeviceCommand::Kind::unlock;
    PublishOptions options;
    options.qos = 1;
    if (lock_command) options.expiry_seconds = lock_command_expiry_seconds;
    for (const OutgoingMessage& m : *messages) {
        // Never retained: a retained command would replay at the device's next boot.
        if (!mqtt_.publish(m.topic, m.payload, options, &error)) {
            error = record.device.name + ": " + error;
            return false;
        }
    }
    return true;
}

void DeviceRegistry::on_state(const std::string& device_id, const DeviceState& update) {
    auto it = records_.find(device_id);
    if (it == records_.end()) return;
    DeviceRecord& record = it->second;
    record.last_seen = std::chrono::system_clock::now();
    // A device that reports is reachable. Only "unknown" is upgraded: an explicit "offline"
    // (a Last Will) stands until the device's own availability topic says otherwise.
    bool availability_changed = false;
    if (record.availability == Availability::unknown) {
        record.availability = Availability::online;
        availability_changed = true;
    }
    const bool state_changed = record.state.merge(update);
    if (state_changed || availability_changed) changed(record);
}

void DeviceRegistry::on_availability(const std::string& device_id, Availability availability) {
    auto it = records_.find(device_id);
    if (it == records_.end() || it->second.availability == availability) return;
    it->second.availability = availability;
    if (availability == Availability::online) it->second.last_seen = std::chrono::system_clock::now();
    changed(it->second);
}

void DeviceRegistry::on_event(const ButtonEvent& event) {
    auto it = records_.find(event.device_id);
    if (it != records_.end()) it->second.last_seen = std::chrono::system_clock::now();
    for (const auto& listener : event_listeners_) {
        try {
            listener(event);
        } catch (const std::exception& e) {
            log::limited(limiter(), spdlog::level::err, "event-listener", "handling {} from {} failed: {}",
                         event.action, event.device_id, e.what());
        }
    }
}

void DeviceRegistry::changed(DeviceRecord& record) {
    publish(record);
    for (const auto& listener : state_listeners_) listener(record);
}

void DeviceRegistry::publish(const DeviceRecord& record) {
    if (!mqtt_.connected()) return;  // publish_all() runs on the next connect
    mqtt_.publish(state_prefix_ + record.device.id, to_json(record).dump(), {1, true, std::nullopt});
}

void DeviceRegistry::publish_all() {
    for (const auto& [id, record] : records_) publish(record);
}

void DeviceRegistry::request_states(bool only_unknown) {
    if (!mqtt_.connected()) return;  // every connect asks again
    std::set<std::pair<std::string, std::string>> sent;  // one request per device, however many channels
    for (const auto& [id, record] : records_) {
        if (only_unknown && !record.state.empty()) continue;
        if (record.availability == Availability::offline) continue;
        const auto adapter = adapter_by_protocol_.find(record.device.protocol);
        if (adapter == adapter_by_protocol_.end()) continue;
        for (const OutgoingMessage& m : adapter->second->state_requests(record.device))
            if (sent.emplace(m.topic, m.payload).second) mqtt_.publish(m.topic, m.payload, {0, false, std::nullopt});
    }
}

nlohmann::json DeviceRegistry::to_json(const DeviceRecord& r) {
    using nlohmann::json;
    json state = json::object();
    const DeviceState& s = r.state;
    if (s.on) state["on"] = *s.on;
    if (s.brightness) state["brightness"] = *s.brightness;
    if (s.color_temp_kelvin) state["color_temp_kelvin"] = *s.color_temp_kelvin;
    if (s.color) state["color"] = {{"r", s.color->r}, {"g", s.color->g}, {"b", s.color->b}};
    if (s.temperature) state["temperature"] = *s.temperature;
    if (s.target_temperature) state["target_temperature"] = *s.target_temperature;
    if (s.mode) state["mode"] = std::string(to_string(*s.mode));
    if (s.heating) state["heating"] = *s.heating;
    if (s.lock) state["lock"] = std::string(to_string(*s.lock));
    if (s.humidity) state["humidity"] = *s.humidity;
    if (s.contact) state["contact"] = *s.contact ? "closed" : "open";
    if (s.motion) state["motion"] = *s.motion;
    if (s.battery) state["battery"] = *s.battery;
    return json{{"id", r.device.id},
                {"name", r.device.name},
                {"type", std::string(to_string(r.device.type))},
                {"area", r.device.area.empty() ? json(nullptr) : json(r.device.area)},
                {"protocol", std::string(to_string(r.device.protocol))},
                {"discovered_by", r.device.discovered_by.empty() ? json(nullptr) : json(r.device.discovered_by)},
                {"availability", std::string(to_string(r.availability))},
                {"last_seen", r.last_seen ? json(iso8601(*r.last_seen)) : json(nullptr)},
                {"state", state}};
}

}  // namespace hearth
