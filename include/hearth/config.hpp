// Typed configuration of the hub: what config/example.yaml and docs/configuration.md describe.
//
// A Config is only ever produced by load_config() (src/config/), which validates the whole file in
// one pass. Code that receives a Config may rely on every invariant documented here: ids are
// unique and well-formed, every reference (area -> floor, device -> area) resolves, and numbers
// are inside their documented ranges.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hearth {

// Where a value came from, so later stages (reload diffs, rule errors) can still point at the file.
struct SourceMark {
    int line = 0;    // 1-based; 0 when the value was not in the file (a default)
    int column = 0;  // 1-based

    bool operator==(const SourceMark&) const = default;
};

enum class Language { en, de };

enum class LogLevel { trace, debug, info, warn, error, off };

enum class DeviceType { light, switch_, thermostat, lock, button, sensor };

enum class Protocol { zigbee2mqtt, tasmota, shelly, generic };

std::string_view to_string(Language);
std::string_view to_string(LogLevel);
std::string_view to_string(DeviceType);
std::string_view to_string(Protocol);

struct TlsSettings {
    bool enabled = false;
    std::string ca_file;    // CA certificate(s) in PEM; one of ca_file / ca_path when enabled
    std::string ca_path;    // directory of hashed CA certificates
    std::string cert_file;  // client certificate (optional, with key_file)
    std::string key_file;
    bool verify_hostname = true;  // false only for test brokers with self-made certificates

    bool operator==(const TlsSettings&) const = default;
};

struct MqttSettings {
    std::string host = "127.0.0.1";
    int port = 1883;
    std::string prefix = "hearth";   // the hub's own topics: <prefix>/status, ...
    std::string client_id = "hearth";
    int keepalive_seconds = 30;
    int protocol_version = 5;        // 5 or 311 (MQTT 3.1.1)
    std::string username;            // empty: anonymous
    std::string password_file;       // read at load; the first line is the password
    std::string password_env;        // name of an environment variable holding the password
    std::string password;            // resolved secret (from file, env or inline); never logged
    TlsSettings tls;

    std::string status_topic() const { return prefix + "/status"; }
    bool operator==(const MqttSettings&) const = default;
};

struct Floor {
    std::string id;
    std::string name;
    std::vector<std::string> aliases;
    std::optional<int> level;  // storey number, 0 = ground; used to order floors
    SourceMark mark;
};

struct Area {
    std::string id;
    std::string name;
    std::vector<std::string> aliases;
    std::string floor;  // floor id, or empty
    SourceMark mark;
};

// Settings for devices spoken to through plain topics ("generic" protocol). Every field is
// optional; an empty *_field means the payload is the bare value rather than a JSON object.
struct GenericDeviceSettings {
    std::string state_topic;
    std::string command_topic;
    std::string availability_topic;
    std::string state_field;        // JSON key of on/off, lock state, ...
    std::string brightness_field;
    std::string temperature_field;  // measured temperature
    std::string target_field;       // thermostat set point
    std::string payload_on = "ON";
    std::string payload_off = "OFF";
    std::string payload_lock = "LOCK";
    std::string payload_unlock = "UNLOCK";
    std::string payload_locked = "LOCKED";
    std::string payload_unlocked = "UNLOCKED";
    std::string payload_online = "online";
    std::string payload_offline = "offline";
    // What the state topic reports for on and off, where it differs from what commands send
    // (empty: payload_on / payload_off).
    std::string state_on;
    std::string state_off;
    // Commands are the bare payload word even though state_field reads a JSON state.
    bool plain_commands = false;
    // Where a thermostat takes its set point as a bare number, when that is not command_topic
    // (Home Assistant's temperature_command_topic, say).
    std::string target_command_topic;
    int brightness_max = 100;  // the device's full-scale brightness value

    bool operator==(const GenericDeviceSettings&) const = default;
};

struct Device {
    std::string id;
    std::string name;
    std::vector<std::string> aliases;
    DeviceType type = DeviceType::light;
    std::string area;  // area id, or empty
    Protocol protocol = Protocol::zigbee2mqtt;
    std::string topic;  // name (Zigbee2MQTT), %topic% (Tasmota), device id (Shelly)
    // Which output of a multi-channel device: Zigbee2MQTT endpoint name, Tasmota relay
    // number (POWER<n>, 1-based), Shelly channel (0-based). Empty for single-channel devices.
    std::string channel;
    int shelly_generation = 2;  // 1 or 2 (Gen2 and later speak RPC)
    // A switch input decoupled from its relay (Tasmota SetOption114, Shelly "detached"): the
    // hub decides what it does, so it does nothing while the hub is unreachable.
    bool detached = false;
    GenericDeviceSettings generic;
    // Commands to it need confirmation (or the PIN) when they arrive by voice (voice.sensitive).
    bool sensitive = false;
    // Set for a device the hub discovered on the broker rather than read from the YAML:
    // "zigbee2mqtt", "tasmota" or "homeassistant".
    std::string discovered_by;
    SourceMark mark;
};

