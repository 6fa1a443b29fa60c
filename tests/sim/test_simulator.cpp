// hearth-sim against a real broker: every protocol's availability, commands and answers, lock
// timing and jams, button presses from the command line, the thermal model, and garbage.
#include "support/broker.hpp"
#include "support/mqtt_probe.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <signal.h>

#include <functional>
#include <memory>
#include <optional>
#include <thread>

using namespace hearth::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

std::string sim_yaml(int port) {
    return "language: en\n"
           "mqtt:\n"
           "  host: 127.0.0.1\n"
           "  port: " + std::to_string(port) + "\n"
           "  client_id: sim-test\n"
           "  keepalive: 5\n"
           "areas:\n"
           "  - id: hallway\n"
           "  - id: bedroom\n"
           "devices:\n"
           "  - id: kitchen_ceiling\n"
           "    type: light\n"
           "    protocol: zigbee2mqtt\n"
           "    topic: Kitchen ceiling\n"
           "  - id: front_door\n"
           "    type: lock\n"
           "    area: hallway\n"
           "    protocol: zigbee2mqtt\n"
           "    topic: Front door\n"
           "  - id: hallway_button\n"
           "    type: button\n"
           "    area: hallway\n"
           "    protocol: zigbee2mqtt\n"
           "    topic: Hallway/Button\n"
           "  - id: bedroom_trv\n"
           "    type: thermostat\n"
           "    area: bedroom\n"
           "    protocol: zigbee2mqtt\n"
           "    topic: Bedroom radiator\n"
           "  - id: hallway_switch\n"
           "    type: switch\n"
           "    area: hallway\n"
           "    protocol: tasmota\n"
           "    topic: hallway_relay\n"
           "  - id: landing_light\n"
           "    type: light\n"
           "    protocol: tasmota\n"
           "    topic: dual_relay\n"
           "    channel: \"1\"\n"
           "  - id: stairs_light\n"
           "    type: light\n"
           "    protocol: tasmota\n"
           "    topic: dual_relay\n"
           "    channel: \"2\"\n"
           "  - id: garden_lights\n"
           "    type: light\n"
           "    protocol: shelly\n"
           "    generation: 1\n"
           "    topic: shelly1-test\n"
           "  - id: bathroom_light\n"
           "    type: light\n"
           "    protocol: shelly\n"
           "    topic: shellyplus2pm-test\n"
           "    channel: \"0\"\n"
           "  - id: bathroom_fan\n"
           "    type: switch\n"
           "    protocol: shelly\n"
           "    topic: shellyplus2pm-test\n"
           "    channel: \"1\"\n"
           "  - id: garden_temperature\n"
           "    type: sensor\n"
           "    protocol: generic\n"
           "    generic:\n"
           "      state_topic: garden-weather/temperature\n"
           "      availability_topic: garden-weather/status\n";
}

// A broker, a probe watching everything, and the simulator playing sim_yaml().
class Sim {
public:
    explicit Sim(std::vector<std::string> extra_arguments = {}) : probe_(broker_.port(), "#") {
        config_ = dir_.write("hearth.yaml", sim_yaml(broker_.port()));
        std::vector<std::string> argv{build_path("hearth-sim"), "--config", config_, "--log-level", "debug"};
        argv.insert(argv.end(), extra_arguments.begin(), extra_arguments.end());
        process_ = std::make_unique<Process>(argv, dir_.file("sim.log"));
        // The last device in the file announces itself last.
        if (!probe_.wait_for("garden-weather/status", "online", 10s))
            throw std::runtime_error("hearth-sim did not come up:\n" + process_->output());
    }

    MqttProbe& probe() { return probe_; }
    Process& process() { return *process_; }
    int port() const { return broker_.port(); }
    const std::string& config() const { return config_; }

    // Runs hearth-sim once more, as a control command against this broker.
    RunResult control(std::vector<std::string> words) {
        std::vector<std::string> argv{build_path("hearth-sim"), "--config", config_};
        argv.insert(argv.end(), words.begin(), words.end());
        return run(argv, 10s);
    }

    // The first message on `topic` (since the last clear) whose JSON payload satisfies `check`.
    std::optional<json> wait_json(const std::string& topic, const std::function<bool(const json&)>& check,
                                  std::chrono::milliseconds timeout = 5s) {
        std::optional<json> found;
        eventually(
            [&] {
                for (const auto& m : probe_.messages()) {
                    if (m.topic != topic) continue;
                    json j = json::parse(m.payload, nullptr, false);
                    if (!j.is_discarded() && check(j)) {
                        found = j;
                        return true;
                    }
                }
                return false;
            },
            timeout);
        return found;
    }

private:
    Broker broker_;
    TempDir dir_;
    MqttProbe probe_;
    std::string config_;
    std::unique_ptr<Process> process_;
};

