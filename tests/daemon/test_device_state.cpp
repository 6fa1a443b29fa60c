// The state store end to end: device reports become retained hearth/state/<id> topics.
#include "support/broker.hpp"
#include "support/hub.hpp"
#include "support/mqtt_probe.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace hearth::test;
using namespace std::chrono_literals;

namespace {

std::optional<nlohmann::json> retained_state(int port, const std::string& id) {
    MqttProbe late(port, "hearth/state/" + id);
    if (!eventually([&] { return !late.messages().empty(); }, 2s)) return std::nullopt;
    const auto m = late.messages().front();
    if (!m.retain) return std::nullopt;
    return nlohmann::json::parse(m.payload);
}

}  // namespace

TEST_CASE("device reports become retained state topics in the hub's own model", "[daemon][devices]") {
    Broker broker;
    MqttProbe probe(broker.port(), "#");
    Hub hub(broker);
    hub.start();
    REQUIRE(probe.wait_for("hearth/status", "online", 5s));

    // Let the broker confirm the hub's subscriptions ("online" can precede them).
    std::this_thread::sleep_for(300ms);
    probe.publish("zigbee2mqtt/Kitchen ceiling", R"({"state":"ON","brightness":127,"linkquality":90})");
    probe.publish("tele/hallway_relay/LWT", "Online", true);
    probe.publish("stat/hallway_relay/POWER", "OFF");
    probe.publish("zigbee2mqtt/Front door", R"({"state":"LOCK","lock_state":"locked","battery":80})");

    REQUIRE(eventually([&] {
        auto s = retained_state(broker.port(), "front_door");
        return s && s->at("state").value("lock", "") == "locked";
    }, 5s));
    const auto light = retained_state(broker.port(), "kitchen_ceiling");
    REQUIRE(light);
    CHECK(light->at("availability") == "online");
    CHECK(light->at("state") == nlohmann::json{{"on", true}, {"brightness", 50}});
    CHECK(light->at("type") == "light");
    CHECK(light->at("last_seen").is_string());
    const auto relay = retained_state(broker.port(), "hallway_switch");
    REQUIRE(relay);
    CHECK(relay->at("state").at("on") == false);
    CHECK(retained_state(broker.port(), "front_door")->at("state").at("battery") == 80);

    // Garbage changes nothing.
    probe.publish("zigbee2mqtt/Kitchen ceiling", "{\"state\":");
    probe.publish("zigbee2mqtt/Kitchen ceiling", R"({"brightness":"bright"})");
    std::this_thread::sleep_for(300ms);
    CHECK(retained_state(broker.port(), "kitchen_ceiling")->at("state") == light->at("state"));
    CHECK(hub.process().running());

    // hearthctl devices, as a table and as JSON.
    const auto table = run({build_path("hearthctl"), "--socket", hub.socket_path(), "devices"});
    REQUIRE(table.status == 0);
    CHECK(table.output.find("kitchen_ceiling") != std::string::npos);
    CHECK(table.output.find("brightness=50") != std::string::npos);
    const auto as_json = run({build_path("hearthctl"), "--socket", hub.socket_path(), "devices", "--json"});
    REQUIRE(as_json.status == 0);
    const auto list = nlohmann::json::parse(as_json.output);
    CHECK(list.size() == 4);
}

TEST_CASE("state topics are published again after the broker lost them", "[daemon][devices]") {
    Broker broker;
    Hub hub(broker);
    hub.start();
    {
        MqttProbe probe(broker.port(), "#");
        REQUIRE(probe.wait_for("hearth/status", "online", 5s));
        // "online" goes out on CONNACK, possibly before the broker has confirmed the hub's
        // subscriptions; like a device's periodic report, the message is sent until it lands.
        REQUIRE(eventually([&] {
            probe.publish("zigbee2mqtt/Kitchen ceiling", R"({"state":"ON","brightness":254})");
            auto s = retained_state(broker.port(), "kitchen_ceiling");
            return s && s->at("state").value("brightness", 0) == 100;
        }, 8s));
    }
    broker.kill();  // no persistence: every retained message is gone
    broker.start();
    const bool republished = eventually([&] {
        auto s = retained_state(broker.port(), "kitchen_ceiling");
        return s && s->at("state").value("brightness", 0) == 100;
    }, 10s);
    if (!republished) {
        MqttProbe all(broker.port(), "#");
        std::this_thread::sleep_for(1s);
        std::string seen;
        for (const auto& m : all.messages()) seen += m.topic + (m.retain ? " (retained) " : " ") + m.payload.substr(0, 80) + "\n";
        FAIL(seen + "\n--- hub status:\n" + hub.status().dump());
    }
}
