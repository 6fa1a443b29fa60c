// Generic devices: the topics and payloads named in the device's `generic` settings
// (docs/configuration.md), with ESPHome-style bare payloads and JSON objects, commands, garbage,
// and the adapter against a real mosquitto (shared topics, retained replays).
#include "devices/generic/generic.hpp"

#include "hearth/mqtt_client.hpp"
#include "support/broker.hpp"
#include "support/mqtt_probe.hpp"

#include <asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <string>
#include <vector>

using namespace hearth;
using namespace std::chrono_literals;
using nlohmann::json;
using Kind = DeviceCommand::Kind;

namespace {

const ProtocolSettings defaults;

Device device(DeviceType type, GenericDeviceSettings g) {
    Device d;
    d.id = "dev";
    d.name = "Device";
    d.type = type;
    d.protocol = Protocol::generic;
    d.generic = std::move(g);
    return d;
}

// ESPHome's switch: bare ON/OFF on .../state, commands on .../command, status online/offline.
Device esphome_switch() {
    GenericDeviceSettings g;
    g.state_topic = "plug/switch/relay/state";
    g.command_topic = "plug/switch/relay/command";
    g.availability_topic = "plug/status";
    return device(DeviceType::switch_, g);
}

// ESPHome's light (JSON schema): {"state":"ON","brightness":255,...} both ways.
Device esphome_light() {
    GenericDeviceSettings g;
    g.state_topic = "desk/light/lamp/state";
    g.command_topic = "desk/light/lamp/command";
    g.availability_topic = "desk/status";
    g.state_field = "state";
    g.brightness_field = "brightness";
    g.brightness_max = 255;
    return device(DeviceType::light, g);
}

std::optional<generic::Parsed> parse(const Device& d, const std::string& topic, const std::string& payload) {
    return generic::parse(d, defaults, topic, payload);
}

std::optional<DeviceState> state(const Device& d, const std::string& payload) {
    auto p = parse(d, d.generic.state_topic, payload);
    if (!p) return std::nullopt;
    return p->state;
}

DeviceCommand command(Kind kind, std::optional<int> brightness = std::nullopt) {
    DeviceCommand c;
    c.kind = kind;
    c.brightness = brightness;
    return c;
}

OutgoingMessage send(const Device& d, const DeviceCommand& c) {
    std::string error;
    auto out = generic::translate(d, defaults, c, error);
    INFO(error);
    REQUIRE(out.has_value());
    REQUIRE(out->size() == 1);
    CHECK(out->front().topic == d.generic.command_topic);
    return out->front();
}

std::string refused(const Device& d, const DeviceCommand& c) {
    std::string error;
    CHECK_FALSE(generic::translate(d, defaults, c, error).has_value());
    return error;
}

}  // namespace

TEST_CASE("generic: bare on/off state and availability", "[generic]") {
    const Device d = esphome_switch();
    CHECK(state(d, "ON")->on == true);
    CHECK(state(d, "OFF")->on == false);
    CHECK(state(d, "off\n")->on == false);  // surrounding white space and case do not matter
    auto p = parse(d, "plug/status", "online");
    REQUIRE(p);
    CHECK(p->availability == Availability::online);
    CHECK_FALSE(p->state);
    CHECK(parse(d, "plug/status", "offline")->availability == Availability::offline);
    CHECK_FALSE(parse(d, "plug/status", "ON"));
    CHECK_FALSE(parse(d, "plug/switch/relay/command", "ON"));  // its own commands are not its state
    CHECK_FALSE(parse(d, "plug/switch/other/state", "ON"));

    // Configured words.
    Device custom = d;
    custom.generic.payload_on = "1";
    custom.generic.payload_off = "0";
    custom.generic.payload_online = "alive";
    custom.generic.payload_offline = "dead";
    CHECK(state(custom, "1")->on == true);
    CHECK(state(custom, "0")->on == false);
    CHECK_FALSE(state(custom, "ON"));
    CHECK(parse(custom, "plug/status", "alive")->availability == Availability::online);
    CHECK(parse(custom, "plug/status", "dead")->availability == Availability::offline);
    CHECK_FALSE(parse(custom, "plug/status", "online"));
}

