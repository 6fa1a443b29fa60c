// SIGHUP: a valid new configuration replaces the running one; an invalid one changes nothing.
#include "support/broker.hpp"
#include "support/hub.hpp"
#include "support/mqtt_probe.hpp"

#include <catch2/catch.hpp>

#include <signal.h>

using namespace hearth::test;
using namespace std::chrono_literals;

namespace {

const std::string extra_device =
    "  - id: landing_lamp\n"
    "    type: light\n"
    "    area: bedroom\n"
    "    protocol: shelly\n"
    "    topic: shellyplus1-a8032ab12345\n";

}  // namespace

TEST_CASE("SIGHUP with a valid configuration applies it", "[daemon][reload]") {
    Broker broker;
    MqttProbe probe(broker.port(), "hearth/#");
    Hub hub(broker);
    hub.start();
    REQUIRE(probe.wait_for("hearth/status", "online", 5s));
    REQUIRE(hub.status().at("device_count") == 4);

    hub.write_config(small_house_yaml(broker.port(), hub.socket_path(), "hearth", extra_device));
    hub.process().signal(SIGHUP);
    REQUIRE(eventually([&] { return hub.status().at("reloads") == 1; }, 5s));
    const auto status = hub.status();
    CHECK(status.at("device_count") == 5);
    CHECK(status.at("reload_failures") == 0);
    CHECK(status.at("last_reload_error").is_null());
    // The broker settings did not change, so the connection was kept.
    CHECK(status.at("broker").at("connects") == 1);
    CHECK(hub.process().running());
}

TEST_CASE("SIGHUP with an invalid configuration keeps the running one", "[daemon][reload]") {
    Broker broker;
    MqttProbe probe(broker.port(), "hearth/#");
    Hub hub(broker);
    hub.start();
    REQUIRE(probe.wait_for("hearth/status", "online", 5s));
    probe.clear();

    // Line 4 breaks the port, and the added device gets an unknown type.
    std::string broken = small_house_yaml(broker.port(), hub.socket_path(), "hearth", extra_device);
    broken.replace(broken.find("  port: "), broken.find('\n', broken.find("  port: ")) - broken.find("  port: "),
                   "  port: seventy");
    broken.replace(broken.find("type: light\n    area: bedroom"), 11, "type: lamp");
    hub.write_config(broken);
    hub.process().signal(SIGHUP);
    REQUIRE(eventually([&] { return hub.status().at("reload_failures") == 1; }, 5s));

    const auto status = hub.status();
    CHECK(status.at("device_count") == 4);
    CHECK(status.at("reloads") == 0);
    CHECK(status.at("last_reload_error").get<std::string>().find("2 error(s)") != std::string::npos);
    CHECK(status.at("broker").at("connected") == true);
    CHECK(status.at("broker").at("connects") == 1);
    const std::string log = hub.output();
    CHECK(log.find(hub.config_path() + ":4:9: error: mqtt.port") != std::string::npos);
    CHECK(log.find("keeping the running configuration") != std::string::npos);
    // Nothing went offline on the way.
    std::this_thread::sleep_for(200ms);
    CHECK(probe.payloads("hearth/status").empty());

    // Fixed, the next SIGHUP applies it.
    hub.write_config(small_house_yaml(broker.port(), hub.socket_path(), "hearth", extra_device));
    hub.process().signal(SIGHUP);
    REQUIRE(eventually([&] { return hub.status().at("reloads") == 1; }, 5s));
    CHECK(hub.status().at("device_count") == 5);
    CHECK(hub.status().at("last_reload_error").is_null());
}

TEST_CASE("SIGHUP that changes the prefix moves the status topic", "[daemon][reload]") {
    Broker broker;
    MqttProbe probe(broker.port(), "#");
    Hub hub(broker);
    hub.start();
    REQUIRE(probe.wait_for("hearth/status", "online", 5s));

    hub.write_config(small_house_yaml(broker.port(), hub.socket_path(), "upstairs_hub"));
    hub.process().signal(SIGHUP);
    REQUIRE(probe.wait_for("upstairs_hub/status", "online", 8s));
    CHECK(probe.wait_for("hearth/status", "offline", 2s));
    CHECK(hub.status().at("broker").at("connected") == true);

    // The new Last Will guards the new topic.
    probe.clear();
    hub.process().signal(SIGKILL);
    hub.process().wait(5s);
    CHECK(probe.wait_for("upstairs_hub/status", "offline", 5s));
}
