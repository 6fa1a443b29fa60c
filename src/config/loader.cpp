// The configuration schema: which keys exist, what each may hold, and how sections refer to
// each other. docs/configuration.md documents the same schema for people; keep them in step.
#include "hearth/config_loader.hpp"
#include "hearth/intent.hpp"

#include "config/yaml_reader.hpp"
#include "core/text.hpp"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>

#include <sys/stat.h>
#include <sys/un.h>
#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace hearth {
namespace {

using config::Diagnostics;
using config::EnumName;
using config::MapReader;

constexpr std::array<EnumName<Language>, 2> language_names{{{"en", Language::en}, {"de", Language::de}}};

// "warning" is accepted too, as hearthd --log-level accepts it.
constexpr std::array<EnumName<LogLevel>, 7> log_level_names{{{"trace", LogLevel::trace},
                                                              {"debug", LogLevel::debug},
                                                              {"info", LogLevel::info},
                                                              {"warn", LogLevel::warn},
                                                              {"warning", LogLevel::warn},
                                                              {"error", LogLevel::error},
                                                              {"off", LogLevel::off}}};

constexpr std::array<EnumName<DeviceType>, 6> device_type_names{{{"light", DeviceType::light},
                                                                  {"switch", DeviceType::switch_},
                                                                  {"thermostat", DeviceType::thermostat},
                                                                  {"lock", DeviceType::lock},
                                                                  {"button", DeviceType::button},
                                                                  {"sensor", DeviceType::sensor}}};

constexpr std::array<EnumName<Protocol>, 4> protocol_names{{{"zigbee2mqtt", Protocol::zigbee2mqtt},
                                                             {"tasmota", Protocol::tasmota},
                                                             {"shelly", Protocol::shelly},
                                                             {"generic", Protocol::generic}}};

constexpr std::array<EnumName<BindingAction>, 5> binding_action_names{{{"toggle", BindingAction::toggle},
                                                                        {"on", BindingAction::on},
                                                                        {"off", BindingAction::off},
                                                                        {"brightness_up", BindingAction::brightness_up},
                                                                        {"brightness_down", BindingAction::brightness_down}}};

constexpr std::array<EnumName<VoiceGuard>, 3> voice_guard_names{{{"confirm", VoiceGuard::confirm},
                                                                  {"pin", VoiceGuard::pin},
                                                                  {"forbid", VoiceGuard::forbid}}};

constexpr std::size_t max_id_length = 64;

bool is_valid_id(std::string_view id) {
    if (id.empty() || id.size() > max_id_length) return false;
    return std::all_of(id.begin(), id.end(),
                       [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
}

// "Kitchen Light" -> "kitchen_light": what the user most likely meant by an invalid id.
std::string suggest_id(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            out += c;
        } else if (!out.empty() && out.back() != '_') {
            out += '_';
        }
        if (out.size() == max_id_length) break;
    }
    while (!out.empty() && out.back() == '_') out.pop_back();
    return out;
}

// A topic the hub publishes to or subscribes to literally: no wildcards, no empty levels at the
// ends, within MQTT's length limit.
std::optional<std::string> topic_problem(std::string_view topic) {
    if (topic.find_first_of("+#") != std::string_view::npos) return "must not contain the wildcards '+' or '#'";
    if (topic.front() == '/' || topic.back() == '/') return "must not start or end with '/'";
    if (topic.size() > 65535) return "is longer than MQTT allows";
    return std::nullopt;
}

std::string resolve_path(const std::string& path, const std::string& base_directory) {
    std::filesystem::path p(path);
    if (p.is_absolute()) return p.lexically_normal().string();
    return (std::filesystem::path(base_directory) / p).lexically_normal().string();
}

// Reads one id (required), checks its form and remembers it for duplicate detection.
class IdRegistry {
public:
    explicit IdRegistry(std::string kind) : kind_(std::move(kind)) {}

    bool read(MapReader& map, std::string& out) {
        std::string id;
        if (!map.read_string("id", id, true)) return false;
        if (id.size() > max_id_length) {
            map.error("id", "the id " + text::quote(id, 20) + " is " + std::to_string(id.size()) +
                                " characters long; ids are at most " + std::to_string(max_id_length));
            return false;
        }
        if (!is_valid_id(id)) {
            std::string message = "invalid id " + text::quote(id) +
                                  ": ids are 1 to 64 lower-case letters, digits and '_'";
            if (const auto suggestion = suggest_id(id); !suggestion.empty() && suggestion != id)
                message += " (for example '" + suggestion + "')";
            map.error("id", std::move(message));
            return false;
        }
        const int line = config::position(map.value_mark("id")).first;
        if (auto [it, inserted] = lines_.emplace(id, line); !inserted) {
            map.error("id", "duplicate " + kind_ + " id '" + id + "' (first defined at line " +
                                std::to_string(it->second) + ")");
            return false;
        }
        out = std::move(id);
        return true;
    }

    bool contains(const std::string& id) const { return lines_.count(id) > 0; }
    std::vector<std::string_view> ids() const {
        std::vector<std::string_view> out;
        for (const auto& [id, line] : lines_) out.push_back(id);
        return out;
    }

private:
    std::string kind_;
    std::map<std::string, int> lines_;
};

// The name of a list entry in messages: its id when it has a usable one, else its position.
std::string entry_section(const std::string& list, std::size_t index, const YAML::Node& item) {
    if (item.IsMap()) {
        const YAML::Node id = item["id"];
        if (id.IsDefined() && id.IsScalar() && is_valid_id(id.Scalar())) return list + "[" + id.Scalar() + "]";
    }
    return list + "[" + std::to_string(index + 1) + "]";
}

SourceMark to_source_mark(const YAML::Mark& mark) {
    const auto [line, column] = config::position(mark);
    return SourceMark{line, column};
}

class Loader {
public:
    Loader(Diagnostics& diagnostics, std::string base_directory)
        : d_(diagnostics), base_directory_(std::move(base_directory)) {}

    void read(const YAML::Node& document, Config& config) {
        static constexpr std::array<std::string_view, 13> keys{"language", "mqtt",     "protocols", "storage",
                                                               "control",  "logging",  "floors",    "areas",
                                                               "devices",  "bindings", "discovery", "voice",
                                                               "intents"};
        MapReader root(document, "", keys, d_, document.Mark());
        if (!root.is_map()) return;
        root.read_enum<Language>("language", config.language, language_names);
        read_mqtt(section(root, "mqtt"), root.value_mark("mqtt"), config.mqtt);
        read_protocols(section(root, "protocols"), root.value_mark("protocols"), config.protocols);
        read_storage(section(root, "storage"), root.value_mark("storage"), config.storage);
        read_control(section(root, "control"), root.value_mark("control"), config.control);
        read_logging(section(root, "logging"), root.value_mark("logging"), config.logging);
        read_floors(root, config.floors);
        read_areas(root, config.areas);
        read_devices(root, config.devices);
        read_bindings(root, config);
        read_discovery(section(root, "discovery"), root.value_mark("discovery"), config.discovery);
        read_voice(section(root, "voice"), root.value_mark("voice"), config.voice);
        read_intents(section(root, "intents"), root.value_mark("intents"), config.intents);
    }

private:
    static YAML::Node section(const MapReader& root, std::string_view key) { return root.value(key); }

