// Zigbee2MQTT translation on payloads as Zigbee2MQTT 1.x and 2.x publish them.
#include "devices/zigbee2mqtt/zigbee2mqtt.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace hearth;

namespace {

Device device(DeviceType type, const std::string& topic, const std::string& channel = "") {
    Device d;
    d.id = "dev";
    d.name = "Dev";
    d.type = type;
    d.protocol = Protocol::zigbee2mqtt;
    d.topic = topic;
    d.channel = channel;
    return d;
}

const ProtocolSettings settings{};

}  // namespace

TEST_CASE("zigbee2mqtt: a light's state message", "[devices][zigbee2mqtt]") {
    const auto d = device(DeviceType::light, "Living room/Lamp");
    const auto parsed = zigbee2mqtt::parse(d, settings, "zigbee2mqtt/Living room/Lamp",
                                           R"({"state":"ON","brightness":254,"color_temp":370,"color_mode":"color_temp","linkquality":87})");
    REQUIRE(parsed);
    REQUIRE(parsed->state);
    CHECK(parsed->state->on == true);
    CHECK(parsed->state->brightness == 100);
    CHECK(parsed->state->color_temp_kelvin == 2703);
    CHECK_FALSE(parsed->action);
    // Another device's topic, and the device's own /set topic, are not its state.
    CHECK_FALSE(zigbee2mqtt::parse(d, settings, "zigbee2mqtt/Living room", "{}"));
    CHECK_FALSE(zigbee2mqtt::parse(d, settings, "zigbee2mqtt/Living room/Lamp/set", R"({"state":"OFF"})"));
}

TEST_CASE("zigbee2mqtt: availability in the 1.x and 2.x forms", "[devices][zigbee2mqtt]") {
    const auto d = device(DeviceType::light, "Hall");
    CHECK(zigbee2mqtt::parse(d, settings, "zigbee2mqtt/Hall/availability", R"({"state":"offline"})")->availability ==
          Availability::offline);
    CHECK(zigbee2mqtt::parse(d, settings, "zigbee2mqtt/Hall/availability", "online")->availability == Availability::online);
    CHECK_FALSE(zigbee2mqtt::parse(d, settings, "zigbee2mqtt/Hall/availability", "maybe")->availability);
}

TEST_CASE("zigbee2mqtt: thermostat, lock, sensor and button payloads", "[devices][zigbee2mqtt]") {
    SECTION("radiator thermostat") {
        const auto p = zigbee2mqtt::parse(device(DeviceType::thermostat, "TRV"), settings, "zigbee2mqtt/TRV",
                                          R"({"local_temperature":19.8,"occupied_heating_setpoint":21.5,"system_mode":"heat","running_state":"heat","battery":87})");
        CHECK(p->state->temperature == Approx(19.8));
        CHECK(p->state->target_temperature == Approx(21.5));
        CHECK(p->state->mode == ThermostatMode::heat);
        CHECK(p->state->heating == true);
        CHECK(p->state->battery == 87);
        CHECK(p->setpoint_key == "occupied_heating_setpoint");
    }
    SECTION("lock: lock_state beats state, not_fully_locked is jammed") {
        const auto d = device(DeviceType::lock, "Front door");
        CHECK(zigbee2mqtt::parse(d, settings, "zigbee2mqtt/Front door", R"({"state":"LOCK","lock_state":"locked"})")->state->lock ==
              LockState::locked);
        CHECK(zigbee2mqtt::parse(d, settings, "zigbee2mqtt/Front door", R"({"state":"UNLOCK"})")->state->lock ==
              LockState::unlocked);
        CHECK(zigbee2mqtt::parse(d, settings, "zigbee2mqtt/Front door", R"({"state":"LOCK","lock_state":"not_fully_locked"})")
                  ->state->lock == LockState::jammed);
    }
    SECTION("temperature and humidity sensor") {
        const auto p = zigbee2mqtt::parse(device(DeviceType::sensor, "Climate"), settings, "zigbee2mqtt/Climate",
                                          R"({"temperature":21.3,"humidity":48.5,"battery":100,"linkquality":120})");
        CHECK(p->state->temperature == Approx(21.3));
        CHECK(p->state->humidity == Approx(48.5));
    }
    SECTION("button actions are normalised") {
        const auto d = device(DeviceType::button, "Remote");
        CHECK(zigbee2mqtt::parse(d, settings, "zigbee2mqtt/Remote", R"({"action":"single","battery":100})")->action == "single");
        CHECK(zigbee2mqtt::parse(d, settings, "zigbee2mqtt/Remote", R"({"action":"hold"})")->action == "long");
        CHECK(zigbee2mqtt::parse(d, settings, "zigbee2mqtt/Remote", R"({"action":"brightness_move_up"})")->action ==
              "brightness_up");
        // Zigbee2MQTT publishes an empty action after some events: not a press.
        CHECK_FALSE(zigbee2mqtt::parse(d, settings, "zigbee2mqtt/Remote", R"({"action":""})")->action);
    }
}

