// Valid configurations load into the typed values config.hpp and docs/configuration.md describe.
#include "hearth/config_loader.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace {

using hearth::Diagnostic;
using hearth::test::source_path;
using hearth::test::TempDir;

std::string describe(const hearth::LoadResult& result) {
    std::string out;
    for (const auto& d : result.diagnostics) out += "  " + d.format() + "\n";
    return out.empty() ? "  (no diagnostics)\n" : out;
}

// Loads `text` as the file `name` inside `dir`; the config must be valid.
hearth::Config load_valid(const TempDir& dir, const std::string& text, const std::string& name = "hearth.yaml") {
    const std::string path = dir.write(name, text);
    const auto result = hearth::load_config(path);
    INFO("diagnostics:\n" << describe(result));
    REQUIRE(result.ok());
    REQUIRE(result.error_count() == 0);
    return *result.config;
}

hearth::Config load_valid_text(const std::string& text) {
    const auto result = hearth::load_config_text(text, "test.yaml", "/srv/hearth");
    INFO("diagnostics:\n" << describe(result));
    REQUIRE(result.ok());
    return *result.config;
}

std::size_t warning_count(const hearth::LoadResult& result) {
    std::size_t n = 0;
    for (const auto& d : result.diagnostics) n += d.severity == Diagnostic::Severity::warning ? 1 : 0;
    return n;
}

std::string real_path(const std::string& path) { return std::filesystem::canonical(path).string(); }

}  // namespace

TEST_CASE("config: a minimal file gives every default", "[config][values]") {
    TempDir dir;
    const std::string path = dir.write("hearth.yaml", "language: en\n");
    const auto result = hearth::load_config(path);
    INFO("diagnostics:\n" << describe(result));
    REQUIRE(result.ok());
    CHECK(result.diagnostics.empty());
    const hearth::Config& c = *result.config;

    CHECK(c.path == path);
    CHECK(std::filesystem::path(c.path).is_absolute());
    CHECK(c.language == hearth::Language::en);

    CHECK(c.mqtt.host == "127.0.0.1");
    CHECK(c.mqtt.port == 1883);
    CHECK(c.mqtt.prefix == "hearth");
    CHECK(c.mqtt.status_topic() == "hearth/status");
    CHECK(c.mqtt.client_id == "hearth");
    CHECK(c.mqtt.keepalive_seconds == 30);
    CHECK(c.mqtt.protocol_version == 5);
    CHECK(c.mqtt.username.empty());
    CHECK(c.mqtt.password_file.empty());
    CHECK(c.mqtt.password_env.empty());
    CHECK(c.mqtt.password.empty());
    CHECK_FALSE(c.mqtt.tls.enabled);
    CHECK(c.mqtt.tls.ca_file.empty());
    CHECK(c.mqtt.tls.ca_path.empty());
    CHECK(c.mqtt.tls.cert_file.empty());
    CHECK(c.mqtt.tls.key_file.empty());
    CHECK(c.mqtt.tls.verify_hostname);

    CHECK(c.protocols.zigbee2mqtt_base_topic == "zigbee2mqtt");
    CHECK(c.protocols.tasmota_full_topic == "%prefix%/%topic%/");
    CHECK(c.protocols.shelly_gen1_prefix == "shellies");
    CHECK(c.storage.directory == "/var/lib/hearth");
    CHECK(c.control.socket == "/run/hearth/hearth.sock");
    CHECK(c.control.group.empty());
    CHECK(c.logging.level == hearth::LogLevel::info);
    CHECK(c.logging.repeat_interval_seconds == 60);
    CHECK(c.floors.empty());
    CHECK(c.areas.empty());
    CHECK(c.devices.empty());
}

