#include "devices/tasmota/tasmota.hpp"

#include "devices/common.hpp"

#include <cmath>

namespace hearth::tasmota {
namespace {

using nlohmann::json;

// POWER for a single relay; POWER<n> when the device is relay n of several.
std::string power_key(const Device& d) { return d.channel.empty() ? "POWER" : "POWER" + d.channel; }

// Reads the relay's state from a RESULT or STATE object: a single-relay device may answer
// POWER or POWER1 (SetOption26), so both are taken for it.
std::optional<bool> read_power(const Device& d, const json& j) {
    if (auto v = devices::text(j, power_key(d))) return devices::on_off_word(*v);
    if (d.channel.empty() || d.channel == "1") {
        if (auto v = devices::text(j, d.channel.empty() ? "POWER1" : "POWER")) return devices::on_off_word(*v);
    }
    return std::nullopt;
}

// Finds Temperature and Humidity in a SENSOR object, whatever the sensor is called
// ({"DS18B20":{"Temperature":20.9}}, {"AM2301":{...}}).
void read_sensors(const json& j, DeviceState& s) {
    for (const auto& [name, value] : j.items()) {
        if (!value.is_object()) continue;
        if (auto t = devices::in_range(devices::number(value, "Temperature"), -50, 100)) s.temperature = *t;
        if (auto h = devices::in_range(devices::number(value, "Humidity"), 0, 100)) s.humidity = *h;
    }
}

// A button or detached switch event in RESULT: {"Button1":{"Action":"SINGLE"}} / {"Switch1":{"Action":"ON"}}.
std::optional<std::string> read_action(const Device& d, const json& j) {
    const std::string n = d.channel.empty() ? "1" : d.channel;
    for (const std::string prefix : {"Button", "Switch"}) {
        auto it = j.find(prefix + n);
        if (it != j.end() && it->is_object())
            if (auto action = devices::text(*it, "Action")) return devices::normalise_action(*action);
    }
    return std::nullopt;
}

}  // namespace

std::string topic_base(const ProtocolSettings& settings, const std::string& prefix, const std::string& topic) {
    std::string t = settings.tasmota_full_topic;
    auto replace = [&](const std::string& token, const std::string& value) {
        for (auto pos = t.find(token); pos != std::string::npos; pos = t.find(token, pos + value.size()))
            t.replace(pos, token.size(), value);
    };
    replace("%prefix%", prefix);
    replace("%topic%", topic);
    while (!t.empty() && t.back() == '/') t.pop_back();
    return t;
}

std::optional<Parsed> parse(const Device& d, const ProtocolSettings& settings, const std::string& topic,
                            const std::string& payload) {
    const std::string stat = topic_base(settings, "stat", d.topic);
    const std::string tele = topic_base(settings, "tele", d.topic);
    Parsed parsed;
    if (topic == tele + "/LWT") {
        if (payload == "Online") parsed.availability = Availability::online;
        else if (payload == "Offline") parsed.availability = Availability::offline;
        return parsed;
    }
    if (topic == stat + "/" + power_key(d) || (d.channel.empty() && topic == stat + "/POWER1")) {
        if (auto on = devices::on_off_word(payload)) {
            DeviceState s;
            s.on = *on;
            parsed.state = s;
        }
        return parsed;
    }
    const bool result = topic == stat + "/RESULT";
    const bool state = topic == tele + "/STATE";
    const bool sensor = topic == tele + "/SENSOR";
    if (!result && !state && !sensor) return std::nullopt;
    auto j = devices::parse_object(payload);
    if (!j) return parsed;
    DeviceState s;
    if (d.type == DeviceType::light || d.type == DeviceType::switch_) s.on = read_power(d, *j);
    if (d.type == DeviceType::light)
        if (auto dim = devices::in_range(devices::number(*j, "Dimmer"), 0, 100)) s.brightness = static_cast<int>(*dim);
    if (sensor) read_sensors(*j, s);
    parsed.state = s;
    if (result && (d.type == DeviceType::button || d.type == DeviceType::switch_)) parsed.action = read_action(d, *j);
    return parsed;
}

std::vector<std::string> subscriptions(const Device& d, const ProtocolSettings& settings) {
    const std::string stat = topic_base(settings, "stat", d.topic);
    const std::string tele = topic_base(settings, "tele", d.topic);
    std::vector<std::string> topics{tele + "/LWT", stat + "/RESULT", tele + "/STATE", tele + "/SENSOR",
                                    stat + "/" + power_key(d)};
    if (d.channel.empty()) topics.push_back(stat + "/POWER1");
    return topics;
}

std::optional<std::vector<OutgoingMessage>> translate(const Device& d, const ProtocolSettings& settings,
                                                      const DeviceCommand& c, std::string& error) {
    using Kind = DeviceCommand::Kind;
    const std::string cmnd = topic_base(settings, "cmnd", d.topic) + "/";
    const bool switchable = d.type == DeviceType::light || d.type == DeviceType::switch_;
    std::vector<OutgoingMessage> out;
    switch (c.kind) {
        case Kind::turn_on:
        case Kind::turn_off:
            if (!switchable) break;
            if (c.kind == Kind::turn_on && c.brightness && d.type == DeviceType::light)
                out.push_back({cmnd + "Dimmer", std::to_string(std::clamp(*c.brightness, 0, 100))});
            out.push_back({cmnd + power_key(d), c.kind == Kind::turn_on ? "ON" : "OFF"});
            break;
        case Kind::set_brightness:
            if (d.type != DeviceType::light || !c.brightness) break;
            if (*c.brightness <= 0) out.push_back({cmnd + power_key(d), "OFF"});
            else out.push_back({cmnd + "Dimmer", std::to_string(std::min(*c.brightness, 100))});  // Dimmer also turns it on
            break;
        case Kind::set_color:
            if (d.type != DeviceType::light || !c.color) break;
            out.push_back({cmnd + "Color", std::to_string(c.color->r) + "," + std::to_string(c.color->g) + "," +
                                               std::to_string(c.color->b)});
            break;
        case Kind::set_color_temp:
            if (d.type != DeviceType::light || !c.color_temp_kelvin) break;
            out.push_back({cmnd + "CT", std::to_string(std::clamp(devices::kelvin_to_mired(*c.color_temp_kelvin), 153, 500))});
            break;
        default: break;
    }
    if (out.empty()) {
        error = "a Tasmota " + std::string(to_string(d.type)) + " cannot " + std::string(to_string(c.kind));
        return std::nullopt;
    }
    return out;
}

std::vector<OutgoingMessage> state_requests(const Device& d, const ProtocolSettings& settings) {
    if (d.type == DeviceType::button || d.type == DeviceType::sensor) return {};
    return {{topic_base(settings, "cmnd", d.topic) + "/STATE", ""}};
}

namespace {

class Adapter final : public ProtocolAdapter {
public:
    explicit Adapter(ProtocolSettings settings) : settings_(std::move(settings)) {}
    Protocol protocol() const override { return Protocol::tasmota; }