TEST_CASE("zigbee2mqtt: garbage yields nothing and never throws", "[devices][zigbee2mqtt]") {
    const auto d = device(DeviceType::light, "Lamp");
    for (const char* payload : {"", "not json", "[1,2]", "{\"state\":17,\"brightness\":\"full\"}",
                                "{\"brightness\":1e308}", "{\"brightness\":-5}", "{\"color\":{\"x\":\"a\"}}", "null"}) {
        INFO(payload);
        const auto p = zigbee2mqtt::parse(d, settings, "zigbee2mqtt/Lamp", payload);
        REQUIRE(p);
        CHECK((!p->state || p->state->empty()));
    }
}

TEST_CASE("zigbee2mqtt: commands", "[devices][zigbee2mqtt]") {
    std::string error;
    auto body = [&](const Device& d, const DeviceCommand& c) {
        auto m = zigbee2mqtt::translate(d, settings, c, error);
        REQUIRE(m);
        REQUIRE(m->size() == 1);
        return std::make_pair((*m)[0].topic, nlohmann::json::parse((*m)[0].payload));
    };
    const auto lamp = device(DeviceType::light, "Living room/Lamp");
    DeviceCommand dim{DeviceCommand::Kind::set_brightness};
    dim.brightness = 40;
    auto [topic, payload] = body(lamp, dim);
    CHECK(topic == "zigbee2mqtt/Living room/Lamp/set");
    CHECK(payload == nlohmann::json{{"state", "ON"}, {"brightness", 102}});

    dim.brightness = 0;
    CHECK(body(lamp, dim).second == nlohmann::json{{"state", "OFF"}});

    // A two-gang switch addressed by endpoint.
    const auto gang = device(DeviceType::switch_, "Wall switch", "l2");
    CHECK(body(gang, DeviceCommand{DeviceCommand::Kind::turn_on}).second == nlohmann::json{{"state_l2", "ON"}});

    const auto door = device(DeviceType::lock, "Front door");
    CHECK(body(door, DeviceCommand{DeviceCommand::Kind::unlock}).second == nlohmann::json{{"state", "UNLOCK"}});

    DeviceCommand heat{DeviceCommand::Kind::set_temperature};
    heat.temperature = 21.3;
    const auto trv = device(DeviceType::thermostat, "TRV");
    CHECK(body(trv, heat).second == nlohmann::json{{"occupied_heating_setpoint", 21.5}});
    auto current = zigbee2mqtt::translate(trv, settings, heat, error, "current_heating_setpoint");
    CHECK(nlohmann::json::parse((*current)[0].payload).contains("current_heating_setpoint"));

    // What a device cannot do is refused with a reason, not sent.
    CHECK_FALSE(zigbee2mqtt::translate(door, settings, DeviceCommand{DeviceCommand::Kind::turn_on}, error));
    CHECK(error.find("lock cannot turn_on") != std::string::npos);
    CHECK_FALSE(zigbee2mqtt::translate(gang, settings, DeviceCommand{DeviceCommand::Kind::lock}, error));
}

TEST_CASE("zigbee2mqtt: asking a device for its state", "[devices][zigbee2mqtt]") {
    const auto light = zigbee2mqtt::state_requests(device(DeviceType::light, "Kitchen ceiling"), settings);
    REQUIRE(light.size() == 1);
    CHECK(light[0].topic == "zigbee2mqtt/Kitchen ceiling/get");
    CHECK(nlohmann::json::parse(light[0].payload) == nlohmann::json({{"state", ""}, {"brightness", ""}}));
    const auto lock = zigbee2mqtt::state_requests(device(DeviceType::lock, "Front door"), settings);
    REQUIRE(lock.size() == 1);
    CHECK(nlohmann::json::parse(lock[0].payload) == nlohmann::json({{"state", ""}}));
    const auto trv = zigbee2mqtt::state_requests(device(DeviceType::thermostat, "Bedroom radiator"), settings);
    REQUIRE(trv.size() == 1);
    CHECK(nlohmann::json::parse(trv[0].payload).contains("local_temperature"));
    // One output of a multi-channel relay asks for its own endpoint's state.
    const auto channel = zigbee2mqtt::state_requests(device(DeviceType::switch_, "Relay", "l2"), settings);
    REQUIRE(channel.size() == 1);
    CHECK(nlohmann::json::parse(channel[0].payload) == nlohmann::json({{"state_l2", ""}}));
    // Sleeping battery devices are not asked: they would not answer.
    CHECK(zigbee2mqtt::state_requests(device(DeviceType::sensor, "Hall sensor"), settings).empty());
    CHECK(zigbee2mqtt::state_requests(device(DeviceType::button, "Hall button"), settings).empty());
}
