#include "devices/generic/generic.hpp"

#include "core/log.hpp"
#include "core/text.hpp"
#include "devices/common.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <exception>
#include <map>
#include <string_view>
#include <utility>

namespace hearth::generic {
namespace {

using nlohmann::json;
using Kind = DeviceCommand::Kind;

// Readings outside this range are a broken sensor or garbage, whatever the device measures
// (rooms, outdoors, water); set points outside it are a mistake.
constexpr double min_temperature = -80;
constexpr double max_temperature = 150;

// Action words of a generic button are passed on (normalised where the hub has a word for them);
// anything longer or with other characters than these is not a button word but garbage.
constexpr std::size_t max_action_length = 64;

bool equals_ignoring_case(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
               return lower(x) == lower(y);
           });
}

// Matches a reported word against a pair of configured payloads (on/off, locked/unlocked).
// Case is ignored: devices disagree on "ON" and "on", and nobody configures both to mean
// different things.
std::optional<bool> match(std::string_view word, const std::string& yes, const std::string& no) {
    if (equals_ignoring_case(word, yes)) return true;
    if (equals_ignoring_case(word, no)) return false;
    return std::nullopt;
}

// A JSON value against the pair: strings as words, booleans as themselves, numbers by their
// text (a device sending {"state":1} with payload_on "1").
std::optional<bool> match_value(const json& value, const std::string& yes, const std::string& no) {
    if (value.is_string()) return match(std::string_view(value.get_ref<const std::string&>()), yes, no);
    if (value.is_boolean()) return value.get<bool>();
    if (value.is_number()) return match(std::string_view(value.dump()), yes, no);
    return std::nullopt;
}

std::optional<LockState> lock_state(std::optional<bool> locked) {
    if (!locked) return std::nullopt;
    return *locked ? LockState::locked : LockState::unlocked;
}

std::optional<double> temperature(std::optional<double> value) {
    return devices::in_range(value, min_temperature, max_temperature);
}

std::optional<double> bare_number(std::string_view payload) {
    const json j = json::parse(payload, nullptr, false);
    if (j.is_discarded() || !j.is_number()) return std::nullopt;
    const double v = j.get<double>();
    if (!std::isfinite(v)) return std::nullopt;
    return v;
}

std::optional<std::string> action_word(std::string_view word) {
    if (word.empty() || word.size() > max_action_length) return std::nullopt;
    const bool plain = std::all_of(word.begin(), word.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
    if (!plain) return std::nullopt;
    return devices::normalise_action(word);
}

const std::string& reported_on(const GenericDeviceSettings& g) { return g.state_on.empty() ? g.payload_on : g.state_on; }
const std::string& reported_off(const GenericDeviceSettings& g) {
    return g.state_off.empty() ? g.payload_off : g.state_off;
}

void read_state(const Device& d, const std::string& payload, Parsed& p) {
    const GenericDeviceSettings& g = d.generic;
    const std::string_view bare = text::trim(payload);
    if (bare.empty()) return;  // an empty retained message is a deletion, not a state
    DeviceState s;

    // The bare main value, for the value whose field is left empty.
    switch (d.type) {
        case DeviceType::light:
        case DeviceType::switch_:
            if (g.state_field.empty()) s.on = match(bare, reported_on(g), reported_off(g));
            break;
        case DeviceType::lock:
            if (g.state_field.empty()) s.lock = lock_state(match(bare, g.payload_locked, g.payload_unlocked));
            break;
        case DeviceType::sensor:
        case DeviceType::thermostat:
            if (g.temperature_field.empty()) s.temperature = temperature(bare_number(bare));
            break;
        case DeviceType::button:
            if (g.state_field.empty()) p.action = action_word(bare);
            break;
    }

    // The named fields of a JSON object.
    if (auto j = devices::parse_object(payload)) {
        const auto field = [&](const std::string& key) -> const json* {
            if (key.empty()) return nullptr;
            const auto it = j->find(key);
            return it == j->end() ? nullptr : &*it;
        };
        if (const json* v = field(g.state_field)) {
            if (d.type == DeviceType::light || d.type == DeviceType::switch_)
                s.on = match_value(*v, reported_on(g), reported_off(g));
            else if (d.type == DeviceType::lock)
                s.lock = lock_state(match_value(*v, g.payload_locked, g.payload_unlocked));
            else if (d.type == DeviceType::button && v->is_string())
                p.action = action_word(v->get_ref<const std::string&>());
        }
        if (d.type == DeviceType::light && !g.brightness_field.empty())
            if (auto b = devices::in_range(devices::number(*j, g.brightness_field), 0, g.brightness_max))
                s.brightness = devices::to_percent(*b, g.brightness_max);
        if ((d.type == DeviceType::sensor || d.type == DeviceType::thermostat) && !g.temperature_field.empty())
            s.temperature = temperature(devices::number(*j, g.temperature_field));
        if (d.type == DeviceType::thermostat && !g.target_field.empty())
            s.target_temperature = temperature(devices::number(*j, g.target_field));
    }
    if (!s.empty()) p.state = s;
}

// The command payload: JSON when a field is named for what is sent, else the bare word.
std::string command_payload(const GenericDeviceSettings& g, const std::string& word, std::optional<int> level) {
    if (g.plain_commands || (!level && g.state_field.empty())) return word;
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    if (!g.state_field.empty()) j[g.state_field] = word;
    if (level) j[g.brightness_field] = devices::from_percent(*level, g.brightness_max);
    return j.dump();
}

std::string cannot(const Device& d, Kind kind) {
    return "a generic " + std::string(to_string(d.type)) + " cannot " + std::string(to_string(kind));
}

}  // namespace