// A button or switch event wired straight to devices: the fast path that works whatever else
// in the hub fails (docs/bindings.md).
enum class BindingAction { toggle, on, off, brightness_up, brightness_down };
std::string_view to_string(BindingAction);

struct Binding {
    std::string button;           // device id of the button or switch
    std::string event = "single"; // its event: single, double, long, on, off, ...
    BindingAction action = BindingAction::toggle;
    std::vector<std::string> devices;  // the lights and switches acted on
    // Ask Zigbee2MQTT to bind the button to the lights directly, so the button works with the
    // hub, Zigbee2MQTT or the broker down (Zigbee devices only).
    bool fallback_direct = false;
    SourceMark mark;
};

struct ProtocolSettings {
    std::string zigbee2mqtt_base_topic = "zigbee2mqtt";
    std::string tasmota_full_topic = "%prefix%/%topic%/";  // Tasmota's FullTopic
    std::string shelly_gen1_prefix = "shellies";
};

// A YAML entry that renames, places or adds aliases to a device the hub discovered, without
// configuring the device itself. `device` is the discovered device's id (hearthctl devices).
struct DiscoveryOverride {
    std::string device;
    std::string name;                                // empty: keep the announced name
    std::optional<std::vector<std::string>> aliases;  // replaces the (empty) discovered aliases
    std::string area;                                // area id, or empty
    SourceMark mark;
};

// Devices announced on the broker appear without YAML (docs/discovery.md).
struct DiscoverySettings {
    bool enabled = false;
    bool zigbee2mqtt = true;    // <base>/bridge/devices
    bool tasmota = true;        // tasmota/discovery/<mac>/config
    bool homeassistant = true;  // Home Assistant MQTT discovery configs
    std::string homeassistant_prefix = "homeassistant";
    std::string tasmota_prefix = "tasmota/discovery";
    std::vector<DiscoveryOverride> overrides;
};

struct StorageSettings {
    std::string directory = "/var/lib/hearth";  // the hub's database and state live here
};

struct ControlSettings {
    std::string socket = "/run/hearth/hearth.sock";
    std::string group;  // group owning the socket (mode 0660); empty: the daemon's own group
};

struct LoggingSettings {
    LogLevel level = LogLevel::info;
    int repeat_interval_seconds = 60;  // a repeated warning is logged at most once per interval
};

// What a voice command must clear before it acts on a lock or a sensitive device.
enum class VoiceGuard { confirm, pin, forbid };
std::string_view to_string(VoiceGuard);

struct VoiceSettings {
    VoiceGuard unlock = VoiceGuard::confirm;     // unlocking any lock
    VoiceGuard sensitive = VoiceGuard::confirm;  // any command to a device marked sensitive
    int confirm_seconds = 10;  // how long a question waits for its yes / PIN
    std::string pin_file;      // the PIN's file (first line), when guard pin is used
    std::string pin_env;       // or the environment variable holding it
    std::string pin;           // resolved PIN (digits); never logged

    bool operator==(const VoiceSettings&) const = default;
};

// Sentences and words a household adds to the shipped grammar (docs/intents.md).
struct IntentSentence {
    std::string intent;  // TurnOn, SetBrightness, ...
    std::string text;    // a template: words, (a|b), [optional], <rule>, {slot}
    SourceMark mark;     // where the template starts in the configuration file

    bool operator==(const IntentSentence&) const = default;
};

struct IntentWords {
    std::string list;   // a word list of the grammar: color, kind, state, ...
    std::string value;  // the value the words mean: red, light, on, ...
    std::vector<std::string> words;
    SourceMark mark;

    bool operator==(const IntentWords&) const = default;
};

struct IntentLanguageSettings {
    std::vector<IntentSentence> sentences;
    std::vector<IntentWords> words;

    bool operator==(const IntentLanguageSettings&) const = default;
};

struct IntentSettings {
    IntentLanguageSettings en;
    IntentLanguageSettings de;

    const IntentLanguageSettings& of(Language language) const { return language == Language::de ? de : en; }
    bool operator==(const IntentSettings&) const = default;
};

struct Config {
    std::string path;  // absolute path of the file it was loaded from
    Language language = Language::en;
    MqttSettings mqtt;
    ProtocolSettings protocols;
    StorageSettings storage;
    ControlSettings control;
    LoggingSettings logging;
    DiscoverySettings discovery;
    VoiceSettings voice;
    IntentSettings intents;
    std::vector<Floor> floors;
    std::vector<Area> areas;
    std::vector<Device> devices;
    std::vector<Binding> bindings;

    const Floor* find_floor(std::string_view id) const;
    const Area* find_area(std::string_view id) const;
    const Device* find_device(std::string_view id) const;
};

}  // namespace hearth