TEST_CASE("config: sections written with nothing under them take their defaults", "[config][values]") {
    const auto c = load_valid_text("mqtt:\nprotocols:\nstorage:\ncontrol:\nlogging:\nfloors:\nareas:\ndevices: []\n");
    CHECK(c.mqtt == hearth::MqttSettings{});
    CHECK(c.storage.directory == "/var/lib/hearth");
    CHECK(c.logging.level == hearth::LogLevel::info);
    CHECK(c.devices.empty());

    const auto de = load_valid_text("language: de\nlogging:\n  level: debug\n  repeat_interval: 3600\n");
    CHECK(de.language == hearth::Language::de);
    CHECK(de.logging.level == hearth::LogLevel::debug);
    CHECK(de.logging.repeat_interval_seconds == 3600);
    for (const auto& [text, level] : {std::pair{"trace", hearth::LogLevel::trace}, std::pair{"warn", hearth::LogLevel::warn},
                                      std::pair{"error", hearth::LogLevel::error}, std::pair{"off", hearth::LogLevel::off}}) {
        CHECK(load_valid_text(std::string("logging:\n  level: ") + text + "\n").logging.level == level);
    }
}

TEST_CASE("config: every mqtt setting is read", "[config][values]") {
    TempDir dir;
    const std::string ca = dir.write("ca.pem", "-----BEGIN CERTIFICATE-----\n");
    const std::string cert = dir.write("client.crt", "-----BEGIN CERTIFICATE-----\n");
    const std::string key = dir.write("client.key", "-----BEGIN PRIVATE KEY-----\n");
    std::filesystem::create_directory(dir.file("certs"));
    const std::string password = dir.write("password", "s3cret\n");
    ::chmod(password.c_str(), 0600);

    const hearth::Config c = load_valid(dir, "mqtt:\n"
                                             "  host: broker.example.org\n"
                                             "  port: 8883\n"
                                             "  prefix: home/hub\n"
                                             "  client_id: hearth-upstairs\n"
                                             "  keepalive: 120\n"
                                             "  protocol: 3.1.1\n"
                                             "  username: hub\n"
                                             "  password_file: " + password + "\n"
                                             "  tls:\n"
                                             "    enabled: true\n"
                                             "    ca_file: ca.pem\n"
                                             "    ca_path: certs\n"
                                             "    cert_file: " + cert + "\n"
                                             "    key_file: client.key\n"
                                             "    verify_hostname: false\n");
    CHECK(c.mqtt.host == "broker.example.org");
    CHECK(c.mqtt.port == 8883);
    CHECK(c.mqtt.prefix == "home/hub");
    CHECK(c.mqtt.status_topic() == "home/hub/status");
    CHECK(c.mqtt.client_id == "hearth-upstairs");
    CHECK(c.mqtt.keepalive_seconds == 120);
    CHECK(c.mqtt.protocol_version == 311);
    CHECK(c.mqtt.username == "hub");
    CHECK(c.mqtt.password_file == password);
    CHECK(c.mqtt.password == "s3cret");
    CHECK(c.mqtt.tls.enabled);
    CHECK(c.mqtt.tls.ca_file == ca);  // relative paths are taken from the file's directory
    CHECK(c.mqtt.tls.ca_path == dir.file("certs"));
    CHECK(c.mqtt.tls.cert_file == cert);
    CHECK(c.mqtt.tls.key_file == key);
    CHECK_FALSE(c.mqtt.tls.verify_hostname);

    SECTION("the protocol may be written 5, 3.1.1 or 311") {
        CHECK(load_valid_text("mqtt:\n  protocol: 5\n").mqtt.protocol_version == 5);
        CHECK(load_valid_text("mqtt:\n  protocol: \"3.1.1\"\n").mqtt.protocol_version == 311);
        CHECK(load_valid_text("mqtt:\n  protocol: 311\n").mqtt.protocol_version == 311);
    }
    SECTION("range ends are accepted") {
        const auto low = load_valid_text("mqtt:\n  port: 1\n  keepalive: 5\n");
        CHECK(low.mqtt.port == 1);
        CHECK(low.mqtt.keepalive_seconds == 5);
        const auto high = load_valid_text("mqtt:\n  port: 65535\n  keepalive: 3600\n");
        CHECK(high.mqtt.port == 65535);
        CHECK(high.mqtt.keepalive_seconds == 3600);
    }
}

