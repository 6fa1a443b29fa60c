#include "devices/shelly/shelly.hpp"

#include "core/log.hpp"
#include "core/text.hpp"
#include "devices/common.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <exception>
#include <map>
#include <string_view>
#include <utility>

namespace hearth::shelly {
namespace {

using nlohmann::json;
using Kind = DeviceCommand::Kind;

// Plausible readings; anything outside is a broken or garbage report. The temperature range is
// that of the sensors Shelly uses (DS18B20 on the add-ons: -55 to 125 degrees Celsius).
constexpr double min_temperature = -55;
constexpr double max_temperature = 125;

std::string channel(const Device& d) { return d.channel.empty() ? "0" : d.channel; }

// The channel as the number RPC parameters need; the configuration allows "0" to "3".
std::optional<int> channel_number(const Device& d) {
    const std::string c = channel(d);
    int n = -1;
    const auto [end, ec] = std::from_chars(c.data(), c.data() + c.size(), n);
    if (ec != std::errc{} || end != c.data() + c.size() || n < 0 || n > 255) return std::nullopt;
    return n;
}

bool switchable(const Device& d) { return d.type == DeviceType::light || d.type == DeviceType::switch_; }
bool measures_temperature(const Device& d) { return d.type == DeviceType::sensor || d.type == DeviceType::thermostat; }

std::string gen1_base(const Device& d, const ProtocolSettings& s) { return s.shelly_gen1_prefix + "/" + d.topic + "/"; }
std::string gen2_base(const Device& d) { return d.topic + "/"; }

// Both generations publish their will and birth message as "true" / "false".
std::optional<Availability> online_word(std::string_view payload) {
    const std::string_view word = text::trim(payload);
    if (word == "true") return Availability::online;
    if (word == "false") return Availability::offline;
    return std::nullopt;
}

// Gen1 relay and light topics carry exactly "on" or "off".
std::optional<bool> gen1_on_off(std::string_view payload) {
    const std::string_view word = text::trim(payload);
    if (word == "on") return true;
    if (word == "off") return false;
    return std::nullopt;
}

// A Gen1 reading published as a bare number ("21.50").
std::optional<double> bare_number(std::string_view payload) {
    const json j = json::parse(payload, nullptr, false);
    if (j.is_discarded() || !j.is_number()) return std::nullopt;
    const double v = j.get<double>();
    if (!std::isfinite(v)) return std::nullopt;
    return v;
}

std::optional<int> percent(const json& object, std::string_view key) {
    if (auto v = devices::in_range(devices::number(object, key), 0, 100)) return static_cast<int>(std::lround(*v));
    return std::nullopt;
}

// An event's identity for duplicate detection: its counter or time stamp, as sent.
std::optional<std::string> event_key(const json& object, std::string_view key) {
    const auto it = object.find(key);
    if (it == object.end() || !it->is_number()) return std::nullopt;
    return it->dump();
}

// The result of a parse, or nothing when it learned nothing.
std::optional<Parsed> result(Parsed p) {
    if (p.state && p.state->empty()) p.state.reset();
    if (!p.state && !p.availability && !p.action && !p.output) return std::nullopt;
    return p;
}

// ---- Gen1 ----------------------------------------------------------------------------------

// input_event/<ch>: {"event":"S","event_cnt":12}. The firmware also publishes an empty event
// (after boot), which is no press.
void gen1_input_event(const std::string& payload, Parsed& p) {
    auto j = devices::parse_object(payload);
    if (!j) return;
    static constexpr std::array<std::string_view, 6> events{"S", "SS", "SSS", "L", "SL", "LS"};
    const auto event = devices::text(*j, "event");
    if (!event || std::find(events.begin(), events.end(), *event) == events.end()) return;
    p.action = devices::normalise_action(*event);  // S -> single, SS -> double, SSS -> triple, L -> long
    p.event_key = event_key(*j, "event_cnt");
}

std::optional<Parsed> parse_gen1(const Device& d, const ProtocolSettings& settings, const std::string& topic,
                                 const std::string& payload) {
    const std::string base = gen1_base(d, settings);
    if (!topic.starts_with(base)) return std::nullopt;
    const std::string rest = topic.substr(base.size());
    const std::string ch = channel(d);
    Parsed p;
    DeviceState s;
    if (rest == "online") {
        p.availability = online_word(payload);
    } else if (rest == "input_event/" + ch) {
        gen1_input_event(payload, p);
    } else if (switchable(d) && rest == "relay/" + ch) {
        s.on = gen1_on_off(payload);
        if (s.on) p.output = Output::relay;
    } else if (switchable(d) && rest == "light/" + ch) {
        s.on = gen1_on_off(payload);
        if (s.on) p.output = Output::dimmer;
    } else if (switchable(d) && rest == "light/" + ch + "/status") {
        // {"ison":true,"source":"mqtt","mode":"white","brightness":40,...}
        if (auto j = devices::parse_object(payload)) {
            p.output = Output::dimmer;
            s.on = devices::boolean(*j, "ison");
            if (d.type == DeviceType::light) s.brightness = percent(*j, "brightness");
        }
    } else if (measures_temperature(d) && (rest == "sensor/temperature" || rest == "ext_temperature/" + ch)) {
        // H&T (sensor/...) and the add-on of the Shelly 1/1PM (ext_temperature/<n>). Both report in
        // the unit set on the device, Celsius unless changed there.
        s.temperature = devices::in_range(bare_number(payload), min_temperature, max_temperature);
    } else if (d.type == DeviceType::sensor && rest == "sensor/humidity") {
        s.humidity = devices::in_range(bare_number(payload), 0, 100);
    } else if (d.type == DeviceType::sensor && rest == "sensor/battery") {
        if (auto b = devices::in_range(bare_number(payload), 0, 100)) s.battery = static_cast<int>(std::lround(*b));
    } else {
        return std::nullopt;
    }
    p.state = s;
    return result(std::move(p));
}

// ---- Gen2 ----------------------------------------------------------------------------------

// One component's status, as in NotifyStatus ("switch:0": {...}) or on status/switch:0.
// NotifyStatus carries only what changed, so every field is optional.
void gen2_component(const Device& d, std::string_view name, const json& value, Parsed& p, DeviceState& s) {
    if (!value.is_object()) return;
    const std::string ch = channel(d);
    if (switchable(d) && name == "switch:" + ch) {
        p.output = Output::relay;
        if (auto on = devices::boolean(value, "output")) s.on = on;
    } else if (switchable(d) && name == "light:" + ch) {
        p.output = Output::dimmer;
        if (auto on = devices::boolean(value, "output")) s.on = on;
        if (d.type == DeviceType::light)
            if (auto b = percent(value, "brightness")) s.brightness = b;
    } else if (measures_temperature(d) && name == "temperature:" + ch) {
        // A temperature sensor component (H&T, add-on). Not the "temperature" inside a switch's
        // status: that is the relay's own temperature, not the room's.
        if (auto t = devices::in_range(devices::number(value, "tC"), min_temperature, max_temperature))
            s.temperature = t;
    } else if (d.type == DeviceType::sensor && name == "humidity:" + ch) {
        if (auto h = devices::in_range(devices::number(value, "rh"), 0, 100)) s.humidity = h;
    } else if (name == "devicepower:0") {
        // Battery-powered models: {"battery":{"V":5.9,"percent":87},"external":{"present":false}}
        const auto battery = value.find("battery");
        if (battery != value.end() && battery->is_object())
            if (auto b = percent(*battery, "percent")) s.battery = b;
    }
}

// NotifyEvent: {"events":[{"component":"input:0","id":0,"event":"single_push","ts":...}]}.
// btn_down and btn_up accompany every press and are not presses of their own.
void gen2_events(const Device& d, const json& params, Parsed& p) {
    const auto events = params.find("events");
    if (events == params.end() || !events->is_array()) return;
    static constexpr std::array<std::string_view, 4> pushes{"single_push", "double_push", "triple_push", "long_push"};
    const std::string component = "input:" + channel(d);
    for (const json& e : *events) {
        if (!e.is_object() || devices::text(e, "component") != component) continue;
        const auto event = devices::text(e, "event");
        if (!event || std::find(pushes.begin(), pushes.end(), *event) == pushes.end()) continue;
        p.action = devices::normalise_action(*event);
        // The time stamp has a resolution of 10 ms; with the event's name in the key, only the
        // same kind of press within the same 10 ms counts as a repeat.
        auto ts = event_key(e, "ts");
        if (!ts) ts = event_key(params, "ts");
        if (ts) p.event_key = *event + "@" + *ts;
        return;
    }
}

std::optional<Parsed> parse_gen2(const Device& d, const std::string& topic, const std::string& payload) {
    const std::string base = gen2_base(d);
    if (!topic.starts_with(base)) return std::nullopt;
    const std::string rest = topic.substr(base.size());
    Parsed p;
    DeviceState s;
    if (rest == "online") {
        p.availability = online_word(payload);
    } else if (rest == "events/rpc") {
        auto j = devices::parse_object(payload);
        if (!j) return std::nullopt;
        const auto method = devices::text(*j, "method");
        const auto params = j->find("params");
        if (!method || params == j->end() || !params->is_object()) return std::nullopt;
        if (*method == "NotifyStatus" || *method == "NotifyFullStatus") {
            for (const auto& [name, value] : params->items()) gen2_component(d, name, value, p, s);
        } else if (*method == "NotifyEvent") {
            gen2_events(d, *params, p);
        }
    } else if (rest.starts_with("status/")) {
        // status/<component>:<id> (the device's "generic status update" setting) holds the
        // component's whole status object.
        auto j = devices::parse_object(payload);
        if (!j) return std::nullopt;
        gen2_component(d, std::string_view(rest).substr(7), *j, p, s);
    } else {
        return std::nullopt;
    }
    p.state = s;
    return result(std::move(p));
}

// ---- Commands ------------------------------------------------------------------------------

// JSON-RPC needs an id per request to pair the answer with it. The hub does not read the
// answers (they go to "hearth/rpc"); distinct ids keep the device's and the broker's logs readable.
std::uint32_t next_rpc_id() {
    static std::atomic<std::uint32_t> next{1};
    return next.fetch_add(1, std::memory_order_relaxed);
}

// nlohmann's ordered_json keeps keys in the order written, so the frames read as Shelly's docs do.
std::string rpc(const std::string& method, nlohmann::ordered_json params) {
    nlohmann::ordered_json frame;
    frame["id"] = next_rpc_id();
    frame["src"] = "hearth";
    frame["method"] = method;
    frame["params"] = std::move(params);
    return frame.dump();
}

OutgoingMessage relay_message(const Device& d, const ProtocolSettings& settings, int ch, bool on) {
    if (d.shelly_generation == 1)
        return {gen1_base(d, settings) + "relay/" + std::to_string(ch) + "/command", on ? "on" : "off"};
    nlohmann::ordered_json params;
    params["id"] = ch;
    params["on"] = on;
    return {gen2_base(d) + "rpc", rpc("Switch.Set", std::move(params))};
}

OutgoingMessage dimmer_message(const Device& d, const ProtocolSettings& settings, int ch, bool on,
                               std::optional<int> brightness) {
    nlohmann::ordered_json body;
    if (d.shelly_generation == 1) {
        body["turn"] = on ? "on" : "off";
        if (brightness) body["brightness"] = *brightness;
        return {gen1_base(d, settings) + "light/" + std::to_string(ch) + "/set", body.dump()};
    }
    body["id"] = ch;
    body["on"] = on;
    if (brightness) body["brightness"] = *brightness;
    return {gen2_base(d) + "rpc", rpc("Light.Set", std::move(body))};
}

std::string cannot(const Device& d, Kind kind) {
    return "a Shelly " + std::string(to_string(d.type)) + " cannot " + std::string(to_string(kind));
}

}  // namespace

std::optional<Parsed> parse(const Device& device, const ProtocolSettings& settings, const std::string& topic,
                            const std::string& payload) {
    if (device.shelly_generation == 1) return parse_gen1(device, settings, topic, payload);
    return parse_gen2(device, topic, payload);
}

std::vector<std::string> subscriptions(const Device& d, const ProtocolSettings& settings) {
    const std::string ch = channel(d);
    std::vector<std::string> topics;
    if (d.shelly_generation == 1) {
        const std::string base = gen1_base(d, settings);
        topics = {base + "online", base + "input_event/" + ch};
        if (switchable(d))
            topics.insert(topics.end(), {base + "relay/" + ch, base + "light/" + ch, base + "light/" + ch + "/status"});
        if (measures_temperature(d))
            topics.insert(topics.end(), {base + "sensor/temperature", base + "ext_temperature/" + ch});
        if (d.type == DeviceType::sensor)
            topics.insert(topics.end(), {base + "sensor/humidity", base + "sensor/battery"});
        return topics;
    }
    const std::string base = gen2_base(d);
    topics = {base + "online", base + "events/rpc"};
    if (switchable(d)) topics.insert(topics.end(), {base + "status/switch:" + ch, base + "status/light:" + ch});
    if (measures_temperature(d)) topics.push_back(base + "status/temperature:" + ch);
    if (d.type == DeviceType::sensor) topics.push_back(base + "status/humidity:" + ch);
    if (d.type == DeviceType::sensor || d.type == DeviceType::button || d.type == DeviceType::thermostat)
        topics.push_back(base + "status/devicepower:0");
    return topics;
}

std::optional<std::vector<OutgoingMessage>> translate(const Device& d, const ProtocolSettings& settings,
                                                      const DeviceCommand& c, std::string& error, Output output) {
    const bool on_off = c.kind == Kind::turn_on || c.kind == Kind::turn_off;
    const bool dim = c.kind == Kind::set_brightness;
    if (!switchable(d) || !(on_off || dim) || (dim && d.type != DeviceType::light)) {
        error = cannot(d, c.kind);
        return std::nullopt;
    }
    const auto ch = channel_number(d);
    if (!ch) {
        error = "Shelly channel " + text::quote(channel(d)) + " is not a number";
        return std::nullopt;
    }
    if (dim && !c.brightness) {
        error = "set_brightness needs a brightness";
        return std::nullopt;
    }
    if (c.brightness && (*c.brightness < 0 || *c.brightness > 100)) {
        error = "brightness " + std::to_string(*c.brightness) + " is outside 0 to 100 percent";
        return std::nullopt;
    }

    // What the command asks for: on or off, and at which level. Brightness 0 means off; only a
    // light has a level (a switch asked to turn on at 40 % simply turns on).
    const bool on = c.kind == Kind::turn_on || (dim && *c.brightness > 0);
    std::optional<int> level;
    if (on && d.type == DeviceType::light && c.brightness && *c.brightness > 0) level = c.brightness;

    if (d.type == DeviceType::switch_ && output != Output::dimmer) output = Output::relay;
    std::vector<OutgoingMessage> out;
    switch (output) {
        case Output::relay:
            if (dim && on) {
                error = d.name + " is switched by a relay and cannot be dimmed";
                return std::nullopt;
            }
            out.push_back(relay_message(d, settings, *ch, on));
            break;
        case Output::dimmer: out.push_back(dimmer_message(d, settings, *ch, on, level)); break;
        case Output::unknown:
            // Not yet known whether a relay or a dimmer drives this light: on and off go to both
            // (each device ignores the topic or method it does not have), a level only to the dimmer.
            if (!(dim && on)) out.push_back(relay_message(d, settings, *ch, on));
            out.push_back(dimmer_message(d, settings, *ch, on, level));
            break;
    }
    return out;
}

// ---- Adapter -------------------------------------------------------------------------------

namespace {

log::RateLimiter& limiter() {
    static log::RateLimiter instance;
    return instance;
}

}  // namespace

ShellyAdapter::ShellyAdapter(ProtocolSettings settings) : settings_(std::move(settings)) {}

ShellyAdapter::~ShellyAdapter() { stop(); }

void ShellyAdapter::stop() {
    subscriptions_.clear();
    entries_.clear();
}

void ShellyAdapter::start(MqttClient& mqtt, const std::vector<const Device*>& devices, AdapterSink& sink) {
    stop();
    sink_ = &sink;
    std::map<std::string, std::vector<std::size_t>> routes;  // topic -> the entries it concerns
    for (const Device* d : devices) {
        if (d == nullptr || d->protocol != Protocol::shelly) continue;
        entries_.push_back(Entry{*d, Output::unknown, std::nullopt});
        for (std::string& topic : subscriptions(*d, settings_)) routes[std::move(topic)].push_back(entries_.size() - 1);
    }
    for (auto& [topic, entries] : routes) {
        auto handler = [this, entries = std::move(entries)](const MqttMessage& m) { deliver(entries, m); };
        subscriptions_.add(mqtt, topic, 1, std::move(handler));
    }
}

void ShellyAdapter::deliver(const std::vector<std::size_t>& entries, const MqttMessage& message) {
    for (std::size_t i : entries) {
        // One device's bad message or a failing sink must not stop the others, nor unwind into
        // the MQTT client's event loop.
        try {
            deliver_to(entries_.at(i), message);
        } catch (const std::exception& e) {
            log::limited(limiter(), spdlog::level::warn, "shelly:" + entries_.at(i).device.id,
                         "shelly: handling {} for {} failed: {}", message.topic, entries_.at(i).device.id, e.what());
        }
    }
}

void ShellyAdapter::deliver_to(Entry& entry, const MqttMessage& message) {
    auto parsed = parse(entry.device, settings_, message.topic, message.payload);
    if (!parsed) return;
    const std::string& id = entry.device.id;
    // A light component is the stronger evidence: a device that reports one can dim, whatever
    // else it reports (Gen1 dimmers may publish relay-style topics too).
    if (parsed->output && entry.output != Output::dimmer) entry.output = *parsed->output;
    if (parsed->availability) {
        // A restarted device counts its events from zero again.
        entry.last_event_key.reset();
        sink_->on_availability(id, *parsed->availability);
    }
    if (parsed->state) sink_->on_state(id, *parsed->state);
    if (parsed->action) {
        // The same event delivered twice (QoS 1) or replayed is one press at most.
        const bool repeated = parsed->event_key && parsed->event_key == entry.last_event_key;
        entry.last_event_key = parsed->event_key;
        // A retained message is the broker replaying the past: never a button press now.
        if (!message.retain && !repeated) sink_->on_event(ButtonEvent{id, *parsed->action});
    }
}

std::optional<std::vector<OutgoingMessage>> ShellyAdapter::translate(const Device& device, const DeviceCommand& command,
                                                                     std::string& error) const {
    return shelly::translate(device, settings_, command, error, output(device.id));
}

Output ShellyAdapter::output(const std::string& device_id) const {
    for (const Entry& e : entries_)
        if (e.device.id == device_id) return e.output;
    return Output::unknown;
}

std::unique_ptr<ProtocolAdapter> make_shelly_adapter(const ProtocolSettings& settings) {
    return std::make_unique<ShellyAdapter>(settings);
}

}  // namespace hearth::shelly
