// Bindings end to end: a Zigbee button drives a Tasmota relay through the real broker.
#include "support/broker.hpp"
#include "support/hub.hpp"
#include "support/mqtt_probe.hpp"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <thread>

using namespace hearth::test;
using namespace std::chrono_literals;

namespace {

const std::string button_and_binding =
    "  - id: hallway_button\n"
    "    type: button\n"
    "    area: hallway\n"
    "    protocol: zigbee2mqtt\n"
    "    topic: Hallway button\n"
    "bindings:\n"
    "  - button: hallway_button\n"
    "    event: single\n"
    "    action: toggle\n"
    "    devices: [hallway_switch]\n"
    "  - button: hallway_button\n"
    "    event: long\n"
    "    action: off\n"
    "    devices: [hallway_switch, kitchen_ceiling]\n";

struct House {
    Broker broker;
    MqttProbe probe{broker.port(), "#"};
    Hub hub{broker};

    House() {
        hub.write_config(small_house_yaml(broker.port(), hub.socket_path(), "hearth", button_and_binding));
    }
    void start() {
        hub.start();
        REQUIRE(probe.wait_for("hearth/status", "online", 5s));
        // "online" goes out on CONNACK; give the broker a moment to confirm the subscriptions.
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
    void press(const std::string& action) { probe.publish("zigbee2mqtt/Hallway button", "{\"action\":\"" + action + "\"}"); }
    std::vector<std::string> relay_commands() const { return probe.payloads("cmnd/hallway_relay/POWER"); }
};

}  // namespace

TEST_CASE("a Zigbee button toggles a Tasmota relay with absolute commands", "[daemon][bindings]") {
    House house;
    house.start();

    house.press("single");  // state unknown: a toggle switches on
    REQUIRE(eventually([&] { return house.relay_commands().size() == 1; }, 3s));
    CHECK(house.relay_commands()[0] == "ON");

    // The relay reports that it is on; the next press switches it off.
    house.probe.publish("stat/hallway_relay/POWER", "ON");
    REQUIRE(eventually([&] {
        return house.hub.request({{"command", "devices"}}).at("result").dump().find("\"on\":true") != std::string::npos;
    }, 3s));
    house.press("single");
    REQUIRE(eventually([&] { return house.relay_commands().size() == 2; }, 3s));
    CHECK(house.relay_commands()[1] == "OFF");

    // A long press acts on its own binding's devices.
    house.press("long");
    REQUIRE(eventually([&] { return !house.probe.payloads("zigbee2mqtt/Kitchen ceiling/set").empty(); }, 3s));
    CHECK(house.probe.payloads("zigbee2mqtt/Kitchen ceiling/set")[0] == R"({"state":"OFF"})");
    CHECK(house.hub.status().at("bindings").at("fired") == 3);
}

TEST_CASE("a duplicated button message cannot undo its toggle", "[daemon][bindings]") {
    House house;
    house.start();
    house.probe.publish("stat/hallway_relay/POWER", "OFF");
    std::this_thread::sleep_for(200ms);
    // QoS 1 may deliver a message twice; the device has not reported in between.
    house.press("single");
    house.press("single");
    REQUIRE(eventually([&] { return house.relay_commands().size() == 2; }, 3s));
    CHECK(house.relay_commands() == std::vector<std::string>{"ON", "ON"});
}

TEST_CASE("a retained button message replayed by the broker fires nothing", "[daemon][bindings]") {
    House house;
    // Left on the broker before the hub subscribes: the hub receives it as a replay.
    house.probe.publish("zigbee2mqtt/Hallway button", R"({"action":"single","battery":90})", true);
    std::this_thread::sleep_for(200ms);
    house.start();
    std::this_thread::sleep_for(800ms);
    CHECK(house.relay_commands().empty());
    CHECK(house.hub.status().at("bindings").at("fired") == 0);
    // A live press still works.
    house.press("single");
    CHECK(eventually([&] { return house.relay_commands().size() == 1; }, 3s));
}

TEST_CASE("a binding to an offline device reports it and sends nothing", "[daemon][bindings]") {
    House house;
    house.start();
    house.probe.publish("tele/hallway_relay/LWT", "Offline", true);
    REQUIRE(eventually([&] {
        return house.hub.request({{"command", "devices"}}).at("result").dump().find("\"offline\"") != std::string::npos;
    }, 3s));
    house.press("single");
    REQUIRE(eventually([&] { return house.hub.status().at("bindings").at("failures") == 1; }, 3s));
    CHECK(house.relay_commands().empty());
    CHECK(house.hub.output().find("Hallway switch is offline") != std::string::npos);
}

TEST_CASE("fallback: direct asks Zigbee2MQTT to bind the button to the lights and reports the answer",
          "[daemon][bindings]") {
    Broker broker;
    MqttProbe probe(broker.port(), "#");
    Hub hub(broker);
    hub.write_config(small_house_yaml(broker.port(), hub.socket_path(), "hearth",
                                      "  - id: hallway_button\n"
                                      "    type: button\n"
                                      "    protocol: zigbee2mqtt\n"
                                      "    topic: Hallway/Button\n"
                                      "  - id: hallway_lamp\n"
                                      "    type: light\n"
                                      "    protocol: zigbee2mqtt\n"
                                      "    topic: Hallway/Lamp\n"
                                      "bindings:\n"
                                      "  - button: hallway_button\n"
                                      "    action: toggle\n"
                                      "    devices: [kitchen_ceiling, hallway_lamp]\n"
                                      "    fallback: direct\n"));
    hub.start();
    const std::string request_topic = "zigbee2mqtt/bridge/request/device/bind";
    REQUIRE(eventually([&] { return probe.payloads(request_topic).size() == 2; }, 5s));
    const auto first = nlohmann::json::parse(probe.payloads(request_topic)[0]);
    CHECK(first.at("from") == "Hallway/Button");
    CHECK(first.at("to") == "Kitchen ceiling");
    CHECK(first.at("clusters") == nlohmann::json{"genOnOff", "genLevelCtrl"});
    const auto second = nlohmann::json::parse(probe.payloads(request_topic)[1]);
    CHECK(second.at("to") == "Hallway/Lamp");

    // Zigbee2MQTT answers one request with success, the other with an error.
    probe.publish("zigbee2mqtt/bridge/response/device/bind",
                  nlohmann::json{{"data", {{"from", "Hallway/Button"}, {"to", "Kitchen ceiling"}}},
                                 {"status", "ok"},
                                 {"transaction", first.at("transaction")}}
                      .dump());
    probe.publish("zigbee2mqtt/bridge/response/device/bind",
                  nlohmann::json{{"data", nlohmann::json::object()},
                                 {"status", "error"},
                                 {"error", "Failed to bind: timeout"},
                                 {"transaction", second.at("transaction")}}
                      .dump());
    REQUIRE(eventually([&] {
        const auto direct = hub.status().at("bindings").at("direct");
        return direct.size() == 2 && direct[0].at("status") != "pending" && direct[1].at("status") != "pending";
    }, 3s));
    const auto direct = hub.status().at("bindings").at("direct");
    CHECK(direct[0].at("device") == "kitchen_ceiling");
    CHECK(direct[0].at("status") == "ok");
    CHECK(direct[1].at("status") == "failed");
    CHECK(direct[1].at("error") == "Failed to bind: timeout");
}