TEST_CASE("config: secrets and paths are resolved against the configuration's directory", "[config][values]") {
    TempDir dir;
    std::filesystem::create_directory(dir.file("secrets"));
    const std::string password = dir.write("secrets/mqtt", "pa ss#word\r\nsecond line is ignored\n");
    ::chmod(password.c_str(), 0600);

    const std::string path = dir.write("hearth.yaml", "mqtt:\n"
                                                      "  username: hub\n"
                                                      "  password_file: secrets/../secrets/mqtt\n"
                                                      "storage:\n"
                                                      "  directory: state\n"
                                                      "control:\n"
                                                      "  socket: run/hearth.sock\n"
                                                      "  group: hearth\n");
    // Loaded through a relative path from another working directory, the result is the same.
    const auto cwd = std::filesystem::current_path();
    std::filesystem::current_path("/tmp");
    const auto result = hearth::load_config(std::filesystem::relative(path, "/tmp").string());
    std::filesystem::current_path(cwd);

    INFO("diagnostics:\n" << describe(result));
    REQUIRE(result.ok());
    CHECK(result.diagnostics.empty());  // mode 0600: no warning either
    const hearth::Config& c = *result.config;
    CHECK(c.path == path);
    CHECK(c.mqtt.password == "pa ss#word");  // first line, CR LF stripped, nothing else touched
    CHECK(c.mqtt.password_file == dir.file("secrets/mqtt"));
    CHECK(c.storage.directory == dir.file("state"));
    CHECK(c.control.socket == dir.file("run/hearth.sock"));
    CHECK(c.control.group == "hearth");

    SECTION("absolute paths stay as they are") {
        const auto abs = load_valid(dir, "storage:\n  directory: /var/lib/elsewhere/\ncontrol:\n  socket: /run/x.sock\n",
                                    "abs.yaml");
        CHECK(abs.storage.directory == "/var/lib/elsewhere/");
        CHECK(abs.control.socket == "/run/x.sock");
    }
}

TEST_CASE("config: a password file readable by everyone loads with a warning", "[config][values]") {
    TempDir dir;
    const std::string password = dir.write("password", "open\n");
    ::chmod(password.c_str(), 0644);
    const std::string path = dir.write("hearth.yaml", "mqtt:\n  username: hub\n  password_file: password\n");
    const auto result = hearth::load_config(path);
    INFO("diagnostics:\n" << describe(result));
    REQUIRE(result.ok());
    CHECK(result.config->mqtt.password == "open");
    REQUIRE(warning_count(result) == 1);
    CHECK(result.diagnostics[0].line == 3);
    CHECK(result.diagnostics[0].column == 18);
    CHECK(result.diagnostics[0].message.find("chmod o-r") != std::string::npos);
}

TEST_CASE("config: an empty password file is an error", "[config][values]") {
    TempDir dir;
    dir.write("password", "\nsecond\n");
    const std::string path = dir.write("hearth.yaml", "mqtt:\n  username: hub\n  password_file: password\n");
    const auto result = hearth::load_config(path);
    CHECK_FALSE(result.ok());
    REQUIRE(result.error_count() == 1);
    CHECK(result.diagnostics[0].message.find("is empty; its first line is the password") != std::string::npos);
}

TEST_CASE("config: password_env is read from the environment", "[config][values]") {
    ::setenv("HEARTH_TEST_MQTT_PASSWORD", "from the environment", 1);
    const auto c = load_valid_text("mqtt:\n  username: hub\n  password_env: HEARTH_TEST_MQTT_PASSWORD\n");
    CHECK(c.mqtt.password_env == "HEARTH_TEST_MQTT_PASSWORD");
    CHECK(c.mqtt.password == "from the environment");
    CHECK(c.mqtt.password_file.empty());

    ::setenv("HEARTH_TEST_MQTT_PASSWORD", "", 1);
    const auto empty = hearth::load_config_text("mqtt:\n  username: hub\n  password_env: HEARTH_TEST_MQTT_PASSWORD\n",
                                                "test.yaml");
    CHECK_FALSE(empty.ok());
    CHECK(empty.error_count() == 1);
    ::unsetenv("HEARTH_TEST_MQTT_PASSWORD");
}

