// Home Assistant MQTT discovery: retained configs on
// <prefix>/<component>/[<node_id>/]<object_id>/config, or one config per device on
// <prefix>/device/<object_id>/config with its components under "cmps".
//
// Each supported entity becomes a generic device: its topics, payloads and the JSON field its
// templates read. Templates are Jinja in Home Assistant; the hub understands the forms that
// publishers actually send for plain values ({{ value_json.x }}, {{ value_json['x'] }},
// {{ value }}, with a trailing number filter) and says which entity it skipped for any other.
#include "hearth/discovery.hpp"

#include "core/text.hpp"
#include "devices/common.hpp"

#include <array>
#include <cctype>

namespace hearth::discovery {
namespace {

using nlohmann::json;

// Home Assistant's abbreviations for the keys read here (its documentation has the full table).
constexpr std::array<std::pair<std::string_view, std::string_view>, 40> abbreviations{{
    {"avty", "availability"},
    {"avty_t", "availability_topic"},
    {"avty_tpl", "availability_template"},
    {"pl_avail", "payload_available"},
    {"pl_not_avail", "payload_not_available"},
    {"cmd_t", "command_topic"},
    {"stat_t", "state_topic"},
    {"val_tpl", "value_template"},
    {"stat_val_tpl", "state_value_template"},
    {"uniq_id", "unique_id"},
    {"obj_id", "object_id"},
    {"dev", "device"},
    {"o", "origin"},
    {"pl_on", "payload_on"},
    {"pl_off", "payload_off"},
    {"stat_on", "state_on"},
    {"stat_off", "state_off"},
    {"bri_scl", "brightness_scale"},
    {"bri_cmd_t", "brightness_command_topic"},
    {"bri_stat_t", "brightness_state_topic"},
    {"bri_val_tpl", "brightness_value_template"},
    {"sup_clrm", "supported_color_modes"},
    {"pl_lock", "payload_lock"},
    {"pl_unlk", "payload_unlock"},
    {"stat_locked", "state_locked"},
    {"stat_unlocked", "state_unlocked"},
    {"stat_jam", "state_jammed"},
    {"dev_cla", "device_class"},
    {"unit_of_meas", "unit_of_measurement"},
    {"temp_cmd_t", "temperature_command_topic"},
    {"temp_stat_t", "temperature_state_topic"},
    {"temp_stat_tpl", "temperature_state_template"},
    {"curr_temp_t", "current_temperature_topic"},
    {"curr_temp_tpl", "current_temperature_template"},
    {"mode_cmd_t", "mode_command_topic"},
    {"p", "platform"},
    {"cmps", "components"},
    {"t", "topic"},
    {"cmd_tpl", "command_template"},
    {"ids", "identifiers"},
}};

// Long key names, and "~" expanded in topics (at the start or end of a *_topic value).
json expand(const json& in) {
    json out = json::object();
    for (const auto& [key, value] : in.items()) {
        std::string name = key;
        for (const auto& [abbreviated, full] : abbreviations)
            if (key == abbreviated) name = std::string(full);
        out[name] = value;
    }
    const std::string base = devices::text(out, "~").value_or("");
    if (!base.empty()) {
        for (auto& [key, value] : out.items()) {
            if (!devices::ends_with(key, "_topic") || !value.is_string()) continue;
            std::string v = value.get<std::string>();
            if (!v.empty() && v.front() == '~') v = base + v.substr(1);
            else if (!v.empty() && v.back() == '~') v = v.substr(0, v.size() - 1) + base;
            value = v;
        }
    }
    if (auto device = out.find("device"); device != out.end() && device->is_object()) *device = expand(*device);
    return out;
}

std::string str(const json& j, std::string_view key, std::string fallback = "") {
    if (auto v = devices::text(j, key)) return *v;
    return fallback;
}

// A payload configured as a number or boolean is compared as its text.
std::string payload_text(const json& j, std::string_view key, std::string fallback) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return fallback;
    if (it->is_string()) return it->get<std::string>();
    if (it->is_boolean()) return it->get<bool>() ? "true" : "false";
    if (it->is_number()) return it->dump();
    return fallback;
}

struct Field {
    bool understood = false;
    std::string name;  // empty: the bare payload
};

// What a value template reads: a top-level JSON field, or the payload itself.
Field template_field(const std::string& tpl) {
    std::string_view t = text::trim(tpl);
    if (t.empty()) return {true, ""};
    if (t.size() < 4 || t.substr(0, 2) != "{{" || t.substr(t.size() - 2) != "}}") return {};
    t = text::trim(t.substr(2, t.size() - 4));
    if (auto bar = t.find('|'); bar != std::string_view::npos) {
        // Number filters change nothing the hub relies on; any other filter might.
        std::string_view filter = text::trim(t.substr(bar + 1));
        if (!(filter.starts_with("float") || filter.starts_with("int") || filter.starts_with("round"))) return {};
        t = text::trim(t.substr(0, bar));
    }
    if (t == "value") return {true, ""};
    auto valid_key = [](std::string_view k) {
        return !k.empty() && k.size() <= 64 && std::all_of(k.begin(), k.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
        });
    };
    constexpr std::string_view dotted = "value_json.";
    if (t.starts_with(dotted)) {
        std::string_view key = t.substr(dotted.size());
        if (valid_key(key)) return {true, std::string(key)};
        return {};
    }
    constexpr std::string_view indexed = "value_json[";
    if (t.starts_with(indexed) && t.back() == ']') {
        std::string_view inner = t.substr(indexed.size(), t.size() - indexed.size() - 1);
        if (inner.size() >= 2 && (inner.front() == '\'' || inner.front() == '"') && inner.back() == inner.front()) {
            std::string_view key = inner.substr(1, inner.size() - 2);
            if (valid_key(key)) return {true, std::string(key)};
        }
    }
    return {};
}