// What a client connecting now is told about `topic` (the retained message), if anything.
std::optional<std::string> retained(int port, const std::string& topic) {
    MqttProbe late(port, topic);
    if (!eventually([&] { return !late.messages().empty(); }, 1000ms)) return std::nullopt;
    const auto m = late.messages().front();
    if (!m.retain) return std::nullopt;
    return m.payload;
}

const std::vector<std::pair<std::string, std::string>> availability_online{
    {"zigbee2mqtt/bridge/state", R"({"state":"online"})"},
    {"zigbee2mqtt/Kitchen ceiling/availability", R"({"state":"online"})"},
    {"zigbee2mqtt/Hallway/Button/availability", R"({"state":"online"})"},
    {"tele/hallway_relay/LWT", "Online"},
    {"tele/dual_relay/LWT", "Online"},
    {"shellies/shelly1-test/online", "true"},
    {"shellyplus2pm-test/online", "true"},
    {"garden-weather/status", "online"},
};

}  // namespace

TEST_CASE("every protocol's availability is retained, and a clean stop marks it offline", "[sim]") {
    Sim sim;
    for (const auto& [topic, payload] : availability_online) {
        INFO(topic);
        CHECK(retained(sim.port(), topic) == std::optional<std::string>(payload));
    }
    sim.process().signal(SIGTERM);
    const auto status = sim.process().wait(5s);
    REQUIRE(status.has_value());
    CHECK(*status == 0);
    CHECK(retained(sim.port(), "zigbee2mqtt/bridge/state") == std::optional<std::string>(R"({"state":"offline"})"));
    CHECK(retained(sim.port(), "zigbee2mqtt/Front door/availability") ==
          std::optional<std::string>(R"({"state":"offline"})"));
    CHECK(retained(sim.port(), "tele/dual_relay/LWT") == std::optional<std::string>("Offline"));
    CHECK(retained(sim.port(), "shellies/shelly1-test/online") == std::optional<std::string>("false"));
    CHECK(retained(sim.port(), "shellyplus2pm-test/online") == std::optional<std::string>("false"));
    CHECK(retained(sim.port(), "garden-weather/status") == std::optional<std::string>("offline"));
}