TEST_CASE("config: an inline password loads with a warning at its position", "[config][values]") {
    const auto result = hearth::load_config_text("mqtt:\n  username: hub\n  password: hunter2\n", "test.yaml");
    INFO("diagnostics:\n" << describe(result));
    REQUIRE(result.ok());
    CHECK(result.config->mqtt.password == "hunter2");
    CHECK(result.error_count() == 0);
    REQUIRE(result.diagnostics.size() == 1);
    const Diagnostic& w = result.diagnostics[0];
    CHECK(w.severity == Diagnostic::Severity::warning);
    CHECK(w.line == 3);
    CHECK(w.column == 13);
    CHECK(w.message.find("prefer password_file or password_env") != std::string::npos);
    CHECK(w.message.find("hunter2") == std::string::npos);  // the secret itself is never repeated
    CHECK(w.format() == "test.yaml:3:13: warning: " + w.message);
}

TEST_CASE("config: TLS settings while TLS is disabled are a warning, not an error", "[config][values]") {
    const auto result = hearth::load_config_text("mqtt:\n  tls:\n    enabled: false\n    verify_hostname: false\n",
                                                 "test.yaml");
    INFO("diagnostics:\n" << describe(result));
    REQUIRE(result.ok());
    CHECK(result.error_count() == 0);
    REQUIRE(result.diagnostics.size() == 1);
    CHECK(result.diagnostics[0].severity == Diagnostic::Severity::warning);
    CHECK(result.diagnostics[0].line == 3);
    CHECK(result.diagnostics[0].column == 5);
    CHECK(result.diagnostics[0].message.find("not used while mqtt.tls.enabled is false") != std::string::npos);
    CHECK_FALSE(result.config->mqtt.tls.enabled);

    // `enabled: false` alone is no reason to warn.
    const auto quiet = hearth::load_config_text("mqtt:\n  tls:\n    enabled: false\n", "test.yaml");
    REQUIRE(quiet.ok());
    CHECK(quiet.diagnostics.empty());
}