    void read_mqtt(const YAML::Node& node, const YAML::Mark& mark, MqttSettings& mqtt) {
        static constexpr std::array<std::string_view, 11> keys{
            "host", "port", "prefix", "client_id", "keepalive", "protocol",
            "username", "password_file", "password_env", "password", "tls"};
        MapReader map(node, "mqtt", keys, d_, mark);
        if (!map.is_map()) return;
        if (map.read_string("host", mqtt.host) && mqtt.host.find_first_of(" \t\r\n/") != std::string::npos)
            map.error("host", "expected a host name or address such as 127.0.0.1, got " + text::quote(mqtt.host));
        map.read_int("port", mqtt.port, 1, 65535);
        if (map.read_string("prefix", mqtt.prefix)) {
            if (auto problem = topic_problem(mqtt.prefix)) map.error("prefix", *problem);
        }
        if (map.read_string("client_id", mqtt.client_id) && mqtt.client_id.size() > 64)
            map.error("client_id", "must be at most 64 characters");
        map.read_int("keepalive", mqtt.keepalive_seconds, 5, 3600);
        if (map.has("protocol")) {
            const YAML::Node value = map.value("protocol");
            const std::string text = value.IsScalar() ? value.Scalar() : std::string();
            if (text == "5") {
                mqtt.protocol_version = 5;
            } else if (text == "3.1.1" || text == "311") {
                mqtt.protocol_version = 311;
            } else {
                map.error("protocol", "expected 5 or 3.1.1, got " + config::describe_node(value));
            }
        }
        map.read_string("username", mqtt.username);
        read_password(map, mqtt);
        read_tls(map.value("tls"), map.value_mark("tls"), mqtt.tls);
    }

    void read_password(MapReader& map, MqttSettings& mqtt) {
        std::vector<std::string_view> given;
        for (std::string_view key : {"password_file", "password_env", "password"})
            if (map.has(key)) given.push_back(key);
        if (given.size() > 1) {
            std::string also;
            for (std::size_t i = 0; i + 1 < given.size(); ++i) also += (i ? " and '" : "'") + std::string(given[i]) + "'";
            map.error(given.back(), "give only one of password_file, password_env and password (" + also +
                                        (given.size() > 2 ? " are" : " is") + " set too)");
            return;
        }
        if (given.empty()) return;
        if (mqtt.username.empty() && !map.has("username"))
            map.error(given[0], "a password needs mqtt.username as well");

        if (map.has("password")) {
            if (map.read_string("password", mqtt.password))
                map.warning("password", "a password written in the configuration can be read by anyone who can "
                                        "read this file; prefer password_file or password_env");
        } else if (map.has("password_file")) {
            std::string file;
            if (!map.read_string("password_file", file)) return;
            mqtt.password_file = resolve_path(file, base_directory_);
            std::ifstream in(mqtt.password_file);
            if (!in) {
                // errno is taken before any other call can overwrite it.
                const std::string reason = std::strerror(errno);
                map.error("password_file", "cannot read " + text::quote(mqtt.password_file) + ": " + reason);
                return;
            }
            std::string line;
            std::getline(in, line);
            if (!line.empty() && line.back() == '\r') line.pop_back();
            if (line.empty()) {
                map.error("password_file", text::quote(mqtt.password_file) + " is empty; its first line is the password");
                return;
            }
            mqtt.password = line;
            struct stat st {};
            if (::stat(mqtt.password_file.c_str(), &st) == 0 && (st.st_mode & S_IROTH))
                map.warning("password_file", text::quote(mqtt.password_file) +
                                                 " can be read by every user on this machine; chmod o-r it");
        } else {
            std::string variable;
            if (!map.read_string("password_env", variable)) return;
            const bool well_formed =
                !variable.empty() && !(variable[0] >= '0' && variable[0] <= '9') &&
                std::all_of(variable.begin(), variable.end(), [](char c) {
                    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
                });
            if (!well_formed) {
                map.error("password_env", "expected the name of an environment variable, got " + text::quote(variable));
                return;
            }
            mqtt.password_env = variable;
            const char* value = std::getenv(variable.c_str());
            if (!value || !*value) {
                map.error("password_env", "the environment variable " + variable +
                                              " is not set (set it for hearthd, e.g. with Environment= in a "
                                              "systemd drop-in)");
                return;
            }
            mqtt.password = value;
        }
    }

    void check_readable(MapReader& map, std::string_view key, std::string& path) {
        if (!map.read_string(key, path)) return;
        path = resolve_path(path, base_directory_);
        if (::access(path.c_str(), R_OK) != 0) {
            const std::string reason = std::strerror(errno);
            map.error(key, "cannot read " + text::quote(path) + ": " + reason);
        }
    }

    void read_tls(const YAML::Node& node, const YAML::Mark& mark, TlsSettings& tls) {
        static constexpr std::array<std::string_view, 6> keys{"enabled",   "ca_file",  "ca_path",
                                                              "cert_file", "key_file", "verify_hostname"};
        MapReader map(node, "mqtt.tls", keys, d_, mark);
        if (!map.is_map()) return;
        const bool enabled_ok = map.read_bool("enabled", tls.enabled) || !map.has("enabled");
        check_readable(map, "ca_file", tls.ca_file);
        check_readable(map, "ca_path", tls.ca_path);
        check_readable(map, "cert_file", tls.cert_file);
        check_readable(map, "key_file", tls.key_file);
        map.read_bool("verify_hostname", tls.verify_hostname);
        if (map.has("cert_file") != map.has("key_file"))
            map.error(map.has("cert_file") ? "cert_file" : "key_file",
                      "a client certificate needs both cert_file and key_file");
        if (tls.enabled && !map.has("ca_file") && !map.has("ca_path"))
            d_.error(map.mark(), "mqtt.tls: TLS is enabled but neither ca_file nor ca_path is set (Debian's CA "
                                 "bundle is /etc/ssl/certs/ca-certificates.crt)");
        const bool settings = map.has("ca_file") || map.has("ca_path") || map.has("cert_file") ||
                              map.has("key_file") || map.has("verify_hostname");
        if (!tls.enabled && enabled_ok && settings)
            d_.warning(map.mark(), "mqtt.tls: these settings are not used while mqtt.tls.enabled is false");
    }

    void read_topic_setting(MapReader& map, std::string_view key, std::string& out) {
        if (map.read_string(key, out)) {
            if (auto problem = topic_problem(out)) map.error(key, *problem);
        }
    }

