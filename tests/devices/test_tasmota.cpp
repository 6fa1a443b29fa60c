// Tasmota translation on payloads as Tasmota publishes them.
#include "devices/tasmota/tasmota.hpp"

#include <catch2/catch.hpp>

using namespace hearth;

namespace {

Device device(DeviceType type, const std::string& topic, const std::string& channel = "") {
    Device d;
    d.id = "dev";
    d.name = "Dev";
    d.type = type;
    d.protocol = Protocol::tasmota;
    d.topic = topic;
    d.channel = channel;
    return d;
}

}  // namespace

TEST_CASE("tasmota: topics follow FullTopic", "[devices][tasmota]") {
    ProtocolSettings standard;
    CHECK(tasmota::topic_base(standard, "cmnd", "kitchen_plug") == "cmnd/kitchen_plug");
    ProtocolSettings reordered;
    reordered.tasmota_full_topic = "tasmota/%topic%/%prefix%/";
    CHECK(tasmota::topic_base(reordered, "stat", "plug") == "tasmota/plug/stat");
    std::string error;
    auto m = tasmota::translate(device(DeviceType::switch_, "plug"), reordered, DeviceCommand{DeviceCommand::Kind::turn_on}, error);
    REQUIRE(m);
    CHECK((*m)[0].topic == "tasmota/plug/cmnd/POWER");
}

TEST_CASE("tasmota: power, dimmer, LWT and telemetry", "[devices][tasmota]") {
    const ProtocolSettings s;
    const auto plug = device(DeviceType::switch_, "kitchen_plug");
    CHECK(tasmota::parse(plug, s, "stat/kitchen_plug/POWER", "ON")->state->on == true);
    // SetOption26 makes a single relay answer POWER1.
    CHECK(tasmota::parse(plug, s, "stat/kitchen_plug/POWER1", "OFF")->state->on == false);
    CHECK(tasmota::parse(plug, s, "stat/kitchen_plug/RESULT", R"({"POWER":"OFF"})")->state->on == false);
    CHECK(tasmota::parse(plug, s, "tele/kitchen_plug/LWT", "Offline")->availability == Availability::offline);
    CHECK(tasmota::parse(plug, s, "tele/kitchen_plug/STATE",
                         R"({"Time":"2026-11-23T10:00:00","Uptime":"0T01:00:00","POWER":"ON","Wifi":{"RSSI":70}})")
              ->state->on == true);

    const auto relay2 = device(DeviceType::light, "tasmota_5C1E07", "2");
    CHECK(tasmota::parse(relay2, s, "stat/tasmota_5C1E07/RESULT", R"({"POWER2":"ON"})")->state->on == true);
    CHECK_FALSE(tasmota::parse(relay2, s, "stat/tasmota_5C1E07/RESULT", R"({"POWER1":"ON"})")->state->on);
    CHECK_FALSE(tasmota::parse(relay2, s, "stat/tasmota_5C1E07/POWER1", "ON"));
    CHECK(tasmota::parse(relay2, s, "stat/tasmota_5C1E07/RESULT", R"({"POWER2":"ON","Dimmer":40})")->state->brightness == 40);

    const auto thermometer = device(DeviceType::sensor, "garage");
    const auto sensor = tasmota::parse(thermometer, s, "tele/garage/SENSOR",
                                       R"({"Time":"2026-11-23T10:00:00","DS18B20":{"Id":"030597946B04","Temperature":20.9},"TempUnit":"C"})");
    CHECK(sensor->state->temperature == Approx(20.9));
}

TEST_CASE("tasmota: button and detached switch events", "[devices][tasmota]") {
    const ProtocolSettings s;
    const auto button = device(DeviceType::button, "hall_button");
    CHECK(tasmota::parse(button, s, "stat/hall_button/RESULT", R"({"Button1":{"Action":"SINGLE"}})")->action == "single");
    CHECK(tasmota::parse(button, s, "stat/hall_button/RESULT", R"({"Button1":{"Action":"DOUBLE"}})")->action == "double");
    CHECK(tasmota::parse(button, s, "stat/hall_button/RESULT", R"({"Button1":{"Action":"HOLD"}})")->action == "long");
    CHECK_FALSE(tasmota::parse(button, s, "stat/hall_button/RESULT", R"({"Button2":{"Action":"SINGLE"}})")->action);
}

TEST_CASE("tasmota: commands and refusals", "[devices][tasmota]") {
    const ProtocolSettings s;
    std::string error;
    const auto lamp = device(DeviceType::light, "landing", "1");
    DeviceCommand dim{DeviceCommand::Kind::set_brightness};
    dim.brightness = 30;
    auto m = tasmota::translate(lamp, s, dim, error);
    REQUIRE(m);
    CHECK((*m)[0].topic == "cmnd/landing/Dimmer");
    CHECK((*m)[0].payload == "30");
    m = tasmota::translate(lamp, s, DeviceCommand{DeviceCommand::Kind::turn_off}, error);
    CHECK((*m)[0].topic == "cmnd/landing/POWER1");
    CHECK((*m)[0].payload == "OFF");
    CHECK_FALSE(tasmota::translate(device(DeviceType::switch_, "plug"), s, DeviceCommand{DeviceCommand::Kind::unlock}, error));
    CHECK_FALSE(error.empty());
}

TEST_CASE("tasmota: garbage yields nothing and never throws", "[devices][tasmota]") {
    const ProtocolSettings s;
    const auto plug = device(DeviceType::light, "plug");
    for (const char* payload : {"", "{", "[]", R"({"POWER":1})", R"({"Dimmer":"x"})", R"({"Dimmer":900})", "MAYBE"}) {
        INFO(payload);
        auto r = tasmota::parse(plug, s, "stat/plug/RESULT", payload);
        REQUIRE(r);
        CHECK((!r->state || r->state->empty()));
        auto p = tasmota::parse(plug, s, "stat/plug/POWER", payload);
        CHECK((!p->state || p->state->empty()));
    }
}

TEST_CASE("tasmota: asking a device for its state", "[devices][tasmota]") {
    const ProtocolSettings s;
    const auto relay = tasmota::state_requests(device(DeviceType::switch_, "hallway_relay"), s);
    REQUIRE(relay.size() == 1);
    CHECK(relay[0].topic == "cmnd/hallway_relay/STATE");
    CHECK(relay[0].payload.empty());
    ProtocolSettings reordered;
    reordered.tasmota_full_topic = "%topic%/%prefix%/";
    CHECK(tasmota::state_requests(device(DeviceType::light, "lamp"), reordered).at(0).topic == "lamp/cmnd/STATE");
    CHECK(tasmota::state_requests(device(DeviceType::button, "hall_button"), s).empty());
}