TEST_CASE("a Zigbee2MQTT light answers /set with its whole state", "[sim][zigbee2mqtt]") {
    Sim sim;
    sim.probe().publish("zigbee2mqtt/Kitchen ceiling/set", R"({"state":"ON","brightness":127})");
    const auto on = sim.wait_json("zigbee2mqtt/Kitchen ceiling", [](const json& j) { return j.value("state", "") == "ON"; });
    REQUIRE(on);
    CHECK(on->at("brightness") == 127);
    CHECK(on->contains("color_mode"));

    sim.probe().clear();
    sim.probe().publish("zigbee2mqtt/Kitchen ceiling/set/color", R"({"hex":"#0000ff"})");
    const auto blue = sim.wait_json("zigbee2mqtt/Kitchen ceiling", [](const json& j) { return j.value("color_mode", "") == "xy"; });
    REQUIRE(blue);
    CHECK(blue->at("color").at("hue") == 240);
    CHECK(blue->at("state") == "ON");

    sim.probe().clear();
    sim.probe().publish("zigbee2mqtt/Kitchen ceiling/set/state", "OFF");
    CHECK(sim.wait_json("zigbee2mqtt/Kitchen ceiling", [](const json& j) { return j.value("state", "") == "OFF"; }));
}

TEST_CASE("a Tasmota relay answers POWER on stat/RESULT and stat/POWER<n>", "[sim][tasmota]") {
    Sim sim;
    sim.probe().publish("cmnd/hallway_relay/POWER", "ON");
    CHECK(sim.probe().wait_for("stat/hallway_relay/POWER", "ON", 5s));
    CHECK(sim.probe().wait_for("stat/hallway_relay/RESULT", R"({"POWER":"ON"})", 5s));

    // Two relays on one device: each is POWER<n>, and the others stay as they were.
    sim.probe().publish("cmnd/dual_relay/POWER2", "TOGGLE");
    CHECK(sim.probe().wait_for("stat/dual_relay/POWER2", "ON", 5s));
    CHECK(sim.probe().wait_for("stat/dual_relay/RESULT", R"({"POWER2":"ON"})", 5s));
    sim.probe().publish("cmnd/dual_relay/POWER1", "");
    CHECK(sim.probe().wait_for("stat/dual_relay/RESULT", R"({"POWER1":"OFF"})", 5s));
}

TEST_CASE("Shelly Gen1 relays and Gen2 RPC", "[sim][shelly]") {
    Sim sim;
    sim.probe().publish("shellies/shelly1-test/relay/0/command", "on");
    CHECK(sim.probe().wait_for("shellies/shelly1-test/relay/0", "on", 5s));

    sim.probe().publish("shellyplus2pm-test/rpc",
                        R"({"id":7,"src":"hub-test","method":"Switch.Set","params":{"id":1,"on":true}})");
    const auto reply = sim.wait_json("hub-test/rpc", [](const json& j) { return j.value("id", 0) == 7; });
    REQUIRE(reply);
    CHECK(reply->at("src") == "shellyplus2pm-test");
    CHECK(reply->at("dst") == "hub-test");
    CHECK(reply->at("result") == json{{"was_on", false}});
    const auto notify = sim.wait_json("shellyplus2pm-test/events/rpc", [](const json& j) {
        return j.value("method", "") == "NotifyStatus" && j.at("params").contains("switch:1");
    });
    REQUIRE(notify);
    CHECK(notify->at("params").at("switch:1").at("output") == true);
    CHECK(!notify->at("params").contains("switch:0"));  // only what changed

    sim.probe().publish("shellyplus2pm-test/rpc", R"({"id":8,"src":"hub-test","method":"Switch.Explode","params":{}})");
    const auto error = sim.wait_json("hub-test/rpc", [](const json& j) { return j.value("id", 0) == 8; });
    REQUIRE(error);
    CHECK(error->contains("error"));
    CHECK(!error->contains("result"));
}

TEST_CASE("a lock takes its time, and a jammed lock ignores commands", "[sim][lock]") {
    Sim sim;
    REQUIRE(sim.wait_json("zigbee2mqtt/Front door", [](const json& j) { return j.value("lock_state", "") == "locked"; }));
    sim.probe().clear();
    const auto sent = std::chrono::steady_clock::now();
    sim.probe().publish("zigbee2mqtt/Front door/set", R"({"state":"UNLOCK"})");
    const auto unlocked =
        sim.wait_json("zigbee2mqtt/Front door", [](const json& j) { return j.value("lock_state", "") == "unlocked"; });
    const auto took = std::chrono::steady_clock::now() - sent;
    REQUIRE(unlocked);
    CHECK(unlocked->at("state") == "UNLOCK");
    CHECK(took >= 500ms);
    CHECK(took < 3s);

    const RunResult jam = sim.control({"jam", "front_door"});
    CHECK(jam.status == 0);
    REQUIRE(sim.wait_json("zigbee2mqtt/Front door",
                          [](const json& j) { return j.value("lock_state", "") == "not_fully_locked"; }));
    sim.probe().clear();
    sim.probe().publish("zigbee2mqtt/Front door/set", R"({"state":"LOCK"})");
    std::this_thread::sleep_for(1500ms);
    for (const auto& m : sim.probe().messages()) {
        if (m.topic == "zigbee2mqtt/Front door") CHECK(m.payload.find("\"locked\"") == std::string::npos);
    }

    CHECK(sim.control({"jam", "front_door", "off"}).status == 0);
    sim.probe().publish("zigbee2mqtt/Front door/set", R"({"state":"LOCK"})");
    CHECK(sim.wait_json("zigbee2mqtt/Front door", [](const json& j) { return j.value("lock_state", "") == "locked"; }));
    CHECK(sim.process().running());
}

TEST_CASE("hearth-sim press makes a button send its action, never retained", "[sim][button]") {
    Sim sim;
    const RunResult press = sim.control({"press", "hallway_button"});
    INFO(press.output);
    CHECK(press.status == 0);
    const auto action = sim.wait_json("zigbee2mqtt/Hallway/Button", [](const json& j) { return j.contains("action"); });
    REQUIRE(action);
    CHECK(action->at("action") == "single");
    CHECK(action->contains("battery"));
    CHECK(!retained(sim.port(), "zigbee2mqtt/Hallway/Button"));

    CHECK(sim.control({"press", "hallway_button", "double"}).status == 0);
    CHECK(sim.wait_json("zigbee2mqtt/Hallway/Button", [](const json& j) { return j.value("action", "") == "double"; }));

    // Through the control topic directly, as scripts would.
    sim.probe().publish("hearth-sim/press/hallway_button", "hold");
    CHECK(sim.wait_json("zigbee2mqtt/Hallway/Button", [](const json& j) { return j.value("action", "") == "hold"; }));

    const RunResult unknown = sim.control({"press", "no_such_button"});
    CHECK(unknown.status == 1);
    CHECK(unknown.output.find("no_such_button") != std::string::npos);
    const RunResult not_a_button = sim.control({"press", "kitchen_ceiling"});
    CHECK(not_a_button.status == 1);
    CHECK(not_a_button.output.find("not a button") != std::string::npos);
    CHECK(sim.control({"jam", "kitchen_ceiling"}).status == 1);
}

TEST_CASE("a thermostat below its set point heats, and the room warms", "[sim][thermal]") {
    // One real second is an hour: a radiator adds a couple of degrees in a few seconds.
    Sim sim({"--speed", "3600"});
    sim.probe().publish("zigbee2mqtt/Bedroom radiator/set", R"({"occupied_heating_setpoint":28})");
    const auto first = sim.wait_json("zigbee2mqtt/Bedroom radiator", [](const json& j) {
        return j.value("occupied_heating_setpoint", 0.0) == 28.0 && j.value("running_state", "") == "heat";
    });
    REQUIRE(first);
    const double start = first->at("local_temperature").get<double>();
    const auto warmer = sim.wait_json(
        "zigbee2mqtt/Bedroom radiator",
        [&](const json& j) { return j.value("local_temperature", 0.0) >= start + 1.0; }, 10s);
    REQUIRE(warmer);
    CHECK(warmer->at("running_state") == "heat");

    // Heating off: the running state goes idle at once.
    sim.probe().clear();
    sim.probe().publish("zigbee2mqtt/Bedroom radiator/set/system_mode", "off");
    CHECK(sim.wait_json("zigbee2mqtt/Bedroom radiator", [](const json& j) {
        return j.value("system_mode", "") == "off" && j.value("running_state", "") == "idle";
    }));
}

TEST_CASE("garbage on every command topic never stops the simulator", "[sim][robustness]") {
    Sim sim;
    const std::vector<std::string> topics{
        "zigbee2mqtt/Kitchen ceiling/set", "zigbee2mqtt/Kitchen ceiling/set/brightness", "zigbee2mqtt/Front door/set",
        "zigbee2mqtt/Bedroom radiator/set", "cmnd/hallway_relay/POWER", "cmnd/dual_relay/POWER9",
        "cmnd/dual_relay/Dimmer", "shellies/shelly1-test/relay/0/command", "shellyplus2pm-test/rpc",
        "hearth-sim/press/kitchen_ceiling", "hearth-sim/jam/nobody", "hearth-sim", "hearth-sim/outside"};
    const std::vector<std::string> payloads{
        "", "{", "null", "[1,2,3]", std::string(10000, '['), std::string(100000, '{'), R"({"state":42,"brightness":"bright"})",
        R"({"brightness":1e308,"color":{"x":"a"},"color_temp":-1e300})", R"({"occupied_heating_setpoint":null})",
        R"({"id":1,"src":"x","method":5})", R"({"id":1,"src":"a/#","method":"Switch.Set"})",
        R"({"id":1,"src":"x","method":"Switch.Set","params":{"id":-1,"on":true}})",
        R"({"id":1,"src":"x","method":"Switch.Set","params":[1]})", "\xff\xfe\x00garbage", "TOGGLE TOGGLE"};
    // One topic's worth at a time, each followed by a request that must still be answered. (The
    // pacing keeps each burst small: MqttClient's bounded read loop can stall under a burst of
    // more than 64 messages, which is MqttClient's to fix and not what this test is about.)
    int ping = 0;
    for (const auto& topic : topics) {
        INFO(topic);
        for (const auto& payload : payloads) sim.probe().publish(topic, payload);
        ++ping;
        sim.probe().publish("shellyplus2pm-test/rpc",
                            json{{"id", ping}, {"src", "after"}, {"method", "Shelly.GetStatus"}}.dump());
        const auto status = sim.wait_json("after/rpc", [&](const json& j) { return j.value("id", 0) == ping; });
        REQUIRE(status);
        CHECK(status->at("result").contains("switch:0"));
    }
    CHECK(sim.process().running());
    // Malformed RPC frames with a usable src get a JSON-RPC error, not silence.
    CHECK(sim.wait_json("x/rpc", [](const json& j) { return j.contains("error"); }));
}