TEST_CASE("generic: JSON state with fields and brightness scaling", "[generic]") {
    const Device d = esphome_light();
    auto s = state(d, R"({"state":"ON","color_mode":"brightness","brightness":255})");
    REQUIRE(s);
    CHECK(s->on == true);
    CHECK(s->brightness == 100);
    s = state(d, R"({"state":"ON","brightness":102})");
    CHECK(s->brightness == 40);
    s = state(d, R"({"state":"OFF","brightness":0})");
    CHECK(s->on == false);
    CHECK(s->brightness == 0);
    CHECK(state(d, R"({"brightness":128})")->brightness == 50);
    CHECK_FALSE(state(d, R"({"state":"ON","brightness":256})")->brightness);  // above the device's full scale
    // JSON booleans and numbers compared with the configured words.
    CHECK(state(d, R"({"state":true})")->on == true);
    Device numeric = d;
    numeric.generic.payload_on = "1";
    numeric.generic.payload_off = "0";
    CHECK(state(numeric, R"({"state":0})")->on == false);
    // With a field set, a bare payload is not taken for it.
    CHECK_FALSE(state(d, "ON"));

    // Brightness in percent when brightness_max is left at 100.
    Device percent = d;
    percent.generic.brightness_max = 100;
    CHECK(state(percent, R"({"state":"ON","brightness":37})")->brightness == 37);
}

TEST_CASE("generic: locks", "[generic]") {
    GenericDeviceSettings g;
    g.state_topic = "door/lock/state";
    g.command_topic = "door/lock/set";
    Device bare = device(DeviceType::lock, g);
    CHECK(state(bare, "LOCKED")->lock == LockState::locked);
    CHECK(state(bare, "UNLOCKED")->lock == LockState::unlocked);
    CHECK_FALSE(state(bare, "LOCK"));  // a command word, not a state
    CHECK(send(bare, command(Kind::lock)).payload == "LOCK");
    CHECK(send(bare, command(Kind::unlock)).payload == "UNLOCK");

    Device with_field = bare;
    with_field.generic.state_field = "lock_state";
    with_field.generic.payload_locked = "secured";
    with_field.generic.payload_unlocked = "open";
    CHECK(state(with_field, R"({"lock_state":"secured","battery":80})")->lock == LockState::locked);
    CHECK(state(with_field, R"({"lock_state":"open"})")->lock == LockState::unlocked);
    CHECK(json::parse(send(with_field, command(Kind::lock)).payload) == json{{"lock_state", "LOCK"}});
    CHECK(refused(with_field, command(Kind::turn_on)) == "a generic lock cannot turn_on");
}

TEST_CASE("generic: sensors and thermostats", "[generic]") {
    // docs/configuration.md's example: the bare reading on the state topic.
    GenericDeviceSettings g;
    g.state_topic = "garden-weather/sensor/temperature/state";
    g.availability_topic = "garden-weather/status";
    const Device garden = device(DeviceType::sensor, g);
    CHECK(state(garden, "12.5")->temperature == Approx(12.5));
    CHECK(state(garden, "-7")->temperature == Approx(-7));
    CHECK(parse(garden, "garden-weather/status", "offline")->availability == Availability::offline);
    CHECK(refused(garden, command(Kind::turn_on)) == "Device has no command_topic: it only reports");

    GenericDeviceSettings t;
    t.state_topic = "trv/state";
    t.command_topic = "trv/set";
    t.temperature_field = "local_temperature";
    t.target_field = "setpoint";
    const Device trv = device(DeviceType::thermostat, t);
    auto s = state(trv, R"({"local_temperature":19.5,"setpoint":21,"valve":40})");
    REQUIRE(s);
    CHECK(s->temperature == Approx(19.5));
    CHECK(s->target_temperature == Approx(21));
    DeviceCommand heat = command(Kind::set_temperature);
    heat.temperature = 21.5;
    CHECK(json::parse(send(trv, heat).payload) == json{{"setpoint", 21.5}});
    Device bare_target = trv;
    bare_target.generic.target_field.clear();
    CHECK(send(bare_target, heat).payload == "21.5");
    heat.temperature = std::nan("");
    const std::string no_temperature = "set_temperature needs a temperature between -80 and 150 degrees";
    CHECK(refused(trv, heat) == no_temperature);
    CHECK(refused(trv, command(Kind::set_temperature)) == no_temperature);
    CHECK(refused(trv, command(Kind::set_mode)) == "a generic thermostat cannot set_mode");
}

TEST_CASE("generic: buttons report their words as actions", "[generic]") {
    GenericDeviceSettings g;
    g.state_topic = "remote/button/action";
    const Device bare = device(DeviceType::button, g);
    CHECK(parse(bare, "remote/button/action", "single")->action == "single");
    CHECK(parse(bare, "remote/button/action", "double_push")->action == "double");
    CHECK(parse(bare, "remote/button/action", "HOLD")->action == "long");
    CHECK(parse(bare, "remote/button/action", "scene-3")->action == "scene-3");
    CHECK_FALSE(parse(bare, "remote/button/action", R"({"action":"single"})"));
    CHECK_FALSE(parse(bare, "remote/button/action", "two words"));
    CHECK_FALSE(parse(bare, "remote/button/action", std::string(65, 'a')));

    Device with_field = bare;
    with_field.generic.state_field = "action";
    CHECK(parse(with_field, "remote/button/action", R"({"action":"single","battery":90})")->action == "single");
    CHECK_FALSE(parse(with_field, "remote/button/action", R"({"action":1})"));
    CHECK_FALSE(parse(with_field, "remote/button/action", "single"));
    CHECK(refused(bare, command(Kind::turn_on)) == "Device has no command_topic: it only reports");
}