struct Entity {
    std::string component;
    json config;
    std::string device_name;  // from the shared device block
};

// Availability: the first topic given; its payloads compared as words.
bool read_availability(const json& c, GenericDeviceSettings& g, std::string& why) {
    std::string topic = str(c, "availability_topic");
    std::string tpl = str(c, "availability_template");
    json entry = json::object();
    if (auto list = c.find("availability"); list != c.end() && list->is_array() && !list->empty()) {
        entry = expand((*list)[0]);
        topic = str(entry, "topic");
        tpl = str(entry, "value_template");
    }
    if (topic.empty()) return true;
    if (!tpl.empty()) {
        const Field f = template_field(tpl);
        if (!f.understood || !f.name.empty()) {
            // Reading availability wrongly would mark a working device offline and refuse its
            // commands; leaving it unknown is the safe choice.
            why = "availability template " + text::quote(tpl) + " not understood; availability left unknown";
            return true;
        }
    }
    g.availability_topic = topic;
    const json& payloads = entry.empty() ? c : entry;
    g.payload_online = payload_text(payloads, "payload_available", "online");
    g.payload_offline = payload_text(payloads, "payload_not_available", "offline");
    return true;
}

std::optional<Announced> translate_entity(const Entity& e, std::string& why) {
    const json& c = e.config;
    Announced a;
    Device& d = a.device;
    GenericDeviceSettings& g = d.generic;
    d.protocol = Protocol::generic;
    d.discovered_by = "homeassistant";
    a.hardware_id = str(c, "unique_id");
    const std::string entity_name = c.contains("name") && c["name"].is_string() ? c["name"].get<std::string>() : "";
    // "name": null means the entity is the device's main feature and takes the device's name.
    d.name = entity_name.empty() ? e.device_name : (e.device_name.empty() || entity_name.starts_with(e.device_name)
                                                        ? entity_name
                                                        : e.device_name + " " + entity_name);
    if (d.name.empty()) d.name = str(c, "object_id", a.hardware_id);

    auto state_field = [&](std::string_view key) -> bool {
        const std::string tpl = str(c, key);
        const Field f = template_field(tpl);
        if (!f.understood) {
            why = std::string(key) + " " + text::quote(tpl) + " is not a template the hub understands";
            return false;
        }
        g.state_field = f.name;
        return true;
    };

    if (e.component == "light" || e.component == "switch") {
        d.type = e.component == "light" ? DeviceType::light : DeviceType::switch_;
        g.command_topic = str(c, "command_topic");
        g.state_topic = str(c, "state_topic");
        if (g.command_topic.empty()) {
            why = "no command_topic";
            return std::nullopt;
        }
        if (str(c, "schema") == "json") {
            // JSON schema: {"state":"ON","brightness":N} both ways.
            g.state_field = "state";
            g.payload_on = "ON";
            g.payload_off = "OFF";
            bool dimmable = devices::boolean(c, "brightness").value_or(false);
            if (auto modes = c.find("supported_color_modes"); modes != c.end() && modes->is_array())
                for (const json& m : *modes)
                    if (m.is_string() && m.get<std::string>() != "onoff") dimmable = true;
            if (dimmable) {
                g.brightness_field = "brightness";
                g.brightness_max = static_cast<int>(devices::in_range(devices::number(c, "brightness_scale"), 1, 65535)
                                                        .value_or(255));
            }
        } else {
            if (!state_field(c.contains("state_value_template") ? "state_value_template" : "value_template"))
                return std::nullopt;
            g.plain_commands = true;
            g.payload_on = payload_text(c, "payload_on", "ON");
            g.payload_off = payload_text(c, "payload_off", "OFF");
            // What the state topic reports may differ from what commands send.
            if (c.contains("state_on") || c.contains("state_off")) {
                g.state_on = payload_text(c, "state_on", g.payload_on);
                g.state_off = payload_text(c, "state_off", g.payload_off);
            }
        }
    } else if (e.component == "lock") {
        d.type = DeviceType::lock;
        g.command_topic = str(c, "command_topic");
        g.state_topic = str(c, "state_topic");
        if (g.command_topic.empty()) {
            why = "no command_topic";
            return std::nullopt;
        }
        if (!state_field("value_template")) return std::nullopt;
        g.plain_commands = true;
        g.payload_lock = payload_text(c, "payload_lock", "LOCK");
        g.payload_unlock = payload_text(c, "payload_unlock", "UNLOCK");
        g.payload_locked = payload_text(c, "state_locked", "LOCKED");
        g.payload_unlocked = payload_text(c, "state_unlocked", "UNLOCKED");
    } else if (e.component == "climate") {
        d.type = DeviceType::thermostat;
        const std::string current = str(c, "current_temperature_topic");
        const std::string target = str(c, "temperature_state_topic");
        g.state_topic = current.empty() ? target : current;
        g.target_command_topic = str(c, "temperature_command_topic");
        if (g.state_topic.empty() && g.target_command_topic.empty()) {
            why = "no temperature topics";
            return std::nullopt;
        }
        if (!current.empty()) {
            const Field f = template_field(str(c, "current_temperature_template"));
            if (!f.understood) {
                why = "current_temperature_template is not a template the hub understands";
                return std::nullopt;
            }
            g.temperature_field = f.name;
        }
        // The set point is read only where it shares the measured temperature's topic and has
        // its own field; the generic adapter reads one state topic per device.
        if (!target.empty() && (current.empty() || target == current)) {
            const Field f = template_field(str(c, "temperature_state_template"));
            if (f.understood && !f.name.empty() && f.name != g.temperature_field) g.target_field = f.name;
        }
    } else if (e.component == "sensor") {
        const std::string device_class = str(c, "device_class");
        const std::string unit = str(c, "unit_of_measurement");
        if (device_class != "temperature" && unit != "°C") {
            why = "a sensor of " + (device_class.empty() ? "an unknown kind" : text::quote(device_class)) +
                  "; the hub reads temperature sensors";
            return std::nullopt;
        }
        if (unit == "°F") {
            why = "reports Fahrenheit; the hub works in Celsius";
            return std::nullopt;
        }
        d.type = DeviceType::sensor;
        g.state_topic = str(c, "state_topic");
        if (g.state_topic.empty()) {
            why = "no state_topic";
            return std::nullopt;
        }
        const Field f = template_field(str(c, "value_template"));
        if (!f.understood) {
            why = "value_template is not a template the hub understands";
            return std::nullopt;
        }
        g.temperature_field = f.name;
    } else {
        why = "component " + text::quote(e.component) + " is not one the hub models";
        return std::nullopt;
    }
    std::string availability_note;
    read_availability(c, g, availability_note);
    for (const std::string* topic : {&g.state_topic, &g.command_topic, &g.availability_topic, &g.target_command_topic}) {
        if (topic->find_first_of("+#") != std::string::npos || topic->size() > 1024) {
            why = "topic " + text::quote(*topic) + " is not a plain topic";
            return std::nullopt;
        }
    }
    if (a.hardware_id.empty()) a.hardware_id = g.command_topic.empty() ? g.state_topic : g.command_topic;
    if (!availability_note.empty()) why = availability_note;  // a note, the entity is still used
    return a;
}