    void read_protocols(const YAML::Node& node, const YAML::Mark& mark, ProtocolSettings& protocols) {
        static constexpr std::array<std::string_view, 3> keys{"zigbee2mqtt", "tasmota", "shelly"};
        MapReader map(node, "protocols", keys, d_, mark);
        if (!map.is_map()) return;
        {
            static constexpr std::array<std::string_view, 1> z2m_keys{"base_topic"};
            MapReader z2m(map.value("zigbee2mqtt"), "protocols.zigbee2mqtt", z2m_keys, d_, map.value_mark("zigbee2mqtt"));
            if (z2m.is_map()) read_topic_setting(z2m, "base_topic", protocols.zigbee2mqtt_base_topic);
        }
        {
            static constexpr std::array<std::string_view, 1> tasmota_keys{"full_topic"};
            MapReader tasmota(map.value("tasmota"), "protocols.tasmota", tasmota_keys, d_, map.value_mark("tasmota"));
            if (tasmota.is_map() && tasmota.read_string("full_topic", protocols.tasmota_full_topic)) {
                const auto& full = protocols.tasmota_full_topic;
                if (full.find("%prefix%") == std::string::npos || full.find("%topic%") == std::string::npos)
                    tasmota.error("full_topic", "must contain both %prefix% and %topic%, like Tasmota's "
                                                "FullTopic (default \"%prefix%/%topic%/\")");
                else if (full.find_first_of("+#") != std::string::npos)
                    tasmota.error("full_topic", "must not contain the wildcards '+' or '#'");
            }
        }
        {
            static constexpr std::array<std::string_view, 1> shelly_keys{"gen1_prefix"};
            MapReader shelly(map.value("shelly"), "protocols.shelly", shelly_keys, d_, map.value_mark("shelly"));
            if (shelly.is_map()) read_topic_setting(shelly, "gen1_prefix", protocols.shelly_gen1_prefix);
        }
    }

    void read_storage(const YAML::Node& node, const YAML::Mark& mark, StorageSettings& storage) {
        static constexpr std::array<std::string_view, 1> keys{"directory"};
        MapReader map(node, "storage", keys, d_, mark);
        if (map.is_map() && map.read_string("directory", storage.directory))
            storage.directory = resolve_path(storage.directory, base_directory_);
    }

    void read_control(const YAML::Node& node, const YAML::Mark& mark, ControlSettings& control) {
        static constexpr std::array<std::string_view, 2> keys{"socket", "group"};
        MapReader map(node, "control", keys, d_, mark);
        if (!map.is_map()) return;
        if (map.read_string("socket", control.socket)) {
            control.socket = resolve_path(control.socket, base_directory_);
            if (control.socket.size() >= sizeof(sockaddr_un::sun_path))
                map.error("socket", "the path is " + std::to_string(control.socket.size()) +
                                        " bytes long; a Unix socket path must be shorter than " +
                                        std::to_string(sizeof(sockaddr_un::sun_path)));
        }
        map.read_string("group", control.group);
    }

    void read_logging(const YAML::Node& node, const YAML::Mark& mark, LoggingSettings& logging) {
        static constexpr std::array<std::string_view, 2> keys{"level", "repeat_interval"};
        MapReader map(node, "logging", keys, d_, mark);
        if (!map.is_map()) return;
        map.read_enum<LogLevel>("level", logging.level, log_level_names);
        map.read_int("repeat_interval", logging.repeat_interval_seconds, 1, 3600);
    }

    // Runs `read_entry` for each mapping in the list under `key`, naming entries by id.
    template <typename ReadEntry>
    void for_each_entry(const MapReader& root, std::string_view key, ReadEntry read_entry) {
        if (!root.has(key)) return;
        const std::string list(key);
        const auto items = config::read_sequence(root.value(key), list, d_, root.value_mark(key));
        if (!items) return;
        for (std::size_t i = 0; i < items->size(); ++i) {
            const YAML::Node& item = (*items)[i];
            read_entry(item, entry_section(list, i, item), item.Mark().is_null() ? root.value_mark(key) : item.Mark());
        }
    }

    void read_floors(const MapReader& root, std::vector<Floor>& floors) {
        static constexpr std::array<std::string_view, 4> keys{"id", "name", "aliases", "level"};
        for_each_entry(root, "floors", [&](const YAML::Node& item, const std::string& section, const YAML::Mark& mark) {
            MapReader map(item, section, keys, d_, mark);
            if (!map.is_map()) return;
            Floor floor;
            floor.mark = to_source_mark(map.mark());
            const bool ok = floor_ids_.read(map, floor.id);
            if (!map.read_string("name", floor.name) && ok) floor.name = text::name_from_id(floor.id);
            map.read_string_list("aliases", floor.aliases);
            int level = 0;
            if (map.read_int("level", level, -5, 200)) floor.level = level;
            if (ok) floors.push_back(std::move(floor));
        });
    }

    void read_areas(const MapReader& root, std::vector<Area>& areas) {
        static constexpr std::array<std::string_view, 4> keys{"id", "name", "aliases", "floor"};
        for_each_entry(root, "areas", [&](const YAML::Node& item, const std::string& section, const YAML::Mark& mark) {
            MapReader map(item, section, keys, d_, mark);
            if (!map.is_map()) return;
            Area area;
            area.mark = to_source_mark(map.mark());
            const bool ok = area_ids_.read(map, area.id);
            if (!map.read_string("name", area.name) && ok) area.name = text::name_from_id(area.id);
            map.read_string_list("aliases", area.aliases);
            if (map.read_string("floor", area.floor)) check_reference(map, "floor", area.floor, floor_ids_, "floor");
            if (ok) areas.push_back(std::move(area));
        });
    }

    void check_reference(MapReader& map, std::string_view key, const std::string& id, const IdRegistry& registry,
                         const std::string& kind) {
        if (registry.contains(id)) return;
        std::string message = "no " + kind + " has the id " + text::quote(id);
        const auto ids = registry.ids();
        if (auto suggestion = text::closest_match(id, ids)) {
            message += " (did you mean '" + std::string(*suggestion) + "'?)";
        } else if (ids.empty()) {
            message += "; define it under '" + kind + "s:' first";
        } else {
            message += "; the " + kind + "s defined are:";
            for (std::size_t i = 0; i < ids.size() && i < 10; ++i) message += (i ? ", " : " ") + std::string(ids[i]);
            if (ids.size() > 10) message += ", ...";
        }
        map.error(key, std::move(message));
    }