TEST_CASE("config: floors, areas and devices are read with their fields", "[config][values]") {
    const auto c = load_valid_text(R"(floors:
  - id: ground_floor
    level: 0
  - id: cellar
    name: Keller
    aliases: [basement, downstairs]
    level: -1
  - id: attic
areas:
  - id: living_room
    floor: ground_floor
    aliases:
  - id: garden
    name: Back garden
devices:
  - id: kitchen_ceiling
    type: light
    area: living_room
    protocol: zigbee2mqtt
    topic: Kitchen/Ceiling light
    channel: l1
  - id: coffee_machine
    name: Coffee maker
    aliases: [coffee, kitchen plug]
    type: switch
    protocol: tasmota
    topic: tasmota_5C1E07
    channel: 8
  - id: boiler
    type: thermostat
    protocol: shelly
    topic: shellyplus1pm-08b61fcd1234
  - id: garden_lights
    type: light
    area: garden
    protocol: shelly
    generation: 1
    topic: shelly1-98CDAC1F2E3A
    channel: "0"
  - id: front_door
    type: lock
    protocol: generic
    generic:
      command_topic: door/set
  - id: porch_dimmer
    type: light
    protocol: generic
    generic:
      state_topic: porch/state
      command_topic: porch/set
      availability_topic: porch/status
      state_field: state
      brightness_field: level
      temperature_field: temp
      target_field: setpoint
      payload_on: "1"
      payload_off: "0"
      payload_lock: close
      payload_unlock: open
      payload_locked: closed
      payload_unlocked: opened
      payload_online: up
      payload_offline: down
      brightness_max: 255
  - id: doorbell
    type: button
    protocol: zigbee2mqtt
    topic: Doorbell
  - id: garden_temperature
    type: sensor
    protocol: zigbee2mqtt
    topic: Garden sensor
)");

    REQUIRE(c.floors.size() == 3);
    CHECK(c.floors[0].id == "ground_floor");
    CHECK(c.floors[0].name == "Ground floor");  // derived from the id
    CHECK(c.floors[0].level == 0);
    CHECK(c.floors[1].name == "Keller");        // given names are kept as written
    CHECK(c.floors[1].aliases == std::vector<std::string>{"basement", "downstairs"});
    CHECK(c.floors[1].level == -1);
    CHECK_FALSE(c.floors[2].level.has_value());
    CHECK(c.floors[0].mark.line == 2);
    CHECK(c.floors[0].mark.column == 5);

    REQUIRE(c.areas.size() == 2);
    CHECK(c.areas[0].name == "Living room");
    CHECK(c.areas[0].floor == "ground_floor");
    CHECK(c.areas[0].aliases.empty());  // `aliases:` with nothing after it
    CHECK(c.areas[1].name == "Back garden");
    CHECK(c.areas[1].floor.empty());

    REQUIRE(c.devices.size() == 8);
    const hearth::Device* d = c.find_device("kitchen_ceiling");
    REQUIRE(d != nullptr);
    CHECK(d->name == "Kitchen ceiling");
    CHECK(d->type == hearth::DeviceType::light);
    CHECK(d->area == "living_room");
    CHECK(d->protocol == hearth::Protocol::zigbee2mqtt);
    CHECK(d->topic == "Kitchen/Ceiling light");
    CHECK(d->channel == "l1");
    CHECK(d->aliases.empty());
    CHECK(d->mark.line == 16);
    CHECK(d->mark.column == 5);

    d = c.find_device("coffee_machine");
    REQUIRE(d != nullptr);
    CHECK(d->name == "Coffee maker");
    CHECK(d->aliases == std::vector<std::string>{"coffee", "kitchen plug"});
    CHECK(d->type == hearth::DeviceType::switch_);
    CHECK(d->protocol == hearth::Protocol::tasmota);
    CHECK(d->channel == "8");  // an unquoted number is read as the same text
    CHECK(d->area.empty());

    d = c.find_device("boiler");
    REQUIRE(d != nullptr);
    CHECK(d->type == hearth::DeviceType::thermostat);
    CHECK(d->protocol == hearth::Protocol::shelly);
    CHECK(d->shelly_generation == 2);  // the default
    CHECK(d->channel.empty());

    d = c.find_device("garden_lights");
    REQUIRE(d != nullptr);
    CHECK(d->shelly_generation == 1);
    CHECK(d->channel == "0");
    CHECK(d->topic == "shelly1-98CDAC1F2E3A");

    d = c.find_device("front_door");
    REQUIRE(d != nullptr);
    CHECK(d->type == hearth::DeviceType::lock);
    CHECK(d->protocol == hearth::Protocol::generic);
    CHECK(d->topic.empty());
    CHECK(d->generic.command_topic == "door/set");
    CHECK(d->generic.state_topic.empty());
    // Every payload keeps its default.
    const hearth::GenericDeviceSettings defaults;
    CHECK(d->generic.payload_on == "ON");
    CHECK(d->generic.payload_off == "OFF");
    CHECK(d->generic.payload_lock == "LOCK");
    CHECK(d->generic.payload_unlock == "UNLOCK");
    CHECK(d->generic.payload_locked == "LOCKED");
    CHECK(d->generic.payload_unlocked == "UNLOCKED");
    CHECK(d->generic.payload_online == "online");
    CHECK(d->generic.payload_offline == "offline");
    CHECK(d->generic.brightness_max == 100);
    CHECK(d->generic.state_field == defaults.state_field);

    d = c.find_device("porch_dimmer");
    REQUIRE(d != nullptr);
    const hearth::GenericDeviceSettings& g = d->generic;
    CHECK(g.state_topic == "porch/state");
    CHECK(g.command_topic == "porch/set");
    CHECK(g.availability_topic == "porch/status");
    CHECK(g.state_field == "state");
    CHECK(g.brightness_field == "level");
    CHECK(g.temperature_field == "temp");
    CHECK(g.target_field == "setpoint");
    CHECK(g.payload_on == "1");
    CHECK(g.payload_off == "0");
    CHECK(g.payload_lock == "close");
    CHECK(g.payload_unlock == "open");
    CHECK(g.payload_locked == "closed");
    CHECK(g.payload_unlocked == "opened");
    CHECK(g.payload_online == "up");
    CHECK(g.payload_offline == "down");
    CHECK(g.brightness_max == 255);

    CHECK(c.find_device("doorbell")->type == hearth::DeviceType::button);
    CHECK(c.find_device("garden_temperature")->type == hearth::DeviceType::sensor);

    // find_* return the entry with that id, or nothing.
    REQUIRE(c.find_floor("cellar") != nullptr);
    CHECK(c.find_floor("cellar")->name == "Keller");
    CHECK(c.find_floor("Cellar") == nullptr);
    REQUIRE(c.find_area("garden") != nullptr);
    CHECK(c.find_area("garden")->name == "Back garden");
    CHECK(c.find_area("ground_floor") == nullptr);  // a floor id is not an area id
    CHECK(c.find_device("") == nullptr);
    CHECK(c.find_device("kitchen") == nullptr);
}