bool under(const std::string& topic, const std::vector<std::string>& prefixes) {
    for (const std::string& p : prefixes)
        if (!p.empty() && topic.size() > p.size() && topic.compare(0, p.size(), p) == 0 && topic[p.size()] == '/')
            return true;
    return false;
}

}  // namespace

Translation from_homeassistant(const std::string& prefix, const std::string& topic, const std::string& payload,
                               const std::vector<std::string>& skip_under) {
    Translation out;
    // <prefix>/<component>/[<node_id>/]<object_id>/config
    if (topic.size() <= prefix.size() + 1 || topic.compare(0, prefix.size(), prefix) != 0 || topic[prefix.size()] != '/') {
        out.error = "not under the discovery prefix " + text::quote(prefix);
        return out;
    }
    std::vector<std::string> levels;
    const std::string rest = topic.substr(prefix.size() + 1);
    for (std::size_t start = 0;;) {
        const std::size_t slash = rest.find('/', start);
        levels.push_back(rest.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
        if (slash == std::string::npos) break;
        start = slash + 1;
    }
    if (levels.size() < 3 || levels.size() > 4 || levels.back() != "config") {
        out.error = "not a discovery config topic (<prefix>/<component>/[<node_id>/]<object_id>/config)";
        return out;
    }
    const std::string component = levels[0];
    const auto raw = devices::parse_object(payload);
    if (!raw) {
        out.error = "expected a JSON object";
        return out;
    }
    const json root = expand(*raw);
    std::string device_name;
    if (auto dev = root.find("device"); dev != root.end() && dev->is_object()) device_name = str(*dev, "name");

    std::vector<Entity> entities;
    if (component == "device") {
        auto components = root.find("components");
        if (components == root.end() || !components->is_object()) {
            out.error = "a device config without components";
            return out;
        }
        for (const auto& [id, value] : components->items()) {
            if (!value.is_object()) continue;
            json merged = expand(value);
            // Shared keys of the device config apply to every component that does not set its own.
            for (const char* shared : {"state_topic", "command_topic", "availability", "availability_topic",
                                       "payload_available", "payload_not_available", "availability_template", "~"})
                if (!merged.contains(shared) && root.contains(shared)) merged[shared] = root[shared];
            if (merged.contains("~")) merged = expand(merged);
            if (!merged.contains("unique_id")) merged["unique_id"] = id;
            entities.push_back({str(merged, "platform"), merged, device_name});
        }
    } else {
        entities.push_back({component, root, device_name});
    }

    for (const Entity& e : entities) {
        const std::string where = topic + (component == "device" ? " [" + str(e.config, "unique_id") + "]" : "");
        const std::string state_topic = str(e.config, "state_topic", str(e.config, "command_topic"));
        if (under(state_topic, skip_under)) continue;  // announced by Zigbee2MQTT's own list
        std::string why;
        auto announced = translate_entity(e, why);
        if (!announced) {
            out.skipped.push_back({where, why});
            continue;
        }
        if (!why.empty()) out.skipped.push_back({where, why});
        out.devices.push_back(std::move(*announced));
    }
    return out;
}

}  // namespace hearth::discovery