    void read_devices(const MapReader& root, std::vector<Device>& devices) {
        static constexpr std::array<std::string_view, 12> keys{"id",       "name",     "aliases", "type",
                                                               "area",     "protocol", "topic",   "channel",
                                                               "generation", "generic", "detached",
                                                               "sensitive"};
        // protocol + topic + channel -> line, to catch one physical device configured twice.
        std::map<std::string, std::pair<std::string, int>> addresses;
        for_each_entry(root, "devices", [&](const YAML::Node& item, const std::string& section, const YAML::Mark& mark) {
            MapReader map(item, section, keys, d_, mark);
            if (!map.is_map()) return;
            Device device;
            device.mark = to_source_mark(map.mark());
            bool ok = device_ids_.read(map, device.id);
            if (!map.read_string("name", device.name) && ok) device.name = text::name_from_id(device.id);
            map.read_string_list("aliases", device.aliases);
            ok &= map.read_enum<DeviceType>("type", device.type, device_type_names, true);
            if (map.read_string("area", device.area)) check_reference(map, "area", device.area, area_ids_, "area");
            const bool protocol_ok = map.read_enum<Protocol>("protocol", device.protocol, protocol_names, true);
            ok &= protocol_ok;
            if (protocol_ok) read_device_address(map, device);
            if (map.read_bool("detached", device.detached) && device.detached && ok &&
                device.type != DeviceType::switch_ && device.type != DeviceType::button) {
                map.error("detached", "only a switch or button has an input to detach");
                device.detached = false;
            }
            map.read_bool("sensitive", device.sensitive);
            if (ok && device.protocol != Protocol::generic && !device.topic.empty()) {
                const std::string address = std::string(to_string(device.protocol)) + "\n" + device.topic + "\n" +
                                            device.channel;
                const int line = config::position(map.value_mark("topic")).first;
                if (auto [it, inserted] = addresses.emplace(address, std::make_pair(device.id, line)); !inserted)
                    map.error("topic", "the same " + std::string(to_string(device.protocol)) + " device" +
                                           (device.channel.empty() ? "" : " and channel") + " as '" +
                                           it->second.first + "' (line " + std::to_string(it->second.second) +
                                           "); give each device once, or set 'channel'");
            }
            if (ok) devices.push_back(std::move(device));
        });
    }

    // Bindings refer to devices by id; types decide what makes sense (a light cannot be pressed).
    void read_bindings(const MapReader& root, Config& config) {
        static constexpr std::array<std::string_view, 5> keys{"button", "event", "action", "devices", "fallback"};
        auto type_of = [&](const std::string& id) -> std::optional<DeviceType> {
            for (const Device& d : config.devices)
                if (d.id == id) return d.type;
            return std::nullopt;
        };
        auto protocol_of = [&](const std::string& id) {
            for (const Device& d : config.devices)
                if (d.id == id) return d.protocol;
            return Protocol::generic;
        };
        for_each_entry(root, "bindings", [&](const YAML::Node& item, const std::string& section, const YAML::Mark& mark) {
            MapReader map(item, section, keys, d_, mark);
            if (!map.is_map()) return;
            Binding binding;
            binding.mark = to_source_mark(map.mark());
            bool ok = true;
            if (map.read_string("button", binding.button, true)) {
                const auto type = type_of(binding.button);
                if (!device_ids_.contains(binding.button)) {
                    check_reference(map, "button", binding.button, device_ids_, "device");
                    ok = false;
                } else if (type && *type != DeviceType::button && *type != DeviceType::switch_) {
                    map.error("button", "'" + binding.button + "' is a " + std::string(to_string(*type)) +
                                            "; a binding starts from a button or a switch");
                    ok = false;
                }
            } else {
                ok = false;
            }
            map.read_string("event", binding.event);
            ok &= map.read_enum<BindingAction>("action", binding.action, binding_action_names, true);
            if (!map.has("devices")) {
                map.missing("devices");
                ok = false;
            } else if (map.read_string_list("devices", binding.devices)) {
                if (binding.devices.empty()) {
                    map.error("devices", "name at least one device to act on");
                    ok = false;
                }
                for (const std::string& id : binding.devices) {
                    const auto type = type_of(id);
                    if (!device_ids_.contains(id)) {
                        check_reference(map, "devices", id, device_ids_, "device");
                        ok = false;
                    } else if (type && *type != DeviceType::light && *type != DeviceType::switch_) {
                        map.error("devices", "'" + id + "' is a " + std::string(to_string(*type)) +
                                                 "; bindings act on lights and switches");
                        ok = false;
                    } else if (type == DeviceType::switch_ && (binding.action == BindingAction::brightness_up ||
                                                               binding.action == BindingAction::brightness_down)) {
                        map.error("devices", "'" + id + "' is a switch and has no brightness");
                        ok = false;
                    }
                }
            } else {
                ok = false;
            }
            if (map.has("fallback")) {
                std::string fallback;
                if (map.read_string("fallback", fallback)) {
                    if (fallback != "direct" && fallback != "none") {
                        map.error("fallback", "expected direct or none, got " + text::quote(fallback));
                        ok = false;
                    } else if (fallback == "direct") {
                        binding.fallback_direct = true;
                        bool all_zigbee = protocol_of(binding.button) == Protocol::zigbee2mqtt;
                        for (const auto& id : binding.devices) all_zigbee &= protocol_of(id) == Protocol::zigbee2mqtt;
                        if (ok && !all_zigbee) {
                            map.error("fallback", "a direct binding needs the button and every device on Zigbee2MQTT");
                            ok = false;
                        }
                    }
                } else {
                    ok = false;
                }
            }
            if (ok) config.bindings.push_back(std::move(binding));
        });
        // A detached switch is dead whenever the hub, the broker or the network is: say so
        // unless a direct (in-network) binding backs it up.
        for (const Device& d : config.devices) {
            if (!d.detached) continue;
            const bool backed = std::any_of(config.bindings.begin(), config.bindings.end(), [&](const Binding& b) {
                return b.button == d.id && b.fallback_direct;
            });
            if (!backed)
                d_.warning_at(d.mark.line, d.mark.column,
                           "devices[" + d.id + "]: this switch is detached from its relay and has no fallback: it "
                           "does nothing while the hub, the broker or the Wi-Fi is down (see docs/fallback.md)");
        }
    }

