// Discovery end to end: announcements retained on a real broker become devices of the running
// hub, with the YAML's overrides, state topics and hearthctl devices, and garbage changes nothing.
#include "support/broker.hpp"
#include "support/hub.hpp"
#include "support/mqtt_probe.hpp"
#include "support/process.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace hearth::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

const char* z2m_list = R"([
  {"ieee_address":"0x000b57fffec6a5b2","type":"Router","friendly_name":"Lounge lamp",
   "definition":{"exposes":[{"type":"light","features":[{"type":"binary","name":"state","property":"state"}]}]}},
  {"ieee_address":"0x00158d0002c8a1f0","type":"EndDevice","friendly_name":"Hall button",
   "definition":{"exposes":[{"type":"enum","name":"action","property":"action","values":["single"]}]}}
])";

const char* tasmota_config = R"({"dn":"Coffee machine","fn":["Coffee machine"],"mac":"A4CF12AB2F1A","t":"coffee",
  "rl":[1,0,0,0],"so":{"30":0}})";

const char* ha_switch = R"({"name":"Garden pump","uniq_id":"pump-1","cmd_t":"garden/pump/set","stat_t":"garden/pump",
  "pl_on":"on","pl_off":"off"})";

json device_list(Hub& hub) { return hub.request({{"command", "devices"}}).at("result"); }

const json* find(const json& list, const std::string& id) {
    for (const json& d : list)
        if (d.at("id") == id) return &d;
    return nullptr;
}

}  // namespace

TEST_CASE("discovered devices join the running hub, overridden by the YAML", "[daemon][discovery]") {
    Broker broker;
    MqttProbe probe(broker.port(), "#");
    REQUIRE(probe.wait_connected(5s));
    probe.publish("zigbee2mqtt/bridge/devices", z2m_list, true);
    probe.publish("tasmota/discovery/A4CF12AB2F1A/config", tasmota_config, true);
    probe.publish("homeassistant/switch/pump-1/config", ha_switch, true);

    Hub hub(broker);
    hub.write_config(small_house_yaml(broker.port(), hub.socket_path()) +
                     "discovery:\n"
                     "  enabled: true\n"
                     "  overrides:\n"
                     "    - device: lounge_lamp\n"
                     "      name: Reading lamp\n"
                     "      area: kitchen\n"
                     "      aliases: [big lamp]\n");
    hub.start();
    REQUIRE(probe.wait_for("hearth/status", "online", 5s));

    REQUIRE(eventually([&] { return device_list(hub).size() == 8; }, 5s));
    json list = device_list(hub);
    const json* lamp = find(list, "lounge_lamp");
    REQUIRE(lamp);
    CHECK(lamp->at("name") == "Reading lamp");
    CHECK(lamp->at("area") == "kitchen");
    CHECK(lamp->at("discovered_by") == "zigbee2mqtt");
    CHECK(find(list, "hall_button")->at("type") == "button");
    CHECK(find(list, "coffee_machine")->at("protocol") == "tasmota");
    CHECK(find(list, "garden_pump")->at("discovered_by") == "homeassistant");
    CHECK(find(list, "kitchen_ceiling")->at("discovered_by").is_null());
    CHECK(hub.status().at("device_count") == 8);

    // A discovered device's reports become its state topic like any configured device's.
    probe.publish("zigbee2mqtt/Lounge lamp", R"({"state":"ON"})");
    probe.publish("garden/pump", "on");
    REQUIRE(eventually([&] {
        for (const auto& m : probe.messages()) {
            if (m.topic != "hearth/state/garden_pump") continue;
            const json s = json::parse(m.payload);
            if (s.at("state").value("on", false)) return true;
        }
        return false;
    }, 5s));
    REQUIRE(eventually([&] {
        const json now = device_list(hub);
        const json* l = find(now, "lounge_lamp");
        return l && l->at("state").value("on", false);
    }, 5s));

    // hearthctl shows them too.
    const auto table = run({build_path("hearthctl"), "--socket", hub.socket_path(), "devices"});
    CHECK(table.status == 0);
    CHECK(table.output.find("coffee_machine") != std::string::npos);

    // Garbage on a discovery topic changes nothing; a removed announcement removes its device.
    probe.publish("zigbee2mqtt/bridge/devices", "{\"oops\":", true);
    probe.publish("homeassistant/switch/pump-1/config", "", true);
    REQUIRE(eventually([&] { return device_list(hub).size() == 7; }, 5s));
    list = device_list(hub);
    CHECK(find(list, "garden_pump") == nullptr);
    CHECK(find(list, "lounge_lamp") != nullptr);
    const json discovery = hub.status().at("discovery");
    CHECK(discovery.at("rejected").get<int>() >= 1);
    CHECK(discovery.at("announced") == 3);
    CHECK(hub.process().running());
}

TEST_CASE("with discovery off, announcements add nothing", "[daemon][discovery]") {
    Broker broker;
    MqttProbe probe(broker.port(), "#");
    REQUIRE(probe.wait_connected(5s));
    probe.publish("zigbee2mqtt/bridge/devices", z2m_list, true);
    Hub hub(broker);
    hub.start();
    REQUIRE(probe.wait_for("hearth/status", "online", 5s));
    std::this_thread::sleep_for(600ms);
    CHECK(device_list(hub).size() == 4);
    CHECK(hub.status().at("discovery").at("enabled") == false);
}

TEST_CASE("a discovered device can be commanded by name as soon as it is announced", "[daemon][discovery][commands]") {
    Broker broker;
    MqttProbe probe(broker.port(), "#");
    REQUIRE(probe.wait_connected(5s));
    Hub hub(broker);
    hub.write_config(small_house_yaml(broker.port(), hub.socket_path()) + "discovery:\n  enabled: true\n");
    hub.start();
    REQUIRE(probe.wait_for("hearth/status", "online", 5s));
    auto say = [&](const std::string& text) {
        return hub.request({{"command", "say"}, {"text", text}, {"input", "text"}}).at("result");
    };
    // Before the announcement the name means nothing.
    CHECK(say("turn on the lounge lamp")["intent"].is_null());
    probe.publish("zigbee2mqtt/bridge/devices", z2m_list, true);
    REQUIRE(eventually([&] { return find(device_list(hub), "lounge_lamp") != nullptr; }, 5s));
    const json on = say("turn on the lounge lamp");
    CHECK(on["intent"] == "TurnOn");
    CHECK(on["targets"] == json::array({"lounge_lamp"}));
    REQUIRE(eventually([&] { return !probe.payloads("zigbee2mqtt/Lounge lamp/set").empty(); }, 3s));
    CHECK(json::parse(probe.payloads("zigbee2mqtt/Lounge lamp/set")[0])["state"] == "ON");
}