std::optional<Parsed> parse(const Device& d, const ProtocolSettings&, const std::string& topic,
                            const std::string& payload) {
    const GenericDeviceSettings& g = d.generic;
    const bool availability = !g.availability_topic.empty() && topic == g.availability_topic;
    const bool state = !g.state_topic.empty() && topic == g.state_topic;
    if (!availability && !state) return std::nullopt;
    Parsed p;
    if (availability) {
        const std::string_view word = text::trim(payload);
        if (word == g.payload_online) p.availability = Availability::online;
        else if (word == g.payload_offline) p.availability = Availability::offline;
    }
    if (state) read_state(d, payload, p);
    if (!p.state && !p.availability && !p.action) return std::nullopt;
    return p;
}

std::vector<std::string> subscriptions(const Device& d, const ProtocolSettings&) {
    const GenericDeviceSettings& g = d.generic;
    std::vector<std::string> topics;
    if (!g.state_topic.empty()) topics.push_back(g.state_topic);
    if (!g.availability_topic.empty() && g.availability_topic != g.state_topic) topics.push_back(g.availability_topic);
    return topics;
}

std::optional<std::vector<OutgoingMessage>> translate(const Device& d, const ProtocolSettings&,
                                                      const DeviceCommand& c, std::string& error) {
    const GenericDeviceSettings& g = d.generic;
    const auto fail = [&](std::string why) -> std::optional<std::vector<OutgoingMessage>> {
        error = std::move(why);
        return std::nullopt;
    };
    if (c.kind == Kind::set_temperature && d.type == DeviceType::thermostat && !g.target_command_topic.empty()) {
        const auto t = temperature(c.temperature);
        if (!t) return fail("set_temperature needs a temperature between -80 and 150 degrees");
        return std::vector<OutgoingMessage>{{g.target_command_topic, json(*t).dump()}};
    }
    if (g.command_topic.empty()) return fail(d.name + " has no command_topic: it only reports");
    if (c.brightness && (*c.brightness < 0 || *c.brightness > 100))
        return fail("brightness " + std::to_string(*c.brightness) + " is outside 0 to 100 percent");

    const bool switchable = d.type == DeviceType::light || d.type == DeviceType::switch_;
    std::string payload;
    switch (c.kind) {
        case Kind::turn_on:
        case Kind::turn_off: {
            if (!switchable) return fail(cannot(d, c.kind));
            const bool on = c.kind == Kind::turn_on;
            // A level comes along only where the device has a field for it; a light without one
            // asked to turn on at 40 % simply turns on.
            std::optional<int> level;
            if (on && d.type == DeviceType::light && !g.brightness_field.empty() && c.brightness && *c.brightness > 0)
                level = c.brightness;
            payload = command_payload(g, on ? g.payload_on : g.payload_off, level);
            break;
        }
        case Kind::set_brightness:
            if (d.type != DeviceType::light) return fail(cannot(d, c.kind));
            if (g.brightness_field.empty()) return fail(d.name + " has no brightness_field: it cannot be dimmed");
            if (!c.brightness) return fail("set_brightness needs a brightness");
            payload = *c.brightness == 0 ? command_payload(g, g.payload_off, std::nullopt)
                                         : command_payload(g, g.payload_on, c.brightness);
            break;
        case Kind::lock:
        case Kind::unlock:
            if (d.type != DeviceType::lock) return fail(cannot(d, c.kind));
            payload = command_payload(g, c.kind == Kind::lock ? g.payload_lock : g.payload_unlock, std::nullopt);
            break;
        case Kind::set_temperature: {
            if (d.type != DeviceType::thermostat) return fail(cannot(d, c.kind));
            const auto t = temperature(c.temperature);
            if (!t) return fail("set_temperature needs a temperature between -80 and 150 degrees");
            if (g.target_field.empty()) {
                payload = json(*t).dump();
            } else {
                nlohmann::ordered_json j;
                j[g.target_field] = *t;
                payload = j.dump();
            }
            break;
        }
        case Kind::set_color:
        case Kind::set_color_temp:
        case Kind::set_mode: return fail(cannot(d, c.kind));
    }
    return std::vector<OutgoingMessage>{{g.command_topic, std::move(payload)}};
}