    void read_device_address(MapReader& map, Device& device) {
        const bool generic = device.protocol == Protocol::generic;
        if (generic) {
            if (map.has("topic"))
                map.error("topic", "generic devices name their topics under 'generic' (state_topic, command_topic)");
            for (std::string_view key : {"channel", "generation"})
                if (map.has(key)) map.error(key, "is not used with protocol generic");
            if (!map.has("generic")) {
                d_.error(map.mark(), "'" + map.section() + "' is missing the required key 'generic': a device with "
                                     "protocol generic names its topics there (state_topic, command_topic or both)");
                return;
            }
            read_generic(map.value("generic"), map.value_mark("generic"), map.section() + ".generic", device.generic);
            return;
        }
        if (map.has("generic")) map.error("generic", "is only used with protocol generic");
        if (map.read_string("topic", device.topic, true)) {
            if (device.topic.find_first_of("+#") != std::string::npos) {
                map.error("topic", "must not contain the wildcards '+' or '#'");
            } else if (device.protocol != Protocol::zigbee2mqtt && device.topic.find('/') != std::string::npos) {
                map.error("topic", "a " + std::string(to_string(device.protocol)) +
                                       " topic is one level and cannot contain '/'");
            } else if (device.protocol == Protocol::zigbee2mqtt) {
                // Zigbee2MQTT itself rejects such friendly names: they would collide with its own topics.
                const auto& t = device.topic;
                auto ends_with = [&](std::string_view s) { return t.size() >= s.size() && t.compare(t.size() - s.size(), s.size(), s) == 0; };
                // Its own topics live under <base>/bridge/..., so only that name and that tree are reserved.
                if (t.front() == '/' || t.back() == '/' || ends_with("/set") || ends_with("/get") ||
                    t == "bridge" || t.rfind("bridge/", 0) == 0)
                    map.error("topic", "is not a valid Zigbee2MQTT friendly name (it must not be 'bridge' or "
                                       "start with 'bridge/' or '/', nor end with '/', '/set' or '/get')");
            }
        }
        if (map.has("generation")) {
            if (device.protocol != Protocol::shelly)
                map.error("generation", "is only used with protocol shelly");
            else
                map.read_int("generation", device.shelly_generation, 1, 2);
        }
        if (map.read_string("channel", device.channel)) {
            const auto& c = device.channel;
            const bool digits = std::all_of(c.begin(), c.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
            switch (device.protocol) {
                case Protocol::tasmota:
                    if (!digits || c.size() > 1 || c < "1" || c > "8")
                        map.error("channel", "a Tasmota channel is the relay number 1 to 8 (POWER1 ... POWER8), got " +
                                                 text::quote(c));
                    break;
                case Protocol::shelly:
                    if (!digits || c.size() > 1 || c > "3")
                        map.error("channel", "a Shelly channel is 0 to 3, got " + text::quote(c));
                    break;
                case Protocol::zigbee2mqtt:
                    if (!std::all_of(c.begin(), c.end(), [](char ch) {
                            return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                                   ch == '_';
                        }))
                        map.error("channel", "a Zigbee2MQTT endpoint is a word such as l1 or left, got " +
                                                 text::quote(c));
                    break;
                case Protocol::generic: break;
            }
        }
    }

    // After areas and devices: overrides refer to areas, and must not reuse a configured id.
    void read_discovery(const YAML::Node& node, const YAML::Mark& mark, DiscoverySettings& discovery) {
        static constexpr std::array<std::string_view, 7> keys{"enabled",       "zigbee2mqtt",          "tasmota",
                                                              "homeassistant", "homeassistant_prefix", "tasmota_prefix",
                                                              "overrides"};
        MapReader map(node, "discovery", keys, d_, mark);
        if (!map.is_map()) return;
        map.read_bool("enabled", discovery.enabled);
        map.read_bool("zigbee2mqtt", discovery.zigbee2mqtt);
        map.read_bool("tasmota", discovery.tasmota);
        map.read_bool("homeassistant", discovery.homeassistant);
        read_topic_setting(map, "homeassistant_prefix", discovery.homeassistant_prefix);
        read_topic_setting(map, "tasmota_prefix", discovery.tasmota_prefix);

        static constexpr std::array<std::string_view, 4> override_keys{"device", "name", "aliases", "area"};
        std::map<std::string, int> seen;  // device -> line of its first override
        for_each_entry(map, "overrides", [&](const YAML::Node& item, const std::string& section, const YAML::Mark& m) {
            const std::string entry = "discovery." + section;
            MapReader o(item, entry, override_keys, d_, m);
            if (!o.is_map()) return;
            DiscoveryOverride override_;
            override_.mark = to_source_mark(o.mark());
            if (!o.read_string("device", override_.device, true)) return;
            bool ok = true;
            if (!is_valid_id(override_.device)) {
                o.error("device", "expected the id of a discovered device (as hearthctl devices shows it), got " +
                                      text::quote(override_.device));
                ok = false;
            } else if (device_ids_.contains(override_.device)) {
                o.error("device", text::quote(override_.device) +
                                      " is a device of this file; change it under 'devices:' instead");
                ok = false;
            } else if (auto [it, inserted] = seen.emplace(override_.device, config::position(o.value_mark("device")).first);
                       !inserted) {
                o.error("device", "a second override for " + text::quote(override_.device) + " (the first is on line " +
                                      std::to_string(it->second) + ")");
                ok = false;
            }
            o.read_string("name", override_.name);
            std::vector<std::string> aliases;
            if (o.read_string_list("aliases", aliases)) override_.aliases = std::move(aliases);
            if (o.read_string("area", override_.area)) {
                if (!area_ids_.contains(override_.area)) {
                    check_reference(o, "area", override_.area, area_ids_, "area");
                    ok = false;
                }
            }
            if (!o.has("name") && !o.has("aliases") && !o.has("area")) {
                d_.error(o.mark(), entry + ": give name, aliases or area (what to change about the device)");
                ok = false;
            }
            if (ok) discovery.overrides.push_back(std::move(override_));
        });
    }

    // How spoken commands to locks and sensitive devices are guarded (docs/intents.md, "Safety").
    void read_voice(const YAML::Node& node, const YAML::Mark& mark, VoiceSettings& voice) {
        static constexpr std::array<std::string_view, 5> keys{"unlock", "sensitive", "confirm_seconds", "pin_file",
                                                              "pin_env"};
        MapReader map(node, "voice", keys, d_, mark);
        if (!map.is_map()) return;
        map.read_enum<VoiceGuard>("unlock", voice.unlock, voice_guard_names);
        map.read_enum<VoiceGuard>("sensitive", voice.sensitive, voice_guard_names);
        map.read_int("confirm_seconds", voice.confirm_seconds, 3, 60);
        if (map.has("pin_file") && map.has("pin_env")) {
            map.error("pin_env", "give only one of pin_file and pin_env");
            return;
        }
        std::string_view pin_key;
        if (map.has("pin_file")) {
            pin_key = "pin_file";
            if (!map.read_string("pin_file", voice.pin_file)) return;
            voice.pin_file = resolve_path(voice.pin_file, base_directory_);
            std::ifstream in(voice.pin_file);
            if (!in) {
                const std::string reason = std::strerror(errno);
                map.error("pin_file", "cannot read " + text::quote(voice.pin_file) + ": " + reason);
                return;
            }
            std::getline(in, voice.pin);
            struct stat st {};
            if (::stat(voice.pin_file.c_str(), &st) == 0 && (st.st_mode & S_IROTH))
                map.warning("pin_file", text::quote(voice.pin_file) +
                                            " can be read by every user on this machine; chmod o-r it");
        } else if (map.has("pin_env")) {
            pin_key = "pin_env";
            if (!map.read_string("pin_env", voice.pin_env)) return;
            const char* value = std::getenv(voice.pin_env.c_str());
            if (!value || !*value) {
                map.error("pin_env", "the environment variable " + voice.pin_env + " is not set");
                return;
            }
            voice.pin = value;
        }
        if (!voice.pin.empty() && voice.pin.back() == '\r') voice.pin.pop_back();
        if (!pin_key.empty()) {
            const bool digits = std::all_of(voice.pin.begin(), voice.pin.end(), [](char c) { return c >= '0' && c <= '9'; });
            if (!digits || voice.pin.size() < 4 || voice.pin.size() > 12) {
                // The PIN itself is never printed.
                map.error(pin_key, "the PIN must be 4 to 12 digits (it is spoken digit by digit)");
                voice.pin.clear();
                return;
            }
        }
        const bool pin_needed = voice.unlock == VoiceGuard::pin || voice.sensitive == VoiceGuard::pin;
        if (pin_needed && pin_key.empty())
            map.error(voice.unlock == VoiceGuard::pin ? "unlock" : "sensitive",
                      "'pin' needs the PIN: set voice.pin_file or voice.pin_env");
        else if (!pin_needed && !pin_key.empty())
            map.warning(pin_key, "the PIN is not used: neither voice.unlock nor voice.sensitive is 'pin'");
    }

    // A household's own sentences and words, per language, added to the shipped templates.
    void read_intents(const YAML::Node& node, const YAML::Mark& mark, IntentSettings& intents) {
        static constexpr std::array<std::string_view, 2> keys{"en", "de"};
        MapReader map(node, "intents", keys, d_, mark);
        if (!map.is_map()) return;
        for (auto [key, settings] : {std::pair{"en", &intents.en}, std::pair{"de", &intents.de}}) {
            static constexpr std::array<std::string_view, 2> language_keys{"sentences", "words"};
            const std::string section = std::string("intents.") + key;
            MapReader lang(map.value(key), section, language_keys, d_, map.value_mark(key));
            if (!lang.is_map()) continue;
            read_intent_sentences(lang, section, *settings);
            read_intent_words(lang, section, *settings);
        }
    }

    void read_intent_sentences(MapReader& lang, const std::string& section, IntentLanguageSettings& out) {
        if (!lang.has("sentences")) return;
        const YAML::Node node = lang.value("sentences");
        if (!node.IsMap()) {
            lang.error("sentences", "expected a mapping of intent names to lists of sentences, such as "
                                    "TurnOn: [\"wake up <target>\"], got " + config::describe_node(node));
            return;
        }
        for (const auto& entry : node) {
            const std::string name = entry.first.IsScalar() ? entry.first.Scalar() : std::string();
            if (!intent::intent_from_string(name)) {
                d_.error(entry.first.Mark(), section + ".sentences: unknown intent " + text::quote(name) +
                                                 "; the intents are TurnOn, TurnOff, SetBrightness, SetColor, "
                                                 "SetTemperature, GetTemperature, GetState, Lock and Unlock");
                continue;
            }
            const std::string where = section + ".sentences." + name;
            const auto items = config::read_sequence(entry.second, where, d_, entry.first.Mark());
            if (!items) continue;
            for (const YAML::Node& item : *items) {
                const YAML::Mark at = item.Mark().is_null() ? entry.first.Mark() : item.Mark();
                if (!item.IsScalar() || text::trim(item.Scalar()).empty()) {
                    d_.error(at, where + ": every entry must be a sentence template, not " + config::describe_node(item));
                    continue;
                }
                // Positions inside the template count from its first character: one past the
                // opening quote of a quoted scalar.
                YAML::Mark content = at;
                if (item.Tag() == "!") content.column += 1;
                if (auto problem = intent::check_template_syntax(item.Scalar())) {
                    YAML::Mark there = content;
                    there.column += static_cast<int>(problem->first);
                    d_.error(there, where + ": " + problem->second);
                    continue;
                }
                out.sentences.push_back({name, item.Scalar(), to_source_mark(content)});
            }
        }
    }

    void read_intent_words(MapReader& lang, const std::string& section, IntentLanguageSettings& out) {
        if (!lang.has("words")) return;
        const YAML::Node node = lang.value("words");
        if (!node.IsMap()) {
            lang.error("words", "expected a mapping of word lists, such as color: {red: [crimson]}, got " +
                                    config::describe_node(node));
            return;
        }
        for (const auto& list : node) {
            const std::string list_name = list.first.IsScalar() ? list.first.Scalar() : std::string();
            const std::string where = section + ".words." + list_name;
            if (!list.second.IsMap()) {
                d_.error(list.first.Mark(), where + ": expected a mapping of values to lists of words, such as "
                                                    "red: [crimson, scarlet]");
                continue;
            }
            for (const auto& value : list.second) {
                const std::string value_name = value.first.IsScalar() ? value.first.Scalar() : std::string();
                std::vector<std::string> words;
                bool ok = true;
                if (value.second.IsScalar() && !text::trim(value.second.Scalar()).empty()) {
                    words.push_back(value.second.Scalar());
                } else if (value.second.IsSequence()) {
                    for (const YAML::Node& w : value.second) {
                        if (!w.IsScalar() || text::trim(w.Scalar()).empty()) ok = false;
                        else words.push_back(w.Scalar());
                    }
                } else {
                    ok = false;
                }
                if (!ok || words.empty()) {
                    d_.error(value.first.Mark(), where + "." + value_name + ": expected a list of words or phrases");
                    continue;
                }
                out.words.push_back({list_name, value_name, std::move(words), to_source_mark(value.first.Mark())});
            }
        }
    }

    void read_generic(const YAML::Node& node, const YAML::Mark& mark, const std::string& section,
                      GenericDeviceSettings& g) {
        static constexpr std::array<std::string_view, 20> keys{
            "state_topic",   "command_topic",  "availability_topic", "state_field",      "brightness_field",
            "temperature_field", "target_field", "payload_on",      "payload_off",      "payload_lock",
            "payload_unlock", "payload_locked", "payload_unlocked",  "payload_online",   "payload_offline",
            "brightness_max", "target_command_topic", "state_on", "state_off", "plain_commands"};
        MapReader map(node, section, keys, d_, mark);
        if (!map.is_map()) return;
        read_topic_setting(map, "state_topic", g.state_topic);
        read_topic_setting(map, "command_topic", g.command_topic);
        read_topic_setting(map, "availability_topic", g.availability_topic);
        read_topic_setting(map, "target_command_topic", g.target_command_topic);
        for (auto [key, field] : {std::pair{"state_field", &g.state_field},
                                  std::pair{"brightness_field", &g.brightness_field},
                                  std::pair{"temperature_field", &g.temperature_field},
                                  std::pair{"target_field", &g.target_field},
                                  std::pair{"payload_on", &g.payload_on},
                                  std::pair{"payload_off", &g.payload_off},
                                  std::pair{"payload_lock", &g.payload_lock},
                                  std::pair{"payload_unlock", &g.payload_unlock},
                                  std::pair{"payload_locked", &g.payload_locked},
                                  std::pair{"payload_unlocked", &g.payload_unlocked},
                                  std::pair{"payload_online", &g.payload_online},
                                  std::pair{"payload_offline", &g.payload_offline},
                                  std::pair{"state_on", &g.state_on},
                                  std::pair{"state_off", &g.state_off}})
            map.read_string(key, *field);
        map.read_bool("plain_commands", g.plain_commands);
        map.read_int("brightness_max", g.brightness_max, 1, 65535);
        if (!map.has("state_topic") && !map.has("command_topic"))
            d_.error(map.mark(), section + ": give state_topic, command_topic or both");
    }

    Diagnostics& d_;
    std::string base_directory_;
    IdRegistry floor_ids_{"floor"};
    IdRegistry area_ids_{"area"};
    IdRegistry device_ids_{"device"};
};

// 1-based line and column of a byte offset.
std::pair<int, int> line_column(std::string_view text, std::size_t offset) {
    int line = 1;
    std::size_t line_start = 0;
    for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++line;
            line_start = i + 1;
        }
    }
    return {line, static_cast<int>(offset - line_start) + 1};
}

