// The MQTT client on its own event loop, against a real broker.
#include "support/broker.hpp"
#include "support/mqtt_probe.hpp"

#include "hearth/mqtt_client.hpp"

#include <catch2/catch.hpp>

#include <asio/io_context.hpp>

#include <thread>

using namespace hearth;
using namespace hearth::test;
using namespace std::chrono_literals;

namespace {

MqttSettings settings_for(const Broker& broker) {
    MqttSettings s;
    s.port = broker.port();
    s.client_id = "client-test";
    return s;
}

// Runs the loop until `done` holds or `timeout` passes.
template <typename Done>
bool run_until(asio::io_context& io, Done done, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done() && std::chrono::steady_clock::now() < deadline) io.run_for(20ms);
    return done();
}

}  // namespace

TEST_CASE("mqtt client: a handler may publish at QoS 0 and 1 without deadlocking", "[mqtt]") {
    Broker broker;
    MqttProbe probe(broker.port(), "out/#");
    asio::io_context io;
    MqttClient client(io, settings_for(broker), std::nullopt);
    client.subscribe("in", 0, [&](const MqttMessage& m) {
        client.publish("out/qos0", m.payload, {0, false, std::nullopt});
        client.publish("out/qos1", m.payload, {1, false, std::nullopt});
    });
    client.start();
    REQUIRE(run_until(io, [&] { return client.connected(); }, 5s));
    run_until(io, [] { return false; }, 200ms);  // let the SUBACK arrive
    probe.publish("in", "hello", false, 0);
    REQUIRE(run_until(io, [&] { return probe.payloads("out/qos0").size() == 1 && probe.payloads("out/qos1").size() == 1; }, 5s));
    CHECK(probe.payloads("out/qos0")[0] == "hello");
}

TEST_CASE("mqtt client: a burst larger than one drain round is read completely, and reading goes on", "[mqtt]") {
    Broker broker;
    MqttProbe probe(broker.port(), "nothing");
    asio::io_context io;
    MqttClient client(io, settings_for(broker), std::nullopt);
    int received = 0;
    client.subscribe("burst", 0, [&](const MqttMessage&) { ++received; });
    client.start();
    REQUIRE(run_until(io, [&] { return client.connected(); }, 5s));
    run_until(io, [] { return false; }, 200ms);
    for (int i = 0; i < 500; ++i) probe.publish("burst", std::string(200, 'x'), false, 0);
    REQUIRE(run_until(io, [&] { return received == 500; }, 10s));
    probe.publish("burst", "after a pause", false, 0);
    CHECK(run_until(io, [&] { return received == 501; }, 5s));
}

TEST_CASE("mqtt client: publishing while disconnected fails at once and queues nothing", "[mqtt]") {
    Broker broker;
    broker.kill();
    asio::io_context io;
    MqttClient client(io, settings_for(broker), std::nullopt);
    client.start();
    run_until(io, [] { return false; }, 300ms);
    std::string error;
    CHECK_FALSE(client.publish("lock/set", "UNLOCK", {1, false, 10u}, &error));
    CHECK(error.find("not connected") != std::string::npos);
    broker.start();
    MqttProbe probe(broker.port(), "lock/#");
    REQUIRE(run_until(io, [&] { return client.connected(); }, 8s));
    run_until(io, [] { return false; }, 500ms);
    CHECK(probe.payloads("lock/set").empty());  // the refused command never arrives late
}