TEST_CASE("generic: garbage yields nothing", "[generic][garbage]") {
    const std::vector<std::string> garbage{
        "", " ", "\n", "{", "[]", "null", "ONN", "O N", std::string("ON\0", 3), std::string(100000, 'x'),
        std::string(300000, '['), std::string(100000, '[') + std::string(100000, ']'), "\xff\xfe",
        R"({"state":["ON"]})", R"({"state":{"v":"ON"}})", R"({"state":null})", R"({"brightness":"255"})",
        R"({"brightness":1e308})", R"({"brightness":-1})", R"({"local_temperature":1e308,"setpoint":"21"})",
        R"({"local_temperature":-300})", "1e999", "NaN", "Infinity", "21,5", "12.5 C"};
    const Device light = esphome_light();
    Device sensor = device(DeviceType::sensor, GenericDeviceSettings{});
    sensor.generic.state_topic = "s";
    Device trv = device(DeviceType::thermostat, GenericDeviceSettings{});
    trv.generic.state_topic = "t";
    trv.generic.temperature_field = "local_temperature";
    trv.generic.target_field = "setpoint";
    for (const std::string& payload : garbage) {
        INFO(payload.substr(0, 40));
        CHECK_FALSE(parse(esphome_switch(), "plug/switch/relay/state", payload));
        CHECK_FALSE(parse(esphome_switch(), "plug/status", payload));
        CHECK_FALSE(parse(light, "desk/light/lamp/state", payload));
        CHECK_FALSE(parse(sensor, "s", payload));
        CHECK_FALSE(parse(trv, "t", payload));
    }
    // Numbers a sensor cannot have measured.
    for (const std::string& payload : std::vector<std::string>{"1e308", "-1e308", "151", "-81", "\"21\""}) {
        INFO(payload);
        CHECK_FALSE(parse(sensor, "s", payload));
    }
}

TEST_CASE("generic: on/off and brightness commands", "[generic]") {
    const Device sw = esphome_switch();
    CHECK(send(sw, command(Kind::turn_on)).payload == "ON");
    CHECK(send(sw, command(Kind::turn_off)).payload == "OFF");
    CHECK(send(sw, command(Kind::turn_on, 40)).payload == "ON");  // a switch cannot dim: it turns on
    CHECK(refused(sw, command(Kind::set_brightness, 40)) == "a generic switch cannot set_brightness");

    const Device light = esphome_light();
    CHECK(json::parse(send(light, command(Kind::turn_on)).payload) == json{{"state", "ON"}});
    CHECK(json::parse(send(light, command(Kind::turn_off)).payload) == json{{"state", "OFF"}});
    CHECK(json::parse(send(light, command(Kind::turn_on, 40)).payload) == json{{"state", "ON"}, {"brightness", 102}});
    CHECK(json::parse(send(light, command(Kind::set_brightness, 100)).payload) ==
          json{{"state", "ON"}, {"brightness", 255}});
    CHECK(json::parse(send(light, command(Kind::set_brightness, 0)).payload) == json{{"state", "OFF"}});
    CHECK(refused(light, command(Kind::set_brightness)) == "set_brightness needs a brightness");
    CHECK(refused(light, command(Kind::set_brightness, 101)) == "brightness 101 is outside 0 to 100 percent");
    CHECK(refused(light, command(Kind::turn_on, -5)) == "brightness -5 is outside 0 to 100 percent");
    DeviceCommand color = command(Kind::set_color);
    color.color = Rgb{0, 0, 255};
    CHECK(refused(light, color) == "a generic light cannot set_color");
    CHECK(refused(light, command(Kind::set_color_temp)) == "a generic light cannot set_color_temp");
    CHECK(refused(light, command(Kind::lock)) == "a generic light cannot lock");

    // A bare on/off light without a brightness field cannot be dimmed, but turns on when asked
    // to at a level.
    Device plain = light;
    plain.generic.state_field.clear();
    plain.generic.brightness_field.clear();
    CHECK(send(plain, command(Kind::turn_on, 40)).payload == "ON");
    CHECK(refused(plain, command(Kind::set_brightness, 40)) == "Device has no brightness_field: it cannot be dimmed");
    // Brightness field without a state field: the level alone, as JSON.
    Device level_only = plain;
    level_only.generic.brightness_field = "level";
    level_only.generic.brightness_max = 1000;
    CHECK(json::parse(send(level_only, command(Kind::set_brightness, 25)).payload) == json{{"level", 250}});
    CHECK(send(level_only, command(Kind::turn_off)).payload == "OFF");
}