// Byte offset of a yaml-cpp mark, clamped to the text.
std::size_t mark_offset(std::string_view text, const YAML::Mark& mark) {
    if (mark.is_null() || mark.pos < 0) return text.size();
    return std::min(static_cast<std::size_t>(mark.pos), text.size());
}

// Where a quoted value starting at `start` (on its quote) ends, or nothing when the text ends first.
std::optional<std::size_t> closing_quote(std::string_view text, std::size_t start) {
    const char quote = text[start];
    for (std::size_t i = start + 1; i < text.size(); ++i) {
        if (quote == '"' && text[i] == '\\') {
            ++i;  // an escape: the next character is part of the value
        } else if (text[i] == quote) {
            if (quote == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {
                ++i;  // '' is a quote inside single quotes
            } else {
                return i;
            }
        }
    }
    return std::nullopt;
}

// Records where the last scalar of the stream starts when it was written in quotes.
class LastQuotedScalar final : public YAML::EventHandler {
public:
    std::optional<std::size_t> offset;

    void OnDocumentStart(const YAML::Mark&) override {}
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
    void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t, const std::string&) override {
        offset.reset();
        if (tag == "!" && !mark.is_null() && mark.pos >= 0) offset = static_cast<std::size_t>(mark.pos);
    }
    void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
    void OnMapEnd() override {}
};