TEST_CASE("config: one topic may carry several devices on different channels", "[config][values]") {
    const auto c = load_valid_text(R"(devices:
  - id: bathroom_light
    type: light
    protocol: shelly
    topic: shellyplus2pm-c8f09e8a1b2c
    channel: "0"
  - id: bathroom_fan
    type: switch
    protocol: shelly
    topic: shellyplus2pm-c8f09e8a1b2c
    channel: "1"
  - id: same_name_other_protocol
    type: switch
    protocol: tasmota
    topic: shellyplus2pm-c8f09e8a1b2c
)");
    CHECK(c.devices.size() == 3);
}

TEST_CASE("config: ids at the limits and names derived from them", "[config][values]") {
    const std::string longest(64, 'x');
    const auto c = load_valid_text("floors:\n  - id: " + longest + "\n  - id: \"1\"\n  - id: a_b_c\n");
    REQUIRE(c.floors.size() == 3);
    CHECK(c.floors[0].id == longest);
    CHECK(c.floors[1].id == "1");
    CHECK(c.floors[1].name == "1");
    CHECK(c.floors[2].name == "A b c");
}

TEST_CASE("config: protocol settings are read", "[config][values]") {
    const auto c = load_valid_text(R"(protocols:
  zigbee2mqtt:
    base_topic: z2m
  tasmota:
    full_topic: "tasmota/%topic%/%prefix%/"
  shelly:
    gen1_prefix: shelly-gen1
)");
    CHECK(c.protocols.zigbee2mqtt_base_topic == "z2m");
    CHECK(c.protocols.tasmota_full_topic == "tasmota/%topic%/%prefix%/");
    CHECK(c.protocols.shelly_gen1_prefix == "shelly-gen1");
}

TEST_CASE("config: line endings and a byte order mark do not change the values", "[config][values]") {
    const auto crlf = load_valid_text("mqtt:\r\n  host: broker.local\r\n  prefix: \"home\"\r\nfloors:\r\n"
                                      "  - id: ground\r\n");
    CHECK(crlf.mqtt.host == "broker.local");
    CHECK(crlf.mqtt.prefix == "home");
    REQUIRE(crlf.floors.size() == 1);
    CHECK(crlf.floors[0].id == "ground");

    const auto bom = load_valid_text("\xEF\xBB\xBFlanguage: de\n");
    CHECK(bom.language == hearth::Language::de);
}