    void start(MqttClient& mqtt, const std::vector<const Device*>& devices, AdapterSink& sink) override {
        for (const Device* d : devices)
            for (const std::string& topic : subscriptions(*d, settings_))
                subscriptions_.add(mqtt, topic, 1, [this, d, &sink](const MqttMessage& m) {
                    auto parsed = parse(*d, settings_, m.topic, m.payload);
                    if (!parsed) return;
                    // The press first, so bindings act before the state is stored and published.
                    if (parsed->action && !m.retain) sink.on_event(ButtonEvent{d->id, *parsed->action});
                    if (parsed->availability) sink.on_availability(d->id, *parsed->availability);
                    if (parsed->state && !parsed->state->empty()) sink.on_state(d->id, *parsed->state);
                });
    }

    std::optional<std::vector<OutgoingMessage>> translate(const Device& device, const DeviceCommand& command,
                                                          std::string& error) const override {
        return tasmota::translate(device, settings_, command, error);
    }

    std::vector<OutgoingMessage> state_requests(const Device& device) const override {
        return tasmota::state_requests(device, settings_);
    }

private:
    ProtocolSettings settings_;
    SubscriptionGroup subscriptions_;
};

}  // namespace

std::unique_ptr<ProtocolAdapter> make_adapter(const ProtocolSettings& settings) {
    return std::make_unique<Adapter>(settings);
}

}  // namespace hearth::tasmota