// yaml-cpp 0.7 quietly ends a quoted value at the end of the file when its closing quote is
// missing, so `name: "Kitchen` near the end would swallow every line after it. A quote left open
// always runs to the end, so it is the last scalar: returns the offset of its opening quote.
std::optional<std::size_t> unclosed_final_quote(std::string_view text) {
    std::istringstream in{std::string(text)};
    YAML::Parser parser(in);
    LastQuotedScalar last;
    try {
        while (parser.HandleNextDocument(last)) {
        }
    } catch (const YAML::Exception&) {
        return std::nullopt;  // YAML::LoadAll already accepted the text; this cannot happen
    }
    if (!last.offset || *last.offset >= text.size()) return std::nullopt;
    const char quote = text[*last.offset];
    if (quote != '"' && quote != '\'') return std::nullopt;
    if (closing_quote(text, *last.offset)) return std::nullopt;
    return last.offset;
}

// Brackets and quotes still open at some point of the text, found by a rough YAML lexer (it
// skips comments and quoted text). Only used to point a syntax error at the '[' or quote it is
// really about, never to decide whether a file is valid.
struct OpenConstructs {
    std::vector<std::size_t> brackets;  // offsets of '[' and '{' not yet closed, outermost first
    std::optional<std::size_t> quote;   // offset of a quote the text ends inside
};

OpenConstructs open_constructs(std::string_view text, std::size_t end, std::size_t max_depth) {
    OpenConstructs open;
    end = std::min(end, text.size());
    char previous = '\n';  // the last character that was not a blank
    std::size_t i = 0;
    while (i < end) {
        const char c = text[i];
        if (c == ' ' || c == '\t' || c == '\r') {
            ++i;
            continue;
        }
        const bool value_start = std::string_view("\n:-,[{?").find(previous) != std::string_view::npos;
        const bool in_flow = !open.brackets.empty();
        if (c == '#' && (i == 0 || text[i - 1] == ' ' || text[i - 1] == '\t' || text[i - 1] == '\n')) {
            while (i < end && text[i] != '\n') ++i;
            continue;
        }
        if ((c == '"' || c == '\'') && value_start) {
            const auto close = closing_quote(text.substr(0, end), i);
            if (!close) {
                open.quote = i;
                return open;
            }
            i = *close + 1;
            previous = c;
            continue;
        }
        if ((c == '[' || c == '{') && (in_flow || value_start)) {
            open.brackets.push_back(i);
            if (open.brackets.size() > max_depth) return open;
        } else if ((c == ']' || c == '}') && in_flow) {
            open.brackets.pop_back();
        }
        previous = c;
        ++i;
    }
    return open;
}

// Reports a yaml-cpp syntax error with advice, at the place the mistake most likely is.
void report_syntax_error(std::string_view text, const YAML::ParserException& e, Diagnostics& d) {
    const std::size_t offset = mark_offset(text, e.mark);
    const auto [line, column] = line_column(text, offset);
    auto error_at_offset = [&](std::size_t at, const std::string& message) {
        const auto [l, c] = line_column(text, at);
        d.error_at(l, c, message);
    };
    const std::string stopped =
        " (reading stopped at line " + std::to_string(line) + ", column " + std::to_string(column) + ")";

    if (dynamic_cast<const YAML::DeepRecursion*>(&e)) {
        const OpenConstructs open = open_constructs(text, text.size(), 100);
        const std::string rest = " nested hundreds of levels deep; a configuration needs only a few levels";
        if (open.brackets.size() > 100)
            error_at_offset(open.brackets.front(), "YAML: the lists or mappings starting here are" + rest);
        else
            d.error_at(line, column, "YAML: the lists or mappings here are" + rest);
        return;
    }

    // A tab in the indentation of the line where reading stopped is nearly always the cause.
    std::size_t line_start = offset;
    while (line_start > 0 && text[line_start - 1] != '\n') --line_start;
    for (std::size_t i = line_start; i < text.size() && (text[i] == ' ' || text[i] == '\t'); ++i) {
        if (text[i] == '\t') {
            error_at_offset(i, "YAML syntax: this line is indented with a tab; YAML allows only spaces for "
                               "indentation");
            return;
        }
    }

    const std::string& msg = e.msg;
    if (msg == YAML::ErrorMsg::END_OF_SEQ_FLOW || msg == YAML::ErrorMsg::END_OF_MAP_FLOW ||
        msg == YAML::ErrorMsg::EOF_IN_SCALAR) {
        const OpenConstructs open = open_constructs(text, offset, 1000);
        if (open.quote) {
            error_at_offset(*open.quote, std::string("YAML syntax: this quoted value is never closed; add the "
                                                     "closing ") + text[*open.quote] + stopped);
            return;
        }
        if (!open.brackets.empty() && msg != YAML::ErrorMsg::EOF_IN_SCALAR) {
            const char bracket = text[open.brackets.back()];
            error_at_offset(open.brackets.back(), std::string("YAML syntax: the '") + bracket +
                                                      "' here has no matching '" + (bracket == '[' ? ']' : '}') +
                                                      "'" + stopped);
            return;
        }
    }

    std::string message = "YAML syntax: " + msg;
    if (msg == YAML::ErrorMsg::MAP_VALUE || msg == YAML::ErrorMsg::MAP_KEY || msg == YAML::ErrorMsg::END_OF_MAP ||
        msg == YAML::ErrorMsg::END_OF_SEQ || msg == YAML::ErrorMsg::BLOCK_ENTRY) {
        message += "; check that this line is indented like the lines it belongs with, that text "
                   "containing ': ' is quoted, and that every quote opened above is closed";
    } else if (msg == YAML::ErrorMsg::UNKNOWN_ANCHOR) {
        message += ": an alias *name needs an anchor &name earlier in the file";
    } else if (msg.rfind(YAML::ErrorMsg::INVALID_ESCAPE, 0) == 0) {
        message += "; inside double quotes a backslash starts an escape such as \\n, so write \\\\ for a "
                   "backslash or use single quotes";
    }
    d.error_at(line, column, std::move(message));
}

}  // namespace