TEST_CASE("generic: subscriptions are the state and availability topics", "[generic]") {
    using Topics = std::vector<std::string>;
    CHECK(generic::subscriptions(esphome_switch(), defaults) == Topics{"plug/switch/relay/state", "plug/status"});
    GenericDeviceSettings only_command;
    only_command.command_topic = "x/set";
    CHECK(generic::subscriptions(device(DeviceType::switch_, only_command), defaults).empty());
    GenericDeviceSettings same;
    same.state_topic = "x";
    same.availability_topic = "x";
    CHECK(generic::subscriptions(device(DeviceType::switch_, same), defaults) == Topics{"x"});
}

// ---- The adapter against a real broker -----------------------------------------------------

namespace {

struct RecordingSink : AdapterSink {
    std::vector<std::pair<std::string, DeviceState>> states;
    std::vector<std::pair<std::string, Availability>> availabilities;
    std::vector<ButtonEvent> events;

    void on_state(const std::string& id, const DeviceState& update) override { states.emplace_back(id, update); }
    void on_availability(const std::string& id, Availability a) override { availabilities.emplace_back(id, a); }
    void on_event(const ButtonEvent& e) override { events.push_back(e); }
};

template <typename Condition>
bool run_until(asio::io_context& io, Condition condition, std::chrono::milliseconds timeout = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!condition()) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        if (io.stopped()) io.restart();
        io.run_for(10ms);
    }
    return true;
}

}  // namespace

TEST_CASE("generic adapter: shared topics, retained replays and garbage", "[generic][mqtt]") {
    test::Broker broker;
    test::MqttProbe probe(broker.port(), "#");
    // Retained before the hub subscribes: a state (taken) and a button word (never an event).
    probe.publish("weather/state", R"({"temperature":12.5,"target":18})", true);
    probe.publish("remote/action", "single", true);
    probe.publish("weather/status", "online", true);
    REQUIRE(probe.wait_for("weather/status", "online", 5s));

    // Two devices reading different fields of one state topic, and a button.
    GenericDeviceSettings outdoor;
    outdoor.state_topic = "weather/state";
    outdoor.availability_topic = "weather/status";
    outdoor.temperature_field = "temperature";
    Device thermometer = device(DeviceType::sensor, outdoor);
    thermometer.id = "thermometer";
    GenericDeviceSettings heating = outdoor;
    heating.temperature_field.clear();
    heating.target_field = "target";
    Device thermostat = device(DeviceType::thermostat, heating);
    thermostat.id = "thermostat";
    GenericDeviceSettings remote;
    remote.state_topic = "remote/action";
    Device button = device(DeviceType::button, remote);
    button.id = "remote";

    asio::io_context io;
    MqttSettings settings;
    settings.port = broker.port();
    settings.client_id = "hearth-test-generic";
    MqttClient mqtt(io, settings, std::nullopt);
    RecordingSink sink;
    generic::GenericAdapter adapter(defaults);
    adapter.start(mqtt, {&thermometer, &thermostat, &button}, sink);
    mqtt.start();

    REQUIRE(run_until(io, [&] { return sink.availabilities.size() == 2 && sink.states.size() == 2; }));
    run_until(io, [] { return false; }, 300ms);
    CHECK(sink.events.empty());  // the retained "single" was a replay
    for (const auto& [id, s] : sink.states) {
        if (id == "thermometer") CHECK(s.temperature == Approx(12.5));
        else CHECK(s.target_temperature == Approx(18));
        // The thermostat has no temperature field and the payload is not a bare number.
        if (id == "thermostat") CHECK_FALSE(s.temperature);
    }

    // Garbage is ignored; the next good message is taken; a live button word is an event.
    probe.publish("weather/state", std::string(100000, '{'));
    probe.publish("weather/state", "");
    probe.publish("weather/status", "maybe");
    probe.publish("remote/action", "");
    probe.publish("remote/action", "single");
    REQUIRE(run_until(io, [&] { return sink.events.size() == 1; }));
    CHECK(sink.events[0].device_id == "remote");
    CHECK(sink.events[0].action == "single");
    probe.publish("weather/state", R"({"temperature":13})");
    REQUIRE(run_until(io, [&] { return sink.states.size() == 3; }));
    CHECK(sink.states[2].first == "thermometer");
    CHECK(sink.states[2].second.temperature == Approx(13));
    CHECK(sink.availabilities.size() == 2);

    std::string error;
    CHECK_FALSE(adapter.translate(thermometer, command(Kind::turn_on), error));
    CHECK(error == "Device has no command_topic: it only reports");
}