TEST_CASE("config: config/example.yaml loads into the documented house", "[config][values][example]") {
    const std::string path = source_path("config/example.yaml");
    const auto result = hearth::load_config(path);
    INFO("diagnostics:\n" << describe(result));
    REQUIRE(result.ok());
    CHECK(result.diagnostics.empty());
    const hearth::Config& c = *result.config;

    CHECK(real_path(c.path) == real_path(path));
    CHECK(c.language == hearth::Language::en);
    CHECK(c.floors.size() == 2);
    CHECK(c.areas.size() == 9);
    CHECK(c.devices.size() == 24);

    const hearth::Device* kitchen_ceiling = c.find_device("kitchen_ceiling");
    REQUIRE(kitchen_ceiling != nullptr);
    CHECK(kitchen_ceiling->area == "kitchen");
    CHECK(kitchen_ceiling->aliases == std::vector<std::string>{"big light"});
    CHECK(kitchen_ceiling->topic == "Kitchen ceiling");

    const hearth::Area* kitchen = c.find_area(kitchen_ceiling->area);
    REQUIRE(kitchen != nullptr);
    CHECK(kitchen->floor == "ground_floor");
    REQUIRE(c.find_floor(kitchen->floor) != nullptr);
    CHECK(c.find_floor(kitchen->floor)->level == 0);
    CHECK(c.find_floor("first_floor")->aliases == std::vector<std::string>{"upstairs"});
    CHECK(c.find_area("garden")->floor.empty());

    const hearth::Device* landing = c.find_device("landing_light");
    REQUIRE(landing != nullptr);
    CHECK(landing->protocol == hearth::Protocol::tasmota);
    CHECK(landing->channel == "1");
    const hearth::Device* bedroom = c.find_device("bedroom_ceiling");
    REQUIRE(bedroom != nullptr);
    CHECK(bedroom->protocol == hearth::Protocol::shelly);
    CHECK(bedroom->shelly_generation == 1);
    CHECK(bedroom->channel == "0");
    const hearth::Device* garden = c.find_device("garden_temperature");
    REQUIRE(garden != nullptr);
    CHECK(garden->protocol == hearth::Protocol::generic);
    CHECK(garden->generic.state_topic == "garden-weather/sensor/temperature/state");
    CHECK(garden->generic.availability_topic == "garden-weather/status");

    // Every reference resolves, as config.hpp promises.
    for (const auto& area : c.areas)
        if (!area.floor.empty()) CHECK(c.find_floor(area.floor) != nullptr);
    for (const auto& device : c.devices) {
        INFO(device.id);
        CHECK(!device.name.empty());
        CHECK(device.mark.line > 0);
        if (!device.area.empty()) CHECK(c.find_area(device.area) != nullptr);
    }
}

TEST_CASE("config: a detached switch without a direct fallback is warned about, with one it is not",
          "[config]") {
    const std::string devices =
        "devices:\n"
        "  - id: wall_button\n"
        "    type: button\n"
        "    protocol: zigbee2mqtt\n"
        "    topic: Wall button\n"
        "    detached: true\n"
        "  - id: lamp\n"
        "    type: light\n"
        "    protocol: zigbee2mqtt\n"
        "    topic: Lamp\n";
    const auto bare = hearth::load_config_text(devices, "detached.yaml");
    REQUIRE(bare.ok());
    REQUIRE(bare.diagnostics.size() == 1);
    CHECK(bare.diagnostics[0].severity == hearth::Diagnostic::Severity::warning);
    CHECK(bare.diagnostics[0].line == 2);
    CHECK(bare.diagnostics[0].message.find("detached from its relay and has no fallback") != std::string::npos);
    CHECK(bare.config->devices[0].detached);

    const auto backed = hearth::load_config_text(devices +
                                                     "bindings:\n"
                                                     "  - button: wall_button\n"
                                                     "    action: toggle\n"
                                                     "    devices: [lamp]\n"
                                                     "    fallback: direct\n",
                                                 "detached.yaml");
    REQUIRE(backed.ok());
    CHECK(backed.diagnostics.empty());
    CHECK(backed.config->bindings.at(0).fallback_direct);
}