// The household's own sentences and words are compiled with the shipped templates, so that a
// sentence naming an unknown word list or an undefined rule is reported like any other mistake
// in the file, before the hub runs with it.
void check_intents(const Config& config, const std::string& display_name, Diagnostics& d) {
    for (Language language : {Language::en, Language::de}) {
        const IntentLanguageSettings& extra = config.intents.of(language);
        if (extra.sentences.empty() && extra.words.empty()) continue;
        const std::string directory = intent::Grammar::find_data_directory(language);
        if (directory.empty()) {
            d.warning_at(1, 1, "intents: the shipped sentence templates (data/intents) were not found, so the " +
                                   std::string(to_string(language)) + " sentences here cannot be checked");
            continue;
        }
        std::vector<intent::GrammarError> errors;
        intent::Grammar::check(directory, language, config.intents, display_name, errors);
        for (const intent::GrammarError& e : errors) {
            if (e.file == display_name) d.error_at(std::max(e.line, 1), std::max(e.column, 1), e.message);
            else d.error_at(1, 1, "intents: the shipped templates have an error: " + e.format());
        }
    }
}

LoadResult load_config_text(std::string_view text, const std::string& display_name,
                            const std::string& base_directory) {
    Diagnostics d(display_name);
    LoadResult result;
    // yaml-cpp skips a byte order mark without counting it; dropping it here keeps every offset
    // below in step with yaml-cpp's positions.
    if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);

    // yaml-cpp accepts some bytes YAML forbids; checking first gives a clear message instead.
    if (const auto nul = text.find('\0'); nul != std::string_view::npos) {
        const auto [line, column] = line_column(text, nul);
        d.error_at(line, column, "the file contains a NUL byte: it is not a text file");
    } else if (const auto bad = text::first_invalid_utf8(text)) {
        const auto [line, column] = line_column(text, *bad);
        d.error_at(line, column, "the file is not valid UTF-8 text (the byte here is not part of a character)");
    }
    if (d.has_errors()) {
        result.diagnostics = d.take();
        return result;
    }

    std::vector<YAML::Node> documents;
    try {
        documents = YAML::LoadAll(std::string(text));
    } catch (const YAML::ParserException& e) {
        report_syntax_error(text, e, d);
    } catch (const YAML::Exception& e) {
        const auto [line, column] = config::position(e.mark);
        d.error_at(line, column, "YAML: " + e.msg);
    } catch (const std::exception& e) {
        d.error_at(1, 1, std::string("cannot read the YAML: ") + e.what());
    }
    if (!d.has_errors()) {
        if (const auto quote = unclosed_final_quote(text)) {
            const auto [line, column] = line_column(text, *quote);
            d.error_at(line, column, std::string("YAML syntax: this quoted value is never closed, so it runs to the "
                                                 "end of the file; add the closing ") + text[*quote]);
            result.diagnostics = d.take();
            return result;
        }
        // A trailing "---" with nothing after it adds an empty document; it holds nothing to lose.
        while (documents.size() > 1 && documents.back().IsNull()) documents.pop_back();
        if (documents.empty() || (documents.size() == 1 && documents[0].IsNull())) {
            d.error_at(1, 1, "the file has no settings; start from config/example.yaml");
        } else if (documents.size() > 1) {
            d.error(documents[1].Mark(), "the file holds more than one YAML document ('---'); "
                                         "put all settings in one");
        } else {
            Config config;
            try {
                Loader(d, base_directory).read(documents[0], config);
            } catch (const std::exception& e) {
                // The readers never index into a node of the wrong kind, so this is a bug; still,
                // a configuration file must never crash the hub.
                d.error_at(1, 1, std::string("internal error while validating: ") + e.what());
            }
            if (!d.has_errors()) check_intents(config, display_name, d);
            if (!d.has_errors()) result.config = std::move(config);
        }
    }
    result.diagnostics = d.take();
    return result;
}

LoadResult load_config(const std::string& path) {
    LoadResult result;
    auto fail = [&](const std::string& message) {
        result.diagnostics.push_back(Diagnostic{Diagnostic::Severity::error, path, 1, 1, message});
        return result;
    };
    // O_NONBLOCK: opening a FIFO must not wait for a writer.
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return fail(std::string("cannot open the file: ") + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        return fail("not a regular file");
    }
    if (static_cast<std::size_t>(st.st_size) > max_config_bytes) {
        ::close(fd);
        return fail("the file is " + std::to_string(st.st_size) + " bytes; a configuration is at most " +
                    std::to_string(max_config_bytes) + " bytes");
    }
    std::string text;
    text.resize(static_cast<std::size_t>(st.st_size) + 1);
    std::size_t length = 0;
    while (length < text.size()) {
        const ssize_t n = ::read(fd, text.data() + length, text.size() - length);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            const int err = errno;
            ::close(fd);
            return fail(std::string("cannot read the file: ") + std::strerror(err));
        }
        if (n == 0) break;
        length += static_cast<std::size_t>(n);
    }
    ::close(fd);
    if (length > max_config_bytes) return fail("the file grew past the size limit while being read");
    text.resize(length);

    std::error_code ec;
    const auto absolute = std::filesystem::absolute(path, ec);
    const std::string absolute_path = ec ? path : absolute.lexically_normal().string();
    result = load_config_text(text, path, std::filesystem::path(absolute_path).parent_path().string());
    if (result.config) result.config->path = absolute_path;
    return result;
}

}  // namespace hearth