// ---- Adapter -------------------------------------------------------------------------------

namespace {

log::RateLimiter& limiter() {
    static log::RateLimiter instance;
    return instance;
}

}  // namespace

GenericAdapter::GenericAdapter(ProtocolSettings settings) : settings_(std::move(settings)) {}

GenericAdapter::~GenericAdapter() { stop(); }

void GenericAdapter::stop() {
    subscriptions_.clear();
    devices_.clear();
}

void GenericAdapter::start(MqttClient& mqtt, const std::vector<const Device*>& devices, AdapterSink& sink) {
    stop();
    sink_ = &sink;
    std::map<std::string, std::vector<std::size_t>> routes;  // topic -> the devices using it
    for (const Device* d : devices) {
        if (d == nullptr || d->protocol != Protocol::generic) continue;
        devices_.push_back(*d);
        for (std::string& topic : subscriptions(*d, settings_)) routes[std::move(topic)].push_back(devices_.size() - 1);
    }
    for (auto& [topic, indices] : routes) {
        auto handler = [this, indices = std::move(indices)](const MqttMessage& m) { deliver(indices, m); };
        subscriptions_.add(mqtt, topic, 1, std::move(handler));
    }
}

void GenericAdapter::deliver(const std::vector<std::size_t>& indices, const MqttMessage& message) {
    for (std::size_t i : indices) {
        const Device& d = devices_.at(i);
        // One device's bad message or a failing sink must not stop the others, nor unwind into
        // the MQTT client's event loop.
        try {
            auto parsed = parse(d, settings_, message.topic, message.payload);
            if (!parsed) continue;
            if (parsed->availability) sink_->on_availability(d.id, *parsed->availability);
            if (parsed->state) sink_->on_state(d.id, *parsed->state);
            // A retained message is the broker replaying the past: never a button press now.
            if (parsed->action && !message.retain) sink_->on_event(ButtonEvent{d.id, *parsed->action});
        } catch (const std::exception& e) {
            log::limited(limiter(), spdlog::level::warn, "generic:" + d.id, "generic: handling {} for {} failed: {}",
                         message.topic, d.id, e.what());
        }
    }
}

std::optional<std::vector<OutgoingMessage>> GenericAdapter::translate(const Device& device,
                                                                      const DeviceCommand& command,
                                                                      std::string& error) const {
    return generic::translate(device, settings_, command, error);
}

std::unique_ptr<ProtocolAdapter> make_generic_adapter(const ProtocolSettings& settings) {
    return std::make_unique<GenericAdapter>(settings);
}

}  // namespace hearth::generic
