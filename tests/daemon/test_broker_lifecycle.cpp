// The hub and its broker: status and Last Will, clean stops, crashes of either side.
#include "support/broker.hpp"
#include "support/hub.hpp"
#include "support/mqtt_probe.hpp"

#include <catch2/catch.hpp>

#include <signal.h>

using namespace hearth::test;
using namespace std::chrono_literals;

namespace {

// What a client connecting now is told about `topic` (the retained message), if anything.
std::optional<std::string> retained(int port, const std::string& topic) {
    MqttProbe late(port, topic);
    if (!eventually([&] { return !late.messages().empty(); }, 1500ms)) return std::nullopt;
    const auto m = late.messages().front();
    if (!m.retain) return std::nullopt;
    return m.payload;
}

}  // namespace

TEST_CASE("the hub announces itself online, retained, once connected", "[daemon][mqtt]") {
    Broker broker;
    MqttProbe probe(broker.port(), "hearth/#");
    Hub hub(broker);
    hub.start();
    REQUIRE(probe.wait_for("hearth/status", "online", 5s));
    CHECK(retained(broker.port(), "hearth/status") == std::optional<std::string>("online"));
    CHECK(hub.status().at("broker").at("connected") == true);
}

TEST_CASE("SIGTERM publishes offline and exits cleanly within a second", "[daemon][mqtt]") {
    Broker broker;
    MqttProbe probe(broker.port(), "hearth/#");
    Hub hub(broker);
    hub.start();
    REQUIRE(probe.wait_for("hearth/status", "online", 5s));
    probe.clear();

    const auto started = std::chrono::steady_clock::now();
    hub.process().signal(SIGTERM);
    const auto status = hub.process().wait(5s);
    const auto took = std::chrono::steady_clock::now() - started;
    REQUIRE(status.has_value());
    CHECK(*status == 0);
    CHECK(took < 1s);
    REQUIRE(probe.wait_for("hearth/status", "offline", 2s));
    CHECK(retained(broker.port(), "hearth/status") == std::optional<std::string>("offline"));
    // A clean stop sends DISCONNECT, so the broker must not publish the Last Will as well.
    std::this_thread::sleep_for(300ms);
    CHECK(probe.payloads("hearth/status") == std::vector<std::string>{"offline"});
    CHECK(broker.log().find("disconnected") != std::string::npos);
}

TEST_CASE("SIGINT stops the hub like SIGTERM", "[daemon][mqtt]") {
    Broker broker;
    MqttProbe probe(broker.port(), "hearth/#");
    Hub hub(broker);
    hub.start();
    REQUIRE(probe.wait_for("hearth/status", "online", 5s));
    hub.process().signal(SIGINT);
    CHECK(hub.process().wait(2s) == std::optional<int>(0));
    CHECK(probe.wait_for("hearth/status", "offline", 2s));
}

TEST_CASE("after kill -9 of hearthd the broker publishes the Last Will", "[daemon][mqtt]") {
    Broker broker;
    MqttProbe probe(broker.port(), "hearth/#");
    Hub hub(broker);
    hub.start();
    REQUIRE(probe.wait_for("hearth/status", "online", 5s));
    probe.clear();
    hub.process().signal(SIGKILL);
    REQUIRE(hub.process().wait(5s) == std::optional<int>(128 + SIGKILL));
    // The kernel closes the dead process's socket, so the broker notices at once.
    REQUIRE(probe.wait_for("hearth/status", "offline", 5s));
    CHECK(retained(broker.port(), "hearth/status") == std::optional<std::string>("offline"));
}

TEST_CASE("the hub reconnects and resubscribes after the broker is killed and restarted", "[daemon][mqtt]") {
    Broker broker;
    Hub hub(broker);
    hub.start();
    {
        MqttProbe probe(broker.port(), "hearth/#");
        REQUIRE(probe.wait_for("hearth/status", "online", 5s));
    }
    broker.kill();
    REQUIRE(eventually([&] { return hub.status().at("broker").at("connected") == false; }, 5s));
    CHECK(hub.process().running());

    broker.start();  // same port; persistence is off, so nothing retained survives
    MqttProbe probe(broker.port(), "hearth/#");
    // Back-off is capped at 5 s, so the hub must be back well within 7 s.
    REQUIRE(probe.wait_for("hearth/status", "online", 7s));
    const auto status = hub.status();
    CHECK(status.at("broker").at("connects") == 2);
    CHECK(status.at("broker").at("connected") == true);

    // Resubscribed: the hub still hears its own status topic and corrects a false "offline".
    std::this_thread::sleep_for(300ms);  // "online" goes out on CONNACK, before the SUBACK
    probe.clear();
    probe.publish("hearth/status", "offline", true);
    REQUIRE(probe.wait_for("hearth/status", "online", 3s));
    CHECK(retained(broker.port(), "hearth/status") == std::optional<std::string>("online"));
}

TEST_CASE("the hub starts while the broker is down and connects when it appears", "[daemon][mqtt]") {
    Broker broker;
    broker.kill();
    Hub hub(broker);
    hub.start();
    REQUIRE(eventually([&] { return hub.status().at("broker").at("failed_attempts") >= 2; }, 5s));
    const auto down = hub.status().at("broker");
    CHECK(down.at("connected") == false);
    CHECK(down.at("last_error").get<std::string>().find("refused") != std::string::npos);

    // Let the back-off grow to its cap before the broker appears.
    std::this_thread::sleep_for(6s);
    broker.start();
    const auto appeared = std::chrono::steady_clock::now();
    MqttProbe probe(broker.port(), "hearth/#");
    REQUIRE(probe.wait_for("hearth/status", "online", 8s));
    // The cap is 5 s between tries: a working broker is found within one cap plus slack.
    CHECK(std::chrono::steady_clock::now() - appeared < 6500ms);
    CHECK(hub.status().at("broker").at("last_error").is_null());
}

TEST_CASE("the status topic follows mqtt.prefix", "[daemon][mqtt]") {
    Broker broker;
    MqttProbe probe(broker.port(), "#");
    Hub hub(broker, "house_one");
    hub.start();
    REQUIRE(probe.wait_for("house_one/status", "online", 5s));
    CHECK(probe.payloads("hearth/status").empty());
}
